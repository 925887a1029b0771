/*
 * config_keys.c - the table of every config key, and applying one value to a
 * config.
 *
 * The table says, for each section.key, what kind of value it holds and where
 * in pl_config it goes; plc_key_apply parses a value by kind and stores it.
 * The INI loader and --set both go through plc_key_apply, so a value is
 * checked the same way wherever it comes from.  Section and key names are
 * case-sensitive and lowercase.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config/config_impl.h"
#include "parlogit/dataset.h"

#define AT(field) offsetof(pl_config, field)

static const plc_name formats[] = {
    {"auto", PL_FORMAT_AUTO}, {"idx", PL_FORMAT_IDX}, {"csv", PL_FORMAT_CSV}, {NULL, 0}};
static const plc_name csv_labels[] = {
    {"first", PL_CSV_LABEL_FIRST}, {"last", PL_CSV_LABEL_LAST}, {NULL, 0}};
static const plc_name csv_headers[] = {
    {"auto", PL_CSV_HEADER_AUTO}, {"yes", PL_CSV_HEADER_YES}, {"no", PL_CSV_HEADER_NO},
    {NULL, 0}};
static const plc_name splits[] = {
    {"files", PL_SPLIT_FILES}, {"rows", PL_SPLIT_ROWS}, {"fraction", PL_SPLIT_FRACTION},
    {NULL, 0}};
static const plc_name strategies[] = {
    {"auto", PL_STRATEGY_AUTO}, {"fused", PL_STRATEGY_FUSED}, {"jobs", PL_STRATEGY_JOBS},
    {"data", PL_STRATEGY_DATA}, {NULL, 0}};
static const plc_name distributes[] = {
    {"auto", PL_DISTRIBUTE_AUTO}, {"models", PL_DISTRIBUTE_MODELS}, {"rows", PL_DISTRIBUTE_ROWS},
    {"mixed", PL_DISTRIBUTE_MIXED},
    {NULL, 0}};
static const plc_name bools[] = {
    {"false", 0}, {"true", 1}, {"no", 0}, {"yes", 1}, {"0", 0}, {"1", 1}, {NULL, 0}};
static const plc_name multiclass[] = {{"ovr", 1}, {"softmax", 2}, {NULL, 0}};
static const plc_name solvers[] = {{"gd", 0}, {"lbfgs", 1}, {"sgd", 2}, {"newton", 3}, {NULL, 0}};
static const plc_name schedules[] = {{"constant", 0}, {"invscaling", 1}, {NULL, 0}};
static const plc_name penalties[] = {
    {"none", 0}, {"l2", 1}, {"l1", 2}, {"elasticnet", 3}, {NULL, 0}};
static const plc_name inverts[] = {
    {"auto", PL_INVERT_AUTO}, {"yes", PL_INVERT_YES}, {"no", PL_INVERT_NO}, {NULL, 0}};
static const plc_name shadings[] = {
    {"auto", PL_SHADING_AUTO}, {"none", PL_SHADING_NONE}, {"subtract", PL_SHADING_SUBTRACT},
    {"divide", PL_SHADING_DIVIDE}, {NULL, 0}};
static const plc_name thresholds[] = {
    {"otsu", PL_THRESHOLD_OTSU}, {"fixed", PL_THRESHOLD_FIXED}, {NULL, 0}};
static const plc_name waits[] = {
    {"auto", PL_WAIT_AUTO}, {"spin", PL_WAIT_SPIN}, {"sleep", PL_WAIT_SLEEP}, {NULL, 0}};
static const plc_name binds[] = {{"none", PL_BIND_NONE}, {"core", PL_BIND_CORE}, {NULL, 0}};
static const plc_name simds[] = {
    {"auto", PL_SIMD_AUTO}, {"avx512", PL_SIMD_AVX512}, {"avx2", PL_SIMD_AVX2},
    {"scalar", PL_SIMD_SCALAR}, {NULL, 0}};

const plc_key plc_keys[] = {
    {"data", "dir", PLC_PATH, AT(data.dir), 0, 0, NULL},
    {"data", "train_images", PLC_PATH, AT(data.train_images), 0, 0, NULL},
    {"data", "train_labels", PLC_PATH, AT(data.train_labels), 0, 1, NULL},
    {"data", "test_images", PLC_PATH, AT(data.test_images), 0, 1, NULL},
    {"data", "test_labels", PLC_PATH, AT(data.test_labels), 0, 1, NULL},
    {"data", "format", PLC_ENUM, AT(data.format), 0, 0, formats},
    {"data", "csv_label", PLC_ENUM, AT(data.csv_label), 0, 0, csv_labels},
    {"data", "csv_header", PLC_ENUM, AT(data.csv_header), 0, 0, csv_headers},
    {"data", "shape", PLC_SHAPE, AT(data.height), AT(data.width), 0, NULL},
    {"data", "pixel_max", PLC_INT, AT(data.pixel_max), 0, 0, NULL},
    {"data", "split", PLC_ENUM, AT(data.split), 0, 0, splits},
    {"data", "train_rows", PLC_RANGE, AT(data.train_lo), AT(data.train_hi), 0, NULL},
    {"data", "test_rows", PLC_RANGE, AT(data.test_lo), AT(data.test_hi), 0, NULL},
    {"data", "test_fraction", PLC_FRACTION, AT(data.test_fraction), 0, 0, NULL},
    {"data", "train_size", PLC_SIZE, AT(data.train_size), 0, 0, NULL},
    {"data", "test_size", PLC_SIZE, AT(data.test_size), 0, 0, NULL},
    {"data", "seed", PLC_U64, AT(data.seed), 0, 0, NULL},
    /* empty_ok on a fraction: 0 (none) is allowed too */
    {"data", "validation_fraction", PLC_FRACTION, AT(data.validation_fraction), 0, 1, NULL},
    {"task", "pairs", PLC_PAIRS, AT(task.tasks), AT(task.ntasks), 0, NULL},
    {"task", "multiclass", PLC_MULTI, AT(task.multiclass), AT(task.nmulti), 0, NULL},
    {"task", "classes", PLC_CLASSES, AT(task.classes), 0, 0, NULL},
    {"train", "learning_rates", PLC_RATES, AT(train.lr), AT(train.nlr), 0, NULL},
    {"train", "iterations", PLC_ITERS, AT(train.iters), AT(train.niters), 0, NULL},
    {"train", "solver", PLC_NAMES, AT(train.solvers), AT(train.nsolvers), 0, solvers},
    {"train", "penalty", PLC_NAMES, AT(train.penalties), AT(train.npenalties), 0, penalties},
    {"train", "C", PLC_RATES, AT(train.C), AT(train.nC), 0, NULL},
    {"train", "l1_ratio", PLC_FRACTION, AT(train.l1_ratio), 0, 0, NULL},
    {"train", "tol", PLC_POS, AT(train.tol), 0, 0, NULL},
    {"train", "max_iter", PLC_COUNT, AT(train.max_iter), 0, 0, NULL},
    {"train", "batch_size", PLC_COUNT, AT(train.batch_size), 0, 0, NULL},
    {"train", "epochs", PLC_COUNT, AT(train.epochs), 0, 0, NULL},
    {"train", "shuffle_seed", PLC_U64, AT(train.shuffle_seed), 0, 0, NULL},
    {"train", "lr_schedule", PLC_ENUM, AT(train.lr_schedule), 0, 0, schedules},
    {"train", "power_t", PLC_NUM, AT(train.power_t), 0, 0, NULL},
    {"train", "eval_every", PLC_INT, AT(train.eval_every), 0, 0, NULL},
    {"train", "warm_start", PLC_ENUM, AT(train.warm_start), 0, 0, bools},
    {"engine", "threads", PLC_THREADS, AT(engine.threads), 0, 0, NULL},
    {"engine", "bind", PLC_ENUM, AT(engine.bind), 0, 0, binds},
    {"engine", "simd", PLC_ENUM, AT(engine.simd), 0, 0, simds},
    {"engine", "strategy", PLC_ENUM, AT(engine.strategy), 0, 0, strategies},
    {"engine", "distribute", PLC_ENUM, AT(engine.distribute), 0, 0, distributes},
    {"engine", "wait", PLC_ENUM, AT(engine.wait), 0, 0, waits},
    {"output", "dir", PLC_PATH, AT(output.dir), 0, 0, NULL},
    {"output", "plots", PLC_ENUM, AT(output.plots), 0, 0, bools},
    {"output", "model_files", PLC_ENUM, AT(output.model_files), 0, 0, bools},
    /* [preprocess]: how parlogit predict makes a photo an MNIST row (image.h) */
    {"preprocess", "alpha_paper", PLC_INT, AT(preprocess.alpha_paper), 0, 0, NULL},
    {"preprocess", "work_side", PLC_INT, AT(preprocess.work_side), 0, 0, NULL},
    {"preprocess", "invert", PLC_ENUM, AT(preprocess.invert), 0, 0, inverts},
    {"preprocess", "shading", PLC_ENUM, AT(preprocess.shading), 0, 0, shadings},
    {"preprocess", "shading_cells", PLC_INT, AT(preprocess.shading_cells), 0, 0, NULL},
    {"preprocess", "paper_percentile", PLC_NUM, AT(preprocess.paper_percentile), 0, 0, NULL},
    {"preprocess", "blur_radius", PLC_INT, AT(preprocess.blur_radius), 0, 0, NULL},
    {"preprocess", "threshold", PLC_ENUM, AT(preprocess.threshold), 0, 0, thresholds},
    {"preprocess", "threshold_level", PLC_INT, AT(preprocess.threshold_level), 0, 0, NULL},
    {"preprocess", "min_contrast", PLC_NUM, AT(preprocess.min_contrast), 0, 0, NULL},
    {"preprocess", "min_blob", PLC_NUM, AT(preprocess.min_blob), 0, 0, NULL},
    {"preprocess", "edge_fraction", PLC_NUM, AT(preprocess.edge_fraction), 0, 0, NULL},
    {"preprocess", "ink_percentile", PLC_NUM, AT(preprocess.ink_percentile), 0, 0, NULL},
    {"preprocess", "box", PLC_INT, AT(preprocess.box), 0, 0, NULL},
    {"preprocess", "field", PLC_INT, AT(preprocess.field), 0, 0, NULL},
};
_Static_assert(sizeof plc_keys / sizeof plc_keys[0] == PLC_NKEYS,
               "PLC_NKEYS must count the rows of plc_keys");

const plc_key *plc_key_find(const char *section, const char *key)
{
    for (int i = 0; i < PLC_NKEYS; i++)
        if (strcmp(plc_keys[i].section, section) == 0 && strcmp(plc_keys[i].key, key) == 0)
            return &plc_keys[i];
    return NULL;
}

int plc_section_known(const char *name, size_t len)
{
    for (int i = 0; i < PLC_NKEYS; i++)
        if (strlen(plc_keys[i].section) == len &&
            memcmp(plc_keys[i].section, name, len) == 0)
            return 1;
    return 0;
}

int plc_key_apply(pl_config *c, const plc_key *k, const char *value, char *msg,
                  size_t n)
{
    char *at = (char *)c + k->off, *at2 = (char *)c + k->off2;
    switch (k->kind) {
    case PLC_PATH:
        return plc_parse_path(value, k->empty_ok, at, msg, n);
    case PLC_ENUM:
        return plc_parse_enum(value, k->names, (int *)at, msg, n);
    case PLC_RANGE:
        return plc_parse_range(value, (size_t *)at, (size_t *)at2, msg, n);
    case PLC_SHAPE:
        return plc_parse_shape(value, (size_t *)at, (size_t *)at2, msg, n);
    case PLC_FRACTION:
        if (k->empty_ok) {   /* [0, 1) */
            double v;
            if (plc_parse_double(value, &v, msg, n))
                return -1;
            if (v == 0.0) {
                *(double *)at = 0.0;
                return 0;
            }
        }
        return plc_parse_fraction(value, (double *)at, msg, n);
    case PLC_SIZE: {
        uint64_t v;
        if (plc_parse_uint(value, SIZE_MAX, &v, msg, n))
            return -1;
        *(size_t *)at = (size_t)v;
        return 0;
    }
    case PLC_U64:
        return plc_parse_uint(value, UINT64_MAX, (uint64_t *)at, msg, n);
    case PLC_THREADS:
        return plc_parse_threads(value, (int *)at, msg, n);
    case PLC_PAIRS:
        return plc_parse_pairs(value, (pl_task *)at, (int *)at2, msg, n);
    case PLC_RATES:
        return plc_parse_rates(value, strcmp(k->key, "C") ? "learning rate" : "C", (double *)at,
                               (int *)at2, msg, n);
    case PLC_ITERS:
        return plc_parse_iters(value, (int *)at, (int *)at2, msg, n);
    case PLC_MULTI:
        if (plc_parse_names(value, multiclass, "a multiclass model", 1, 2, (int *)at, (int *)at2,
                            msg, n))
            return -1;
        /* the default pair (1-7) is for configs that name no model at all */
        if (c->task.nmulti && strcmp(pl_config_where(c, "task", "pairs"), "default") == 0)
            c->task.ntasks = 0;
        return 0;
    case PLC_CLASSES:
        return plc_parse_classes(value, (unsigned *)at, msg, n);
    case PLC_NAMES: {
        int max = 0;
        char what[32];
        while (k->names[max].name)
            max++;
        snprintf(what, sizeof what, "a %s", k->key);   /* "a solver", "a penalty" */
        if (plc_parse_names(value, k->names, what, 0, max, (int *)at, (int *)at2, msg, n))
            return -1;
        if (*(int *)at2 == 0) {
            snprintf(msg, n, "'%.100s': no %s", value, k->key);
            return -1;
        }
        return 0;
    }
    case PLC_POS: {
        double v;
        if (plc_parse_double(value, &v, msg, n))
            return -1;
        if (!(v > 0.0)) {
            snprintf(msg, n, "'%.100s' must be greater than 0", value);
            return -1;
        }
        *(double *)at = v;
        return 0;
    }
    case PLC_INT: {
        uint64_t v;
        if (plc_parse_uint(value, PLC_MAX_INT, &v, msg, n))
            return -1;
        *(int *)at = (int)v;
        return 0;
    }
    case PLC_NUM:
        return plc_parse_double(value, (double *)at, msg, n);
    case PLC_COUNT: {
        uint64_t v;
        if (plc_parse_uint(value, PLC_MAX_ITERS, &v, msg, n))
            return -1;
        if (v < 1) {
            snprintf(msg, n, "'%.100s' must be at least 1", value);
            return -1;
        }
        *(int *)at = (int)v;
        return 0;
    }
    }
    snprintf(msg, n, "internal error: key kind %d", k->kind);   /* a table typo */
    return -1;
}
