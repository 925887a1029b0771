/*
 * train.c - running the jobs of a config on one team.  See train.h.
 *
 * Plan, then run: every buffer (objective scratch sized for the largest task,
 * shared w and gradient, each checkpoint's weights, each curve) is allocated
 * before the team starts.  The team is one OpenMP parallel region for the
 * whole call; its threads bind themselves on entry and then step through the
 * jobs (task-major, then learning rate), each job data-parallel over rows.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/gd.h"
#include "train/logloss.h"
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

static int alloc_run(const pl_config *cfg, size_t dim, pl_run *run, pl_error *e)
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
                              .val_acc = NAN, .test_loss = NAN,
                              .test_acc = NAN, .seconds = NAN, .b = NAN };
            r->w = calloc(dim, sizeof *r->w);
            if (!r->w)
                return pl_errorf(e, PL_ENOMEM, "out of memory for model weights");
        }
    }
    return PL_OK;
}

int pl_train(pl_engine *eng, const pl_config *cfg, const pl_dataset *train,
             const pl_dataset *test, const pl_train_opts *opts, pl_run *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    if (cfg->task.ntasks < 1 || cfg->train.nlr < 1 || cfg->train.niters < 1)
        return pl_errorf(e, PL_EINPUT, "nothing to train: no task, learning rate or iteration count");
    if (test && test->n == 0)
        test = NULL;
    if (test && test->dim != train->dim)
        return pl_errorf(e, PL_EINPUT, "test images have %zu pixels, training images %zu",
                         test->dim, train->dim);
    size_t maxrows, maxtest = 0;
    int rc = check_views(cfg, train, e, &maxrows);
    if (rc)
        return rc;
    if (test)
        for (int t = 0; t < cfg->task.ntasks; t++) {
            pl_view v;
            pl_view_make(test, cfg->task.tasks[t], &v);
            maxtest = v.n > maxtest ? v.n : maxtest;
        }

    const size_t dim = train->dim;
    const size_t njobs = (size_t)cfg->task.ntasks * (size_t)cfg->train.nlr;
    const int nth = pl_engine_threads(eng);
    pl_logloss otrain = { 0 }, otest = { 0 };
    pl_gd_job job = { 0 };
    float *w = aligned_alloc(64, (dim + 15) / 16 * 16 * sizeof(float));
    float *gw = aligned_alloc(64, (dim + 15) / 16 * 16 * sizeof(float));
    if (!w || !gw)
        rc = pl_errorf(e, PL_ENOMEM, "out of memory");
    if (!rc)
        rc = alloc_run(cfg, dim, out, e);
    if (!rc)
        rc = pl_logloss_plan(&otrain, &eng->k, dim, maxrows, e);
    if (!rc && test)
        rc = pl_logloss_plan(&otest, &eng->k, dim, maxtest, e);
    if (rc)
        goto done;

    job = (pl_gd_job){ .train = &otrain, .test = test ? &otest : NULL,
                       .iters = cfg->train.iters, .niters = cfg->train.niters,
                       .stop = opts ? opts->stop : NULL,
                       .progress = opts ? opts->progress : NULL,
                       .progress_ctx = opts ? opts->progress_ctx : NULL,
                       .njobs = njobs, .w = w, .gw = gw };
    double t0 = omp_get_wtime();
    int interrupted = 0;

#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), team = omp_get_num_threads();
        pl_engine_bind_self(eng, ith);
        for (size_t jb = 0; jb < njobs; jb++) {
            if (ith == 0) {
                pl_view v;
                pl_task task = cfg->task.tasks[jb / (size_t)cfg->train.nlr];
                pl_view_make(train, task, &v);
                pl_logloss_set_view(&otrain, &v);
                if (test) {
                    pl_view_make(test, task, &v);
                    pl_logloss_set_view(&otest, &v);
                }
                job.lr = cfg->train.lr[jb % (size_t)cfg->train.nlr];
                job.job = jb;
                job.res = out->results + jb * (size_t)cfg->train.niters;
                job.curve = out->curves[jb].loss;
                for (int c = 0; c < cfg->train.niters; c++) {
                    job.res[c].train_rows = otrain.v.n;
                    job.res[c].test_rows = test ? otest.v.n : 0;
                    if (interrupted)
                        job.res[c].status = PL_RUN_INTERRUPTED;
                }
            }
#pragma omp barrier
            if (interrupted)   /* written by thread 0 before the barrier above */
                continue;
            pl_gd_run(&job, ith, team);
            if (ith == 0) {
                out->curves[jb].len = job.curve_len;
                if (job.halt == 2)
                    interrupted = 1;
            }
        }
    }
    out->threads = nth;
    out->simd = eng->k.name;
    out->seconds = omp_get_wtime() - t0;
    out->interrupted = interrupted;

done:
    pl_logloss_free(&otrain);
    pl_logloss_free(&otest);
    free(w);
    free(gw);
    if (rc)
        pl_run_free(out);
    return rc;
}
