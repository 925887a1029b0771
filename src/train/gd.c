/*
 * gd.c - full-batch gradient descent, checkpointed.  See gd.h.
 *
 * Iteration t evaluates the objective at (w_t, b_t): its loss is curve[t].  At a
 * checkpoint t the model (w_t, b_t) and its train/test metrics are saved; after
 * the last checkpoint nothing more is computed.  Otherwise every thread applies
 * the update to its own pixel range of w, thread 0 to b, and a barrier makes the
 * new model visible before the next evaluation.  Per iteration: the objective's
 * two barriers plus this one; no allocation.
 */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/gd.h"

static void save_checkpoint(pl_gd_job *j, int c, int ith, size_t j0, size_t j1)
{
    pl_result *r = &j->res[c];
    memcpy(r->w + j0, j->w + j0, (j1 - j0) * sizeof *r->w);
    if (ith != 0)
        return;
    r->b = j->b;
    r->status = PL_RUN_OK;
    r->train_loss = j->ev.loss;
    r->train_acc = j->ev.acc;
    r->val_loss = j->val ? j->vev.loss : NAN;
    r->val_acc = j->val ? j->vev.acc : NAN;
    r->test_loss = j->test ? j->tev.loss : NAN;
    r->test_acc = j->test ? j->tev.acc : NAN;
    r->seconds = omp_get_wtime() - j->t0;
}

void pl_gd_run(pl_gd_job *j, int ith, int nth)
{
    const size_t dim = j->train->v.dim;
    const int last = j->iters[j->niters - 1];
    size_t j0, j1;
    pl_share(dim, 16, ith, nth, &j0, &j1);

    memset(j->w + j0, 0, (j1 - j0) * sizeof *j->w);
    if (ith == 0) {
        j->b = 0.0f;
        j->halt = 0;
        j->curve_len = 0;
        j->t0 = omp_get_wtime();
    }
    PL_BARRIER(j->solo);

    int c = 0;   /* next checkpoint */
    for (int t = 0; t <= last; t++) {
        const int at_checkpoint = (t == j->iters[c]);
        pl_logloss_eval(j->train, ith, nth, j->w, j->b, t < last ? j->gw : NULL, &j->ev);
        if (!isfinite(j->ev.loss)) {   /* same value seen by every thread */
            if (ith == 0)
                j->halt = 1;
            break;
        }
        if (ith == 0)
            j->curve[j->curve_len++] = j->ev.loss;
        if (at_checkpoint) {
            if (j->val)
                pl_logloss_eval(j->val, ith, nth, j->w, j->b, NULL, &j->vev);
            if (j->test)
                pl_logloss_eval(j->test, ith, nth, j->w, j->b, NULL, &j->tev);
            save_checkpoint(j, c, ith, j0, j1);
            c++;
        }
        if (t == last)
            break;
        for (size_t k = j0; k < j1; k++)
            j->w[k] -= (float)(j->lr * (double)j->gw[k]);
        if (ith == 0) {
            j->b -= (float)(j->lr * j->ev.gb);
            if (j->progress)
                j->progress(j->progress_ctx, j->job, j->njobs, t + 1, last);
            if (j->stop && *j->stop)
                j->halt = 2;
        }
        PL_BARRIER(j->solo);
        if (j->halt)
            break;
    }

    /* Checkpoints not reached keep NaN metrics and say why. */
    if (ith == 0)
        for (int k = c; k < j->niters; k++)
            j->res[k].status = j->halt == 2 ? PL_RUN_INTERRUPTED : PL_RUN_DIVERGED;
    PL_BARRIER(j->solo);
}
