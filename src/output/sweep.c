/*
 * sweep.c - pl_sweep_summarize: the best model of every task, the pair
 * accuracy table, and (through vote.c) the ten-class classifiers.  The rule is
 * documented in include/parlogit/sweep.h; better() below is that rule.
 *
 * The run's results are task-major, so each task is one contiguous stretch of
 * results; the tasks are read from the results themselves, not from the
 * config, and the config is asked only whether a validation split exists.
 */
#include <math.h>
#include <string.h>

#include "output/sweep_impl.h"

/* -1 if a ranks before b by "higher is better" (NaN last), 1 after, 0 tie. */
static int cmp_high(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return a > b ? -1 : a < b ? 1 : 0;
}

/* The same for "lower is better". */
static int cmp_low(double a, double b)
{
    return cmp_high(-a, -b);
}

/* Whether result a beats result b as a task's best (both status ok). */
static int better(const pl_result *a, const pl_result *b, int on_val)
{
    int c = on_val ? cmp_high(a->val_acc, b->val_acc) : cmp_high(a->train_acc, b->train_acc);
    if (!c)
        c = on_val ? cmp_low(a->val_loss, b->val_loss) : cmp_low(a->train_loss, b->train_loss);
    if (!c)
        c = a->lr < b->lr ? -1 : a->lr > b->lr ? 1 : 0;
    if (!c)
        c = a->iterations < b->iterations ? -1 : a->iterations > b->iterations ? 1 : 0;
    return c < 0;
}


/* Chooses the best of results[lo, hi) (one task) into s; returns its index in
 * s->best or -1 when none is ok. */
static int choose(const pl_run *run, size_t lo, size_t hi, int have_val, pl_sweep *s)
{
    int on_val = 0;
    for (size_t i = lo; have_val && i < hi; i++)
        if (run->results[i].status == PL_RUN_OK && isfinite(run->results[i].val_acc))
            on_val = 1;
    size_t win = hi;
    for (size_t i = lo; i < hi; i++)
        if (run->results[i].status == PL_RUN_OK &&
            (win == hi || better(&run->results[i], &run->results[win], on_val)))
            win = i;
    if (win == hi) {
        s->unresolved[s->nunresolved++] = run->results[lo].task;
        return -1;
    }
    const pl_result *r = &run->results[win];
    pl_sweep_best *b = &s->best[s->nbest];
    *b = (pl_sweep_best){ .task = r->task, .result = win, .on_val = on_val, .h = r->h,
                          .lr = r->lr,
                          .iterations = r->iterations, .train_loss = r->train_loss,
                          .train_acc = r->train_acc, .val_loss = r->val_loss,
                          .val_acc = r->val_acc, .test_loss = r->test_loss,
                          .test_acc = r->test_acc };
    return s->nbest++;
}

static int digit_ok(int d)
{
    return d >= 0 && d < PL_CLASSES;
}

int pl_sweep_summarize(const pl_config *cfg, const pl_run *run, const pl_dataset *test,
                       pl_sweep *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < PL_CLASSES; i++) {
        out->rest_best[i] = -1;
        for (int j = 0; j < PL_CLASSES; j++) {
            out->pair_best[i][j] = -1;
            out->pair_acc[i][j] = NAN;
        }
    }
    out->top = -1;
    if (test && test->n == 0)
        test = NULL;
    if (test && test->dim != run->dim)
        return pl_errorf(e, PL_EINPUT, "test images have %zu pixels, the models %zu",
                         test->dim, run->dim);
    const int have_val = cfg->data.validation_fraction > 0;

    for (size_t lo = 0, hi; lo < run->nresults; lo = hi) {
        for (hi = lo + 1; hi < run->nresults && pl_task_equal(run->results[hi].task,
                                                           run->results[lo].task); hi++)
            ;
        if (out->nbest + out->nunresolved >= PL_MAX_TASKS)
            return pl_errorf(e, PL_EINPUT, "more than %d tasks in one run", PL_MAX_TASKS);
        pl_task t = run->results[lo].task;
        if (t.kind != PL_KIND_BINARY) {
            if ((t.kind != PL_KIND_OVR && t.kind != PL_KIND_SOFTMAX) ||
                pl_task_outputs(t) < 2 || (t.classes & ~PL_ALL_CLASSES))
                return pl_errorf(e, PL_EINPUT, "result %zu: not a ten-class task", lo);
            if (out->nmulti >= PL_SWEEP_MULTI)
                return pl_errorf(e, PL_EINPUT, "more than %d ovr / softmax tasks in one run",
                                 PL_SWEEP_MULTI);
            int k = choose(run, lo, hi, have_val, out);
            if (k < 0)
                continue;
            if (out->top < 0 || better(&run->results[out->best[k].result],
                                       &run->results[out->best[out->top].result],
                                       out->best[k].on_val))
                out->top = k;
            out->multi_best[out->nmulti++] = k;
            continue;
        }
        if (!digit_ok(t.pos) || (t.neg != PL_REST && (!digit_ok(t.neg) || t.neg == t.pos)))
            return pl_errorf(e, PL_EINPUT, "result %zu: task %d-%d is not a digit pair",
                             lo, t.neg, t.pos);
        int k = choose(run, lo, hi, have_val, out);
        if (k < 0)
            continue;
        if (t.neg == PL_REST) {
            out->rest_best[t.pos] = k;
        } else if (out->pair_best[t.neg][t.pos] < 0) {   /* the config forbids i-j with j-i */
            out->pair_best[t.neg][t.pos] = out->pair_best[t.pos][t.neg] = k;
            out->pair_acc[t.neg][t.pos] = out->pair_acc[t.pos][t.neg] = out->best[k].test_acc;
            out->npairs++;
        }
    }

    int all_rest = 1;
    for (int d = 0; d < PL_CLASSES; d++)
        all_rest &= out->rest_best[d] >= 0;
    int rc = PL_OK;
    if (test && out->npairs == PL_CLASSES * (PL_CLASSES - 1) / 2)
        rc = pl_vote_ovo(run, out, test, &out->ovo);
    if (!rc && test && all_rest)
        rc = pl_vote_ovr(run, out, test, &out->ovr);
    for (int q = 0; !rc && test && q < out->nmulti; q++)
        pl_score_model(run, &out->best[out->multi_best[q]], test, &out->multi[q]);
    return rc ? pl_errorf(e, rc, "out of memory for the vote") : PL_OK;
}
