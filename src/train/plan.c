/*
 * plan.c - the job table of a config (train.h): its tasks, each with every
 * learning rate.  The one place where a config's lists become jobs; the
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
    const size_t nlr = (size_t)cfg->train.nlr;
    plan->njobs = nt * nlr;
    plan->jobs = calloc(plan->njobs ? plan->njobs : 1, sizeof *plan->jobs);
    if (!plan->jobs)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the job table");
    for (size_t t = 0; t < nt; t++)
        for (size_t l = 0; l < nlr; l++)
            plan->jobs[t * nlr + l] = (pl_job){ .task = tasks[t], .h = { .lr = cfg->train.lr[l] } };
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
