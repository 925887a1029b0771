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
 * to its own pixels), and one after each iteration; nothing is allocated.
 *
 * The team's width.  On a machine whose cores other processes take, two
 * threads are rarely on their cores together, and each barrier waits for
 * the one the scheduler has put aside: the whole team can be slower than one
 * thread.  So an iteration has a width, the whole team or thread 0 alone,
 * which thread 0 chooses from timings (adapt: the whole team, with a short
 * try of one thread now and then, and the other way round once one thread
 * is faster).  Iterations of width 1 come in stretches: thread 0 works them
 * alone (pl_team_narrow: its barriers count one thread) while the others
 * sleep at the engine's gate (engine_impl.h), and only at the stretch's end
 * does it hand them, with the gate, the stretch's last iteration, the next
 * width and whether the run is over; then the whole team meets at a barrier.
 * Waking them every iteration would tie the team to the slowest again.  The
 * width changes only who computes, never a result: the objectives' results
 * do not depend on the number of threads.  After a whole-team iteration,
 * thread 0 writes the next width and whether the run ends into that
 * iteration's slot (two slots, so that a late reader of the last one is
 * never overtaken); everyone reads them after the barrier that ends it.
 * Solo objectives (jobs) and teams outside pl_engine_enter do not narrow.
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

/* One iteration t by threads [0, w) of the team: the train pass, the
 * bookkeeping, a checkpoint's passes and saves, the step.  Returns 1 when the
 * run ends with it (no live model, the last checkpoint).  *c: the next
 * checkpoint. */
static int iterate(pl_gd *g, int t, int *c, int ith, int w)
{
    pl_objective *o = g->obj;
    const pl_objective_ops *op = o->ops;
    const int last = g->iters[g->niters - 1];
    op->eval(o, PL_SET_TRAIN, t < last, g->ev, ith, w);
    if (ith == 0)
        book(g);
    PL_BARRIER(o->solo);   /* halts settled before anyone reads them */
    if (g->live == 0)
        return 1;
    if (t == g->iters[*c]) {
        if (o->has_val)
            op->eval(o, PL_SET_VAL, 0, g->vev, ith, w);
        if (o->has_test)
            op->eval(o, PL_SET_TEST, 0, g->tev, ith, w);
        save(g, *c, ith, w);
        ++*c;
        /* the step writes pixels that another thread may still be saving
         * (its chunks are claimed, not the saving thread's own range) */
        if (t < last)
            PL_BARRIER(o->solo);
    }
    if (t == last)
        return 1;
    op->step(o, g->lr_now, ith, w);
    if (ith == 0) {
        if (g->progress)
            g->progress(g->progress_ctx, g->job, g->njobs, t + 1, last);
        /* over ranks, every rank stops at the same iteration (xrank.h) */
        g->interrupted = pl_xrank_any(g->xr, g->stop && *g->stop);
    }
    return 0;
}

/* Thread 0, after iteration t (a checkpoint's when ck), in a team of nth:
 * the width of iteration t + 1.  The team works at its best width
 * (nth at first) and, now and then, tries the other (nth or 1) for
 * PL_GD_PROBE iterations; the first of them is not timed, the others' mean
 * is compared with the running mean of the best width's iterations, and the
 * other width becomes the best when it is at least 10 % faster.  A probe
 * that loses doubles the wait before the next (PL_GD_WAIT_MIN to
 * PL_GD_WAIT_MAX iterations; the first probe at iteration PL_GD_FIRST).  On
 * an idle machine the whole team wins every probe (one thread is ~1.8 times
 * slower) and the probes cost about 1 % of a 1000-iteration run; when other processes take the cores, so that two
 * threads are rarely on them together and every barrier waits for a thread
 * the scheduler has put aside, one thread alone wins. */
#define PL_GD_PROBE 3
#define PL_GD_FIRST 8      /* the first probe */
#define PL_GD_WAIT_MIN 32
#define PL_GD_WAIT_MAX 512
static int adapt(pl_gd *g, int t, int nth, int ck)
{
    const double now = omp_get_wtime(), dt = now - g->wtprev;
    g->wtprev = now;
    if (t == 0 || ck) {
        /* not timed: the first iteration, a checkpoint's extra passes */
    } else if (!g->wleft) {
        g->wecur = g->wecur > 0 ? 0.75 * g->wecur + 0.25 * dt : dt;
    } else if (g->wleft < PL_GD_PROBE) {
        g->walt += dt;
        g->nalt++;
    }
    if (g->wleft && --g->wleft == 0) {   /* the probe is over */
        if (g->nalt && g->walt / g->nalt < 0.9 * g->wecur) {
            g->wbest = g->wprobe;
            g->winterval = PL_GD_WAIT_MIN;
            g->wecur = g->walt / g->nalt;
        } else if (g->winterval < PL_GD_WAIT_MAX) {
            g->winterval *= 2;
        }
        g->wnext = t + 1 + g->winterval;
    } else if (!g->wleft && t + 1 >= g->wnext) {   /* a probe begins */
        g->wprobe = g->wbest == nth ? 1 : nth;
        g->wleft = PL_GD_PROBE;
        g->walt = 0;
        g->nalt = 0;
    }
    return g->wleft ? g->wprobe : g->wbest;
}

void pl_gd_run(pl_gd *g, int ith, int nth)
{
    pl_objective *o = g->obj;
    const pl_objective_ops *op = o->ops;
    const int narrow = !o->solo && nth > 1 && pl_team_can_narrow();
    op->reset(o, ith, nth);
    if (ith == 0) {
        for (size_t m = 0; m < o->nmodels; m++) {
            g->halted[m] = 0;
            g->lr_now[m] = g->lr[m];
            g->curves[m]->len = 0;
        }
        g->live = o->nmodels;
        g->interrupted = 0;
        g->t0 = g->wtprev = omp_get_wtime();
        g->width[0] = g->wbest = nth;
        g->ended[0] = g->wleft = 0;
        g->winterval = PL_GD_WAIT_MIN;
        g->wnext = PL_GD_FIRST;
        g->wecur = 0;
    }
    unsigned seen = narrow ? pl_team_gate_seen() : 0;
    PL_BARRIER(o->solo);

    int c = 0;      /* next checkpoint */
    int w = nth;    /* this iteration's width */
    for (int t = 0;; t++) {
        int end;
        const int stretch = w == 1 && nth > 1;
        if (stretch) {
            /* a stretch of iterations that thread 0 works alone, while the
             * others sleep at the gate: they check in only when it ends */
            if (ith == 0) {
                pl_team_narrow(1);
                for (;; t++) {
                    const int ck = t == g->iters[c];
                    end = iterate(g, t, &c, 0, 1) || g->interrupted;
                    w = adapt(g, t, nth, ck);
                    if (end || w != 1)
                        break;
                }
                g->after_t = t;
                g->after_w = w;
                g->after_end = end;
                pl_team_narrow(0);
                pl_team_gate_open();
            } else {
                pl_team_gate_wait(seen);
                t = g->after_t;
                w = g->after_w;
                end = g->after_end;
                for (c = 0; c < g->niters && g->iters[c] <= t; c++) {
                }
            }
        } else {
            const int ck = t == g->iters[c];
            end = iterate(g, t, &c, ith, nth);
            if (ith == 0) {
                g->ended[t & 1] = end || g->interrupted;
                g->width[(t + 1) & 1] = narrow ? adapt(g, t, nth, ck) : nth;
            }
        }
        if (narrow)
            seen = pl_team_gate_seen();
        PL_BARRIER(o->solo);
        if (!stretch) {   /* what thread 0 decided in the iteration */
            end = g->ended[t & 1];
            w = g->width[(t + 1) & 1];
        }
        if (end)
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
