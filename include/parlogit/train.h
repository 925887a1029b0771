/*
 * train.h - training the models a config asks for, and what comes out.
 *
 * Full-batch gradient descent exactly as the seeds define it: w and b start at
 * zero; each iteration takes the gradient of the mean log-loss over all training
 * rows of the task and sets w <- w - lr * grad_w, b <- b - lr * grad_b.  Pixels
 * are x = p / 255.  One job per (task, learning rate) trains to the largest
 * iteration count and is checkpointed at every count of the list on the way.
 *
 * The team of threads is created once per call, binds itself, and every
 * gradient is reduced over fixed row blocks in block order, so the trained
 * weights are bit-identical for any thread count (for a given kernel set and
 * strategy).  [engine] strategy chooses how a sweep is spread: all models in
 * one pass per iteration over the non-zero pixels (fused), one model at a time
 * data-parallel (data), or whole models per thread (jobs); auto applies the
 * cost model documented in src/train/strategy.h.  The strategies give the same
 * models within float rounding.
 */
#ifndef PARLOGIT_TRAIN_H
#define PARLOGIT_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "parlogit/config.h"
#include "parlogit/dataset.h"
#include "parlogit/engine.h"
#include "parlogit/error.h"

enum pl_run_status {
    PL_RUN_OK = 0,
    PL_RUN_DIVERGED = 1,     /* the loss became non-finite; later checkpoints not reached */
    PL_RUN_INTERRUPTED = 2,  /* stopped by the caller's flag before this checkpoint       */
};

/* One trained model: a (task, lr, iterations) checkpoint. */
typedef struct pl_result {
    pl_task task;
    double lr;
    int iterations;           /* the checkpoint: updates applied                 */
    int status;               /* enum pl_run_status                              */
    double train_loss, train_acc;  /* at the checkpoint's weights; NaN if not reached */
    double val_loss, val_acc;      /* on the validation rows; NaN when there are none */
    double test_loss, test_acc;    /* NaN when there is no test set               */
    double seconds;           /* wall time of the job up to this checkpoint       */
    size_t train_rows, val_rows, test_rows;
    float *w;                 /* dim weights (pixel order); owned by the run      */
    float b;
} pl_result;

/* The training loss of one job after 0, 1, ..., len-1 updates. */
typedef struct pl_curve {
    pl_task task;
    double lr;
    int len;
    double *loss;             /* owned by the run */
} pl_curve;

typedef struct pl_run {
    size_t dim;
    pl_result *results;       /* task-major, then lr, then iterations ascending   */
    size_t nresults;
    pl_curve *curves;         /* one per (task, lr)                              */
    size_t ncurves;
    int threads;
    const char *simd;
    const char *strategy;     /* "fused", "data" or "jobs": how the run was spread */
    double density;           /* share of non-zero training pixels (0 when a single
                                 model went straight to the data strategy)        */
    double seconds;           /* the whole call                                  */
    int interrupted;          /* 1 if the stop flag ended the run early          */
} pl_run;

/* Called by the team's master thread after every iteration (never concurrently). */
typedef void (*pl_progress_fn)(void *ctx, size_t job, size_t njobs, int iter, int iters);

typedef struct pl_train_opts {
    const pl_dataset *val;    /* validation rows (model selection), may be NULL     */
    pl_progress_fn progress;  /* may be NULL                                        */
    void *progress_ctx;
    volatile sig_atomic_t *stop;  /* when it becomes non-zero the run finishes the
                                   * current iteration and marks the rest interrupted */
} pl_train_opts;

/*
 * Trains every (task, lr) of cfg on train and evaluates on test (test may be
 * NULL or empty).  A task without rows of one of its classes is PL_EINPUT.
 * Divergence is recorded per job and is not an error.  On success *out owns
 * its arrays (pl_run_free).  opts may be NULL.
 */
int pl_train(pl_engine *eng, const pl_config *cfg, const pl_dataset *train,
             const pl_dataset *test, const pl_train_opts *opts, pl_run *out, pl_error *e);

void pl_run_free(pl_run *run);

const char *pl_run_status_name(int status);

#endif
