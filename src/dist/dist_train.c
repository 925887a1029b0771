/*
 * dist_train.c - pl_train over the ranks (include/parlogit/dist.h).
 *
 * rows:   every rank calls pl_train on the whole plan with opts->xrank set;
 *         the objectives compute the rank's window of the row blocks and
 *         exchange the blocks' partials every pass (xrank.h), so every rank
 *         ends with the whole run, bit for bit the same.
 * mixed:  groups of ranks: the jobs cut over the groups as models cuts them
 *         over ranks, each group's rows shared over its ranks as rows shares
 *         them over all (a communicator per group), its first rank sending
 *         its results to rank 0 as a rank of models does.
 * models: the jobs are cut by cost (dist_plan.c); each rank trains its jobs
 *         as a plan of their own, with the strategy the whole plan gets on
 *         one process (a model's bits do not depend on which other models
 *         share its pass, only on the strategy), then sends its results and
 *         curves to rank 0, which puts them in job order: the run one
 *         process would have made.  Messages: per result its struct and its
 *         weights, per curve its struct and its losses (an SGD curve also
 *         its steps and its four other figures), in job order.
 * Either way the status is agreed first (pl_dist_agree): a rank that failed
 * ends the call on every rank with its message.
 */
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist_impl.h"
#include "parlogit/config.h"
#include "parlogit/dist.h"
#include "train/fused.h"
#include "train/strategy.h"

enum { TAG_RESULT = 1, TAG_W, TAG_CURVE, TAG_LOSS, TAG_SGD };

/* An SGD curve's four arrays of doubles besides its losses (and its steps). */
#define SGD_ARRAYS(c) { &(c)->epoch, &(c)->acc, &(c)->val_loss, &(c)->val_acc }

/* Rank 0: receives rank `from`'s njobs jobs' results (at *res) and curves (at
 * *cv) into the run, advancing both. */
static int receive(int from, const pl_plan *plan, size_t j0, size_t j1, size_t dim,
                   pl_result **res, pl_curve **cv, pl_error *e)
{
    for (size_t j = j0; j < j1; j++) {
        const size_t nres = plan->jobs[j].h.solver == PL_SOLVER_GD ? (size_t)plan->niters : 1;
        for (size_t i = 0; i < nres; i++) {
            pl_result *r = (*res)++;
            MPI_Recv(r, (int)sizeof *r, MPI_BYTE, from, TAG_RESULT, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            r->w = malloc((size_t)r->k * dim * sizeof *r->w);
            if (!r->w)
                return pl_errorf(e, PL_ENOMEM, "out of memory for rank %d's models", from);
            MPI_Recv(r->w, (int)((size_t)r->k * dim), MPI_FLOAT, from, TAG_W, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        }
        pl_curve *c = (*cv)++;
        MPI_Recv(c, (int)sizeof *c, MPI_BYTE, from, TAG_CURVE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        /* the sender's pointers came with the struct: only whether it had
         * SGD arrays means anything here; none is left for pl_run_free */
        const int sgd = c->step != NULL;
        double **arr[4] = SGD_ARRAYS(c);
        c->step = NULL;
        for (int a = 0; a < 4; a++)
            *arr[a] = NULL;
        c->loss = malloc(((size_t)c->len + 1) * sizeof *c->loss);
        if (!c->loss)
            return pl_errorf(e, PL_ENOMEM, "out of memory for rank %d's curves", from);
        MPI_Recv(c->loss, c->len, MPI_DOUBLE, from, TAG_LOSS, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (!sgd)
            continue;
        const size_t len = (size_t)c->len + 1;
        c->step = malloc(len * sizeof *c->step);
        for (int a = 0; a < 4; a++)
            *arr[a] = malloc(len * sizeof **arr[a]);
        if (!c->step || !c->epoch || !c->acc || !c->val_loss || !c->val_acc)
            return pl_errorf(e, PL_ENOMEM, "out of memory for rank %d's curves", from);
        MPI_Recv(c->step, c->len, MPI_LONG, from, TAG_SGD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int a = 0; a < 4; a++)
            MPI_Recv(*arr[a], c->len, MPI_DOUBLE, from, TAG_SGD, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
    }
    return PL_OK;
}

/* A group's first rank (not rank 0): a job's results to rank 0 (its curve
 * follows, see train_groups). */
static void send(const pl_run *run)
{
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        MPI_Send(r, (int)sizeof *r, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        MPI_Send(r->w, (int)((size_t)r->k * run->dim), MPI_FLOAT, 0, TAG_W, MPI_COMM_WORLD);
    }
}

/* G groups of d->size / G ranks: group g (ranks g S .. g S + S - 1) trains
 * its contiguous cut of the jobs, its rows shared over its S ranks (a
 * communicator of its own; S = 1: alone), and its first rank sends the
 * group's results to rank 0.  G = d->size is the models split. */
static int train_groups(const pl_dist *d, int G, pl_engine *eng, const pl_plan *plan,
                        const pl_dataset *train, const pl_dataset *test,
                        const pl_train_opts *opts, pl_run *out, pl_error *e)
{
    const int S = d->size / G, g = d->rank / S, grank = d->rank % S;
    const pl_xrank x = { .rank = g, .size = G };
    size_t cut[G + 1];   /* on the stack: no rank may fail before the collectives */
    pl_dist_job_cuts(&x, plan, train, cut);
    pl_plan sub = *plan;
    sub.jobs = plan->jobs + cut[g];
    sub.njobs = cut[g + 1] - cut[g];
    sub.strategy = pl_dist_strategy(plan, train);
    pl_train_opts o = opts ? *opts : (pl_train_opts){ 0 };
    if (d->rank != 0)
        o.progress = NULL;
    MPI_Comm comm = MPI_COMM_NULL;   /* the group's ranks, for its rows split */
    if (S > 1)
        MPI_Comm_split(MPI_COMM_WORLD, g, grank, &comm);
    const pl_xrank gx = { .rank = grank, .size = S, .comm = &comm };
    o.xrank = S > 1 ? &gx : NULL;
    pl_run mine = { 0 };
    const double t0 = omp_get_wtime();
    const double density = pl_density(train);   /* before: pl_train may free the pixels */
    int rc = sub.njobs ? pl_train(eng, &sub, train, test, &o, &mine, e) : PL_OK;
    if (S > 1)
        MPI_Comm_free(&comm);
    rc = pl_dist_agree(d, rc, e);
    if (rc) {
        pl_run_free(&mine);
        return rc;
    }
    int intr = mine.interrupted, any = 0;
    MPI_Allreduce(&intr, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (grank != 0) {   /* a group's other ranks: their first rank sends */
        *out = mine;
        return pl_dist_agree(d, PL_OK, e);
    }
    if (d->rank != 0) {
        size_t i = 0;
        for (size_t j = 0; j < sub.njobs; j++) {   /* per job: its results, its curve */
            const size_t nres = sub.jobs[j].h.solver == PL_SOLVER_GD ? (size_t)sub.niters : 1;
            const pl_run one = { .dim = mine.dim, .results = mine.results + i, .nresults = nres };
            send(&one);
            i += nres;
            const pl_curve *c = &mine.curves[j];
            MPI_Send(c, (int)sizeof *c, MPI_BYTE, 0, TAG_CURVE, MPI_COMM_WORLD);
            MPI_Send(c->loss, c->len, MPI_DOUBLE, 0, TAG_LOSS, MPI_COMM_WORLD);
            if (c->step) {   /* an SGD curve: its points' other figures */
                double *const *arr[4] = SGD_ARRAYS(c);
                MPI_Send(c->step, c->len, MPI_LONG, 0, TAG_SGD, MPI_COMM_WORLD);
                for (int a = 0; a < 4; a++)
                    MPI_Send(*arr[a], c->len, MPI_DOUBLE, 0, TAG_SGD, MPI_COMM_WORLD);
            }
        }
        *out = mine;
        return pl_dist_agree(d, PL_OK, e);
    }
    /* rank 0: the whole run's shape, its own part moved in, the others received */
    size_t nres = 0;
    for (size_t j = 0; j < plan->njobs; j++)
        nres += plan->jobs[j].h.solver == PL_SOLVER_GD ? (size_t)plan->niters : 1;
    memset(out, 0, sizeof *out);
    out->results = calloc(nres ? nres : 1, sizeof *out->results);
    out->curves = calloc(plan->njobs ? plan->njobs : 1, sizeof *out->curves);
    rc = out->results && out->curves ? PL_OK : pl_errorf(e, PL_ENOMEM, "out of memory");
    out->dim = train->dim;
    out->height = train->height;
    out->width = train->width;
    out->pixel_max = train->pixel_max;
    if (!rc) {
        if (mine.nresults)   /* rank 0 may have no job (more ranks than jobs) */
            memcpy(out->results, mine.results, mine.nresults * sizeof *mine.results);
        if (mine.ncurves)
            memcpy(out->curves, mine.curves, mine.ncurves * sizeof *mine.curves);
        out->nresults = mine.nresults;
        out->ncurves = mine.ncurves;
        free(mine.results);
        free(mine.curves);
        mine.results = NULL;
        mine.curves = NULL;
        mine.nresults = mine.ncurves = 0;
        pl_result *res = out->results + out->nresults;
        pl_curve *cv = out->curves + out->ncurves;
        for (int r = 1; r < G && !rc; r++) {   /* each group's first rank */
            rc = receive(r * S, plan, cut[r], cut[r + 1], train->dim, &res, &cv, e);
            out->nresults = (size_t)(res - out->results);
            out->ncurves = (size_t)(cv - out->curves);
        }
    }
    /* a failure to receive (memory for a rank's models) cannot be agreed on:
     * the senders may be blocked in sends no one will take, and the other
     * ranks wait in the agreement below.  Rank 0 says why and ends every rank
     * (exit status 1, a runtime failure) rather than leave them waiting. */
    if (rc) {
        fprintf(stderr, "parlogit: %s; ending every rank\n", e->msg);
        fflush(stderr);
        pl_dist_abort(d, 1);
        return rc;
    }
    out->threads = pl_engine_threads(eng);
    out->simd = pl_engine_simd(eng);
    out->strategy = mine.strategy ? mine.strategy : pl_strategy_name(sub.strategy);
    out->density = density;
    out->interrupted = any;
    out->seconds = omp_get_wtime() - t0;
    pl_run_free(&mine);
    return pl_dist_agree(d, PL_OK, e);
}

int pl_dist_split(const pl_dist *d, const pl_plan *plan, const pl_dataset *train, int forced)
{
    int G = pl_dist_groups(plan, train, d->size, forced);
    if (d->active && d->size > 1)   /* rank 0's: every rank makes the same collectives */
        MPI_Bcast(&G, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return G;
}

int pl_dist_train(const pl_dist *d, int G, pl_engine *eng, const pl_plan *plan,
                  const pl_dataset *train, const pl_dataset *test,
                  const pl_train_opts *opts, pl_run *out, pl_error *e)
{
    if (!d->active || d->size <= 1)
        return pl_train(eng, plan, train, test, opts, out, e);
    if (G == 0)
        return pl_dist_agree(d, pl_errorf(e, PL_EINPUT, "engine.distribute = mixed needs "
                                          "groups of ranks: a rank count with a divisor "
                                          "other than 1 and itself (4, 6, 8, ... ranks; "
                                          "this run has %d), and solvers that share rows "
                                          "out (not sgd or newton)", d->size), e);
    if (G > 1)
        return train_groups(d, G, eng, plan, train, test, opts, out, e);
    const pl_xrank x = { .rank = d->rank, .size = d->size };
    pl_train_opts o = opts ? *opts : (pl_train_opts){ 0 };
    o.xrank = &x;
    if (d->rank != 0)
        o.progress = NULL;
    int rc = pl_train(eng, plan, train, test, &o, out, e);
    return pl_dist_agree(d, rc, e);
}
