/*
 * jobs.h - private: the report's table of pictures to draw.  The report is
 * written in two passes: while report.html is composed, every picture is
 * only added to this table (a drawing step and the context it reads); then
 * the whole table is drawn by worker processes (util/procs.h), one per core,
 * and the page is committed only when every picture was drawn.  A context
 * lives until the table is freed: either the table owns it (pl_jobs_keep) or
 * it belongs to something the caller keeps until then (the run, the data).
 */
#ifndef PARLOGIT_REPORT_JOBS_H
#define PARLOGIT_REPORT_JOBS_H

#include <stddef.h>

#include "parlogit/error.h"

/* Draws step `step` of the pictures of ctx. */
typedef int (*pl_draw_step)(const void *ctx, int step, pl_error *e);

typedef struct pl_job {
    pl_draw_step draw;
    const void *ctx;
    int step;
} pl_job;

typedef struct pl_jobs {
    pl_job *job;
    size_t n, cap;
    struct pl_kept *kept;        /* contexts the table owns, newest first     */
} pl_jobs;

/* Adds a picture: draw(ctx, step) at drawing time.  PL_ENOMEM. */
int pl_jobs_add(pl_jobs *j, pl_draw_step draw, const void *ctx, int step, pl_error *e);

/* A zeroed block of size bytes that the table owns: fini (may be NULL) then
 * free release it in pl_jobs_free.  NULL (and PL_ENOMEM in *e) when out of
 * memory. */
void *pl_jobs_keep(pl_jobs *j, size_t size, void (*fini)(void *), pl_error *e);

/* Draws every picture with `workers` processes (<= 1: here, in order).  See
 * pl_proc_run for the errors. */
int pl_jobs_draw(const pl_jobs *j, int workers, pl_error *e);

void pl_jobs_free(pl_jobs *j);

#endif
