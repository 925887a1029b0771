/*
 * xrank.h - the cross-rank block exchange the objectives use when the rows
 * of a run are shared out over MPI ranks (engine.distribute = rows).
 *
 * Both objectives cut the rows into fixed blocks that depend on the data only
 * and sum the blocks' partial gradients (and losses, hits, residual sums) in
 * block order, which makes the result independent of the thread count.  Over
 * ranks the same holds: rank r computes a contiguous window of the blocks
 * (pl_xrank_window), then every rank receives every other rank's blocks'
 * partials verbatim (MPI_Allgatherv: a copy, no arithmetic) and sums all
 * blocks in block order itself, exactly as one process would.  So every rank
 * holds the same bits, applies the same update, and the result does not
 * depend on the number of ranks either.  (MPI_Allreduce would sum in an order
 * the library chooses.)
 *
 * Threads: MPI is initialised MPI_THREAD_FUNNELED; only thread 0 of the team
 * (the process's main thread) calls pl_xgather_run and pl_xrank_any, between
 * the team's barriers.  A NULL xrank is one rank: nothing is exchanged.
 * Nothing here allocates after planning.
 */
#ifndef PARLOGIT_XRANK_H
#define PARLOGIT_XRANK_H

#include <stddef.h>

#include "parlogit/error.h"

typedef struct pl_xrank {
    int rank, size;           /* this rank of size (size > 1)                    */
    const void *comm;         /* the ranks: an MPI_Comm * (a group of a mixed
                                 split), or NULL: MPI_COMM_WORLD               */
} pl_xrank;

/* Every rank's blocks of nblk: rank r computes [cut[r], cut[r + 1]), cut
 * where the running work (work[k] of block k; NULL: one each) crosses
 * r / size of the total, a block going where its middle is.  cut has size + 1
 * entries; the same on every rank. */
void pl_xrank_cuts(const pl_xrank *x, size_t nblk, const double *work, size_t *cut);

/* One exchanged buffer: rank r's bytes are [at[r], at[r + 1]) of it. */
typedef struct pl_xgather {
    int *counts, *displs;     /* size each, bytes                                 */
} pl_xgather;

/* Room for x->size ranks.  PL_ENOMEM. */
int pl_xgather_alloc(const pl_xrank *x, pl_xgather *g, pl_error *e);
/* Fills g from the byte offsets at[0..size] (rank r's bytes [at[r], at[r+1]));
 * PL_EINPUT when a share exceeds what one MPI call can carry (2 GiB). */
int pl_xgather_set(const pl_xrank *x, pl_xgather *g, const size_t *at, pl_error *e);
void pl_xgather_free(pl_xgather *g);

/* Every rank's share of buf to every rank (in place).  Collective; thread 0. */
void pl_xgather_run(const pl_xrank *x, const pl_xgather *g, void *buf);

/* 1 on every rank when flag is non-zero on any (x NULL: flag).  Collective;
 * thread 0: the agreed stop request of an iteration. */
int pl_xrank_any(const pl_xrank *x, int flag);

/* rc of every rank agreed (x NULL: rc): PL_OK when no rank failed, else on
 * every rank the code and the message of the lowest failing rank ("rank R:
 * ..." for R > 0, R its rank in MPI_COMM_WORLD; a message agreed before,
 * which names its rank already, stays as it is).
 * Collective, on the calling thread outside the team: a rank that failed
 * while planning must not leave the others waiting in the first exchange. */
int pl_xrank_agree(const pl_xrank *x, int rc, pl_error *e);

#endif
