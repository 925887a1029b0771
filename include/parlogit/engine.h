/*
 * engine.h - the compute engine: the machine's topology (hwloc), the thread team
 * and how it is bound, and the kernel set chosen for this CPU.
 *
 * One engine serves a whole training run.  Its team is one OpenMP parallel
 * region per run (see train.h); each thread binds itself on entry to one of
 * the cores the process may run on (its affinity mask), and waits at the
 * team's barriers as engine.wait says.
 */
#ifndef PARLOGIT_ENGINE_H
#define PARLOGIT_ENGINE_H

#include <stddef.h>

#include "parlogit/error.h"

typedef struct pl_engine pl_engine;

typedef struct pl_engine_opts {
    int threads;   /* 0 = one per core this process may run on           */
    int bind;      /* enum pl_bind (config.h)                             */
    int simd;      /* enum pl_simd; PARLOGIT_SIMD in the environment wins */
    int wait;      /* enum pl_wait (config.h): how threads wait at barriers:
                    * auto (0) spins up to 200 us, then sleeps (none when the
                    * team has more threads than the process has CPUs); spin
                    * spins, yielding now and then (the old barrier); sleep
                    * sleeps after a short spin */
} pl_engine_opts;

/* Discovers the topology and picks kernels.  PL_EINPUT for an unsupported
 * simd level; PL_EIO if hwloc cannot load the topology. */
int pl_engine_create(const pl_engine_opts *o, pl_engine **out, pl_error *e);

void pl_engine_destroy(pl_engine *eng);

/* Runs one parallel region of the team's size in which every thread binds
 * itself.  OpenMP reuses those threads for later regions of the same size, so
 * data copied in such a region is first touched where it will be read. */
void pl_engine_bind_team(const pl_engine *eng);

/* Team size. */
int pl_engine_threads(const pl_engine *eng);

/* Name of the chosen kernel set: "scalar", "avx2", "avx512". */
const char *pl_engine_simd(const pl_engine *eng);

/* Cores and NUMA nodes hwloc found. */
int pl_engine_cores(const pl_engine *eng);
int pl_engine_numa_nodes(const pl_engine *eng);

/*
 * A multi-line, human-readable description: topology, caches, SIMD levels
 * supported and chosen, the binding plan (thread -> core -> PUs) or why there
 * is none (bind = none, or OMP_PLACES / OMP_PROC_BIND set by the user).
 * Writes at most len bytes (NUL-terminated).  Returns PL_OK.
 */
int pl_engine_describe(const pl_engine *eng, char *buf, size_t len);

#endif
