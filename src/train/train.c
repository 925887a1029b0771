/*
 * train.c - running the jobs of a config on one team.  See train.h.
 *
 * Plan, then run: every buffer (objective scratch sized for the largest task,
 * shared weights and gradients, each checkpoint's weights, each curve, the
 * fused sweep's groups and blocks) is allocated before the team starts.  The
 * team is one OpenMP parallel region for the whole call; its threads bind
 * themselves on entry and then run the chosen strategy.
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
    pl_view v;
    pl_view_make(d, t, &v);
    return v.n;
}

static int check_views(const pl_config *cfg, const pl_dataset *train, pl_error *e,
                       size_t *maxrows)
{
    *maxrows = 0;
    for (int t = 0; t < cfg->task.ntasks; t++) {
        pl_view v;
        char name[16];
        pl_view_make(train, cfg->task.tasks[t], &v);
        if (v.npos == 0 || v.npos == v.n)
            return pl_errorf(e, PL_EINPUT,
                             "task %s: the training rows hold %zu of the positive class and "
                             "%zu of the negative; both are needed",
                             pl_task_name(cfg->task.tasks[t], name), v.npos, v.n - v.npos);
        if (v.n > *maxrows)
            *maxrows = v.n;
    }
    return PL_OK;
}

static int alloc_run(const pl_config *cfg, size_t dim, const pl_dataset *train,
                     const pl_dataset *val, const pl_dataset *test, pl_run *run, pl_error *e)
{
    const size_t njobs = (size_t)cfg->task.ntasks * (size_t)cfg->train.nlr;
    const int last = cfg->train.iters[cfg->train.niters - 1];
    run->dim = dim;
    run->results = calloc(njobs * (size_t)cfg->train.niters, sizeof *run->results);
    run->curves = calloc(njobs, sizeof *run->curves);
    if (!run->results || !run->curves)
        return pl_errorf(e, PL_ENOMEM, "out of memory for results");
    for (size_t jb = 0; jb < njobs; jb++) {
        pl_task task = cfg->task.tasks[jb / (size_t)cfg->train.nlr];
        double lr = cfg->train.lr[jb % (size_t)cfg->train.nlr];
        pl_curve *cv = &run->curves[run->ncurves++];
        *cv = (pl_curve){ .task = task, .lr = lr };
        cv->loss = malloc(((size_t)last + 1) * sizeof *cv->loss);
        if (!cv->loss)
            return pl_errorf(e, PL_ENOMEM, "out of memory for loss curves");
        for (int c = 0; c < cfg->train.niters; c++) {
            pl_result *r = &run->results[run->nresults++];
            *r = (pl_result){ .task = task, .lr = lr, .iterations = cfg->train.iters[c],
                              .train_loss = NAN, .train_acc = NAN, .val_loss = NAN,
                              .val_acc = NAN, .test_loss = NAN, .test_acc = NAN,
                              .seconds = NAN, .b = NAN,
                              .train_rows = task_rows(train, task),
                              .val_rows = task_rows(val, task),
                              .test_rows = task_rows(test, task) };
            r->w = calloc(dim, sizeof *r->w);
            if (!r->w)
                return pl_errorf(e, PL_ENOMEM, "out of memory for model weights");
        }
    }
    return PL_OK;
}

/* Scratch for the dense strategies: objectives over train, val and test, and
 * the model's weights and gradient.  One for the team (data) or one per
 * thread (jobs). */
typedef struct dense_ws {
    pl_logloss tr, va, te;
    float *w, *gw;
} dense_ws;

static int dense_plan(dense_ws *ws, const pl_kernels *k, size_t dim, size_t maxtr,
                      size_t maxva, size_t maxte, int solo, pl_error *e)
{
    memset(ws, 0, sizeof *ws);
    const size_t ld = (dim + 15) / 16 * 16;
    ws->w = aligned_alloc(64, ld * sizeof(float));
    ws->gw = aligned_alloc(64, ld * sizeof(float));
    if (!ws->w || !ws->gw)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    int rc = pl_logloss_plan(&ws->tr, k, dim, maxtr, e);
    if (!rc && maxva)
        rc = pl_logloss_plan(&ws->va, k, dim, maxva, e);
    if (!rc && maxte)
        rc = pl_logloss_plan(&ws->te, k, dim, maxte, e);
    ws->tr.solo = ws->va.solo = ws->te.solo = solo;
    return rc;
}

static void dense_free(dense_ws *ws)
{
    pl_logloss_free(&ws->tr);
    pl_logloss_free(&ws->va);
    pl_logloss_free(&ws->te);
    free(ws->w);
    free(ws->gw);
}

/* Sets up job jb of cfg on ws (views, results, curve). */
static void dense_job(pl_gd_job *job, dense_ws *ws, size_t jb, const pl_config *cfg,
                      const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                      pl_run *out)
{
    pl_view v;
    pl_task task = cfg->task.tasks[jb / (size_t)cfg->train.nlr];
    pl_view_make(train, task, &v);
    pl_logloss_set_view(&ws->tr, &v);
    if (val) {
        pl_view_make(val, task, &v);
        pl_logloss_set_view(&ws->va, &v);
    }
    if (test) {
        pl_view_make(test, task, &v);
        pl_logloss_set_view(&ws->te, &v);
    }
    job->train = &ws->tr;
    job->val = val ? &ws->va : NULL;
    job->test = test ? &ws->te : NULL;
    job->w = ws->w;
    job->gw = ws->gw;
    job->lr = cfg->train.lr[jb % (size_t)cfg->train.nlr];
    job->job = jb;
    job->res = out->results + jb * (size_t)cfg->train.niters;
    job->curve = out->curves[jb].loss;
}

int pl_train(pl_engine *eng, const pl_config *cfg, const pl_dataset *train,
             const pl_dataset *test, const pl_train_opts *opts, pl_run *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    if (cfg->task.ntasks < 1 || cfg->train.nlr < 1 || cfg->train.niters < 1)
        return pl_errorf(e, PL_EINPUT, "nothing to train: no task, learning rate or iteration count");
    const pl_dataset *val = opts ? opts->val : NULL;
    if (test && test->n == 0)
        test = NULL;
    if (val && val->n == 0)
        val = NULL;
    if ((test && test->dim != train->dim) || (val && val->dim != train->dim))
        return pl_errorf(e, PL_EINPUT, "test or validation images have %zu pixels, training "
                         "images %zu", test ? test->dim : val->dim, train->dim);
    size_t maxtr, maxva = 0, maxte = 0;
    int rc = check_views(cfg, train, e, &maxtr);
    if (rc)
        return rc;
    for (int t = 0; t < cfg->task.ntasks; t++) {
        size_t a = task_rows(val, cfg->task.tasks[t]), b = task_rows(test, cfg->task.tasks[t]);
        maxva = a > maxva ? a : maxva;
        maxte = b > maxte ? b : maxte;
    }

    const size_t dim = train->dim;
    const size_t njobs = (size_t)cfg->task.ntasks * (size_t)cfg->train.nlr;
    const int nth = pl_engine_threads(eng);
    pl_fused fused = { 0 };
    dense_ws *ws = NULL;
    int nws = 0;
    rc = alloc_run(cfg, dim, train, val, test, out, e);
    if (rc)
        goto done;

    /* The fused plan also counts the blocks the cost model needs (and measures
     * the density); it is kept when fused wins. */
    int strategy = cfg->engine.strategy;
    if (strategy == PL_STRATEGY_AUTO && njobs <= 1)   /* no plan needed to know it */
        strategy = pl_strategy_choose(njobs, nth, 0);
    if (strategy == PL_STRATEGY_AUTO || strategy == PL_STRATEGY_FUSED) {
        rc = pl_fused_plan(&fused, &eng->k, cfg, train, val, test, nth, e);
        if (rc)
            goto done;
        out->density = fused.density;
        if (strategy == PL_STRATEGY_AUTO)
            strategy = pl_strategy_choose(njobs, nth, fused.train.nblk);
        if (strategy != PL_STRATEGY_FUSED)
            pl_fused_free(&fused);
    }
    if (strategy != PL_STRATEGY_FUSED) {
        nws = strategy == PL_STRATEGY_JOBS ? nth : 1;
        ws = calloc((size_t)nws, sizeof *ws);
        if (!ws)
            rc = pl_errorf(e, PL_ENOMEM, "out of memory");
        for (int i = 0; !rc && i < nws; i++)
            rc = dense_plan(&ws[i], &eng->k, dim, maxtr, val ? maxva : 0, test ? maxte : 0,
                            strategy == PL_STRATEGY_JOBS, e);
        if (rc)
            goto done;
    }
    out->strategy = pl_strategy_name(strategy);

    double t0 = omp_get_wtime();
    int interrupted = 0;
    pl_gd_job shared = { .iters = cfg->train.iters, .niters = cfg->train.niters,
                         .stop = opts ? opts->stop : NULL,
                         .progress = opts ? opts->progress : NULL,
                         .progress_ctx = opts ? opts->progress_ctx : NULL, .njobs = njobs };

#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), team = omp_get_num_threads();
        pl_engine_enter(eng, ith, team);
        if (strategy == PL_STRATEGY_FUSED) {
            pl_fused_run(&fused, cfg, out, opts, ith, team, &interrupted);
        } else if (strategy == PL_STRATEGY_DATA) {
            for (size_t jb = 0; jb < njobs; jb++) {
                if (ith == 0)
                    dense_job(&shared, &ws[0], jb, cfg, train, val, test, out);
                pl_team_barrier();
                if (interrupted)   /* written by thread 0 before the barrier above */
                    break;
                pl_gd_run(&shared, ith, team);
                if (ith == 0) {
                    out->curves[jb].len = shared.curve_len;
                    interrupted = shared.halt == 2;
                }
            }
        } else {   /* jobs: round-robin, each model by one thread alone */
            pl_gd_job mine = shared;
            mine.solo = 1;
            if (ith != 0)
                mine.progress = NULL;
            for (size_t jb = (size_t)ith; jb < njobs; jb += (size_t)team) {
                if (opts && opts->stop && *opts->stop)
                    break;
                dense_job(&mine, &ws[ith], jb, cfg, train, val, test, out);
                pl_gd_run(&mine, 0, 1);
                out->curves[jb].len = mine.curve_len;
            }
        }
        pl_engine_leave();
    }
    /* Jobs never started (an interruption) say so. */
    for (size_t jb = 0; jb < njobs; jb++)
        for (int c = 0; c < cfg->train.niters; c++) {
            pl_result *r = &out->results[jb * (size_t)cfg->train.niters + (size_t)c];
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
        dense_free(&ws[i]);
    free(ws);
    if (rc)
        pl_run_free(out);
    return rc;
}
