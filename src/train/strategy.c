/*
 * strategy.c - the cost model of strategy.h.
 */
#include "parlogit/config.h"
#include "train/strategy.h"

int pl_strategy_choose(size_t njobs, int nthreads, size_t fused_blocks)
{
    const size_t nth = (size_t)nthreads;
    if (njobs <= 1)
        return PL_STRATEGY_DATA;
    if (fused_blocks < 2 * nth && njobs >= nth)
        return PL_STRATEGY_JOBS;
    return PL_STRATEGY_FUSED;
}

const char *pl_strategy_name(int strategy)
{
    switch (strategy) {
    case PL_STRATEGY_FUSED: return "fused";
    case PL_STRATEGY_JOBS: return "jobs";
    case PL_STRATEGY_DATA: return "data";
    default: return "auto";
    }
}
