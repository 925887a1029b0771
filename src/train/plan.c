/*
 * plan.c - the job table of a config (train.h): its tasks, each with every
 * solver and its axes (gd: the learning rates; lbfgs: the C values; sgd:
 * the C values, each with every learning rate).  The one place where a config's lists become jobs; the
 * trainer, the solver and the outputs only ever see the table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/train.h"

int pl_plan_from_config(const pl_config *cfg, pl_plan *plan, pl_error *e)
{
    memset(plan, 0, sizeof *plan);
    pl_task tasks[PL_MAX_TASKS + 2];
    size_t nt = 0;
    for (int t = 0; t < cfg->task.ntasks; t++)
        tasks[nt++] = cfg->task.tasks[t];
    for (int m = 0; m < cfg->task.nmulti; m++)
        tasks[nt++] = (pl_task){ .kind = cfg->task.multiclass[m], .classes = cfg->task.classes };
    /* per task and solver: gd with every learning rate; lbfgs per penalty,
     * with every C (one job for none); sgd per penalty, every C (one for
     * none), each with every learning rate */
    const pl_hyper base = { .C = 1.0, .tol = cfg->train.tol,
                            .max_iter = cfg->train.max_iter, .l1_ratio = cfg->train.l1_ratio,
                            .batch_size = cfg->train.batch_size, .epochs = cfg->train.epochs,
                            .shuffle_seed = cfg->train.shuffle_seed,
                            .schedule = cfg->train.lr_schedule, .power_t = cfg->train.power_t,
                            .eval_every = cfg->train.eval_every,
                            .warm_start = cfg->train.warm_start };
    size_t nC = 0;   /* jobs per learning rate over the penalties */
    for (int p = 0; p < cfg->train.npenalties; p++)
        nC += cfg->train.penalties[p] != PL_PENALTY_NONE ? (size_t)cfg->train.nC : 1;
    size_t per = 0;
    for (int s = 0; s < cfg->train.nsolvers; s++)
        per += cfg->train.solvers[s] == PL_SOLVER_GD    ? (size_t)cfg->train.nlr
               : cfg->train.solvers[s] == PL_SOLVER_SGD ? (size_t)cfg->train.nlr * nC
                                                        : nC;
    plan->jobs = calloc(nt * per > 0 ? nt * per : 1, sizeof *plan->jobs);
    if (!plan->jobs)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the job table");
    for (size_t t = 0; t < nt; t++)
        for (int s = 0; s < cfg->train.nsolvers; s++) {
            pl_hyper h = base;
            h.solver = cfg->train.solvers[s];
            if (h.solver == PL_SOLVER_GD) {
                h.penalty = PL_PENALTY_NONE;
                for (int l = 0; l < cfg->train.nlr; l++) {
                    h.lr = cfg->train.lr[l];
                    plan->jobs[plan->njobs++] = (pl_job){ .task = tasks[t], .h = h };
                }
                continue;
            }
            for (int p = 0; p < cfg->train.npenalties; p++) {
                h.penalty = cfg->train.penalties[p];
                const int ncq = h.penalty != PL_PENALTY_NONE ? cfg->train.nC : 1;
                const int nl = h.solver == PL_SOLVER_SGD ? cfg->train.nlr : 1;
                for (int q = 0; q < ncq; q++)
                    for (int l = 0; l < nl; l++) {
                        h.C = h.penalty != PL_PENALTY_NONE ? cfg->train.C[q] : 1.0;
                        h.lr = h.solver == PL_SOLVER_SGD ? cfg->train.lr[l] : 0.0;
                        plan->jobs[plan->njobs++] = (pl_job){ .task = tasks[t], .h = h };
                    }
            }
        }
    plan->niters = cfg->train.niters;
    memcpy(plan->iters, cfg->train.iters, sizeof plan->iters);
    plan->strategy = cfg->engine.strategy;
    return PL_OK;
}

void pl_plan_free(pl_plan *plan)
{
    free(plan->jobs);
    memset(plan, 0, sizeof *plan);
}

int pl_jobs_share_path(const pl_job *a, const pl_job *b)
{
    const pl_hyper *x = &a->h, *y = &b->h;
    return x->solver == PL_SOLVER_LBFGS && y->solver == PL_SOLVER_LBFGS &&
           pl_task_equal(a->task, b->task) && x->penalty != PL_PENALTY_NONE &&
           x->penalty == y->penalty && x->l1_ratio == y->l1_ratio && x->tol == y->tol &&
           x->max_iter == y->max_iter && x->warm_start && y->warm_start;
}

size_t pl_path_places(const pl_plan *plan, size_t *place, size_t *below)
{
    size_t most = 1;
    for (size_t j = 0; j < plan->njobs; j++) {
        const pl_job *b = &plan->jobs[j];
        size_t n = 0, prev = SIZE_MAX;
        for (size_t i = 0; i < plan->njobs; i++) {
            const pl_job *a = &plan->jobs[i];
            const int lower = a->h.C < b->h.C || (a->h.C == b->h.C && i < j);
            if (i == j || !lower || !pl_jobs_share_path(a, b))
                continue;
            n++;
            if (prev == SIZE_MAX || a->h.C > plan->jobs[prev].h.C ||
                (a->h.C == plan->jobs[prev].h.C && i > prev))
                prev = i;
        }
        place[j] = n;
        if (below)
            below[j] = prev;
        most = n + 1 > most ? n + 1 : most;
    }
    return most;
}

const char *pl_solver_name(int solver)
{
    switch (solver) {
    case PL_SOLVER_LBFGS: return "lbfgs";
    case PL_SOLVER_SGD: return "sgd";
    case PL_SOLVER_NEWTON: return "newton";
    default: return "gd";
    }
}

const char *pl_penalty_name(int penalty)
{
    switch (penalty) {
    case PL_PENALTY_L2: return "l2";
    case PL_PENALTY_L1: return "l1";
    case PL_PENALTY_ELASTICNET: return "elasticnet";
    default: return "none";
    }
}

const char *pl_hyper_label(const pl_hyper *h, char buf[40])
{
    if (h->solver == PL_SOLVER_SGD && h->penalty == PL_PENALTY_L2)
        snprintf(buf, 40, "lr %g C=%g", h->lr, h->C);
    else if (h->solver == PL_SOLVER_SGD && h->penalty == PL_PENALTY_L1)
        snprintf(buf, 40, "lr %g l1 C=%g", h->lr, h->C);
    else if (h->solver == PL_SOLVER_SGD && h->penalty == PL_PENALTY_ELASTICNET)
    {
        if (snprintf(buf, 40, "lr %g en%g C=%g", h->lr, h->l1_ratio, h->C) >= 40)
            buf[39] = '\0';   /* cut: only for unusual numbers */
    }
    else if (h->solver == PL_SOLVER_SGD)
        snprintf(buf, 40, "lr %g", h->lr);
    else if (h->solver == PL_SOLVER_NEWTON && h->penalty == PL_PENALTY_L2)
        snprintf(buf, 40, "newton C=%g", h->C);
    else if (h->solver == PL_SOLVER_NEWTON)
        snprintf(buf, 40, "newton");
    else if (h->solver != PL_SOLVER_LBFGS)
        snprintf(buf, 40, "%g", h->lr);
    else if (h->penalty == PL_PENALTY_L2)
        snprintf(buf, 40, "C=%g", h->C);
    else if (h->penalty == PL_PENALTY_L1)
        snprintf(buf, 40, "l1 C=%g", h->C);
    else if (h->penalty == PL_PENALTY_ELASTICNET)
        snprintf(buf, 40, "en%g C=%g", h->l1_ratio, h->C);
    else
        snprintf(buf, 40, "lbfgs");
    return buf;
}
