/*
 * procs.h - private: a table of independent jobs run in forked worker
 * processes, for work that cannot run on threads (PLplot keeps global
 * state).  See procs.c.
 */
#ifndef PARLOGIT_UTIL_PROCS_H
#define PARLOGIT_UTIL_PROCS_H

#include <stddef.h>

#include "parlogit/error.h"

/* The number of CPUs the calling thread may run on (sched_getaffinity), at
 * least 1. */
int pl_affinity_cpus(void);

/* Job i of a table: PL_OK, or an error in *e. */
typedef int (*pl_proc_job)(void *ctx, size_t i, pl_error *e);

/*
 * Runs job(ctx, i) for every i in [0, n).  With workers >= 2 (and n >= 2)
 * it forks min(workers, n) processes that take the jobs in order, each the
 * next one no worker has taken yet (so a busy core gets fewer), each worker
 * stopping at its first error; other threads of the caller must be idle
 * (nothing they hold is copied to the workers), and the caller gets none of
 * the jobs' writes to memory (each worker has its own copy).  The parent waits for every worker (none is left
 * behind as a zombie or an orphan: a worker dies with its parent), and
 * returns PL_OK when all of them succeeded, else the error of the failed job
 * of lowest index that was reported (code and message, sent up a pipe; the
 * other workers are stopped).  SIGINT and SIGTERM during the wait are passed
 * on to the workers and give PL_EINTR.  A worker that dies otherwise is
 * PL_EIO naming the signal or exit status.  workers <= 1: the jobs run in
 * order in the calling process, stopping at the first error.
 */
int pl_proc_run(size_t n, int workers, pl_proc_job job, void *ctx, pl_error *e);

#endif
