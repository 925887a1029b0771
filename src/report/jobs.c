/*
 * jobs.c - the report's table of pictures to draw, and drawing it in worker
 * processes.  See jobs.h.
 */
#include <stdlib.h>

#include "report/jobs.h"
#include "util/procs.h"

typedef struct pl_kept {
    struct pl_kept *next;
    void (*fini)(void *);
    max_align_t block[];         /* the caller's context */
} pl_kept;

int pl_jobs_add(pl_jobs *j, pl_draw_step draw, const void *ctx, int step, pl_error *e)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        pl_job *p = realloc(j->job, cap * sizeof *p);
        if (!p)
            return pl_errorf(e, PL_ENOMEM, "out of memory for %zu pictures", cap);
        j->job = p;
        j->cap = cap;
    }
    j->job[j->n++] = (pl_job){ draw, ctx, step };
    return PL_OK;
}

void *pl_jobs_keep(pl_jobs *j, size_t size, void (*fini)(void *), pl_error *e)
{
    pl_kept *k = calloc(1, sizeof *k + size);
    if (!k) {
        pl_errorf(e, PL_ENOMEM, "out of memory");
        return NULL;
    }
    k->fini = fini;
    k->next = j->kept;
    j->kept = k;
    return k->block;
}

static int draw_one(void *ctx, size_t i, pl_error *e)
{
    const pl_jobs *j = ctx;
    return j->job[i].draw(j->job[i].ctx, j->job[i].step, e);
}

int pl_jobs_draw(const pl_jobs *j, int workers, pl_error *e)
{
    return pl_proc_run(j->n, workers, draw_one, (void *)j, e);
}

void pl_jobs_free(pl_jobs *j)
{
    for (pl_kept *k = j->kept, *next; k; k = next) {
        next = k->next;
        if (k->fini)
            k->fini(k->block);
        free(k);
    }
    free(j->job);
    *j = (pl_jobs){ 0 };
}
