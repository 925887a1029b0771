/*
 * dist_impl.h - what the files of src/dist share: the job split of the
 * models mode and the strategy every rank trains with.
 */
#ifndef PARLOGIT_DIST_IMPL_H
#define PARLOGIT_DIST_IMPL_H

#include "dist/xrank.h"
#include "parlogit/train.h"

/* Job j's cost: training rows of its task x outputs x passes (gradient
 * descent: its last checkpoint; L-BFGS: max_iter, an upper bound). */
double pl_dist_job_cost(const pl_plan *plan, const pl_dataset *train, size_t j);

/* models: rank r trains jobs [cut[r], cut[r + 1]) (cut: size + 1), cut by cost. */
void pl_dist_job_cuts(const pl_xrank *x, const pl_plan *plan, const pl_dataset *train,
                      size_t *cut);

/* The bytes engine.distribute = rows gathers over the whole run of plan on
 * train, as fused.c lays out the partial gradients and block statistics
 * (the cost model of dist_plan.c). */
double pl_dist_rows_bytes(const pl_plan *plan, const pl_dataset *train);

/* The strategy the whole plan's gradient-descent jobs would get on one
 * process (train.c's choice, which depends on the plan and the data only,
 * but for data vs jobs, which give the same bits): a rank training some of
 * the jobs must use it, not choose again on its part. */
int pl_dist_strategy(const pl_plan *plan, const pl_dataset *train);

#endif
