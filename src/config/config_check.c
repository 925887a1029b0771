/*
 * config_check.c - what only the whole config can tell: keys that must go
 * together, or that one key's value makes necessary.
 *
 * Single values were already checked when they were parsed; here we check the
 * combinations, and messages start with where the key to fix was set (see
 * pl_config_where), e.g. "configs/x.ini:7: split = rows needs ...".
 *
 *   - split = files: test_images must be set.
 *   - split = rows: train_rows and test_rows must both be set (they start
 *     unset); each is non-empty by construction.  They index the train file
 *     and may overlap (that is the user's choice).  train_size / test_size,
 *     when not 0, must not exceed the rows of their range.
 *   - split = fraction: test_fraction in (0, 1).
 *   - Labels: an images file is CSV when format = csv, or format = auto and
 *     its name ends in ".csv" or ".csv.gz" (any case); otherwise it is IDX.
 *     A CSV file carries its labels in a column, so its labels key must be
 *     empty ("train_labels =" in the file); an IDX file needs its labels key.
 *     The test files are only checked when split = files uses them.
 * Keys the chosen split does not use (test_images under split = rows, say) are
 * ignored, so a split can be switched with one --set.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_impl.h"

/* PL_EINPUT with "where: message", where = origin of section.key. */
static int bad(pl_error *e, const pl_config *c, const char *section, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int bad(pl_error *e, const pl_config *c, const char *section, const char *key,
               const char *fmt, ...)
{
    char text[PLC_MSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return pl_errorf(e, PL_EINPUT, "%s: %s", pl_config_where(c, section, key), text);
}

static int is_default(const pl_config *c, const char *key)
{
    return strcmp(pl_config_where(c, "data", key), "default") == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_csv(const pl_config *c, const char *images)
{
    return c->data.format == PL_FORMAT_CSV ||
           (c->data.format == PL_FORMAT_AUTO &&
            (ends_with(images, ".csv") || ends_with(images, ".csv.gz")));
}

/* The labels key of one images file agrees with the file's format: a CSV
 * holds its labels, so a labels file set for it is a mistake (MNIST's default
 * names, which nobody wrote, are ignored). */
static int check_labels(const pl_config *c, const char *img_key, const char *images,
                        const char *lab_key, const char *labels, pl_error *e)
{
    if (is_csv(c, images) && *labels && !is_default(c, lab_key))
        return bad(e, c, "data", lab_key, "%s '%.200s' is CSV (labels are one of its "
                   "columns), so %s must be empty: write '%s =' in [data]",
                   img_key, images, lab_key, lab_key);
    if (!is_csv(c, images) && !*labels)
        return bad(e, c, "data", lab_key, "%s '%.200s' is IDX, so %s must name its "
                   "labels file", img_key, images, lab_key);
    return PL_OK;
}

/* split = rows: the range is set, and a subsample fits in it. */
static int check_rows(const pl_config *c, const char *rows_key, size_t lo, size_t hi,
                      const char *size_key, size_t size, pl_error *e)
{
    if (lo >= hi)
        return bad(e, c, "data", "split", "split = rows needs %s = A:B (rows A to "
                   "B-1 of train_images, e.g. %s)", rows_key,
                   strcmp(rows_key, "train_rows") == 0 ? "0:8000" : "8000:10000");
    if (size > hi - lo)
        return bad(e, c, "data", size_key, "%s = %zu is more than the %zu rows of "
                   "%s = %zu:%zu", size_key, size, hi - lo, rows_key, lo, hi);
    return PL_OK;
}

int pl_config_check(const pl_config *c, pl_error *e)
{
    if (c->task.ntasks > PL_MAX_TASKS || (c->task.ntasks < 1 && c->task.nmulti < 1))
        return bad(e, c, "task", "pairs", "nothing to train: task.pairs is none and "
                   "task.multiclass is none");
    if (c->train.nlr < 1 || c->train.nlr > PL_MAX_LIST)
        return bad(e, c, "train", "learning_rates", "no learning rates");
    int gd = 0;
    for (int i = 0; i < c->train.nsolvers; i++)
        gd |= c->train.solvers[i] == 0;
    if (c->train.nsolvers < 1)
        return bad(e, c, "train", "solver", "no solver");
    if (!(c->train.power_t >= 0.0))
        return bad(e, c, "train", "power_t", "power_t must be >= 0");
    int newton = 0;
    for (int i = 0; i < c->train.nsolvers; i++)
        newton |= c->train.solvers[i] == 3;
    for (int i = 0; newton && i < c->train.npenalties; i++)
        if (c->train.penalties[i] == 2 || c->train.penalties[i] == 3)
            return bad(e, c, "train", "penalty", "penalty = %s is not smooth: solver = newton "
                       "takes none or l2 (l1 and elasticnet: solver = lbfgs or sgd)",
                       c->train.penalties[i] == 2 ? "l1" : "elasticnet");
    for (int i = 0; gd && i < c->train.npenalties; i++)
        if (c->train.penalties[i] != 0)
            return bad(e, c, "train", "penalty", "penalty = %s is trained by solver = lbfgs or "
                       "sgd only (full-batch gradient descent has no penalty); set solver = "
                       "lbfgs or sgd",
                       c->train.penalties[i] == 1   ? "l2"
                       : c->train.penalties[i] == 2 ? "l1"
                                                    : "elasticnet");
    if (c->train.niters < 1 || c->train.niters > PL_MAX_LIST)
        return bad(e, c, "train", "iterations", "no iteration counts");
    if (c->data.pixel_max < 1 || c->data.pixel_max > 255)
        return bad(e, c, "data", "pixel_max", "pixel_max = %d: expected 1..255 (the value of "
                   "full ink: 255 for MNIST, 16 for scikit-learn's 8 x 8 digits)",
                   c->data.pixel_max);
    if (!c->data.train_images[0])
        return bad(e, c, "data", "train_images", "train_images is empty");
    if (!c->output.dir[0])
        return bad(e, c, "output", "dir", "the output dir is empty");
    const char *key;
    if (pl_prep_check_field(&c->preprocess, &key, e)) {
        /* its message names the key ("preprocess.box = 0: ..."): add where it was set */
        char text[sizeof e->msg];
        snprintf(text, sizeof text, "%s", e->msg);
        return pl_errorf(e, PL_EINPUT, "%s: %s", pl_config_where(c, "preprocess", key), text);
    }

    int rc = check_labels(c, "train_images", c->data.train_images, "train_labels",
                          c->data.train_labels, e);
    if (rc)
        return rc;
    switch (c->data.split) {
    case PL_SPLIT_FILES:
        if (!c->data.test_images[0])
            return bad(e, c, "data", "test_images", "split = files needs test_images "
                       "(or use split = rows or split = fraction)");
        return check_labels(c, "test_images", c->data.test_images, "test_labels",
                            c->data.test_labels, e);
    case PL_SPLIT_ROWS:
        rc = check_rows(c, "train_rows", c->data.train_lo, c->data.train_hi,
                        "train_size", c->data.train_size, e);
        return rc ? rc : check_rows(c, "test_rows", c->data.test_lo, c->data.test_hi,
                                    "test_size", c->data.test_size, e);
    case PL_SPLIT_FRACTION:
        if (!(c->data.test_fraction > 0.0 && c->data.test_fraction < 1.0))
            return bad(e, c, "data", "test_fraction", "test_fraction must be between "
                       "0 and 1 (both excluded)");
        return PL_OK;
    }
    return bad(e, c, "data", "split", "split is not files, rows or fraction");
}
