/*
 * plan.c - the job table of a config (train.h): its tasks, each with every
 * solver and its axis (gd: the learning rates; lbfgs: the C values).  The one place where a config's lists become jobs; the
 * trainer, the solver and the outputs only ever see the table.
 */
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
    /* per task: gd with every learning rate, lbfgs with every C (one job
     * without a penalty) */
    const pl_hyper base = { .penalty = cfg->train.penalty, .C = 1.0, .tol = cfg->train.tol,
                            .max_iter = cfg->train.max_iter };
    size_t per = 0;
    for (int s = 0; s < cfg->train.nsolvers; s++)
        per += cfg->train.solvers[s] == PL_SOLVER_GD ? (size_t)cfg->train.nlr
               : cfg->train.penalty == PL_PENALTY_L2 ? (size_t)cfg->train.nC : 1;
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
            } else if (h.penalty == PL_PENALTY_L2) {
                for (int q = 0; q < cfg->train.nC; q++) {
                    h.C = cfg->train.C[q];
                    plan->jobs[plan->njobs++] = (pl_job){ .task = tasks[t], .h = h };
                }
            } else {
                plan->jobs[plan->njobs++] = (pl_job){ .task = tasks[t], .h = h };
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
