/*
 * gd.h - the solver: full-batch gradient descent with checkpoints, run by the
 * whole team on one objective.  It knows the objective only through
 * pl_logloss_eval (value, gradient, accuracy).
 */
#ifndef PARLOGIT_GD_H
#define PARLOGIT_GD_H

#include <signal.h>

#include "parlogit/train.h"
#include "train/logloss.h"

typedef struct pl_gd_job {
    /* inputs */
    pl_logloss *train;
    pl_logloss *test;            /* NULL when there is no test set              */
    double lr;
    const int *iters;            /* checkpoints, ascending                       */
    int niters;
    volatile sig_atomic_t *stop; /* may be NULL                                  */
    pl_progress_fn progress;     /* may be NULL; called by thread 0             */
    void *progress_ctx;
    size_t job, njobs;
    /* shared working state, sized by the caller */
    float *w, *gw;               /* dim floats each                              */
    float b;
    pl_eval ev, vev, tev;
    pl_logloss *val;             /* NULL when there is no validation set         */
    int solo;                    /* 1: one thread alone (ith 0 of 1), no barriers */
    int halt;                    /* set by thread 0: 1 diverged, 2 interrupted   */
    double t0;
    /* outputs */
    pl_result *res;              /* niters results, w arrays allocated           */
    double *curve;               /* iters[niters-1] + 1 entries                  */
    int curve_len;
} pl_gd_job;

/* Called by every thread of the team.  Starts from w = 0, b = 0. */
void pl_gd_run(pl_gd_job *j, int ith, int nth);

#endif
