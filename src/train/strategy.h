/*
 * strategy.h - how the jobs of a plan are spread over the team, and the cost
 * model that picks it when [engine] strategy = auto.
 *
 *   fused: one pass per iteration updates every model (fused.h).  Work per
 *          iteration ~ 2 * sum over rows of nnz(row) * models(row) with the
 *          sparse kernels, or of dim * models(row) with the dense ones (chosen
 *          by density, PL_DENSE_AT); the pass is shared, so it wins whenever
 *          models share rows.  Its parallelism is the number of blocks.
 *          The only strategy for ovr and softmax models.
 *   data:  binary models one after another, each data-parallel over 128-row
 *          blocks with the dense uint8 kernels (every pixel, zero or not).
 *   jobs:  whole binary models spread over threads, each trained by one
 *          thread with the same objective; no barriers, so tiny tasks keep
 *          every thread busy.  data and jobs give the same bits.
 *
 * auto: a ten-class model -> fused.  One binary model -> data.  Otherwise
 * fused, unless its blocks are fewer than PL_FUSED_MIN_BLOCKS: then data or
 * jobs (jobs when there are at least as many models as threads).  Whether the
 * run is fused is decided by the data and the jobs alone, never by the team
 * size, so the trained bits are the same for any thread count.
 */
#ifndef PARLOGIT_STRATEGY_H
#define PARLOGIT_STRATEGY_H

#include <stddef.h>

#define PL_FUSED_MIN_BLOCKS 4

/* The strategy for njobs jobs (multiclass: some are ovr or softmax) whose
 * fused plan has fused_blocks training blocks, on a team of nthreads. */
int pl_strategy_choose(size_t njobs, int multiclass, int nthreads, size_t fused_blocks);

const char *pl_strategy_name(int strategy);

#endif
