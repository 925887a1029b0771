/*
 * strategy.h - how a sweep is spread over the team, and the cost model that
 * picks it when [engine] strategy = auto.
 *
 *   fused: one pass per iteration updates every model (fused.h).  Work per
 *          iteration ~ 2 * sum over rows of nnz(row) * models(row) with the
 *          sparse kernels, or of dim * models(row) with the dense ones (chosen
 *          by density, PL_DENSE_AT); the pass is shared, so it wins whenever
 *          models share rows.  Its parallelism is the number of blocks.
 *   data:  models one after another, each data-parallel over 128-row blocks
 *          with the dense uint8 kernels (every pixel, zero or not).
 *   jobs:  whole models spread over threads, each trained by one thread with
 *          the dense kernels; no barriers, so tiny tasks keep every thread busy.
 *
 * auto: one model -> data.  Otherwise fused, unless its blocks are too few
 * to feed the team (fewer than 2 per thread) while there are enough models for
 * every thread: then jobs.  (The fused plan itself picks sparse or dense
 * kernels by the density.)
 */
#ifndef PARLOGIT_STRATEGY_H
#define PARLOGIT_STRATEGY_H

#include <stddef.h>

int pl_strategy_choose(size_t njobs, int nthreads, size_t fused_blocks);

const char *pl_strategy_name(int strategy);

#endif
