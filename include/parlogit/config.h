/*
 * config.h - the run configuration: an INI file (parsed with inih) plus
 * `--set section.key=value` overrides.
 *
 * Sections and keys (every key optional; defaults in pl_config_defaults):
 *   [data]   dir, train_images, train_labels, test_images, test_labels,
 *            format (auto|idx|csv), csv_label (first|last), csv_header (auto|yes|no),
 *            split (files|rows|fraction), train_rows, test_rows (A:B half-open),
 *            test_fraction, train_size, test_size (subsample, 0 = all), seed,
 *            validation_fraction (share of the training rows held out to choose
 *            each pair's best learning rate and iteration count; 0 = none)
 *   [task]   pairs = all | none | list of "i-j" (j is the positive class) and "i-rest",
 *            multiclass = none | list of ovr, softmax (ten-class models),
 *            classes = 0-9 | list of digits (the classes of the multiclass models)
 *   [train]  learning_rates = list of numbers > 0, iterations = list of integers >= 1,
 *            solver = list of gd, lbfgs, sgd, newton;
 *            penalty = list of none, l2, l1, elasticnet;
 *            l1_ratio = (0, 1); C = list of numbers > 0;
 *            tol = number > 0; max_iter = integer >= 1;
 *            sgd: batch_size, epochs (integers >= 1), shuffle_seed,
 *            lr_schedule = constant | invscaling, power_t >= 0,
 *            eval_every = integer >= 0; warm_start = true | false (see train.h)
 *   [engine] threads (auto|N), bind (none|core), simd (auto|avx512|avx2|scalar),
 *            strategy (auto|fused|jobs|data: how a sweep is spread, see train.h),
 *            distribute (auto|models|rows: over MPI ranks, see dist.h)
 *            wait (auto|spin|sleep: how threads wait at barriers, see engine.h)
 *   [output] dir, plots (true|false: draw every picture after training),
 *            model_files (true|false: each model's own files beside models.npz)
 * Errors are "file:line: message" (or "--set KEY=VALUE: message") with PL_EINPUT.
 */
#ifndef PARLOGIT_CONFIG_H
#define PARLOGIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parlogit/error.h"
#include "parlogit/image.h"

#define PL_MAX_TASKS 128
#define PL_MAX_LIST 64
#define PL_PATH_MAX 1024
#define PL_REST (-1)      /* pl_task.neg for one-vs-rest */

enum pl_split { PL_SPLIT_FILES, PL_SPLIT_ROWS, PL_SPLIT_FRACTION };
enum pl_format { PL_FORMAT_AUTO, PL_FORMAT_IDX, PL_FORMAT_CSV };
enum pl_bind { PL_BIND_NONE, PL_BIND_CORE };
enum pl_wait { PL_WAIT_AUTO, PL_WAIT_SPIN, PL_WAIT_SLEEP };
enum pl_simd { PL_SIMD_AUTO, PL_SIMD_SCALAR, PL_SIMD_AVX2, PL_SIMD_AVX512 };
enum pl_strategy { PL_STRATEGY_AUTO, PL_STRATEGY_FUSED, PL_STRATEGY_JOBS, PL_STRATEGY_DATA };
/* Across MPI ranks (src/dist/): whole jobs per rank, or the rows of every job
 * shared out; auto chooses by the cost model of src/dist/dist_plan.c. */
enum pl_distribute { PL_DISTRIBUTE_AUTO, PL_DISTRIBUTE_MODELS, PL_DISTRIBUTE_ROWS,
                      PL_DISTRIBUTE_MIXED };

/* What a model learns.
 *   binary (kind 0): rows of digit pos get y = 1; rows of digit neg (or of every
 *            other digit when neg == PL_REST) get y = 0.  "1-7" is {pos 7, neg 1};
 *            one output.
 *   ovr:     one-vs-rest over the classes of the mask: K binary outputs, output k
 *            with y = 1 on the rows of its class and 0 on the other classes' rows;
 *            predicts the class of the largest output.
 *   softmax: multinomial over the classes of the mask: K outputs, softmax
 *            cross-entropy.
 * K is the number of classes in the mask (at least 2); output k stands for the
 * k-th smallest class.  pos and neg are unused by ovr and softmax. */
enum pl_task_kind { PL_KIND_BINARY = 0, PL_KIND_OVR = 1, PL_KIND_SOFTMAX = 2 };

#define PL_ALL_CLASSES 0x3ffu        /* the mask of classes 0..9             */
#define PL_TASK_NAME_MAX 24          /* longest pl_task_name, with its NUL    */

typedef struct pl_task {
    int pos;
    int neg;
    int kind;            /* enum pl_task_kind                                */
    unsigned classes;    /* ovr, softmax: bit c set for each class c          */
} pl_task;

/* Outputs of a task's model: 1 for binary, the classes for ovr and softmax. */
int pl_task_outputs(pl_task t);

/* 1 when rows of digit c take part in task t. */
int pl_task_uses(pl_task t, int c);

/* The class of output k of an ovr or softmax task (the k-th smallest of its
 * mask); for a binary task, the positive digit. */
int pl_task_output_class(pl_task t, int k);

/* Index of class c among the outputs of an ovr or softmax task, or -1. */
int pl_task_output_of(pl_task t, int c);

/* 1 when a and b are the same task. */
int pl_task_equal(pl_task a, pl_task b);

typedef struct pl_config {
    char path[PL_PATH_MAX];            /* the INI file, for messages ("" if none) */
    struct {
        char dir[PL_PATH_MAX];         /* where data files live / are fetched to */
        char train_images[PL_PATH_MAX];
        char train_labels[PL_PATH_MAX];/* empty for CSV (labels are a column)   */
        char test_images[PL_PATH_MAX]; /* split = files only                     */
        char test_labels[PL_PATH_MAX];
        int format;                    /* enum pl_format                         */
        int csv_label;                 /* enum pl_csv_label                      */
        int csv_header;                /* enum pl_csv_header                     */
        size_t height, width;          /* data.shape; 0, 0: auto (from the data) */
        int pixel_max;                 /* full ink: 1..255, 255 for MNIST        */
        int split;                     /* enum pl_split                          */
        size_t train_lo, train_hi;     /* split = rows: [lo, hi) of the train file */
        size_t test_lo, test_hi;
        double test_fraction;          /* split = fraction: in (0, 1)            */
        size_t train_size, test_size;  /* random subsample after the split; 0 = all */
        uint64_t seed;                 /* for fraction split and subsampling     */
        double validation_fraction;    /* [0, 1): held out of the training rows  */
    } data;
    struct {
        pl_task tasks[PL_MAX_TASKS];   /* task.pairs: the binary tasks              */
        int ntasks;                    /* 0 with pairs = none                       */
        int multiclass[2];             /* task.multiclass: PL_KIND_OVR / _SOFTMAX,  */
        int nmulti;                    /* in the order given; 0 = none              */
        unsigned classes;              /* task.classes: their mask (default 0..9)   */
    } task;
    struct {
        double lr[PL_MAX_LIST];
        int nlr;
        int iters[PL_MAX_LIST];        /* sorted ascending, no duplicates        */
        int niters;
        int solvers[4];                /* enum pl_solver (train.h), in order     */
        int nsolvers;
        int penalties[4];              /* enum pl_penalty (train.h), in order    */
        int npenalties;
        double C[PL_MAX_LIST];         /* penalty = l2: inverse strengths         */
        int nC;
        double l1_ratio;               /* penalty = elasticnet: the l1 share      */
        double tol;                    /* lbfgs: gradient tolerance               */
        int max_iter;                  /* lbfgs: iteration limit                  */
        int batch_size;                /* sgd: rows per step                      */
        int epochs;                    /* sgd: passes over the training rows      */
        uint64_t shuffle_seed;         /* sgd: the batches' order                 */
        int lr_schedule;               /* sgd: enum pl_lr_schedule (train.h)      */
        double power_t;                /* sgd: invscaling's exponent, >= 0        */
        int eval_every;                /* sgd: steps between curve points (0: epochs) */
        int warm_start;                /* lbfgs: a C path from its neighbours      */
    } train;
    struct {
        int threads;                   /* 0 = auto (every core hwloc finds)      */
        int bind;                      /* enum pl_bind                           */
        int simd;                      /* enum pl_simd                           */
        int strategy;                  /* enum pl_strategy                       */
        int distribute;                /* enum pl_distribute (MPI ranks)         */
        int wait;                      /* enum pl_wait                           */
    } engine;
    struct {
        char dir[PL_PATH_MAX];
        int plots;                     /* 1: draw every picture after training   */
        int model_files;               /* 1: models/NAME.w.npy, .b.npy, .json too */
    } output;
    pl_prep_opts preprocess;           /* [preprocess]: photo -> MNIST row (image.h) */
    /* Where each key was last set, for messages about it: "file:line" or
     * "--set". Filled by the parser; read with pl_config_where. */
    struct {
        char section[16];
        char key[24];
        char where[PL_PATH_MAX + 16];
    } origin[64];
    int norigin;
} pl_config;

/* Fills every field with its default (see README): 60k/10k MNIST files in
 * data/mnist, split = files, pairs 1-7, learning rate 0.1, 100 iterations,
 * threads auto, bind core, simd auto, output runs/default. */
void pl_config_defaults(pl_config *c);

/* Parses an INI file on top of c.  Unknown section or key, a bad value, an empty
 * list, a digit outside 0..9, a pair of one digit, duplicate pairs: PL_EINPUT
 * with "path:line: message".  A file that cannot be read: PL_EIO.
 * Also sets output.dir to runs/<file stem> unless the file sets it. */
int pl_config_load(pl_config *c, const char *path, pl_error *e);

/* Applies one "section.key=value" override, with the same checks. */
int pl_config_set(pl_config *c, const char *assignment, pl_error *e);

/* Checks what only the whole config can tell (e.g. split = rows needs
 * train_rows; split = files needs test files; ranges non-empty).  Messages cite
 * where the offending key was set. */
int pl_config_check(const pl_config *c, pl_error *e);

/* "file:line" (or "--set", or "default") where section.key got its value. */
const char *pl_config_where(const pl_config *c, const char *section, const char *key);

/* Calls fn for every key with its effective value, canonically formatted
 * (numbers lossless, "C" locale), in a stable order: the effective config. */
void pl_config_foreach(const pl_config *c,
                       void (*fn)(void *ctx, const char *section, const char *key,
                                  const char *value),
                       void *ctx);

/* The text pl_config_foreach gives section.key of c into buf (n bytes);
 * 0, or -1 when there is no such key. */
int pl_config_key_text(const pl_config *c, const char *section, const char *key, char *buf,
                       size_t n);

/* Writes the task as text: "1-7", "1-rest", "ovr", "softmax" (all ten
 * classes), or "ovr-012", "softmax-012" for a subset (its digits). */
const char *pl_task_name(pl_task t, char buf[PL_TASK_NAME_MAX]);

/* Parses a name written by pl_task_name; -1 if it is not one. */
int pl_task_from_name(const char *s, pl_task *t);

#endif
