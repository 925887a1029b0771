/*
 * report.h - reading a run directory back and explaining its models: the
 * computations behind the pictures (no drawing here; see plot.h), and the
 * report page that ties a run together.
 *
 * A run directory (see output.h) holds results.csv, curves.csv and models/;
 * a sweep may add pair_accuracy.csv, ovo_confusion.csv and best.csv.  The
 * readers here parse those files back (errors name file:line), pick the model
 * to explain for a task, rebuild the run's effective config from a model's
 * sidecar JSON and load its weights (model.h loads any model; the binary
 * analyses below take a binary one's 784 weights).
 *
 * The explanation of a binary model (w, b) on the training rows follows the
 * seeds: the logit of an image x (pixels / 255) is z = b + sum_i w_i x_i, the
 * probability of the positive class sigmoid(z).  The contribution of pixel i
 * is w_i x_i, so the contributions sum to z - b; their positive part is the
 * evidence for the positive digit, their negative part the evidence for the
 * other one.
 *
 * A ten-class model (ovr, softmax; model.h) is judged on the run's test rows
 * of its classes, by its own probabilities: the K x K confusion matrix, its
 * most frequent confusions each with the image the model was surest of, and
 * one row to explain, the one it got most confidently wrong.
 */
#ifndef PARLOGIT_REPORT_H
#define PARLOGIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/config.h"
#include "parlogit/data.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/model.h"

/* One line of results.csv. */
typedef struct pl_result_row {
    pl_task task;
    char pair[PL_TASK_NAME_MAX]; /* as written: "1-7", "3-rest", "softmax"       */
    double lr;                   /* gradient descent's; 0 for L-BFGS             */
    int iterations;
    char model[64];              /* the model's file name                         */
    char solver[8];              /* "gd", "lbfgs", "sgd", "newton"                */
    double C, objective;         /* L-BFGS with l2 (NaN otherwise)                */
    double train_loss, train_acc, test_loss, test_acc, seconds;   /* NaN if "nan" */
    char status[16];             /* "ok", "diverged", "interrupted"              */
    char penalty[12];            /* "none", "l2", "l1", "elasticnet" ("none" in runs
                                    before the column)                           */
    double nonzero;              /* weights that are not 0; NaN when not recorded */
} pl_result_row;

/* One line of best.csv (the sweep's choice per pair). */
typedef struct pl_best_row {
    pl_task task;
    double lr;
    int iterations;
    double validation_acc, test_acc;
    char model[64];              /* its file name ("" in runs before the column) */
} pl_best_row;

/* The training loss of one (pair, lr) after 0..len-1 updates (curves.csv). */
typedef struct pl_loss_curve {
    pl_task task;
    double lr;
    char label[48];              /* the job: "lr 0.1", "L-BFGS C=1", "SGD lr 0.1"  */
    int len;
    double *loss;                /* owned by the table                           */
    /* SGD's points (curves.csv's step, epoch, train_acc, val_loss, val_acc;
     * val NaN without validation rows), len each; NULL for other solvers */
    double *step, *epoch, *acc, *val_loss, *val_acc;
} pl_loss_curve;

/* Parses "1-7" or "3-rest" (j is the positive class).  PL_EINPUT otherwise. */
int pl_task_parse(const char *s, pl_task *t, pl_error *e);

/* Reads results.csv.  *rows is malloc'ed (caller frees).  PL_EIO if the file
 * cannot be opened, PL_EINPUT "path:line: ..." for a bad header or line. */
int pl_read_results(const char *path, pl_result_row **rows, size_t *n, pl_error *e);

/* Reads best.csv: columns found by name; pair (first), lr and iterations are
 * required, validation_acc (or val_acc) and test_acc are NaN when absent. */
int pl_read_best(const char *path, pl_best_row **rows, size_t *n, pl_error *e);

/* Reads curves.csv into one curve per (pair, lr), in file order.  Iterations
 * of a curve must be 0, 1, 2, ... in order; a curve's SGD columns are filled
 * on all its lines or on none.  Runs from before the SGD columns (5 columns)
 * and before the curve column (4) are read too.  Free with
 * pl_loss_curves_free. */
int pl_read_curves(const char *path, pl_loss_curve **curves, size_t *n, pl_error *e);
void pl_loss_curves_free(pl_loss_curve *c, size_t n);

/*
 * Reads a 10x10 digit table: a header "CORNER,0,1,...,9" then ten rows
 * "d,v0,...,v9" for d = 0..9 in order.  Empty cells are NaN.  Used for
 * pair_accuracy.csv (corner "digit") and ovo_confusion.csv (corner "actual").
 */
int pl_read_digit_matrix(const char *path, const char *corner, double m[10][10],
                         pl_error *e);

/* A run directory read back. */
typedef struct pl_run_dir {
    char dir[PL_PATH_MAX];
    pl_result_row *rows;         /* results.csv                                  */
    size_t nrows;
    pl_task pairs[PL_MAX_TASKS]; /* distinct binary tasks ("1-7", "3-rest"), in
                                    results order                                */
    int npairs;
    pl_task multi[PL_MAX_TASKS]; /* distinct ovr / softmax tasks, in results order */
    int nmulti;
    pl_best_row *best;           /* best.csv, NULL when absent                   */
    size_t nbest;
} pl_run_dir;

/* Reads dir/results.csv (required: PL_EINPUT "DIR: no results.csv, not a
 * parlogit run directory") and dir/best.csv when present. */
int pl_run_dir_open(const char *dir, pl_run_dir *r, pl_error *e);
void pl_run_dir_free(pl_run_dir *r);

/*
 * The model to explain for task t (binary or ten-class): with lr > 0 and/or
 * iterations > 0 the matching row; otherwise best.csv's choice when the run
 * has one, else the "ok" row of highest test accuracy (train accuracy when
 * there is no test set; the first of equals).  PL_EINPUT when the task is not
 * in the run or no row matches / was trained.
 */
int pl_run_dir_pick(const pl_run_dir *r, pl_task t, double lr, int iterations,
                    const pl_result_row **out, pl_error *e);

/* The model file stem of a row: "1-7_lr0.1_it100". */
const char *pl_result_row_name(const pl_result_row *row, char buf[64]);

/* The row of results.csv whose model is called name ("softmax_lr0.5_it500"),
 * or NULL. */
const pl_result_row *pl_run_dir_find(const pl_run_dir *r, const char *name);

/* A binary model's weights for the pair analyses: loads the row's model with
 * pl_model_load, which must be binary (PL_EINPUT naming the model
 * otherwise); *dim gets its number of inputs.  *w is malloc'ed (caller
 * frees). */
int pl_run_dir_model(const pl_run_dir *r, const pl_result_row *row, float **w, float *b,
                     size_t *dim, pl_error *e);

/* Rebuilds the effective config of the run from models/NAME.json's "config"
 * object ({"SECTION": {"KEY": "VALUE", ...}, ...}): pl_config_defaults, then
 * pl_config_set for every entry.  A sidecar that is not JSON is PL_EINPUT
 * "PATH:LINE:COLUMN: ..."; one without that object, with a section that is
 * not an object or a value that is not a string, PL_EINPUT naming PATH and
 * the member; a missing sidecar PL_EINPUT, an unreadable one PL_EIO. */
int pl_run_dir_config(const pl_run_dir *r, const pl_result_row *row, pl_config *cfg,
                      pl_error *e);

/* Loads the data the run was trained on: the config of row's model
 * (pl_run_dir_config), then pl_data_load on the calling thread.  Free *data
 * with pl_data_free. */
int pl_run_dir_data(const pl_run_dir *r, const pl_result_row *row, pl_data *data,
                    pl_error *e);

/* The logit b + sum_i w_i pix_i / pixel_max (double accumulation; pixel_max
 * 255 for MNIST). */
double pl_logit(const uint8_t *pix, const float *w, size_t dim, unsigned pixel_max, float b);

/* contrib[i] = w_i pix_i / pixel_max; *for_pos / *for_neg get the sums of the
 * positive and negative contributions (either may be NULL).  Returns their
 * total, which is the logit minus the bias. */
double pl_contributions(const uint8_t *pix, const float *w, size_t dim, unsigned pixel_max,
                        double *contrib, double *for_pos, double *for_neg);

/* The most confidently misclassified training image of one direction. */
typedef struct pl_explain_pick {
    int found;                   /* 0: the dataset has no rows of that digit    */
    int label;                   /* true digit of the image                      */
    size_t row;                  /* row in the dataset                           */
    uint32_t orig;               /* row in the source file                       */
    double logit;                /* z = b + sum w x                              */
    double p_other;              /* probability the model gives the other class  */
    int wrong;                   /* 1 when p_other > 0.5: it was misclassified   */
    size_t nwrong;               /* rows of this direction that were misclassified */
    size_t nrows;                /* rows of this direction                       */
    double for_pos, for_neg;     /* evidence sums (for_neg <= 0)                 */
    double *contrib;             /* dim values: w_i x_i in pixel order (owned by
                                    the explanation)                            */
} pl_explain_pick;

/* A misclassified training row. */
typedef struct pl_miss {
    size_t row;
    uint32_t orig;
    int label;                   /* true digit                                   */
    int positive;                /* 1 when it belongs to the positive class      */
    double p_other;              /* probability of the class it was not          */
} pl_miss;

typedef struct pl_explanation {
    pl_task task;
    /* [0]: the image of the positive digit with the highest probability of the
     * negative class ("a 7 called 1" for 1-7); [1]: the image of the negative
     * class with the highest probability of the positive digit. */
    pl_explain_pick pick[2];
    pl_miss *top;                /* misclassified rows, most confident first     */
    size_t ntop;                 /* at most the kmax asked for                   */
} pl_explanation;

/*
 * Explains model (w, b) of task t on ds (rows grouped by label; w has ds->dim
 * weights, on ds's pixel scale): the two picks and the kmax most confidently misclassified
 * rows of either direction (ties: lower dataset row first).  PL_EINPUT when ds
 * has rows of neither class.  Free with pl_explanation_free.
 */
int pl_explain(const pl_dataset *ds, pl_task t, const float *w, float b, size_t kmax,
               pl_explanation *out, pl_error *e);
void pl_explanation_free(pl_explanation *x);

/* The names of a task's classes for people: "7" and "1" for 1-7, "3" and
 * "not-3" for 3-rest. */
void pl_task_names(pl_task t, char pos[16], char neg[16]);

/* A class for people: its digit, or "rest" for a negative value (an i-rest
 * model's negative class, as pl_model_classes gives it).  Returns buf. */
const char *pl_class_name(int c, char buf[16]);

/* Whether dataset row r belongs to task t (1 positive, 0 negative, -1 neither). */
int pl_task_class(pl_task t, int label);

/* ---- ten-class models on the test set ------------------------------------ */

#define PL_TOP_CONFUSIONS 8      /* confusions a report shows                    */

/* One off-diagonal cell of a confusion matrix and its surest image. */
typedef struct pl_confusion_cell {
    int actual, predicted;       /* classes (see pl_model_classes)               */
    size_t count;                /* test rows of actual called predicted         */
    size_t example;              /* dataset row of the one with the highest
                                    probability of predicted (first of equals)   */
    uint32_t orig;               /* its row in the images file                   */
    double p;                    /* that probability                             */
} pl_confusion_cell;

/* A model judged on a test set. */
typedef struct pl_class_eval {
    int k;                       /* classes of the probabilities                 */
    int classes[PL_CLASSES];     /* pl_model_classes                             */
    size_t counts[PL_CLASSES * PL_CLASSES];   /* [actual * k + predicted]        */
    size_t rows, correct;        /* test rows of the model's classes, right ones */
    pl_confusion_cell top[PL_TOP_CONFUSIONS]; /* non-zero off-diagonal cells,
                                    most rows first (ties: smaller actual, then
                                    smaller predicted class)                     */
    int ntop;
    /* The row to explain: the wrong row with the highest probability of its
     * prediction; when none is wrong, the right one with the lowest (the
     * closest call).  found 0: no rows at all. */
    struct {
        int found, wrong;
        size_t row;              /* in the dataset                               */
        uint32_t orig;           /* in the images file                           */
        int label, predicted;
        double p[PL_CLASSES];    /* in the order of classes                      */
    } example;
} pl_class_eval;

/* The index among classes[0..k) of the class a digit belongs to: its own, or
 * the "rest" class (a negative value, an i-rest model's negative class) when
 * it is not listed; -1 when neither. */
int pl_class_slot(const int *classes, int k, int digit);

/* Runs model m over the rows of test that belong to its classes (as
 * pl_predictions_write does, so the numbers are those of predictions.csv)
 * and fills *out.  PL_EINPUT when the images do not have m->dim pixels. */
int pl_class_evaluate(const pl_model *m, const pl_dataset *test, pl_class_eval *out,
                      pl_error *e);

/* The dataset row holding row orig of the images file: PL_OK and *row, or
 * PL_EINPUT when the set has no such row. */
int pl_dataset_find_orig(const pl_dataset *d, uint32_t orig, size_t *row, pl_error *e);

/* ---- the report --------------------------------------------------------- */

/* What pl_report_build did, for the caller to tell the user. */
typedef struct pl_report_summary {
    int pictures;                /* PNG files drawn                              */
    int skipped;                 /* pictures left out (missing sweep files)      */
    char html[PL_PATH_MAX + 32]; /* the page written                             */
    char notes[4][256];          /* why pictures were left out                   */
    int nnotes;
    int workers;                 /* processes that drew the pictures             */
} pl_report_summary;

/* How the report is drawn. */
typedef struct pl_report_opts {
    int workers;                 /* worker processes; 0: $PARLOGIT_REPORT_WORKERS
                                    when set (1 to 1024, else PL_EINPUT), else one
                                    per CPU of the process's affinity mask      */
    const char *name;            /* what the page calls the run (NULL: the dir) */
} pl_report_opts;

/*
 * Draws every picture of the run into DIR/plots/ and writes DIR/report.html:
 *   per run: a montage of the training digits; the pair-accuracy heatmap
 *     when the run has two pairs or more; the vote's confusion matrices when
 *     a vote ran (ovo_confusion.csv, ovr_confusion.csv);
 *   per binary task: weight map, both "most confidently wrong" analyses, the
 *     grid of misclassified digits, loss curves, accuracy against learning
 *     rate and iterations;
 *   per ten-class task (its best model): the K weight maps, the confusion
 *     matrix as counts and row-normalized, the most frequent confusions with
 *     an image each, and the most confidently wrong test row's probabilities
 *     and 2 x K explanation.
 * Parts a run has no models for are left out without a note; a note says
 * why when a file such a part needs is missing.  Needs the data files the
 * run was trained on.  The pictures are drawn by worker processes (fork; at
 * most one per picture), each a share of them, after the page's contents are
 * computed on the calling thread; the files are byte-identical for any
 * number of workers.  The caller's other threads, if any, must be idle (as
 * an OpenMP team between parallel regions is): only the calling thread is
 * copied into the workers.  Before the fork the calling thread asks PLplot
 * only for its list of devices (pl_plot_check_device); no stream is opened
 * until the workers draw.  A
 * failed picture fails the build with its error and report.html is not
 * replaced; SIGINT or SIGTERM while drawing stops the workers (PL_EINTR).
 * o->name is what the page calls the run (NULL: dir): `train` draws into its
 * staging directory the pictures of the run that will be called name.
 * pl_report_build is pl_report_build_opts with the defaults and name.
 */
int pl_report_build(const char *dir, const char *name, pl_report_summary *s, pl_error *e);
int pl_report_build_opts(const char *dir, const pl_report_opts *o, pl_report_summary *s,
                         pl_error *e);

/* The pictures of one pair (explain): what was drawn and the analysis. */
typedef struct pl_pair_pictures {
    char weights[PL_PATH_MAX + 128];
    char pick[2][PL_PATH_MAX + 128];
    char misses[PL_PATH_MAX + 128];
    pl_result_row model;         /* the model explained                          */
    pl_explanation x;            /* free with pl_explanation_free                */
} pl_pair_pictures;

/*
 * Explains task t's model (chosen as pl_run_dir_pick does) on the training
 * set ds (NULL: loaded from the run's config) and draws its pictures into
 * DIR/plots/.  kmax: size of the misclassified grid.
 */
int pl_report_explain_pair(const pl_run_dir *r, const pl_dataset *ds, pl_task t, double lr,
                           int iterations, size_t kmax, pl_pair_pictures *out, pl_error *e);

/* The pictures of one ten-class task's model (the report's section). */
typedef struct pl_class_pictures {
    char weights[PL_PATH_MAX + 128];     /* the K weight maps                    */
    char counts[PL_PATH_MAX + 128];      /* confusion matrix, counts             */
    char shares[PL_PATH_MAX + 128];      /* confusion matrix, row-normalized     */
    char confusions[PL_PATH_MAX + 128];  /* "" when no test row was confused     */
    char probs[PL_PATH_MAX + 128];       /* the example row; "" without test rows */
    char panel[PL_PATH_MAX + 128];
    pl_result_row model;         /* the model drawn                              */
    pl_class_eval ev;            /* ev.rows == 0: no test rows, only the weights */
} pl_class_pictures;

/*
 * Draws the pictures of ten-class task t's model (chosen as pl_run_dir_pick
 * does) into DIR/plots/, named after the task: TASK_weights.png,
 * TASK_confusion_counts.png, TASK_confusion_rows.png, TASK_confusions.png,
 * TASK_example_probs.png, TASK_example_explain.png.  test: the run's test set
 * (NULL: loaded from the run's config).
 */
int pl_report_class_task(const pl_run_dir *r, const pl_dataset *test, pl_task t,
                         pl_class_pictures *out, pl_error *e);

/* One test row explained by one model. */
typedef struct pl_row_explanation {
    char model[64];              /* its name                                     */
    pl_task task;
    uint32_t orig;               /* the row in the images file                   */
    int label;                   /* its true digit                               */
    int label_slot;              /* index of its class in classes, -1 if none    */
    int k;                       /* probabilities                                */
    int classes[PL_CLASSES];     /* pl_model_classes                             */
    double p[PL_CLASSES];
    double z[PL_CLASSES];        /* the logits, one per output (binary: z[0])    */
    int nz;
    int predicted;               /* a class (-1: "rest")                         */
    char probs[PL_PATH_MAX + 160];   /* the bar chart                           */
    char panel[PL_PATH_MAX + 160];   /* the 2 x K explanation                   */
} pl_row_explanation;

/*
 * Explains row orig of the images file (a row of the run's test set) by
 * model NAME of the run (binary or ten-class): its probabilities and
 * prediction, and two pictures in DIR/plots/,
 * explain_NAME_rowORIG_probs.png and explain_NAME_rowORIG_panel.png (names
 * no report picture has).  A binary model's panel has two columns, its
 * negative class as a reference output with z = 0 and no weights, so that
 * p = softmax(0, z) = (1 - sigmoid(z), sigmoid(z)).  test: the run's test set
 * (NULL: loaded from the run's config).  orig < 0: the row the model gets
 * most confidently wrong.  PL_EINPUT when NAME is not a model of the run or
 * the row is not in its test set.
 */
int pl_report_explain_row(const pl_run_dir *r, const pl_dataset *test, const char *name,
                          long orig, pl_row_explanation *out, pl_error *e);

#endif
