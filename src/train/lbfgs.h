/*
 * lbfgs.h - the second solver: limited-memory BFGS with a backtracking
 * (Armijo) line search, for a batch of models over the objective interface
 * (objective.h), each model with its own state.
 *
 * Every model minimises F(W) = L(W) + (lambda / 2) ||W||^2 (L the objective's
 * mean loss, W its weights without the biases).  One pass over the data
 * evaluates every model at its own trial point, so models that need a
 * different number of line-search steps still share each pass.  Between
 * passes each model's vector work (the line search, the history) is done in
 * double by one thread, model m by thread m mod nth; its two-loop recursion
 * too, except where fewer models need one than there are threads (a
 * ten-class softmax alone): then the team shares it, chunk by chunk, with
 * sums formed the same way (lbfgs.c), so a model's numbers never depend on
 * the team size.  The gradients are taken out of the objective, and the
 * trial points put in, by the whole team.
 *
 * Why not liblbfgs (Debian liblbfgs-dev): its lbfgs() owns the loop and asks
 * for one model's f and g through a callback, so models could only share a
 * pass by running each in its own thread with the team's passes behind the
 * callbacks; the batch here keeps one loop for all models instead.  The
 * iteration is the textbook one (Nocedal & Wright, Algorithm 7.4/7.5).
 */
#ifndef PARLOGIT_LBFGS_H
#define PARLOGIT_LBFGS_H

#include <signal.h>

#include "dist/xrank.h"
#include "parlogit/train.h"
#include "train/objective.h"

/* (s, y) pairs kept.  40, not scipy's 10: MNIST's problems are badly
 * conditioned, and each pair kept saves passes over the data, which cost far
 * more than the two-loop recursion's work on a model's vectors (measured to
 * scikit-learn's optimum within 1e-6: the 45 pairs' slowest 136 passes with
 * 10 pairs, 96 with 20, 75 with 40; the ten-class softmax 422, 352, 291).
 * A model's history takes 2 x 40 x its parameters floats: 0.25 MB for a
 * pair, 2.5 MB for a ten-class softmax. */
#define PL_LBFGS_MEM 40
#define PL_LBFGS_CHUNK 1024  /* parameters of a chunk of the recursion (lbfgs.c) */
#define PL_LBFGS_MAXLS 40    /* line-search steps before a model gives up         */
#define PL_LBFGS_FNOISE 1e-6 /* F changes within this share of |F|: below what a
                              * float pass resolves (lbfgs.c)                  */

typedef struct pl_lbfgs_model pl_lbfgs_model;

typedef struct pl_lbfgs {
    pl_objective *obj;
    size_t dim;
    pl_result **res;             /* nmodels: its one result (w allocated), whose h
                                    (tol, max_iter, penalty), k and train_rows
                                    (lambda = 1 / (C rows)) say what to train      */
    pl_curve **curves;           /* nmodels: loss room for max_iter + 1 entries    */
    const pl_result *const *init;/* nmodels (or NULL): a model's start, another
                                    result's weights (same k), or NULL for zero   */
    volatile sig_atomic_t *stop; /* may be NULL                                   */
    pl_progress_fn progress;     /* may be NULL; called by thread 0               */
    void *progress_ctx;
    const pl_xrank *xr;          /* cross-rank: the stop request agreed, or NULL  */
    /* working state (pl_lbfgs_plan) */
    pl_lbfgs_model *m;
    pl_eval *ev, *vev, *tev;
    unsigned char *alive;        /* nmodels: not stopped (the objective's live op) */
    double *part;                /* a shared recursion's chunk sums (lbfgs.c)      */
    size_t live;
    int interrupted;
    double t0;
} pl_lbfgs;

/* Sizes the state of the nmodels models of s->res (set first).  PL_ENOMEM. */
int pl_lbfgs_plan(pl_lbfgs *s, size_t nmodels, size_t dim, pl_error *e);
void pl_lbfgs_free(pl_lbfgs *s, size_t nmodels);

/* Called by every thread of the team: every model from zero (or its init)
 * to its stop. */
void pl_lbfgs_run(pl_lbfgs *s, int ith, int nth);

#endif
