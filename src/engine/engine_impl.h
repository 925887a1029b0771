/*
 * engine_impl.h - the engine's insides, shared by src/engine and src/train only.
 */
#ifndef PARLOGIT_ENGINE_IMPL_H
#define PARLOGIT_ENGINE_IMPL_H

#include <hwloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/kernels.h"
#include "parlogit/engine.h"

/* The team's barrier.  Arrivals are counted; the last one resets the count,
 * advances the phase the others wait on and, when some of them sleep, wakes
 * them.  A waiter first spins (an idle machine's waits are a few tens of
 * microseconds, far shorter than a sleep and wake-up), for at most
 * pl_tl_spin_ns, then sleeps on the phase word (a futex), so that a thread
 * whose partner lost its core gives its own core back instead of burning it.
 * It never sched_yield()s in the default policy: a yield hands the core to
 * any competing process for a whole time slice, which is what made two
 * threads slower than one on a busy machine.  See engine.c. */
typedef struct pl_spin_barrier {
    _Alignas(64) atomic_uint arrived;
    _Alignas(64) atomic_uint phase;   /* the futex word                     */
    atomic_uint sleepers;             /* waiters in (or entering) the futex */
} pl_spin_barrier;

struct pl_engine {
    hwloc_topology_t topo;
    int ncores, npus, nnuma;
    int nth;              /* team size                                        */
    int bind;             /* enum pl_bind requested                           */
    int bind_active;      /* 1 when threads bind themselves with hwloc        */
    int wait;             /* enum pl_wait requested                           */
    hwloc_cpuset_t allowed; /* the PUs this process may run on (its affinity) */
    int nplaces;          /* cores with a PU in allowed                       */
    hwloc_cpuset_t *place;  /* nplaces: each such core's allowed PUs          */
    int nallowed;         /* PUs in allowed                                   */
    char bind_note[160];  /* why binding is off, when it is                   */
    pl_kernels k;
    pl_spin_barrier bar;
    pl_spin_barrier gate; /* narrowed team: where the others wait (phase only) */
};

/* Called by thread ith at the start of the team's parallel region: binds it to
 * place ith mod nplaces (the ith core this process may use, restricted to
 * the PUs it may use) when binding is active.  Safe to call concurrently. */
void pl_engine_bind_self(const pl_engine *eng, int ith);

/* Every thread of a team of nth: binds (as above) and makes pl_team_barrier
 * use the engine's barrier for this team until pl_engine_leave, with the
 * spin budget of the engine's wait policy for a team of nth. */
void pl_engine_enter(pl_engine *eng, int ith, int nth);
void pl_engine_leave(void);

extern _Thread_local pl_spin_barrier *pl_tl_bar;
extern _Thread_local unsigned pl_tl_nth;
extern _Thread_local long pl_tl_spin_ns;   /* < 0: spin, yielding now and then */
extern _Thread_local pl_spin_barrier *pl_tl_gate;
extern _Thread_local unsigned pl_tl_full;  /* the team's size */

/* The slow path of a waiter of phase ph (engine.c): spins for at most
 * pl_tl_spin_ns, then sleeps until the phase moves on. */
void pl_barrier_wait(pl_spin_barrier *b, unsigned ph);
/* Wakes every sleeper of b (the last arrival, when there are some). */
void pl_barrier_wake(pl_spin_barrier *b);

/* A barrier of the current team: the engine's spin barrier inside
 * pl_engine_enter/leave, else OpenMP's (a no-op outside parallel regions). */
static inline void pl_team_barrier(void)
{
    pl_spin_barrier *b = pl_tl_bar;
    if (!b) {
        _Pragma("omp barrier")
        return;
    }
    const unsigned ph = atomic_load_explicit(&b->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == pl_tl_nth) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        /* seq_cst store then load, against the sleeper's seq_cst increment
         * then load in pl_barrier_wait: one of the two sees the other */
        atomic_store_explicit(&b->phase, ph + 1, memory_order_seq_cst);
        if (atomic_load_explicit(&b->sleepers, memory_order_seq_cst))
            pl_barrier_wake(b);
        return;
    }
    for (int spins = 0; spins < 64; spins++)   /* the common short wait, inline */
        if (atomic_load_explicit(&b->phase, memory_order_acquire) != ph)
            return;
    pl_barrier_wait(b, ph);
}

/* Narrowing the team (src/train/gd.c).  For one stretch of work between two
 * barriers of the whole team only threads [0, w) take part: each of them
 * calls pl_team_narrow(w) first (pl_team_barrier then counts w threads) and
 * pl_team_narrow(0) after, when thread 0 also opens the gate; the others
 * wait at the gate meanwhile (spinning, then sleeping, as at a barrier), so
 * that the two groups never meet at one barrier.  A waiter passes the gate
 * once its phase differs from the one it read before the last barrier of the
 * whole team (pl_team_gate_seen): no opening can come between that read and
 * the barrier.  Inside pl_engine_enter/leave only (pl_team_can_narrow). */
static inline int pl_team_can_narrow(void) { return pl_tl_gate != NULL && pl_tl_full > 1; }
static inline void pl_team_narrow(unsigned w) { pl_tl_nth = w ? w : pl_tl_full; }
static inline unsigned pl_team_gate_seen(void)
{
    return atomic_load_explicit(&pl_tl_gate->phase, memory_order_acquire);
}
static inline void pl_team_gate_open(void)
{
    pl_spin_barrier *g = pl_tl_gate;
    atomic_fetch_add_explicit(&g->phase, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&g->sleepers, memory_order_seq_cst))
        pl_barrier_wake(g);
}
static inline void pl_team_gate_wait(unsigned seen)
{
    if (atomic_load_explicit(&pl_tl_gate->phase, memory_order_acquire) == seen)
        pl_barrier_wait(pl_tl_gate, seen);
}

/* A barrier of the current team, skipped when a thread works alone (the
 * "jobs" strategy: each thread trains whole models by itself). */
#define PL_BARRIER(solo)                                                                \
    do {                                                                                \
        if (!(solo))                                                                    \
            pl_team_barrier();                                                          \
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

/* Claiming fixed blocks.  Each thread's share of the blocks (a range
 * [lo, hi) of some cut) has one counter, on its own cache line, kept in the
 * slot of the share's first block: the owner claims its blocks in order and,
 * once its own share is out, the thread helps with what is left of the
 * others' shares.  A thread slowed down by another process then no longer
 * holds the whole team at the next barrier; a block's result does not depend
 * on who computes it.  Counters start at zero and go back to zero (each share's
 * owner, pl_claim_reset) after a barrier that ends the claiming. */
typedef struct pl_claim {
    _Alignas(64) atomic_size_t next;
} pl_claim;

/* Counters for n blocks, all zero (64-byte aligned; free with free()), or NULL
 * when out of memory. */
static inline pl_claim *pl_claim_alloc(size_t n)
{
    pl_claim *c = aligned_alloc(64, (n ? n : 1) * sizeof *c);
    for (size_t k = 0; c && k < n; k++)
        atomic_init(&c[k].next, 0);
    return c;
}

/* The next unclaimed block of share [lo, hi), or SIZE_MAX when none is left. */
static inline size_t pl_claim_take(pl_claim *c, size_t lo, size_t hi)
{
    if (lo >= hi)
        return SIZE_MAX;
    const size_t k = lo + atomic_fetch_add_explicit(&c[lo].next, 1, memory_order_relaxed);
    return k < hi ? k : SIZE_MAX;
}

static inline void pl_claim_reset(pl_claim *c, size_t lo, size_t hi)
{
    if (lo < hi)
        atomic_store_explicit(&c[lo].next, 0, memory_order_relaxed);
}

#endif
