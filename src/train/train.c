/*
 * train.c - running the jobs of a plan on one team.  See train.h.
 *
 * Plan, then run: every buffer (objective scratch sized for the largest task,
 * shared weights and gradients, each checkpoint's weights, each curve, the
 * fused batch's groups and blocks, the solvers' state) is allocated before
 * the team starts.  The team is one OpenMP parallel region for the whole
 * call; its threads bind themselves on entry, then run gradient descent
 * (gd.h) over the objective the strategy chose: the fused batch of every job,
 * or the dense objective job after job (data) or thread by thread (jobs).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/fused.h"
#include "train/gd.h"
#include "train/logloss.h"
#include "train/strategy.h"
#include "train/view.h"

const char *pl_run_status_name(int status)
{
    switch (status) {
    case PL_RUN_OK: return "ok";
    case PL_RUN_DIVERGED: return "diverged";
    case PL_RUN_INTERRUPTED: return "interrupted";
    default: return "?";
    }
}

void pl_run_free(pl_run *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->nresults; i++)
        free(run->results[i].w);
    for (size_t i = 0; i < run->ncurves; i++)
        free(run->curves[i].loss);
    free(run->results);
    free(run->curves);
    memset(run, 0, sizeof *run);
}

static size_t task_rows(const pl_dataset *d, pl_task t)
{
    if (!d || d->n == 0)
        return 0;
    size_t n = 0;
    for (int c = 0; c < PL_CLASSES; c++)
        if (pl_task_uses(t, c))
            n += d->start[c + 1] - d->start[c];
    return n;
}

/* Every task has training rows of each of its classes; *maxrows: the most
 * rows of a binary task (the dense objective's scratch). */
static int check_tasks(const pl_plan *plan, const pl_dataset *train, pl_error *e,
                       size_t *maxrows, int *multiclass)
{
    *maxrows = 0;
    *multiclass = 0;
    for (size_t j = 0; j < plan->njobs; j++) {
        const pl_task t = plan->jobs[j].task;
        char name[PL_TASK_NAME_MAX];
        if (!(plan->jobs[j].h.lr > 0.0))
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): the learning rate must be > 0", j,
                             pl_task_name(t, name));
        if (t.kind != PL_KIND_BINARY) {
            *multiclass = 1;
            if (pl_task_outputs(t) < 2 || (t.classes & ~PL_ALL_CLASSES))
                return pl_errorf(e, PL_EINPUT, "task %s: needs two or more classes of 0..9",
                                 pl_task_name(t, name));
            for (int c = 0; c < PL_CLASSES; c++)
                if (pl_task_uses(t, c) && train->start[c + 1] == train->start[c])
                    return pl_errorf(e, PL_EINPUT, "task %s: the training rows hold no row "
                                     "of class %d", pl_task_name(t, name), c);
            continue;
        }
        pl_view v;
        pl_view_make(train, t, &v);
        if (v.npos == 0 || v.npos == v.n)
            return pl_errorf(e, PL_EINPUT,
                             "task %s: the training rows hold %zu of the positive class and "
                             "%zu of the negative; both are needed",
                             pl_task_name(t, name), v.npos, v.n - v.npos);
        if (v.n > *maxrows)
            *maxrows = v.n;
    }
    return PL_OK;
}

static int alloc_run(const pl_plan *plan, size_t dim, const pl_dataset *train,
                     const pl_dataset *val, const pl_dataset *test, pl_run *run, pl_error *e)
{
    const size_t njobs = plan->njobs;
    const int last = plan->iters[plan->niters - 1];
    run->dim = dim;
    run->results = calloc(njobs * (size_t)plan->niters, sizeof *run->results);
    run->curves = calloc(njobs, sizeof *run->curves);
    if (!run->results || !run->curves)
        return pl_errorf(e, PL_ENOMEM, "out of memory for results");
    for (size_t jb = 0; jb < njobs; jb++) {
        const pl_task task = plan->jobs[jb].task;
        const double lr = plan->jobs[jb].h.lr;
        const int k = pl_task_outputs(task);
        pl_curve *cv = &run->curves[run->ncurves++];
        *cv = (pl_curve){ .task = task, .lr = lr };
        cv->loss = malloc(((size_t)last + 1) * sizeof *cv->loss);
        if (!cv->loss)
            return pl_errorf(e, PL_ENOMEM, "out of memory for loss curves");
        for (int c = 0; c < plan->niters; c++) {
            pl_result *r = &run->results[run->nresults++];
            *r = (pl_result){ .task = task, .lr = lr, .iterations = plan->iters[c],
                              .train_loss = NAN, .train_acc = NAN, .val_loss = NAN,
                              .val_acc = NAN, .test_loss = NAN, .test_acc = NAN,
                              .seconds = NAN, .k = k,
                              .train_rows = task_rows(train, task),
                              .val_rows = task_rows(val, task),
                              .test_rows = task_rows(test, task) };
            for (int q = 0; q < PL_CLASSES; q++)
                r->b[q] = NAN;
            r->w = calloc((size_t)k * dim, sizeof *r->w);
            if (!r->w)
                return pl_errorf(e, PL_ENOMEM, "out of memory for model weights");
        }
    }
    return PL_OK;
}

/* The solver of job jb (the dense objective d, set to the job's task) or of
 * every job at once (fused: jb = 0, n = njobs). */
static void solver_for(pl_gd *g, pl_objective *obj, const pl_plan *plan, size_t jb, size_t n,
                       const double *lr, pl_run *out)
{
    g->obj = obj;
    g->lr = lr + jb;
    g->res = out->results + jb * (size_t)plan->niters;
    g->curves = out->curves + jb;
    g->job = n == plan->njobs ? 0 : jb;
    g->njobs = n == plan->njobs ? 1 : plan->njobs;
}

int pl_train(pl_engine *eng, const pl_plan *plan, const pl_dataset *train,
             const pl_dataset *test, const pl_train_opts *opts, pl_run *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    if (plan->njobs < 1 || plan->niters < 1 || plan->niters > PL_MAX_LIST)
        return pl_errorf(e, PL_EINPUT, "nothing to train: no job or no iteration count");
    for (int c = 0; c < plan->niters; c++)
        if (plan->iters[c] < 1 || (c > 0 && plan->iters[c] <= plan->iters[c - 1]))
            return pl_errorf(e, PL_EINPUT, "checkpoints must be ascending counts >= 1");
    const pl_dataset *val = opts ? opts->val : NULL;
    if (test && test->n == 0)
        test = NULL;
    if (val && val->n == 0)
        val = NULL;
    if ((test && test->dim != train->dim) || (val && val->dim != train->dim))
        return pl_errorf(e, PL_EINPUT, "test or validation images have %zu pixels, training "
                         "images %zu", test ? test->dim : val->dim, train->dim);
    size_t max[3] = { 0, 0, 0 };
    int multiclass;
    int rc = check_tasks(plan, train, e, &max[0], &multiclass);
    if (rc)
        return rc;
    int strategy = plan->strategy;
    if (multiclass && (strategy == PL_STRATEGY_DATA || strategy == PL_STRATEGY_JOBS))
        return pl_errorf(e, PL_EINPUT, "engine.strategy = %s trains binary models only; ovr "
                         "and softmax models are trained by the fused strategy (strategy = "
                         "auto or fused)", pl_strategy_name(strategy));
    for (size_t j = 0; j < plan->njobs; j++) {
        size_t a = task_rows(val, plan->jobs[j].task), b = task_rows(test, plan->jobs[j].task);
        max[1] = a > max[1] ? a : max[1];
        max[2] = b > max[2] ? b : max[2];
    }

    const size_t dim = train->dim, njobs = plan->njobs;
    const int nth = pl_engine_threads(eng);
    pl_fused fused = { 0 };
    pl_dense *ws = NULL;
    pl_gd *gd = NULL;
    double *lr = NULL;
    int nws = 0;
    rc = alloc_run(plan, dim, train, val, test, out, e);
    if (rc)
        goto done;
    lr = malloc(njobs * sizeof *lr);
    if (!lr) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < njobs; j++)
        lr[j] = plan->jobs[j].h.lr;

    /* The fused plan also counts the blocks the cost model needs; it is kept
     * when fused wins. */
    out->density = pl_density(train);
    if (strategy == PL_STRATEGY_AUTO && njobs <= 1 && !multiclass)   /* no plan needed */
        strategy = pl_strategy_choose(njobs, 0, nth, 0);
    if (strategy == PL_STRATEGY_AUTO || strategy == PL_STRATEGY_FUSED) {
        rc = pl_fused_plan(&fused, &eng->k, plan, train, val, test, nth, e);
        if (rc)
            goto done;
        if (strategy == PL_STRATEGY_AUTO)
            strategy = pl_strategy_choose(njobs, multiclass, nth,
                                          fused.set[PL_SET_TRAIN].nblk);
        if (strategy != PL_STRATEGY_FUSED)
            pl_fused_free(&fused);
    }
    /* solvers: one for the fused batch or the data strategy, one per thread for jobs */
    nws = strategy == PL_STRATEGY_FUSED ? 0 : strategy == PL_STRATEGY_JOBS ? nth : 1;
    const int nsolvers = nws ? nws : 1;
    gd = calloc((size_t)nsolvers, sizeof *gd);
    ws = calloc((size_t)(nws ? nws : 1), sizeof *ws);
    if (!gd || !ws)
        rc = pl_errorf(e, PL_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < nsolvers; i++)
        rc = pl_gd_plan(&gd[i], nws ? 1 : njobs, e);
    for (int i = 0; !rc && i < nws; i++)
        rc = pl_dense_plan(&ws[i], &eng->k, dim, max, strategy == PL_STRATEGY_JOBS, e);
    if (rc)
        goto done;
    out->strategy = pl_strategy_name(strategy);
    for (int i = 0; i < nsolvers; i++) {
        gd[i].iters = plan->iters;
        gd[i].niters = plan->niters;
        gd[i].stop = opts ? opts->stop : NULL;
        gd[i].progress = opts && i == 0 ? opts->progress : NULL;
        gd[i].progress_ctx = opts ? opts->progress_ctx : NULL;
    }

    double t0 = omp_get_wtime();
    int interrupted = 0;
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), team = omp_get_num_threads();
        pl_engine_enter(eng, ith, team);
        if (strategy == PL_STRATEGY_FUSED) {
            if (ith == 0)
                solver_for(&gd[0], &fused.base, plan, 0, njobs, lr, out);
            pl_team_barrier();
            pl_gd_run(&gd[0], ith, team);
            if (ith == 0)
                interrupted = gd[0].interrupted;
        } else if (strategy == PL_STRATEGY_DATA) {
            for (size_t jb = 0; jb < njobs; jb++) {
                if (ith == 0) {
                    pl_dense_set_task(&ws[0], plan->jobs[jb].task, train, val, test);
                    solver_for(&gd[0], &ws[0].base, plan, jb, 1, lr, out);
                }
                pl_team_barrier();
                if (interrupted)   /* written by thread 0 before the barrier above */
                    break;
                pl_gd_run(&gd[0], ith, team);
                if (ith == 0)
                    interrupted = gd[0].interrupted;
            }
        } else {   /* jobs: round-robin, each model by one thread alone */
            for (size_t jb = (size_t)ith; jb < njobs; jb += (size_t)team) {
                if (opts && opts->stop && *opts->stop)
                    break;
                pl_dense_set_task(&ws[ith], plan->jobs[jb].task, train, val, test);
                solver_for(&gd[ith], &ws[ith].base, plan, jb, 1, lr, out);
                pl_gd_run(&gd[ith], 0, 1);
            }
        }
        pl_engine_leave();
    }
    /* Jobs never started (an interruption) say so. */
    for (size_t jb = 0; jb < njobs; jb++)
        for (int c = 0; c < plan->niters; c++) {
            pl_result *r = &out->results[jb * (size_t)plan->niters + (size_t)c];
            if (isnan(r->train_loss) && r->status == PL_RUN_OK && out->curves[jb].len == 0) {
                r->status = PL_RUN_INTERRUPTED;
                interrupted = 1;
            } else if (r->status == PL_RUN_INTERRUPTED) {
                interrupted = 1;
            }
        }
    out->threads = nth;
    out->simd = eng->k.name;
    out->seconds = omp_get_wtime() - t0;
    out->interrupted = interrupted;

done:
    pl_fused_free(&fused);
    for (int i = 0; i < nws; i++)
        pl_dense_free(&ws[i]);
    free(ws);
    for (int i = 0; gd && i < (nws ? nws : 1); i++)
        pl_gd_free(&gd[i]);
    free(gd);
    free(lr);
    if (rc)
        pl_run_free(out);
    return rc;
}
