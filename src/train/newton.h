/*
 * newton.h - the fourth solver: trust-region Newton with conjugate gradients
 * (TRON, Lin and Moré; liblinear's -s 0), for the models of one task (one
 * per C) over the objective interface's Hessian-vector products (dir, hv,
 * hvget: objective.h), as the mini-batch objective provides them over all the
 * training rows.
 *
 * Every model minimises F(W) = L(W) + (lambda / 2) ||W||^2 (L the mean loss,
 * W the weights without the biases; lambda = 1 / (C n) with penalty = l2, 0
 * without a penalty).  An iteration: conjugate gradients on H s = -g inside
 * the trust region ||s|| <= delta (stopped at ||r|| <= 0.1 ||g||), a pass at
 * the trial point W + s, then the ratio of the actual to the predicted
 * decrease accepts the step or not and resizes delta (liblinear's rules and
 * constants).  The models go in lockstep: each pass is either a
 * Hessian-vector pass for the models in their CG (the others wait) or, once
 * every model has its step, one evaluation at every trial point.  Each
 * model's vector work is done in double by one thread, model m by thread
 * m mod nth, so the results do not depend on the team.
 *
 * Stops as lbfgs: max |grad F| <= tol, or max_iter iterations; a step whose
 * actual and predicted decreases are both below 1e-12 |F| (the float
 * passes' limit) ends the model, converged when max |grad F| <= 10 tol.
 */
#ifndef PARLOGIT_NEWTON_H
#define PARLOGIT_NEWTON_H

#include <signal.h>

#include "parlogit/train.h"
#include "train/objective.h"

typedef struct pl_newton_model pl_newton_model;

typedef struct pl_newton {
    pl_objective *obj;           /* with dir, hv, hvget                           */
    size_t dim;
    pl_result **res;             /* nmodels: its one result (w allocated); its h:
                                    penalty (none, l2), C, tol, max_iter          */
    pl_curve **curves;           /* nmodels: room for max_iter + 1 losses          */
    volatile sig_atomic_t *stop; /* may be NULL                                   */
    pl_progress_fn progress;     /* may be NULL; called by thread 0               */
    void *progress_ctx;
    size_t job, njobs;
    /* working state (pl_newton_plan) */
    pl_newton_model *m;
    pl_eval *ev, *vev, *tev;
    int any_cg, live, interrupted;
    double t0;
} pl_newton;

/* Sizes the state of the nmodels models of s->res (set first).  PL_ENOMEM. */
int pl_newton_plan(pl_newton *s, size_t nmodels, size_t dim, pl_error *e);
void pl_newton_free(pl_newton *s, size_t nmodels);

/* Called by every thread of the team: every model from zero to its stop. */
void pl_newton_run(pl_newton *s, int ith, int nth);

#endif
