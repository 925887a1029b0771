/*
 * gd.h - the solver: full-batch gradient descent with checkpoints, for one
 * model or a batch alike, over the objective interface (objective.h).
 *
 * Every model of the objective starts at zero and takes w <- w - lr_m * grad
 * each iteration, all in step.  One update, one checkpoint path, one
 * divergence path and one interrupt path serve every strategy: the data
 * strategy (one model, the whole team), jobs (one model, one thread alone)
 * and fused (every model of the sweep in one pass).
 */
#ifndef PARLOGIT_GD_H
#define PARLOGIT_GD_H

#include <signal.h>

#include "dist/xrank.h"
#include "parlogit/train.h"
#include "train/objective.h"

/* A loss above this multiple of the loss at W = 0 (log 2 for a binary model,
 * log K for softmax, K log 2 for ovr) is divergence. */
#define PL_GD_DIVERGED 10.0

typedef struct pl_gd {
    /* inputs */
    pl_objective *obj;
    const double *lr;            /* nmodels step sizes                            */
    const int *iters;            /* checkpoints, ascending                        */
    int niters;
    volatile sig_atomic_t *stop; /* may be NULL                                   */
    pl_progress_fn progress;     /* may be NULL; called by thread 0               */
    void *progress_ctx;
    size_t job, njobs;           /* what progress is told                         */
    const pl_xrank *xr;          /* cross-rank: the stop request agreed, or NULL  */
    /* outputs: model m's checkpoint c is res[m][c] (w allocated, k * dim
     * floats), its curve curves[m] (loss allocated for iters[niters-1] + 1) */
    pl_result **res;
    pl_curve **curves;
    /* shared working state, sized by the caller (pl_gd_plan) */
    pl_eval *ev, *vev, *tev;     /* nmodels each                                  */
    double *lr_now;              /* nmodels: lr, or 0 once a model has halted     */
    int *halted;                 /* nmodels                                       */
    size_t live;                 /* models not halted                             */
    int interrupted;             /* set by thread 0 when stop was seen            */
    double t0;
    /* the team's width (gd.c): thread 0 writes iteration t's in slot t & 1
     * during iteration t - 1, everyone reads it after the barrier between */
    int width[2];                /* threads [0, width) work iteration t           */
    int ended[2];                /* the run ends after iteration t                */
    int after_t, after_w, after_end;  /* a stretch's last iteration, the next one's
                                       * width, whether the run ended (gd.c)      */
    int wbest, wprobe, wleft, winterval, wnext;   /* thread 0's, see adapt()      */
    double wtprev, wecur, walt;
    int nalt;
} pl_gd;

/* Allocates g's working state for an objective of nmodels models.  PL_ENOMEM. */
int pl_gd_plan(pl_gd *g, size_t nmodels, pl_error *e);
void pl_gd_free(pl_gd *g);

/* Called by every thread of the team (one alone for a solo objective).
 * Trains every model from zero to the last checkpoint; a model whose loss
 * becomes non-finite or exceeds PL_GD_DIVERGED times its start halts (its
 * curve ends there, its later checkpoints are diverged), a stop
 * request ends the run after the current iteration (the rest interrupted). */
void pl_gd_run(pl_gd *g, int ith, int nth);

#endif
