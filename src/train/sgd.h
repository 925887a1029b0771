/*
 * sgd.h - the third solver: mini-batch stochastic gradient descent, as seed
 * 002 trains, for the models of one task (one per job: learning rates,
 * penalties) over the objective interface's batch and pstep (objective.h).
 *
 * Every model starts at zero.  An epoch visits the task's n training rows in
 * an order shuffled afresh (Fisher-Yates on the previous epoch's order, with
 * xoshiro256** seeded by shuffle_seed: util/rng.h), cut into batches of
 * batch_size rows (the last one may be shorter); each batch takes one step
 * of every model on its batch's mean loss (and the penalty: W <- prox(W -
 * lr_t (grad + l2 W)), soft threshold lr_t l1, as in objective.h), with lr_t
 * = lr, or lr / t^power_t at step t = 1, 2, ... (invscaling).  Every model
 * of the task sees the same batches, so they share each one's pass.  The
 * order depends on the seed alone, and the objective's results not on the
 * team: the models are bit-identical for any thread count.
 *
 * The curve (pl_curve's sgd arrays) gets a point at step 0, every eval_every
 * steps and at every epoch's end: the training loss and accuracy over all
 * the task's training rows, and the validation ones.  A model whose
 * training loss at a point is not finite or above PL_GD_DIVERGED times its
 * start halts (diverged).  At the end: the test figures, the objective F
 * (mean loss plus the penalty) and max |grad F| from one full gradient pass;
 * converged when that is <= tol.
 */
#ifndef PARLOGIT_SGD_H
#define PARLOGIT_SGD_H

#include <signal.h>

#include "parlogit/train.h"
#include "train/objective.h"

typedef struct pl_sgd {
    pl_objective *obj;           /* with batch and pstep                          */
    size_t ntrain;               /* the task's training rows                      */
    size_t dim;
    pl_result **res;             /* nmodels: its one result (w allocated); its h
                                    says what to train (the batch, epochs, seed,
                                    schedule, power_t and eval_every of res[0]
                                    hold for all: the caller groups the jobs) */
    pl_curve **curves;           /* nmodels: sgd arrays sized by pl_sgd_points   */
    volatile sig_atomic_t *stop; /* may be NULL                                   */
    pl_progress_fn progress;     /* may be NULL; called by thread 0               */
    void *progress_ctx;
    size_t job, njobs;           /* what progress is told                         */
    /* working state (pl_sgd_plan) */
    unsigned *order;             /* ntrain: the current epoch's order             */
    double *lr, *l2, *l1;        /* nmodels: this step's, 0 once halted            */
    pl_eval *ev, *vev, *tev;
    int *halted;
    float *gbuf;                 /* PL_CLASSES * dim: a model's gradient           */
    double gbb[PL_CLASSES];
    size_t live;
    long per;                    /* steps per epoch                                */
    int interrupted, stopnow;
    double t0;
} pl_sgd;

/* Sizes s's state for nmodels models of a task of ntrain rows of dim
 * pixels.  PL_ENOMEM. */
int pl_sgd_plan(pl_sgd *s, size_t nmodels, size_t ntrain, size_t dim, pl_error *e);
void pl_sgd_free(pl_sgd *s);

/* Called by every thread of the team: every model from zero to the last
 * epoch (or a stop request: the current step ends, the result interrupted). */
void pl_sgd_run(pl_sgd *s, int ith, int nth);

#endif
