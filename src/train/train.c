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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist/xrank.h"
#include "engine/engine_impl.h"
#include "train/fused.h"
#include "train/gd.h"
#include "train/lbfgs.h"
#include "train/logloss.h"
#include "train/minibatch.h"
#include "train/newton.h"
#include "train/sgd.h"
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
    for (size_t i = 0; i < run->ncurves; i++) {
        pl_curve *cv = &run->curves[i];
        free(cv->loss);
        free(cv->epoch);
        free(cv->acc);
        free(cv->val_loss);
        free(cv->val_acc);
        free(cv->step);
    }
    free(run->rows_read);
    free(run->results);
    free(run->curves);
    memset(run, 0, sizeof *run);
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
        const pl_hyper *h = &plan->jobs[j].h;
        if (h->solver == PL_SOLVER_GD && !(h->lr > 0.0))
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): the learning rate must be > 0", j,
                             pl_task_name(t, name));
        if (h->solver == PL_SOLVER_LBFGS &&
            (!(h->tol > 0.0) || h->max_iter < 1 ||
             (h->penalty != PL_PENALTY_NONE && !(h->C > 0.0)) ||
             h->penalty < PL_PENALTY_NONE || h->penalty > PL_PENALTY_ELASTICNET ||
             (h->penalty == PL_PENALTY_ELASTICNET && !(h->l1_ratio > 0 && h->l1_ratio < 1))))
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): lbfgs needs tol > 0, max_iter >= 1 "
                             "and, with a penalty, C > 0 (elasticnet: 0 < l1_ratio < 1)", j,
                             pl_task_name(t, name));
        if (h->solver == PL_SOLVER_SGD &&
            (!(h->lr > 0.0) || h->batch_size < 1 || h->epochs < 1 || h->eval_every < 0 ||
             !(h->power_t >= 0.0) || !(h->tol > 0.0) ||
             (h->penalty != PL_PENALTY_NONE && !(h->C > 0.0)) ||
             h->penalty < PL_PENALTY_NONE || h->penalty > PL_PENALTY_ELASTICNET ||
             (h->penalty == PL_PENALTY_ELASTICNET && !(h->l1_ratio > 0 && h->l1_ratio < 1))))
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): sgd needs lr > 0, batch_size >= 1, "
                             "epochs >= 1, eval_every >= 0, power_t >= 0, tol > 0 and, with "
                             "a penalty, C > 0 (elasticnet: 0 < l1_ratio < 1)", j,
                             pl_task_name(t, name));
        if (h->solver == PL_SOLVER_SGD && h->batch_size >= 1 && h->epochs >= 1) {
            const double steps = (double)h->epochs *
                                 ceil((double)pl_task_rows(train, t) / (double)h->batch_size);
            if (steps > 1e9)
                return pl_errorf(e, PL_EINPUT, "job %zu (%s): sgd would take %.3g steps (epochs "
                                 "x batches per epoch); at most 1e9: fewer epochs or larger "
                                 "batches", j, pl_task_name(t, name), steps);
        }
        if (h->solver == PL_SOLVER_NEWTON &&
            (!(h->tol > 0.0) || h->max_iter < 1 ||
             (h->penalty != PL_PENALTY_NONE && h->penalty != PL_PENALTY_L2) ||
             (h->penalty == PL_PENALTY_L2 && !(h->C > 0.0))))
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): newton needs tol > 0, max_iter >= 1 "
                             "and penalty none or l2 (with C > 0)", j, pl_task_name(t, name));
        if (h->solver != PL_SOLVER_GD && h->solver != PL_SOLVER_LBFGS &&
            h->solver != PL_SOLVER_SGD && h->solver != PL_SOLVER_NEWTON)
            return pl_errorf(e, PL_EINPUT, "job %zu (%s): unknown solver %d", j,
                             pl_task_name(t, name), h->solver);
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

/* Results and curves of every job, in job order: a gd job one result per
 * checkpoint and a curve to the last, an lbfgs job one result and a curve
 * of max_iter + 1 iterates.  first[j]: job j's first result. */
static int alloc_run(const pl_plan *plan, size_t dim, const pl_dataset *train,
                     const pl_dataset *val, const pl_dataset *test, pl_run *run, size_t *first,
                     pl_error *e)
{
    const size_t njobs = plan->njobs;
    const int last = plan->iters[plan->niters - 1];
    size_t nres = 0;
    for (size_t jb = 0; jb < njobs; jb++)
        nres += plan->jobs[jb].h.solver == PL_SOLVER_GD ? (size_t)plan->niters : 1;
    run->dim = dim;
    run->height = train->height;
    run->width = train->width;
    run->pixel_max = train->pixel_max;
    run->results = calloc(nres, sizeof *run->results);
    run->curves = calloc(njobs, sizeof *run->curves);
    if (!run->results || !run->curves)
        return pl_errorf(e, PL_ENOMEM, "out of memory for results");
    for (size_t jb = 0; jb < njobs; jb++) {
        const pl_job *job = &plan->jobs[jb];
        const int gd = job->h.solver == PL_SOLVER_GD, k = pl_task_outputs(job->task);
        const int sgd = job->h.solver == PL_SOLVER_SGD;
        pl_curve *cv = &run->curves[run->ncurves++];
        *cv = (pl_curve){ .task = job->task, .lr = gd || sgd ? job->h.lr : 0.0 };
        char hl[40];
        pl_hyper_label(&job->h, hl);
        if (job->h.solver == PL_SOLVER_NEWTON)   /* hl is "newton C=1" or "newton" */
            snprintf(cv->label, sizeof cv->label, "Newton%s", hl + 6);
        else
            snprintf(cv->label, sizeof cv->label, gd ? "lr %s" : sgd ? "SGD %s" : "L-BFGS %s", hl);
        const size_t len = sgd ? pl_sgd_points(&job->h, pl_task_rows(train, job->task))
                               : (size_t)(gd ? last : job->h.max_iter) + 1;
        cv->loss = malloc(len * sizeof *cv->loss);
        if (!cv->loss)
            return pl_errorf(e, PL_ENOMEM, "out of memory for loss curves");
        if (sgd) {
            cv->epoch = malloc(len * sizeof *cv->epoch);
            cv->acc = malloc(len * sizeof *cv->acc);
            cv->val_loss = malloc(len * sizeof *cv->val_loss);
            cv->val_acc = malloc(len * sizeof *cv->val_acc);
            cv->step = malloc(len * sizeof *cv->step);
            if (!cv->epoch || !cv->acc || !cv->val_loss || !cv->val_acc || !cv->step)
                return pl_errorf(e, PL_ENOMEM, "out of memory for loss curves");
        }
        first[jb] = run->nresults;
        for (int c = 0; c < (gd ? plan->niters : 1); c++) {
            pl_result *r = &run->results[run->nresults++];
            *r = (pl_result){ .task = job->task, .h = job->h, .lr = gd || sgd ? job->h.lr : 0.0,
                              .iterations = gd ? plan->iters[c] : 0,
                              .train_loss = NAN, .train_acc = NAN, .val_loss = NAN,
                              .val_acc = NAN, .test_loss = NAN, .test_acc = NAN,
                              .seconds = NAN, .objective = NAN, .grad_norm = NAN, .k = k,
                              .train_rows = pl_task_rows(train, job->task),
                              .val_rows = pl_task_rows(val, job->task),
                              .test_rows = pl_task_rows(test, job->task) };
            if (gd)
                r->passes = plan->iters[c] + 1;
            for (int q = 0; q < PL_CLASSES; q++)
                r->b[q] = NAN;
            r->w = calloc((size_t)k * dim, sizeof *r->w);
            if (!r->w)
                return pl_errorf(e, PL_ENOMEM, "out of memory for model weights");
        }
    }
    first[njobs] = run->nresults;
    return PL_OK;
}

/* What one phase of a run trains: the jobs of one solver, as a plan of
 * their own, with where each one's results (which carry its hyper-parameters,
 * outputs and rows) and curve go. */
typedef struct phase {
    pl_plan plan;             /* jobs: a copy of the run's jobs of this solver */
    pl_result **res;          /* plan.njobs: its first result                   */
    pl_curve **curves;
    double *lr;               /* gradient descent's step sizes                  */
} phase;

static void phase_free(phase *p)
{
    free(p->plan.jobs);
    free(p->res);
    free(p->curves);
    free(p->lr);
    memset(p, 0, sizeof *p);
}

static int phase_make(const pl_plan *plan, int solver, pl_run *out, const size_t *first,
                      phase *p, pl_error *e)
{
    memset(p, 0, sizeof *p);
    p->plan = *plan;
    p->plan.njobs = 0;
    const size_t n = plan->njobs;
    p->plan.jobs = malloc(n * sizeof *p->plan.jobs);
    p->res = malloc(n * sizeof *p->res);
    p->curves = malloc(n * sizeof *p->curves);
    p->lr = malloc(n * sizeof *p->lr);
    if (!p->plan.jobs || !p->res || !p->curves || !p->lr) {
        phase_free(p);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the job table");
    }
    for (size_t j = 0; j < n; j++) {
        if (plan->jobs[j].h.solver != solver)
            continue;
        const size_t q = p->plan.njobs++;
        p->plan.jobs[q] = plan->jobs[j];
        p->res[q] = &out->results[first[j]];
        p->curves[q] = &out->curves[j];
        p->lr[q] = plan->jobs[j].h.lr;
    }
    return PL_OK;
}

/* A solver's hooks from the caller's options: the stop flag, progress. */
#define SET_HOOKS(s, opts)                                                   \
    ((s).stop = (opts) ? (opts)->stop : NULL,                                \
     (s).progress = (opts) ? (opts)->progress : NULL,                        \
     (s).progress_ctx = (opts) ? (opts)->progress_ctx : NULL)

/* Runs fn(ctx, ith, team) on every thread of the engine's team, each bound
 * on entry (pl_engine_enter) and released on exit: the one parallel region
 * of a solver's run. */
static void in_team(pl_engine *eng, void (*fn)(void *ctx, int ith, int team), void *ctx)
{
    const int nth = pl_engine_threads(eng);
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), team = omp_get_num_threads();
        pl_engine_enter(eng, ith, team);
        fn(ctx, ith, team);
        pl_engine_leave();
    }
}

/* What gradient descent's team shares: the strategy, its objectives and
 * solvers (run_gd's), where the results go. */
typedef struct gd_team_ctx {
    int strategy;
    const pl_plan *plan;
    phase *ph;
    pl_gd *gd;
    pl_dense *ws;
    pl_fused *fused;
    const pl_dataset *train, *val, *test;
    const pl_train_opts *opts;
    int *interrupted;
} gd_team_ctx;

/* The team's part of run_gd: the fused batch in one run, the dense
 * objective job after job (data), or round-robin, one model per thread (jobs). */
static void gd_team(void *ctx, int ith, int team)
{
    gd_team_ctx *c = ctx;
    const int strategy = c->strategy;
    const pl_plan *plan = c->plan;
    phase *ph = c->ph;
    pl_gd *gd = c->gd;
    pl_dense *ws = c->ws;
    const pl_dataset *train = c->train, *val = c->val, *test = c->test;
    const pl_train_opts *opts = c->opts;
    int *interrupted = c->interrupted;
    const size_t njobs = plan->njobs;
    if (strategy == PL_STRATEGY_FUSED) {
        if (ith == 0) {
            gd[0].obj = &c->fused->base;
            gd[0].lr = ph->lr;
            gd[0].res = ph->res;
            gd[0].curves = ph->curves;
        }
        pl_team_barrier();
        pl_gd_run(&gd[0], ith, team);
        if (ith == 0)
            *interrupted = gd[0].interrupted;
    } else if (strategy == PL_STRATEGY_DATA) {
        for (size_t jb = 0; jb < njobs; jb++) {
            if (ith == 0) {
                pl_dense_set_task(&ws[0], plan->jobs[jb].task, train, val, test);
                gd[0].obj = &ws[0].base;
                gd[0].lr = ph->lr + jb;
                gd[0].res = ph->res + jb;
                gd[0].curves = ph->curves + jb;
                gd[0].job = jb;
            }
            pl_team_barrier();
            if (*interrupted)   /* written by thread 0 before the barrier above */
                break;
            pl_gd_run(&gd[0], ith, team);
            if (ith == 0)
                *interrupted = gd[0].interrupted;
        }
    } else {   /* jobs: round-robin, each model by one thread alone */
        for (size_t jb = (size_t)ith; jb < njobs; jb += (size_t)team) {
            if (opts && opts->stop && *opts->stop)
                break;
            pl_dense_set_task(&ws[ith], plan->jobs[jb].task, train, val, test);
            gd[ith].obj = &ws[ith].base;
            gd[ith].lr = ph->lr + jb;
            gd[ith].res = ph->res + jb;
            gd[ith].curves = ph->curves + jb;
            gd[ith].job = jb;
            pl_gd_run(&gd[ith], 0, 1);
        }
    }
}

/* What run_gd lets the fused plan do with the training rows: give them back
 * as they are indexed, when the plan will be trained with (the strategy the
 * block count chooses is fused) and no later phase reads rows. */
typedef struct gd_rows {
    const pl_train_opts *opts;
    int strategy, multiclass, nth;
    size_t njobs;
    int gave;   /* commit agreed: rows are handed back, rows_done is owed */
} gd_rows;

static int gd_rows_commit(void *ctx, size_t nblk)
{
    gd_rows *g = ctx;
    const int s = g->strategy == PL_STRATEGY_AUTO
                      ? pl_strategy_choose(g->njobs, g->multiclass, g->nth, nblk)
                      : g->strategy;
    g->gave = s == PL_STRATEGY_FUSED;
    return g->gave;
}

static void gd_rows_done(void *ctx, size_t row0, size_t n)
{
    const gd_rows *g = ctx;
    g->opts->rows_discard(g->opts->rows_ctx, row0, n);
}

static int gd_rows_fill(void *ctx, const size_t *row0, const size_t *n, size_t nranges,
                        pl_error *e)
{
    const gd_rows *g = ctx;
    return g->opts->rows_fill(g->opts->rows_ctx, row0, n, nranges, e);
}

/* Every row of a deferred training set (pl_train_opts.rows_fill). */
static int fill_all(const pl_dataset *train, const pl_train_opts *opts, pl_error *e)
{
    if (!opts || !opts->rows_fill)
        return pl_errorf(e, PL_EINPUT, "the training rows were not read (a deferred set "
                         "needs pl_train_opts.rows_fill)");
    const size_t r0 = 0, n = train->n;
    return opts->rows_fill(opts->rows_ctx, &r0, &n, 1, e);
}

/* The gradient-descent jobs: the strategy's objective, then gd over it. */
static int run_gd(pl_engine *eng, phase *ph, const pl_dataset *train, const pl_dataset *val,
                  const pl_dataset *test, const size_t max[3], int multiclass, int last,
                  const pl_train_opts *opts, pl_run *out, int *interrupted, pl_error *e)
{
    const pl_plan *plan = &ph->plan;
    const size_t dim = train->dim, njobs = plan->njobs;
    const int nth = pl_engine_threads(eng);
    pl_fused fused = { 0 };
    pl_dense *ws = NULL;
    pl_gd *gd = NULL;
    int nws = 0, rc = PL_OK;
    int strategy = plan->strategy;
    gd_rows rows = { 0 };
    const pl_xrank *xr = opts ? opts->xrank : NULL;   /* cross-rank */
    int nsolvers = 1;
    /* The fused plan also counts the blocks the cost model needs; it is kept
     * when fused wins. */
    if (strategy == PL_STRATEGY_AUTO && njobs <= 1 && !multiclass)   /* no plan needed */
        strategy = pl_strategy_choose(njobs, 0, nth, 0);
    if (strategy == PL_STRATEGY_AUTO || strategy == PL_STRATEGY_FUSED) {
        rows = (gd_rows){ .opts = opts, .strategy = strategy, .multiclass = multiclass,
                          .nth = nth, .njobs = njobs };
        const pl_fused_rows give = { .commit = gd_rows_commit,
                                     .done = opts && opts->rows_discard ? gd_rows_done : NULL,
                                     .fill = opts && opts->rows_fill ? gd_rows_fill : NULL,
                                     .ctx = &rows };
        rc = pl_fused_plan_rows(&fused, &eng->k, plan, train, val, test, nth,
                                opts ? opts->xrank : NULL,
                                last && opts && (opts->rows_discard || opts->rows_fill)
                                    ? &give : NULL, e);
        if (rc)
            goto agree;
        if (strategy == PL_STRATEGY_AUTO)
            strategy = pl_strategy_choose(njobs, multiclass, nth,
                                          fused.set[PL_SET_TRAIN].nblk);
        if (strategy != PL_STRATEGY_FUSED)
            pl_fused_free(&fused);
    }
    /* cross-rank (rows over MPI ranks, src/dist/): jobs trains whole models
     * one thread each, which cannot exchange; data gives the same bits */
    /* a deferred training set not read by the fused plan (another strategy,
     * or a plan that reads on): every row, before the dense objectives */
    if (!rows.gave && train->deferred)
        rc = fill_all(train, opts, e);
    if (rc)
        goto agree;
    if (xr && strategy == PL_STRATEGY_JOBS)
        strategy = PL_STRATEGY_DATA;
    if (xr && strategy == PL_STRATEGY_FUSED)
        rc = pl_fused_distribute(&fused, xr, e);
    if (rc)
        goto agree;
    /* solvers: one for the fused batch or the data strategy, one per thread for jobs */
    nws = strategy == PL_STRATEGY_FUSED ? 0 : strategy == PL_STRATEGY_JOBS ? nth : 1;
    nsolvers = nws ? nws : 1;
    gd = calloc((size_t)nsolvers, sizeof *gd);
    ws = calloc((size_t)(nws ? nws : 1), sizeof *ws);
    if (!gd || !ws)
        rc = pl_errorf(e, PL_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < nsolvers; i++)
        rc = pl_gd_plan(&gd[i], nws ? 1 : njobs, e);
    for (int i = 0; !rc && i < nws; i++)
        rc = pl_dense_plan(&ws[i], &eng->k, dim, max, strategy == PL_STRATEGY_JOBS, e);
    if (!rc && xr && nws)   /* cross-rank */
        rc = pl_dense_distribute(&ws[0], xr, e);
agree:   /* cross-rank: a rank that failed to plan ends every rank's call alike */
    rc = pl_xrank_agree(xr, rc, e);
    if (rc)
        goto done;
    out->strategy = pl_strategy_name(strategy);
    /* the fused sweep's sparse index holds the training rows, which were
     * handed back as it took them in: the caller may free them now */
    if (rows.gave && opts->rows_done) {
        opts->rows_done(opts->rows_ctx);
        rows.gave = 0;
    }
    for (int i = 0; i < nsolvers; i++) {
        gd[i].iters = plan->iters;
        gd[i].niters = plan->niters;
        gd[i].stop = opts ? opts->stop : NULL;
        gd[i].progress = opts && i == 0 ? opts->progress : NULL;
        gd[i].progress_ctx = opts ? opts->progress_ctx : NULL;
        gd[i].njobs = nws ? njobs : 1;
        gd[i].xr = xr;   /* cross-rank */
    }

    gd_team_ctx c = { .strategy = strategy, .plan = plan, .ph = ph, .gd = gd, .ws = ws,
                      .fused = &fused, .train = train, .val = val, .test = test,
                      .opts = opts, .interrupted = interrupted };
    in_team(eng, gd_team, &c);
done:
    if (rows.gave && opts->rows_done)   /* failed after handing rows back: they are gone */
        opts->rows_done(opts->rows_ctx);
    pl_fused_free(&fused);
    for (int i = 0; i < nws; i++)
        pl_dense_free(&ws[i]);
    free(ws);
    for (int i = 0; gd && i < (nws ? nws : 1); i++)
        pl_gd_free(&gd[i]);
    free(gd);
    return rc;
}

static void lbfgs_team(void *c, int ith, int team) { pl_lbfgs_run(c, ith, team); }

/* One stage of the L-BFGS jobs: the fused batch of the stage's jobs (every
 * model kind, one pass for all), then L-BFGS over it, each model from
 * init[q]'s weights (a result of an earlier stage) or from zero (NULL). */
static int lbfgs_stage(pl_engine *eng, phase *ph, const pl_result *const *init,
                       const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                       const pl_train_opts *opts, int *interrupted, pl_error *e)
{
    const pl_plan *plan = &ph->plan;
    const int nth = pl_engine_threads(eng);
    pl_fused fused = { 0 };
    pl_lbfgs lb = { .res = ph->res, .init = init };
    int rc = pl_fused_plan_rows(&fused, &eng->k, plan, train, val, test, nth,
                                opts ? opts->xrank : NULL, NULL, e);
    if (!rc)
        rc = pl_lbfgs_plan(&lb, plan->njobs, train->dim, e);
    if (!rc && opts && opts->xrank)   /* cross-rank */
        rc = pl_fused_distribute(&fused, opts->xrank, e);
    lb.xr = opts ? opts->xrank : NULL;
    rc = pl_xrank_agree(lb.xr, rc, e);   /* a rank that failed to plan ends every rank's */
    if (rc)
        goto done;
    lb.obj = &fused.base;
    lb.curves = ph->curves;
    SET_HOOKS(lb, opts);
    in_team(eng, lbfgs_team, &lb);
    *interrupted |= lb.interrupted;
done:
    pl_lbfgs_free(&lb, plan->njobs);
    pl_fused_free(&fused);
    return rc;
}

/* The L-BFGS jobs.  Without warm starts (or with one C), one stage of every
 * job.  A regularization path (pl_jobs_share_path: the C values of one task and
 * penalty) is solved from the smallest C up, each point warm-started from
 * its neighbour's optimum: stage s holds the s-th smallest C of every path,
 * all the stage's models in one fused pass, as one stage would. */
static int run_lbfgs(pl_engine *eng, phase *ph, const pl_dataset *train, const pl_dataset *val,
                     const pl_dataset *test, const pl_train_opts *opts, pl_run *out,
                     int *interrupted, pl_error *e)
{
    const size_t n = ph->plan.njobs;
    if (!out->strategy)
        out->strategy = "fused";
    size_t *rank = calloc(n, sizeof *rank), *prev = malloc(n * sizeof *prev);
    phase st = { 0 };
    const pl_result **init = calloc(n, sizeof *init);
    int rc = rank && prev && init ? PL_OK : pl_errorf(e, PL_ENOMEM, "out of memory");
    /* each job's place on its path and its neighbour below */
    const size_t stages = rc ? 0 : pl_path_places(&ph->plan, rank, prev);
    if (!rc) {
        st.plan = ph->plan;
        st.plan.jobs = malloc(n * sizeof *st.plan.jobs);
        st.res = malloc(n * sizeof *st.res);
        st.curves = malloc(n * sizeof *st.curves);
        if (!st.plan.jobs || !st.res || !st.curves)
            rc = pl_errorf(e, PL_ENOMEM, "out of memory for the job table");
    }
    /* cross-rank: a rank short of memory here ends every rank's stages, not
     * only its own (the others would wait in the first stage's agreement) */
    rc = pl_xrank_agree(opts ? opts->xrank : NULL, rc, e);
    for (size_t s = 0; !rc && s < stages && !*interrupted; s++) {
        st.plan.njobs = 0;
        for (size_t j = 0; j < n; j++) {
            if (rank[j] != s)
                continue;
            const size_t q = st.plan.njobs++;
            st.plan.jobs[q] = ph->plan.jobs[j];
            st.res[q] = ph->res[j];
            st.curves[q] = ph->curves[j];
            const pl_result *p = prev[j] != SIZE_MAX ? ph->res[prev[j]] : NULL;
            init[q] = p && p->status == PL_RUN_OK ? p : NULL;
        }
        rc = lbfgs_stage(eng, &st, init, train, val, test, opts, interrupted, e);
    }
    free(st.plan.jobs);
    free(st.res);
    free(st.curves);
    free(rank);
    free(prev);
    free(init);
    return rc;
}

/* Whether two SGD jobs can share their batches: one task, one order. */
static int same_batches(const pl_job *a, const pl_job *b)
{
    const pl_hyper *x = &a->h, *y = &b->h;
    return pl_task_equal(a->task, b->task) && x->batch_size == y->batch_size &&
           x->epochs == y->epochs && x->shuffle_seed == y->shuffle_seed &&
           x->schedule == y->schedule && x->power_t == y->power_t &&
           x->eval_every == y->eval_every;
}

/* The solvers over the mini-batch objective: SGD (jobs grouped by shared
 * batches) and Newton (grouped by task). */
typedef struct mb_solver {
    const char *name;
    int (*group)(const pl_job *a, const pl_job *b);
    int (*run)(const phase *ph, size_t j0, size_t n, pl_mbatch *mb, pl_engine *eng,
               const pl_train_opts *opts, int *interrupted, pl_error *e);
} mb_solver;

static int same_task(const pl_job *a, const pl_job *b)
{
    return pl_task_equal(a->task, b->task);
}

static void sgd_team(void *c, int ith, int team) { pl_sgd_run(c, ith, team); }
static void newton_team(void *c, int ith, int team) { pl_newton_run(c, ith, team); }

/* The SGD jobs j0 .. j0+n-1 (one group of shared batches) over mb. */
static int sgd_group(const phase *ph, size_t j0, size_t n, pl_mbatch *mb, pl_engine *eng,
                     const pl_train_opts *opts, int *interrupted, pl_error *e)
{
    pl_sgd sg = { .res = ph->res + j0, .curves = ph->curves + j0, .job = j0,
                  .njobs = ph->plan.njobs, .obj = &mb->base };
    SET_HOOKS(sg, opts);
    int rc = pl_sgd_plan(&sg, n, mb->set[PL_SET_TRAIN].n, mb->dim, e);
    if (!rc)
        in_team(eng, sgd_team, &sg);
    *interrupted |= sg.interrupted;
    pl_sgd_free(&sg);
    return rc;
}

/* The Newton jobs j0 .. j0+n-1 (one task) over mb. */
static int newton_group(const phase *ph, size_t j0, size_t n, pl_mbatch *mb, pl_engine *eng,
                        const pl_train_opts *opts, int *interrupted, pl_error *e)
{
    pl_newton nt = { .res = ph->res + j0, .curves = ph->curves + j0, .job = j0,
                     .njobs = ph->plan.njobs, .obj = &mb->base };
    SET_HOOKS(nt, opts);
    int rc = pl_newton_plan(&nt, n, mb->dim, e);
    if (!rc)
        in_team(eng, newton_team, &nt);
    *interrupted |= nt.interrupted;
    pl_newton_free(&nt, n);
    return rc;
}

static const mb_solver mb_sgd = { "sgd", same_batches, sgd_group };
static const mb_solver mb_newton = { "newton", same_task, newton_group };

/* The jobs of a solver over the mini-batch objective: run by run of
 * adjacent jobs that s->group puts together (a config's jobs of one task),
 * the objective of the run's jobs, then the solver over it. */
static int run_minibatch(const mb_solver *sv, pl_engine *eng, phase *ph,
                         const pl_dataset *train, const pl_dataset *val,
                         const pl_dataset *test, const pl_train_opts *opts, pl_run *out,
                         int *interrupted, pl_error *e)
{
    const pl_plan *plan = &ph->plan;
    int rc = PL_OK;
    if (opts && opts->xrank)
        return pl_errorf(e, PL_EINPUT, "solver = %s is not shared out over MPI ranks by "
                         "rows; use engine.distribute = models (or run it on one rank)",
                         sv->name);
    if (!out->strategy)
        out->strategy = "minibatch";
    for (size_t j0 = 0; !rc && j0 < plan->njobs && !*interrupted;) {
        size_t j1 = j0 + 1;
        while (j1 < plan->njobs && sv->group(&plan->jobs[j0], &plan->jobs[j1]))
            j1++;
        pl_mbatch mb;
        rc = pl_mbatch_plan(&mb, &eng->k, plan->jobs[j0].task, j1 - j0, train, val, test, e);
        if (rc)
            break;
        rc = sv->run(ph, j0, j1 - j0, &mb, eng, opts, interrupted, e);
        pl_mbatch_free(&mb);
        j0 = j1;
    }
    return rc;
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
    const int strategy = plan->strategy;
    if (multiclass && (strategy == PL_STRATEGY_DATA || strategy == PL_STRATEGY_JOBS))
        return pl_errorf(e, PL_EINPUT, "engine.strategy = %s trains binary models only; ovr "
                         "and softmax models are trained by the fused strategy (strategy = "
                         "auto or fused)", pl_strategy_name(strategy));
    for (size_t j = 0; j < plan->njobs; j++) {
        size_t a = pl_task_rows(val, plan->jobs[j].task), b = pl_task_rows(test, plan->jobs[j].task);
        max[1] = a > max[1] ? a : max[1];
        max[2] = b > max[2] ? b : max[2];
    }
    /* from here on a failure on one rank goes through the agreements below,
     * where every rank learns of it: a rank that returned alone would leave
     * the others waiting for it */
    const pl_xrank *xr = opts ? opts->xrank : NULL;
    size_t *first = malloc((plan->njobs + 1) * sizeof *first);
    phase ph = { 0 };
    rc = first ? alloc_run(plan, train->dim, train, val, test, out, first, e)
               : pl_errorf(e, PL_ENOMEM, "out of memory");
    out->density = pl_density(train);
    double t0 = omp_get_wtime();
    int interrupted = 0, final = 0;   /* final: the last solver with jobs */
    for (size_t j = 0; j < plan->njobs; j++)
        final = plan->jobs[j].h.solver > final ? plan->jobs[j].h.solver : final;
    /* a deferred training set: read as the gradient-descent sweep needs it
     * (run_gd) when that is the only phase, else whole now */
    if (!rc && train->deferred && final != PL_SOLVER_GD)
        rc = fill_all(train, opts, e);
    rc = pl_xrank_agree(xr, rc, e);   /* every rank starts, or none */
    for (int solver = 0; !rc && solver < PL_NSOLVERS && !interrupted; solver++) {
        rc = pl_xrank_agree(xr, phase_make(plan, solver, out, first, &ph, e), e);
        if (!rc && ph.plan.njobs)
            rc = solver == PL_SOLVER_GD
                     ? run_gd(eng, &ph, train, val, test, max, multiclass, solver == final,
                              opts, out, &interrupted, e)
                 : solver == PL_SOLVER_LBFGS
                     ? run_lbfgs(eng, &ph, train, val, test, opts, out, &interrupted, e)
                     : run_minibatch(solver == PL_SOLVER_SGD ? &mb_sgd : &mb_newton, eng, &ph,
                                     train, val, test, opts, out, &interrupted, e);
        phase_free(&ph);
    }
    if (rc)
        goto done;
    /* Jobs never started (an interruption) say so. */
    for (size_t jb = 0; jb < plan->njobs; jb++)
        for (size_t i = first[jb]; i < first[jb + 1]; i++) {
            pl_result *r = &out->results[i];
            if (isnan(r->train_loss) && r->status == PL_RUN_OK && out->curves[jb].len == 0) {
                r->status = PL_RUN_INTERRUPTED;
                interrupted = 1;
            } else if (r->status == PL_RUN_INTERRUPTED) {
                interrupted = 1;
            }
        }
    for (size_t i = 0; i < out->nresults; i++) {   /* the weights that are not 0 */
        pl_result *r = &out->results[i];
        r->nonzero = 0;
        for (size_t q = 0; q < (size_t)r->k * out->dim; q++)
            r->nonzero += r->w[q] != 0.0f;
    }
    out->threads = pl_engine_threads(eng);
    out->simd = eng->k.name;
    out->seconds = omp_get_wtime() - t0;
    out->interrupted = interrupted;
done:
    free(first);
    if (rc)
        pl_run_free(out);
    return rc;
}
