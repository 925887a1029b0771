/*
 * strategy.c - the cost model of strategy.h.
 */
#include "parlogit/config.h"
#include "train/strategy.h"

int pl_strategy_choose(size_t njobs, int multiclass, int nthreads, size_t fused_blocks)
{
    if (multiclass)
        return PL_STRATEGY_FUSED;
    if (njobs <= 1)
        return PL_STRATEGY_DATA;
    if (fused_blocks >= PL_FUSED_MIN_BLOCKS)
        return PL_STRATEGY_FUSED;
    /* data and jobs give the same bits: the team size may choose between them */
    return njobs >= (size_t)nthreads ? PL_STRATEGY_JOBS : PL_STRATEGY_DATA;
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
