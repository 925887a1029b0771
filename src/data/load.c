/*
 * load.c - pl_data_files, pl_data_load and pl_data_free: from a config to the
 * grouped train and test sets.
 *
 * The steps, each in its own file: resolve the names against data.dir and
 * pick a format (here), check each file exists and hash it (sha256_file.c),
 * open it (idx.c, or csv.c which reads it whole), choose rows (split.c), then
 * build the sets (dataset.c): from a CSV's pixels, or, for IDX, as the file
 * is read, each row copied straight into the sets that take it (fill.c).
 * pl_data_load_deferred counts the training rows' non-zero pixels instead of
 * copying them, and notes where they are (reread.c reads them later); over
 * ranks, a plain file is read in shares (share.c), each rank counting its
 * own.
 * Names are data.dir + "/" + name, except absolute names and names starting
 * with "./" or "../", which are used as they are.  Format auto means by
 * extension: ".csv" or ".csv.gz" is CSV (labels are a column, so the *_labels
 * keys are not used), anything else IDX.  An IDX file's pixels are never held
 * whole: at the peak the process holds the sets and a 1 MiB chunk; a CSV's
 * are freed once the sets hold their copies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/fill.h"
#include "data/idx.h"
#include "data/split.h"
#include "parlogit/data.h"

/* Whether s ends with suffix, ignoring ASCII case (no locale involved). */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (k > n)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char a = s[n - k + i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != suffix[i])
            return 0;
    }
    return 1;
}

/* The format of the file named name: PL_FORMAT_IDX or PL_FORMAT_CSV. */
static int file_format(const pl_config *c, const char *name)
{
    if (c->data.format != PL_FORMAT_AUTO)
        return c->data.format;
    return ends_with(name, ".csv") || ends_with(name, ".csv.gz") ? PL_FORMAT_CSV
                                                                  : PL_FORMAT_IDX;
}

/* Appends the file of config key `role` to files[*n] if the key is set. */
static void add_file(const pl_config *c, const char *role, const char *name,
                     pl_data_file *files, int *n)
{
    if (!*name)
        return;
    pl_data_file *f = &files[(*n)++];
    memset(f, 0, sizeof *f);
    snprintf(f->role, sizeof f->role, "%s", role);
    size_t dl = strlen(c->data.dir);
    int as_is = name[0] == '/' || strncmp(name, "./", 2) == 0 ||
                strncmp(name, "../", 3) == 0 || dl == 0;
    if (as_is)
        snprintf(f->path, sizeof f->path, "%s", name);
    else
        snprintf(f->path, sizeof f->path, "%s%s%s", c->data.dir,
                 c->data.dir[dl - 1] == '/' ? "" : "/", name);
}

int pl_data_files(const pl_config *c, pl_data_file files[4])
{
    int n = 0;
    add_file(c, "train_images", c->data.train_images, files, &n);
    if (file_format(c, c->data.train_images) == PL_FORMAT_IDX)
        add_file(c, "train_labels", c->data.train_labels, files, &n);
    if (c->data.split == PL_SPLIT_FILES) {
        add_file(c, "test_images", c->data.test_images, files, &n);
        if (file_format(c, c->data.test_images) == PL_FORMAT_IDX)
            add_file(c, "test_labels", c->data.test_labels, files, &n);
    }
    return n;
}

static const char *where(const pl_config *c, const char *key)
{
    const char *w = pl_config_where(c, "data", key);
    return w && *w ? w : "config";
}

/* The file of `role` in files[0..n), or NULL. */
static const pl_data_file *find(const pl_data *d, const char *role)
{
    for (int i = 0; i < d->nfiles; i++)
        if (strcmp(d->files[i].role, role) == 0)
            return &d->files[i];
    return NULL;
}

/* Checks that the keys a load needs are set: images, and labels for IDX. */
static int check_keys(const pl_config *c, pl_error *e)
{
    const char *keys[4][2] = {
        {"train_images", c->data.train_images}, {"train_labels", c->data.train_labels},
        {"test_images", c->data.test_images},   {"test_labels", c->data.test_labels},
    };
    int nkeys = c->data.split == PL_SPLIT_FILES ? 4 : 2;
    for (int i = 0; i < nkeys; i += 2) {
        if (!*keys[i][1])
            return pl_errorf(e, PL_EINPUT, "%s: data.%s is empty (expected a file name)",
                             where(c, keys[i][0]), keys[i][0]);
        if (file_format(c, keys[i][1]) == PL_FORMAT_IDX && !*keys[i + 1][1])
            return pl_errorf(e, PL_EINPUT, "%s: data.%s is empty (the IDX file '%s' needs "
                             "its label file)", where(c, keys[i + 1][0]), keys[i + 1][0],
                             keys[i][1]);
    }
    return PL_OK;
}

/* Checks each listed file exists and records its digest. */
static int hash_files(const pl_config *c, pl_data *d, pl_error *e)
{
    for (int i = 0; i < d->nfiles; i++) {
        pl_data_file *f = &d->files[i];
        struct stat st;
        if (stat(f->path, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return pl_errorf(e, PL_EINPUT, "%s: file '%s' not found", where(c, f->role),
                                 f->path);
            return pl_errorf(e, PL_EIO, "%s: %s", f->path, strerror(errno));
        }
        int rc = pl_sha256_file(f->path, f->sha256, e);
        if (rc != PL_OK)
            return rc;
    }
    return PL_OK;
}

/*
 * The images of an IDX file against the config: their shape is data.shape's
 * when that is set, and at most PL_MAX_DIM pixels (their pixels are checked
 * against data.pixel_max as they are read, pl_fill_sets).  Sets
 * raw->pixel_max.  PL_EINPUT naming the file and the byte offset.
 */
static int check_idx_images(const pl_config *c, const char *path, pl_raw *raw, pl_error *e)
{
    if (c->data.height && (raw->height != c->data.height || raw->width != c->data.width))
        return pl_errorf(e, PL_EINPUT, "%s: offset 8: images of %zu x %zu pixels, but "
                         "data.shape = %zux%zu", path, raw->height, raw->width,
                         c->data.height, c->data.width);
    if (raw->dim > PL_MAX_DIM || raw->dim == 0)
        return pl_errorf(e, PL_EINPUT, "%s: offset 8: images of %zu x %zu pixels (expected "
                         "1 to %d pixels)", path, raw->height, raw->width, PL_MAX_DIM);
    raw->pixel_max = (unsigned)c->data.pixel_max;
    return PL_OK;
}

/* One side's data (the train or the test file): a CSV read whole (raw holds
 * its pixels), or an IDX pair open for its rows (raw holds the labels; the
 * rows go straight into the sets, pl_fill_sets). */
typedef struct side {
    pl_raw raw;
    pl_idx_stream idx;
    int streamed;
    const char *path;   /* the images file */
} side;

static void side_close(side *sd)
{
    pl_raw_free(&sd->raw);
    pl_idx_close(&sd->idx);
}

/* Opens the images (and, for IDX, labels) of one side: "train" or "test". */
static int open_side(const pl_config *c, const pl_data *d, const char *side_name, side *sd,
                     pl_error *e)
{
    memset(sd, 0, sizeof *sd);
    char role[16];
    snprintf(role, sizeof role, "%s_images", side_name);
    const pl_data_file *img = find(d, role);
    snprintf(role, sizeof role, "%s_labels", side_name);
    const pl_data_file *lab = find(d, role);
    sd->path = img->path;
    if (c->data.pixel_max < 1 || c->data.pixel_max > 255)   /* a config not checked */
        return pl_errorf(e, PL_EINPUT, "data.pixel_max = %d: expected 1..255",
                         c->data.pixel_max);
    if (!lab) {   /* pl_data_files lists no labels for CSV */
        pl_csv_opts o = { .label = c->data.csv_label, .header = c->data.csv_header,
                          .height = c->data.height, .width = c->data.width,
                          .pixel_max = (unsigned)c->data.pixel_max };
        return pl_csv_load(img->path, &o, &sd->raw, e);
    }
    int rc = pl_idx_open(img->path, lab->path, &sd->idx, &sd->raw, e);
    if (rc == PL_OK && (rc = check_idx_images(c, img->path, &sd->raw, e)) != PL_OK)
        side_close(sd);
    sd->streamed = rc == PL_OK;
    return rc;
}

/* The sets[0..n) that take rows of sd (rows[k] into out[k]): copied from the
 * CSV's pixels, or filled as the IDX file is read; defer: out[0] of an IDX
 * file only counted (its rows' non-zero pixels), left deferred. */
static int build_sets(side *sd, const pl_rows *const *rows, pl_dataset *const *out, int n,
                      int defer, int rank, int ranks, int nthreads, pl_error *e)
{
    int rc = PL_OK;
    if (!sd->streamed) {
        for (int k = 0; rc == PL_OK && k < n; k++)
            rc = pl_dataset_build(&sd->raw, rows[k]->idx, rows[k]->n, nthreads, out[k], e);
        return rc;
    }
    size_t *dest[3] = { NULL, NULL, NULL };
    pl_fill fill[3];
    for (int k = 0; rc == PL_OK && k < n; k++) {
        rc = pl_dataset_alloc(&sd->raw, rows[k]->idx, rows[k]->n, out[k], &dest[k], e);
        fill[k] = (pl_fill){ .d = out[k], .rows = rows[k]->idx, .dest = dest[k],
                             .n = rows[k]->n, .count_only = defer && k == 0 };
        if (rc == PL_OK && fill[k].count_only &&
            !(out[k]->nnz = calloc(rows[k]->n ? rows[k]->n : 1, sizeof *out[k]->nnz)))
            rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory for its rows' counts", sd->path);
    }
    /* over ranks, a plain file: each rank its share (the counts summed by
     * the caller); else every row, as it is read */
    if (rc == PL_OK && defer && ranks > 1 && !pl_reader_is_gzip(&sd->idx.img))
        rc = pl_fill_share(&sd->idx, sd->path, sd->raw.pixel_max, fill, n, rank, ranks,
                           nthreads, e);
    else if (rc == PL_OK)
        rc = pl_fill_sets(&sd->idx, sd->path, sd->raw.pixel_max, fill, n, nthreads, e);
    if (rc == PL_OK && defer)
        out[0]->deferred = out[0]->n > 0;
    for (int k = 0; k < n; k++)
        free(dest[k]);
    return rc;
}

static void warn(pl_data *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(pl_data *d, const char *fmt, ...)
{
    if (d->nwarnings == (int)(sizeof d->warning / sizeof d->warning[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->warning[d->nwarnings++], sizeof d->warning[0], fmt, ap);
    va_end(ap);
}

/* A CSV read with its label in the wrong column: every "label" is the same
 * (an empty corner pixel reads as 0) while the column at the other end holds
 * three or more values, all digits.  Only a hint: the data may be so. */
static void check_label_side(const pl_config *c, const pl_raw *raw, const char *path, pl_data *d)
{
    if (raw->n < 20 || raw->dim < 2)
        return;
    const size_t other = c->data.csv_label == PL_CSV_LABEL_FIRST ? raw->dim - 1 : 0;
    unsigned seen = 0, labels = 0;
    for (size_t i = 0; i < raw->n; i++) {
        const uint8_t v = raw->pix[i * raw->dim + other];
        if (v > 9)
            return;
        seen |= 1u << v;
        labels |= 1u << raw->label[i];
    }
    if (__builtin_popcount(labels) == 1 && __builtin_popcount(seen) >= 3)
        warn(d, "%s: every label read from the %s column is %d, while the %s column holds "
             "only digits 0-9: the label is probably the %s column (set data.csv_label = %s)",
             path, c->data.csv_label == PL_CSV_LABEL_FIRST ? "first" : "last",
             __builtin_ctz(labels), c->data.csv_label == PL_CSV_LABEL_FIRST ? "last" : "first",
             c->data.csv_label == PL_CSV_LABEL_FIRST ? "last" : "first",
             c->data.csv_label == PL_CSV_LABEL_FIRST ? "last" : "first");
}

/* Test rows that are also training rows. */
static void check_overlap(const pl_config *c, const pl_data *d, pl_data *out)
{
    if (c->data.split == PL_SPLIT_ROWS) {
        const size_t lo = c->data.train_lo > c->data.test_lo ? c->data.train_lo : c->data.test_lo;
        const size_t hi = c->data.train_hi < c->data.test_hi ? c->data.train_hi : c->data.test_hi;
        if (lo < hi)
            warn(out, "data.train_rows (%zu:%zu) and data.test_rows (%zu:%zu) overlap in %zu "
                 "rows (%zu:%zu): those rows are both trained on and tested on, so the test "
                 "accuracy is optimistic", c->data.train_lo, c->data.train_hi, c->data.test_lo,
                 c->data.test_hi, hi - lo, lo, hi);
    } else if (c->data.split == PL_SPLIT_FILES) {
        const pl_data_file *a = find(d, "train_images"), *b = find(d, "test_images");
        if (a && b && (!strcmp(a->path, b->path) || !strcmp(a->sha256, b->sha256)))
            warn(out, "data.test_images is the training file (%s): every test row is a "
                 "training row, so the test accuracy is optimistic", b->path);
    }
}

/* Where sd's rows are, for a later pl_data_fill_train.  PL_EIO when the file
 * cannot be looked at. */
static int note_source(const side *sd, pl_data_source *src, pl_error *e)
{
    memset(src, 0, sizeof *src);
    snprintf(src->path, sizeof src->path, "%s", sd->path);
    src->offset = pl_reader_offset(&sd->idx.img) - sd->idx.next * sd->idx.dim;
    src->nrows = sd->idx.n;
    src->gz = pl_reader_is_gzip(&sd->idx.img);
    struct stat st;
    if (stat(sd->path, &st) != 0)
        return pl_errorf(e, PL_EIO, "%s: %s", sd->path, strerror(errno));
    src->dev = (unsigned long long)st.st_dev;
    src->ino = (unsigned long long)st.st_ino;
    src->size = (long long)st.st_size;
    src->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    return PL_OK;
}

static int load(const pl_config *c, int nthreads, int defer, int rank, int ranks,
                pl_data *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    side train = { 0 }, test = { 0 };
    pl_rows rtrain = {0}, rtest = {0}, rval = {0};
    int files = c->data.split == PL_SPLIT_FILES;
    int rc = check_keys(c, e);
    if (rc != PL_OK)
        return rc;
    out->nfiles = pl_data_files(c, out->files);
    if ((rc = hash_files(c, out, e)) != PL_OK)
        goto done;
    if ((rc = open_side(c, out, "train", &train, e)) != PL_OK)
        goto done;
    if (files && (rc = open_side(c, out, "test", &test, e)) != PL_OK)
        goto done;
    if (files && (test.raw.height != train.raw.height || test.raw.width != train.raw.width)) {
        rc = pl_errorf(e, PL_EINPUT, "%s: images of %zu x %zu pixels, but the training "
                       "images (%s) are %zu x %zu", find(out, "test_images")->path,
                       test.raw.height, test.raw.width, find(out, "train_images")->path,
                       train.raw.height, train.raw.width);
        goto done;
    }
    if (!find(out, "train_labels"))   /* a CSV: its labels are a column */
        check_label_side(c, &train.raw, find(out, "train_images")->path, out);
    check_overlap(c, out, out);
    rc = pl_split_select(c, find(out, "train_images")->path, train.raw.n, test.raw.n, &rtrain,
                         &rtest, e);
    if (rc == PL_OK)
        rc = pl_split_validation(c, &rtrain, &rval, e);
    if (rc != PL_OK)
        goto done;
    /* The train file's sets: train, validation and, without a test file,
     * test; the test file's: test. */
    const pl_rows *rows[3] = { &rtrain };
    pl_dataset *sets[3] = { &out->train };
    int nsets = 1;
    if (rval.n) {   /* no validation rows: no validation set at all */
        rows[nsets] = &rval;
        sets[nsets++] = &out->val;
    }
    if (!files) {
        rows[nsets] = &rtest;
        sets[nsets++] = &out->test;
    }
    defer = defer && train.streamed && rtrain.n > 0;
    if (defer)   /* before the rows: the offset of the first pixel */
        rc = note_source(&train, &out->train_src, e);
    if (rc == PL_OK)
        rc = build_sets(&train, rows, sets, nsets, defer, rank, ranks, nthreads, e);
    if (rc == PL_OK && files) {
        const pl_rows *trows = &rtest;
        pl_dataset *tset = &out->test;
        rc = build_sets(&test, &trows, &tset, 1, 0, 0, 1, nthreads, e);
    }
    out->train_rows_read = defer ? 0 : out->train.n;
    out->train_counts_share = defer && ranks > 1 && !out->train_src.gz;
done:
    if (rc != PL_OK)
        pl_data_free(out);
    pl_rows_free(&rtrain);
    pl_rows_free(&rval);
    pl_rows_free(&rtest);
    side_close(&train);
    side_close(&test);
    return rc;
}

int pl_data_load(const pl_config *c, int nthreads, pl_data *out, pl_error *e)
{
    return load(c, nthreads, 0, 0, 1, out, e);
}

int pl_data_load_deferred(const pl_config *c, int nthreads, int rank, int ranks, pl_data *out,
                          pl_error *e)
{
    return load(c, nthreads, 1, rank, ranks, out, e);
}

void pl_data_free(pl_data *d)
{
    if (!d)
        return;
    pl_dataset_free(&d->train);
    pl_dataset_free(&d->val);
    pl_dataset_free(&d->test);
    d->nfiles = 0;
}
