/*
 * gd.c - full-batch gradient descent, checkpointed.  See gd.h.
 *
 * Iteration t evaluates every model at its (W_t, b_t): its loss is curve[t].
 * A model whose loss is not finite, or above PL_GD_DIVERGED times its loss
 * at zero, halts there (gradient descent with a sane step never climbs that
 * far: the step is too large and the iterates blow up).  At a checkpoint t each live
 * model's parameters and its train (and validation, test) metrics are saved;
 * after the last checkpoint nothing more is computed.  Otherwise the
 * objective steps every live model and a barrier makes the new parameters
 * visible before the next evaluation.  Per iteration: the objective's
 * barriers plus two (after the bookkeeping and after the step), and at a
 * checkpoint one more between saving and stepping (a thread may step pixels
 * another one is still saving: the objective's step need not keep a thread
 * to its own pixels); nothing is allocated.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/gd.h"

int pl_gd_plan(pl_gd *g, size_t nmodels, pl_error *e)
{
    const size_t n = nmodels ? nmodels : 1;
    g->ev = calloc(n, sizeof *g->ev);
    g->vev = calloc(n, sizeof *g->vev);
    g->tev = calloc(n, sizeof *g->tev);
    g->lr_now = calloc(n, sizeof *g->lr_now);
    g->halted = calloc(n, sizeof *g->halted);
    if (!g->ev || !g->vev || !g->tev || !g->lr_now || !g->halted) {
        pl_gd_free(g);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the solver");
    }
    return PL_OK;
}

void pl_gd_free(pl_gd *g)
{
    free(g->ev);
    free(g->vev);
    free(g->tev);
    free(g->lr_now);
    free(g->halted);
    g->ev = g->vev = g->tev = NULL;
    g->lr_now = NULL;
    g->halted = NULL;
}

/* Thread 0: the training figures of iteration t.  New divergences halt. */
static void book(pl_gd *g)
{
    pl_objective *o = g->obj;
    for (size_t m = 0; m < o->nmodels; m++) {
        if (g->halted[m])
            continue;
        pl_curve *cv = g->curves[m];
        const double loss = g->ev[m].loss;
        if (!isfinite(loss) || (cv->len > 0 && loss > PL_GD_DIVERGED * cv->loss[0])) {
            o->ops->halt(o, m);
            g->halted[m] = 1;
            g->lr_now[m] = 0.0;
            g->live--;
            continue;
        }
        cv->loss[cv->len++] = loss;
    }
}

/* Checkpoint c: every live model's parameters (each thread its pixels) and
 * metrics (thread 0). */
static void save(pl_gd *g, int c, int ith, int nth)
{
    pl_objective *o = g->obj;
    const int val = o->has_val, test = o->has_test;
    for (size_t m = 0; m < o->nmodels; m++) {
        pl_result *r = &g->res[m][c];
        if (g->halted[m]) {
            if (ith == 0)
                r->status = PL_RUN_DIVERGED;
            continue;
        }
        o->ops->get(o, m, r->w, r->b, ith, nth);
        if (ith != 0)
            continue;
        r->status = PL_RUN_OK;
        r->train_loss = g->ev[m].loss;
        r->train_acc = g->ev[m].acc;
        r->val_loss = val ? g->vev[m].loss : NAN;
        r->val_acc = val ? g->vev[m].acc : NAN;
        r->test_loss = test ? g->tev[m].loss : NAN;
        r->test_acc = test ? g->tev[m].acc : NAN;
        r->seconds = omp_get_wtime() - g->t0;
    }
}

void pl_gd_run(pl_gd *g, int ith, int nth)
{
    pl_objective *o = g->obj;
    const pl_objective_ops *op = o->ops;
    const int last = g->iters[g->niters - 1];
    op->reset(o, ith, nth);
    if (ith == 0) {
        for (size_t m = 0; m < o->nmodels; m++) {
            g->halted[m] = 0;
            g->lr_now[m] = g->lr[m];
            g->curves[m]->len = 0;
        }
        g->live = o->nmodels;
        g->interrupted = 0;
        g->t0 = omp_get_wtime();
    }
    PL_BARRIER(o->solo);

    int c = 0;   /* next checkpoint */
    for (int t = 0; t <= last; t++) {
        op->eval(o, PL_SET_TRAIN, t < last, g->ev, ith, nth);
        if (ith == 0)
            book(g);
        PL_BARRIER(o->solo);   /* halts settled before anyone reads them */
        if (g->live == 0)
            break;
        if (t == g->iters[c]) {
            if (o->has_val)
                op->eval(o, PL_SET_VAL, 0, g->vev, ith, nth);
            if (o->has_test)
                op->eval(o, PL_SET_TEST, 0, g->tev, ith, nth);
            save(g, c, ith, nth);
            c++;
            /* the step writes pixels that another thread may still be saving
             * (its chunks are claimed, not the saving thread's own range) */
            if (t < last)
                PL_BARRIER(o->solo);
        }
        if (t == last)
            break;
        op->step(o, g->lr_now, ith, nth);
        if (ith == 0) {
            if (g->progress)
                g->progress(g->progress_ctx, g->job, g->njobs, t + 1, last);
            if (g->stop && *g->stop)
                g->interrupted = 1;
        }
        PL_BARRIER(o->solo);
        if (g->interrupted)
            break;
    }

    /* Checkpoints not reached keep NaN metrics and say why. */
    if (ith == 0)
        for (size_t m = 0; m < o->nmodels; m++)
            for (int k = c; k < g->niters; k++)
                g->res[m][k].status =
                    g->halted[m] ? PL_RUN_DIVERGED : PL_RUN_INTERRUPTED;
    PL_BARRIER(o->solo);
}
