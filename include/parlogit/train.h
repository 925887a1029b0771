/*
 * train.h - training the jobs of a plan, and what comes out.
 *
 * Full-batch gradient descent exactly as the seeds define it: the weights and
 * biases start at zero; each iteration takes the gradient of the task's mean
 * loss over all its training rows (log-loss for a binary model and for each
 * output of an ovr model, softmax cross-entropy for a softmax model) and sets
 * W <- W - lr * grad_W, b <- b - lr * grad_b.  Pixels are x = p / 255.  A job
 * (task, hyper-parameters) trains to the largest iteration count and is
 * checkpointed at every count of the list on the way.
 *
 * Inside (src/train/): the objective interface (objective.h: a batch of
 * models' loss, accuracy and gradient, evaluated by the data-parallel engine)
 * and one gradient descent over it (gd.h).  The team of threads is created
 * once per call, binds itself, and every gradient is reduced over fixed row
 * blocks in block order, so the trained weights are bit-identical for any
 * thread count.  [engine] strategy chooses how the jobs are spread: all models
 * in one pass per iteration over the non-zero pixels (fused), one model at a
 * time data-parallel (data), or whole models per thread (jobs); auto applies
 * the cost model documented in src/train/strategy.h, which looks at the data
 * and the jobs, never at the team size.  data and jobs give the same bits;
 * fused gives the same models within float rounding.
 */
#ifndef PARLOGIT_TRAIN_H
#define PARLOGIT_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "parlogit/config.h"
#include "parlogit/dataset.h"
#include "parlogit/engine.h"
#include "parlogit/error.h"
#include "parlogit/dataset.h"

enum pl_run_status {
    PL_RUN_OK = 0,
    PL_RUN_DIVERGED = 1,     /* the loss became non-finite; later checkpoints not reached */
    PL_RUN_INTERRUPTED = 2,  /* stopped by the caller's flag before this checkpoint       */
};

enum pl_solver { PL_SOLVER_GD = 0, PL_SOLVER_LBFGS = 1, PL_SOLVER_SGD = 2,
                 PL_SOLVER_NEWTON = 3 };
#define PL_NSOLVERS 4
/* sgd's step size after t steps: lr (constant) or lr / t^power_t (invscaling,
 * scikit-learn's; t counts from 1) */
enum pl_lr_schedule { PL_LR_CONSTANT = 0, PL_LR_INVSCALING = 1 };
enum pl_penalty { PL_PENALTY_NONE = 0, PL_PENALTY_L2 = 1, PL_PENALTY_L1 = 2,
                  PL_PENALTY_ELASTICNET = 3 };

/* The hyper-parameters of one job (a sweep axis each).
 *   gd:    full-batch gradient descent with step lr, checkpointed at the
 *          plan's iteration counts; no penalty.
 *   lbfgs: limited-memory BFGS on F(W) = mean loss + lambda R(W) (biases not
 *          penalized), lambda = 1 / (C n) for a task of n training rows:
 *          scikit-learn's objective C * sum of losses + R(W) divided by C n, with
 *          R = ||W||^2 / 2 (l2), ||W||_1 (l1, by OWL-QN: the orthant-wise
 *          variant for the non-smooth term), or a ||W||_1 + (1 - a) ||W||^2 / 2
 *          (elasticnet, a = l1_ratio).  It stops when max |grad F| <= tol, when F no longer falls
 *          (relative decrease below 64 machine epsilons, as scikit-learn asks
 *          of scipy), or after max_iter iterations; one result per job.
 *   newton: trust-region Newton-CG (liblinear's -s 0) on the same F, penalty
 *          none or l2; the same stops (tol, max_iter); one result per job.
 *   sgd:   mini-batch SGD (below); one result per job. */
typedef struct pl_hyper {
    double lr;                /* gd: step size, > 0                              */
    int solver;               /* enum pl_solver                                  */
    int penalty;              /* enum pl_penalty (lbfgs)                         */
    double C;                 /* a penalty's inverse strength, > 0              */
    double l1_ratio;          /* elasticnet: the share a of the l1 term, (0, 1)   */
    double tol;               /* lbfgs: gradient tolerance (inf-norm), > 0       */
    int max_iter;             /* lbfgs: at most this many iterations, >= 1       */
    /* sgd: mini-batches of batch_size rows of the task, in an order shuffled
     * afresh every epoch from shuffle_seed; epochs passes; step lr per
     * schedule; the curve's figures every eval_every steps (0: every epoch
     * only) and at every epoch's end; with a penalty, F as lbfgs's */
    int batch_size;           /* >= 1                                            */
    int epochs;               /* >= 1                                            */
    unsigned long long shuffle_seed;
    int schedule;             /* enum pl_lr_schedule                             */
    double power_t;           /* invscaling's exponent, >= 0                     */
    int eval_every;           /* >= 0                                            */
    /* lbfgs: 1 (the config's default) to solve a task's C values from the
     * smallest up, each from its neighbour's optimum */
    int warm_start;
} pl_hyper;

/* One trained model: a (task, hyper-parameters, iterations) checkpoint. */
typedef struct pl_result {
    pl_task task;
    double lr;
    int iterations;           /* the checkpoint: updates applied                 */
    int status;               /* enum pl_run_status                              */
    double train_loss, train_acc;  /* at the checkpoint's weights; NaN if not reached.
                                      The loss is the objective's: mean log-loss
                                      (binary), mean cross-entropy (softmax), or the
                                      sum of the K binary mean log-losses (ovr); the
                                      accuracy is the K-class one for ovr/softmax */
    double val_loss, val_acc;      /* on the validation rows; NaN when there are none */
    double test_loss, test_acc;    /* NaN when there is no test set               */
    double seconds;           /* wall time of the job up to this checkpoint       */
    size_t train_rows, val_rows, test_rows;
    pl_hyper h;               /* the job's hyper-parameters                      */
    double objective;         /* lbfgs: F at the result (penalty included); NaN for gd */
    double grad_norm;         /* lbfgs: max |grad F| there; NaN for gd            */
    int passes;               /* passes over the training rows it took            */
    size_t nonzero;           /* weights that are not 0 (biases not counted)      */
    int converged;            /* lbfgs: 1 when tol or the decrease test stopped it */
    int k;                    /* outputs: 1, or the classes of an ovr / softmax task */
    float *w;                 /* k * dim weights, output-major (row k: pixel order);
                                 owned by the run                                */
    float b[PL_CLASSES];      /* k biases                                        */
} pl_result;

/* The training loss of one job after 0, 1, ..., len-1 updates (lbfgs: at
 * each accepted iterate, without the penalty; sgd: at each of its points,
 * every eval_every steps and every epoch's end, with the step, the epoch
 * (fractional within an epoch), the training accuracy and, when there are
 * validation rows, the validation loss and accuracy; those arrays are NULL
 * for gd and lbfgs). */
typedef struct pl_curve {
    pl_task task;
    double lr;
    char label[48];           /* "lr 0.1", "L-BFGS C=1", "SGD lr 0.1": the job    */
    int len;
    double *loss;             /* owned by the run */
    double *epoch, *acc, *val_loss, *val_acc;   /* sgd: len each, owned; else NULL */
    long *step;               /* sgd: len, owned; else NULL                      */
} pl_curve;

typedef struct pl_run {
    size_t dim;
    size_t height, width;     /* the images' shape (height * width = dim)        */
    unsigned pixel_max;       /* full ink: the features were pix / pixel_max     */
    pl_result *results;       /* task-major, then lr, then iterations ascending   */
    size_t nresults;
    pl_curve *curves;         /* one per (task, lr)                              */
    size_t ncurves;
    int threads;
    const char *simd;
    const char *strategy;     /* "fused", "data" or "jobs": how the run was spread */
    double density;           /* share of non-zero training pixels               */
    double seconds;           /* the whole call                                  */
    int interrupted;          /* 1 if the stop flag ended the run early          */
    /* Over MPI ranks (the CLI fills these on rank 0; pl_train leaves them 0):
     * how many, the split, and the training rows each rank read. */
    int ranks;
    const char *distribute;   /* "models", "rows" or "mixed"; NULL on one process */
    int groups;               /* of ranks: models ranks, rows 1, mixed between   */
    size_t *rows_read;        /* ranks entries, or NULL                          */
} pl_run;


/* A job: one task trained with one set of hyper-parameters, checkpointed. */
typedef struct pl_job {
    pl_task task;
    pl_hyper h;
} pl_job;

/* The curve points of an sgd job of n training rows: step 0, every
 * eval_every steps, every epoch's end. */
size_t pl_sgd_points(const pl_hyper *h, size_t n);

/* 1 when L-BFGS jobs a and b are points of one regularization path, solved
 * one from the other with warm starts: one task, one penalty (not none) and
 * mix, one stopping rule, warm_start on both (their C may differ). */
int pl_jobs_share_path(const pl_job *a, const pl_job *b);

/* "gd", "lbfgs", "sgd", "newton". */
const char *pl_solver_name(int solver);

/* "none", "l2", "l1", "elasticnet". */
const char *pl_penalty_name(int penalty);

/* A job's axis value for people: "0.1" (gd's lr), "C=1" (l2), "l1 C=1",
 * "en0.5 C=1", "lbfgs" (no penalty); sgd: "lr 0.1", "lr 0.1 C=1", "lr 0.1
 * l1 C=1", "lr 0.1 en0.5 C=1".  buf holds 40 bytes. */
const char *pl_hyper_label(const pl_hyper *h, char buf[40]);

/* What pl_train does: a table of jobs, the checkpoints every gd job is saved
 * at, and how the work is spread.  Results come out job-major, in job order:
 * a gd job has one result per checkpoint, an lbfgs job one; job j's curve is
 * curves[j]. */
typedef struct pl_plan {
    pl_job *jobs;             /* owned (pl_plan_free)                            */
    size_t njobs;
    int iters[PL_MAX_LIST];   /* ascending, no duplicates                        */
    int niters;
    int strategy;             /* enum pl_strategy                                */
} pl_plan;

/* The plan of a config: its binary tasks (task.pairs), then its multiclass
 * models (task.multiclass over task.classes), each task with every learning
 * rate in order; the config's checkpoints and strategy.  PL_ENOMEM only. */
int pl_plan_from_config(const pl_config *cfg, pl_plan *plan, pl_error *e);

void pl_plan_free(pl_plan *plan);

/* Each job's place on its regularization path (pl_jobs_share_path), smallest
 * C first, ties in job order: place[j] = the jobs of j's path below it, and,
 * when below is not NULL, below[j] = the one just below (SIZE_MAX: none).
 * Jobs on no path have place 0.  Returns the most places of a path (>= 1). */
size_t pl_path_places(const pl_plan *plan, size_t *place, size_t *below);

/* Called by the team's master thread after every iteration (never concurrently). */
typedef void (*pl_progress_fn)(void *ctx, size_t job, size_t njobs, int iter, int iters);

typedef struct pl_train_opts {
    const pl_dataset *val;    /* validation rows (model selection), may be NULL     */
    pl_progress_fn progress;  /* may be NULL                                        */
    void *progress_ctx;
    volatile sig_atomic_t *stop;  /* when it becomes non-zero the run finishes the
                                   * current iteration and marks the rest interrupted */
    /* Rows shared out over MPI ranks (pl_dist_train sets it; NULL: this
     * process trains on every row).  Every rank calls pl_train alike. */
    const struct pl_xrank *xrank;
    /* The training set's pixels, given up as soon as nothing reads them (on
     * a 60,000-row sweep, 42 MB off the peak): when the run's last phase is
     * the fused sweep on its sparse index, pl_train calls
     * rows_discard(rows_ctx, row0, n) for each block of training rows once
     * the index holds it (from any thread, while the index is built; with
     * rows shared over ranks, the blocks of other ranks at once, before: the
     * caller may give their memory back, pl_dataset_discard_rows), then
     * rows_done(rows_ctx) once, on the calling thread, after which the
     * caller may free them (pl_dataset_release_pixels).  rows_done is called
     * after any rows_discard, also when pl_train then fails: the rows handed
     * back are gone either way (build the set again to train on it again).
     * Rows of digits no job uses are in no block and are not handed back.
     * Nothing is handed back without rows_discard, nor when a later phase
     * (another solver), the dense kernels or the data or jobs strategies
     * read rows. */
    void (*rows_discard)(void *ctx, size_t row0, size_t n);
    void (*rows_done)(void *ctx);
    /* A deferred training set (dataset.h: its pixels not read yet) needs
     * rows_fill(rows_ctx, row0, n, nranges, e), which reads rows [row0[i],
     * row0[i] + n[i]) of it (pl_data_fill_train).  pl_train calls it, on the
     * calling thread, before any of those rows is read: with the fused
     * sweep on its sparse index as the run's only phase, for the blocks the
     * call computes alone, which are the rows of the digits its jobs use (a
     * models split gives each rank some of the jobs, so a rank reads only
     * its jobs' digits) and, with the rows shared over ranks, only the
     * rank's own blocks of those (the rows of other ranks' blocks are never
     * read); otherwise for every row, first. */
    int (*rows_fill)(void *ctx, const size_t *row0, const size_t *n, size_t nranges,
                     pl_error *e);
    void *rows_ctx;
} pl_train_opts;

/*
 * Trains every job of plan on train and evaluates on test (test may be NULL
 * or empty).  A task without training rows of one of its classes is
 * PL_EINPUT.  Divergence is recorded per job and is not an error.  On success
 * *out owns its arrays (pl_run_free).  opts may be NULL.
 */
int pl_train(pl_engine *eng, const pl_plan *plan, const pl_dataset *train,
             const pl_dataset *test, const pl_train_opts *opts, pl_run *out, pl_error *e);

void pl_run_free(pl_run *run);

const char *pl_run_status_name(int status);

#endif
