/*
 * engine_impl.h - the engine's insides, shared by src/engine and src/train only.
 */
#ifndef PARLOGIT_ENGINE_IMPL_H
#define PARLOGIT_ENGINE_IMPL_H

#include <hwloc.h>
#include <stddef.h>

#include "kernels/kernels.h"
#include "parlogit/engine.h"

struct pl_engine {
    hwloc_topology_t topo;
    int ncores, npus, nnuma;
    int nth;              /* team size                                        */
    int bind;             /* enum pl_bind requested                           */
    int bind_active;      /* 1 when threads bind themselves with hwloc        */
    char bind_note[160];  /* why binding is off, when it is                   */
    pl_kernels k;
};

/* Called by thread ith at the start of the team's parallel region: binds it to
 * core ith mod ncores when binding is active.  Safe to call concurrently. */
void pl_engine_bind_self(const pl_engine *eng, int ith);

/* A barrier of the current team, skipped when a thread works alone (the
 * "jobs" strategy: each thread trains whole models by itself). */
#define PL_BARRIER(solo)                                                                \
    do {                                                                                \
        if (!(solo)) {                                                                  \
            _Pragma("omp barrier")                                                      \
        }                                                                               \
    } while (0)

/* Thread ith's share [*lo, *hi) of [0, n), cut at multiples of align (the last
 * share takes the remainder).  Shares are contiguous and in thread order. */
static inline void pl_share(size_t n, size_t align, int ith, int nth, size_t *lo, size_t *hi)
{
    size_t units = (n + align - 1) / align;
    size_t u0 = units * (size_t)ith / (size_t)nth;
    size_t u1 = units * (size_t)(ith + 1) / (size_t)nth;
    *lo = u0 * align < n ? u0 * align : n;
    *hi = u1 * align < n ? u1 * align : n;
}

#endif
