/*
 * progress.c - the progress bar and lines.  See progress.h.
 */
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pl_progress_start(pl_progress *p, FILE *out, size_t models)
{
    *p = (pl_progress){ .out = out, .tty = isatty(fileno(out)), .models = models };
    p->t0 = p->last = now();
    p->every = p->tty ? 0.1 : 5.0;
}

void pl_progress_update(void *ctx, size_t job, size_t njobs, int iter, int iters)
{
    pl_progress *p = ctx;
    double t = now();
    if (t - p->last < p->every && !(p->tty && iter == iters && job + 1 == njobs))
        return;
    p->last = t;
    double done = ((double)job + (double)iter / (double)iters) / (double)njobs;
    double el = t - p->t0, eta = done > 0 ? el * (1 - done) / done : 0;
    if (p->tty) {
        char bar[31];
        int fill = (int)(done * 30 + 0.5);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[30] = '\0';
        fprintf(p->out, "\r[%s] %3.0f%%  %zu models  iteration %d/%d  %.1fs elapsed  ETA %.1fs\033[K",
                bar, 100 * done, p->models, iter, iters, el, eta);
        p->drawn = 1;
    } else {
        fprintf(p->out, "parlogit: %3.0f%% done (%zu models, iteration %d/%d), %.1f s elapsed, "
                "about %.1f s left\n", 100 * done, p->models, iter, iters, el, eta);
    }
    fflush(p->out);
}

void pl_progress_end(pl_progress *p)
{
    if (p->tty && p->drawn)
        fprintf(p->out, "\r\033[K");
    fflush(p->out);
}
