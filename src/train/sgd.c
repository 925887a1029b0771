/*
 * sgd.c - mini-batch stochastic gradient descent.  See sgd.h.
 *
 * Thread 0 owns the order, the schedule and the bookkeeping; the passes
 * (batch, eval) and the steps are the whole team's.  A step is: batch (its
 * barriers), pstep, a barrier (the new parameters visible); a point is the
 * training and validation evals (their barriers), then thread 0's book and
 * a barrier.  Between epochs thread 0 shuffles while the others wait at a
 * barrier.  A stop request is read by thread 0 after each step and seen by
 * everyone after that step's barrier.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/gd.h"
#include "train/sgd.h"
#include "util/rng.h"

size_t pl_sgd_points(const pl_hyper *h, size_t n)
{
    const size_t bs = h->batch_size > 0 ? (size_t)h->batch_size : 1;
    const size_t per = n ? (n + bs - 1) / bs : 0, steps = per * (size_t)h->epochs;
    return 1 + (size_t)h->epochs + (h->eval_every > 0 ? steps / (size_t)h->eval_every : 0);
}

int pl_sgd_plan(pl_sgd *s, size_t nmodels, size_t ntrain, size_t dim, pl_error *e)
{
    const size_t n = nmodels ? nmodels : 1;
    s->ntrain = ntrain;
    s->dim = dim;
    s->order = malloc((ntrain ? ntrain : 1) * sizeof *s->order);
    s->lr = calloc(n, sizeof *s->lr);
    s->l2 = calloc(n, sizeof *s->l2);
    s->l1 = calloc(n, sizeof *s->l1);
    s->ev = calloc(n, sizeof *s->ev);
    s->vev = calloc(n, sizeof *s->vev);
    s->tev = calloc(n, sizeof *s->tev);
    s->halted = calloc(n, sizeof *s->halted);
    s->gbuf = malloc(PL_CLASSES * (dim ? dim : 1) * sizeof *s->gbuf);
    if (!s->order || !s->lr || !s->l2 || !s->l1 || !s->ev || !s->vev || !s->tev ||
        !s->halted || !s->gbuf) {
        pl_sgd_free(s);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the sgd solver");
    }
    return PL_OK;
}

void pl_sgd_free(pl_sgd *s)
{
    free(s->order);
    free(s->lr);
    free(s->l2);
    free(s->l1);
    free(s->ev);
    free(s->vev);
    free(s->tev);
    free(s->halted);
    free(s->gbuf);
    s->order = NULL;
    s->lr = s->l2 = s->l1 = NULL;
    s->ev = s->vev = s->tev = NULL;
    s->halted = NULL;
    s->gbuf = NULL;
}

/* The penalty's l2 and l1 coefficients on the mean loss (as lbfgs's). */
static void coefficients(const pl_result *r, double *l2, double *l1)
{
    const pl_hyper *h = &r->h;
    const double lam = h->penalty == PL_PENALTY_NONE ? 0.0
                                                     : 1.0 / (h->C * (double)r->train_rows);
    const double a = h->penalty == PL_PENALTY_L1 ? 1.0
                     : h->penalty == PL_PENALTY_ELASTICNET ? h->l1_ratio : 0.0;
    *l2 = (1.0 - a) * lam;
    *l1 = a * lam;
}

/* Thread 0: a curve point after step t (epoch fraction ep); new divergences
 * halt. */
static void book(pl_sgd *s, long t, double ep)
{
    pl_objective *o = s->obj;
    for (size_t m = 0; m < o->nmodels; m++) {
        if (s->halted[m])
            continue;
        pl_curve *cv = s->curves[m];
        const double loss = s->ev[m].loss;
        if (!isfinite(loss) || (cv->len > 0 && loss > PL_GD_DIVERGED * cv->loss[0])) {
            o->ops->halt(o, m);
            s->halted[m] = 1;
            s->lr[m] = 0.0;
            s->live--;
            /* where it stopped: the steps and passes it took */
            s->res[m]->iterations = (int)t;
            s->res[m]->passes = (int)((t + s->per - 1) / s->per) + cv->len + 1;
            continue;
        }
        const int i = cv->len++;
        cv->loss[i] = loss;
        cv->acc[i] = s->ev[m].acc;
        cv->val_loss[i] = o->has_val ? s->vev[m].loss : NAN;
        cv->val_acc[i] = o->has_val ? s->vev[m].acc : NAN;
        cv->epoch[i] = ep;
        cv->step[i] = t;
    }
}

/* Every thread: the figures of a point (train and validation evals). */
static void point(pl_sgd *s, long t, double ep, int ith, int nth)
{
    pl_objective *o = s->obj;
    o->ops->eval(o, PL_SET_TRAIN, 0, s->ev, ith, nth);
    if (o->has_val)
        o->ops->eval(o, PL_SET_VAL, 0, s->vev, ith, nth);
    if (ith == 0)
        book(s, t, ep);
    pl_team_barrier();
}

/* Thread 0: a result's penalty R(W) and max |grad F| (the l1 term's
 * pseudo-gradient, as lbfgs reports), from its weights and the gradient G,
 * gb of the last full pass (K x dim, K). */
static void finish(const pl_result *r, const float *G, const double *gb, size_t dim,
                   double l2, double l1, double *pen, double *gmax)
{
    double sq = 0.0, ab = 0.0, mx = 0.0;
    const size_t nw = (size_t)r->k * dim;
    for (size_t q = 0; q < nw; q++) {
        const double w = r->w[q], g = (double)G[q] + l2 * w;
        double pg = g;
        if (l1 > 0)
            pg = w > 0 ? g + l1 : w < 0 ? g - l1 : g + l1 < 0 ? g + l1 : g - l1 > 0 ? g - l1 : 0;
        sq += w * w;
        ab += fabs(w);
        mx = fmax(mx, fabs(pg));
    }
    for (int k = 0; k < r->k; k++)
        mx = fmax(mx, fabs(gb[k]));
    *pen = 0.5 * l2 * sq + l1 * ab;
    *gmax = mx;
}

void pl_sgd_run(pl_sgd *s, int ith, int nth)
{
    pl_objective *o = s->obj;
    const pl_objective_ops *op = o->ops;
    const size_t nm = o->nmodels, n = s->ntrain;
    const pl_hyper *h = &s->res[0]->h;
    const size_t bs = (size_t)h->batch_size;
    const long per = (long)((n + bs - 1) / bs), last = per * h->epochs;
    if (ith == 0)
        s->per = per > 0 ? per : 1;
    pl_rng rng = { { 0 } };   /* thread 0's */
    op->reset(o, ith, nth);
    if (ith == 0) {
        for (size_t m = 0; m < nm; m++) {
            coefficients(s->res[m], &s->l2[m], &s->l1[m]);
            s->halted[m] = 0;
            s->curves[m]->len = 0;
        }
        for (size_t i = 0; i < n; i++)
            s->order[i] = (unsigned)i;
        pl_rng_seed(&rng, h->shuffle_seed, 0);
        s->live = nm;
        s->interrupted = s->stopnow = 0;
        s->t0 = omp_get_wtime();
    }
    pl_team_barrier();
    point(s, 0, 0.0, ith, nth);
    long t = 0;
    for (int ep = 0; ep < h->epochs && s->live && !s->stopnow; ep++) {
        if (ith == 0)   /* Fisher-Yates, from the last element down */
            for (size_t i = n; i > 1; i--) {
                const size_t j = (size_t)pl_rng_below(&rng, i);
                const unsigned x = s->order[i - 1];
                s->order[i - 1] = s->order[j];
                s->order[j] = x;
            }
        pl_team_barrier();
        for (size_t b0 = 0; b0 < n && s->live; b0 += bs) {
            const size_t nb = n - b0 < bs ? n - b0 : bs;
            if (ith == 0) {   /* this step's size, seen after batch's barriers */
                const double f = h->schedule == PL_LR_INVSCALING
                                     ? pow((double)(t + 1), -h->power_t) : 1.0;
                for (size_t m = 0; m < nm; m++)
                    s->lr[m] = s->halted[m] ? 0.0 : s->res[m]->h.lr * f;
            }
            op->batch(o, s->order + b0, nb, ith, nth);
            op->pstep(o, s->lr, s->l2, s->l1, ith, nth);
            pl_team_barrier();
            t++;
            if (ith == 0) {
                if (s->progress)
                    s->progress(s->progress_ctx, s->job, s->njobs, (int)(t < 1L << 30 ? t : 0),
                                (int)(last < 1L << 30 ? last : 1));
                s->stopnow = s->stop && *s->stop;
            }
            const int at_end = b0 + nb >= n;
            if ((h->eval_every > 0 && t % h->eval_every == 0) || at_end)
                point(s, t, ep + (double)(b0 + nb) / (double)n, ith, nth);
            else
                pl_team_barrier();   /* stopnow seen by everyone */
            if (s->stopnow)
                break;
        }
    }
    /* The end: the figures on every set, F and its gradient from a full pass. */
    op->eval(o, PL_SET_TRAIN, 1, s->ev, ith, nth);
    if (o->has_val)
        op->eval(o, PL_SET_VAL, 0, s->vev, ith, nth);
    if (o->has_test)
        op->eval(o, PL_SET_TEST, 0, s->tev, ith, nth);
    const int stopped = s->stopnow && t < last;
    for (size_t m = 0; m < nm; m++) {
        pl_result *r = s->res[m];
        op->get(o, m, r->w, r->b, ith, nth);
        op->grad(o, m, s->gbuf, s->gbb, ith, nth);
        pl_team_barrier();
        if (ith == 0) {
            r->seconds = omp_get_wtime() - s->t0;
            if (s->halted[m]) {   /* its steps and passes: book's, where it stopped */
                r->status = PL_RUN_DIVERGED;
            } else {
                r->iterations = (int)t;
                /* the steps' passes, the points' (train set) and the last one */
                r->passes = (int)((t + per - 1) / per) + s->curves[m]->len + 1;
                double pen, gmax;
                finish(r, s->gbuf, s->gbb, s->dim, s->l2[m], s->l1[m], &pen, &gmax);
                r->status = stopped ? PL_RUN_INTERRUPTED : PL_RUN_OK;
                r->train_loss = s->ev[m].loss;
                r->train_acc = s->ev[m].acc;
                r->val_loss = o->has_val ? s->vev[m].loss : NAN;
                r->val_acc = o->has_val ? s->vev[m].acc : NAN;
                r->test_loss = o->has_test ? s->tev[m].loss : NAN;
                r->test_acc = o->has_test ? s->tev[m].acc : NAN;
                r->objective = s->ev[m].loss + pen;
                r->grad_norm = gmax;
                r->converged = gmax <= r->h.tol;
            }
            s->interrupted = stopped;
        }
        pl_team_barrier();   /* gbuf is the next model's */
    }
}
