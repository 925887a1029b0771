/*
 * dist.h - one run over many MPI ranks (Open MPI), each rank with its own
 * OpenMP team.
 *
 * A process started by mpirun (OMPI_COMM_WORLD_SIZE in its environment)
 * initialises MPI (MPI_THREAD_FUNNELED: only the main thread, which is
 * thread 0 of every team, calls MPI).  Any other process does not touch MPI
 * at all and is rank 0 of 1: `parlogit train` alone, the tests that call the
 * library in-process and Check's forked tests run exactly as before, without
 * Open MPI's singleton start-up.
 *
 * Two ways to split a run (engine.distribute, chosen by pl_dist_choose's cost
 * model under auto): models, whole jobs of the plan per rank (nothing
 * exchanged while training, results sent to rank 0 at the end); rows, every
 * rank trains every job on its window of the fixed row blocks, and the
 * blocks' partial sums are exchanged every iteration (src/dist/xrank.h).
 * Both give the same bits as one process for any ranks x threads.
 *
 * Every pl_dist_* call that takes a pl_dist is collective when size > 1.
 */
#ifndef PARLOGIT_DIST_H
#define PARLOGIT_DIST_H

#include "parlogit/data.h"
#include "parlogit/engine.h"
#include "parlogit/error.h"
#include "parlogit/train.h"

typedef struct pl_dist {
    int active;                /* 1: MPI was initialised                          */
    int rank, size;            /* 0 of 1 when not launched by mpirun              */
    int local_rank, local_size; /* among the ranks of this host                    */
    int nhosts;
    char host[64];
    char cores[96];            /* the PUs this rank's team was given (pl_dist_bind) */
} pl_dist;

/* Initialises MPI when launched by mpirun; else d is rank 0 of 1.  PL_EIO when
 * MPI cannot start. */
int pl_dist_init(int *argc, char ***argv, pl_dist *d, pl_error *e);

/* MPI_Finalize when active, after a barrier: a rank that exits with an error
 * status (mpirun then ends the others) leaves only once every rank has
 * printed what it had to. */
void pl_dist_finalize(pl_dist *d);

/* Ends every rank at once (MPI_Abort with code) when active; returns otherwise. */
void pl_dist_abort(const pl_dist *d, int code);

/* Agrees on a status: every rank passes its rc and e; all return the rc of the
 * lowest rank that failed (PL_OK when none did), with that rank's message in e
 * (prefixed "rank R: " when R is not 0), so one rank can print it. */
int pl_dist_agree(const pl_dist *d, int rc, pl_error *e);

/* A deferred training set's counts, read by each rank in its share of the
 * file (data->train_counts_share, pl_data_load_deferred), summed over every
 * rank, after the ranks agreed that every one loaded.  Collective.  PL_EINPUT
 * when the ranks hold different sets (an MPMD run given other data). */
int pl_dist_sum_counts(const pl_dist *d, pl_data *data, pl_error *e);

/* Every rank's value, gathered into all[0..size) on rank 0 (all may be NULL
 * on the others).  Collective. */
void pl_dist_gather_size(const pl_dist *d, size_t mine, size_t *all);

/* Several ranks on one host share its cores: this rank's team is restricted
 * to its share (the ranks with the same affinity mask from mpirun split that
 * mask's cores by their order), the engine's topology restricted to it and,
 * with threads = auto (threads_auto), its team sized to it.  One rank: nothing. */
int pl_dist_bind(pl_dist *d, pl_engine *eng, int threads_auto, pl_error *e);

/* Rank 0: "ranks: R over H host(s)" and one line per rank
 * (host, threads, cores) into buf.  Others: buf empty. */
void pl_dist_describe(const pl_dist *d, const pl_engine *eng, char *buf, size_t len);

/* The groups of ranks the split `forced` (enum pl_distribute) takes for plan
 * on R ranks: G groups of R / G ranks each (G divides R), the jobs cut over
 * the groups by cost, each group's rows shared over its ranks.  models: R;
 * rows: 1; auto: the G of the least modelled time (the cost model of
 * src/dist/dist_plan.c); mixed: the best G other than 1 and R, 0 when there
 * is none (R prime, or solvers that are not shared out by rows).  Any split
 * gives the same bits; only the time differs. */
int pl_dist_groups(const pl_plan *plan, const pl_dataset *train, int ranks, int forced);

/* pl_dist_groups as a split: PL_DISTRIBUTE_MODELS (G = R, and one rank),
 * _ROWS (G = 1) or _MIXED (between, or none possible). */
int pl_dist_choose(const pl_plan *plan, const pl_dataset *train, int ranks, int forced);

/* The groups every rank trains in (pl_dist_groups for the split `forced`),
 * rank 0's count given to every rank, so that no rank can take another
 * split.  Collective. */
int pl_dist_split(const pl_dist *d, const pl_plan *plan, const pl_dataset *train, int forced);

/* pl_train over every rank in G groups of ranks (pl_dist_split; 0: none
 * possible, an error).
 * On rank 0 *out is the whole run, as one process would have it; on the
 * others it is their own part (models), their group's part (mixed) or the
 * whole run as well (rows).  The
 * status is agreed (pl_dist_agree).  opts->progress is used on rank 0 only. */
int pl_dist_train(const pl_dist *d, int G, pl_engine *eng, const pl_plan *plan,
                  const pl_dataset *train, const pl_dataset *test,
                  const pl_train_opts *opts, pl_run *out, pl_error *e);

#endif
