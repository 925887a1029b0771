/*
 * progress.h - the progress display of `parlogit train` on stderr: a live bar
 * redrawn in place on a terminal, a plain line every few seconds otherwise
 * (logs, CI), nothing with --quiet.  Called from the training team's thread 0
 * through pl_train_opts.progress, so it is cheap when there is nothing to draw.
 */
#ifndef PARLOGIT_PROGRESS_H
#define PARLOGIT_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct pl_progress {
    FILE *out;
    int tty;             /* 1: redraw a bar in place                      */
    size_t models;       /* models being trained                          */
    double t0, last;     /* start, last draw (seconds)                    */
    double every;        /* seconds between draws                         */
    int drawn;           /* a bar is on the screen                        */
} pl_progress;

void pl_progress_start(pl_progress *p, FILE *out, size_t models);

/* pl_progress_fn: job of njobs, iteration iter of iters. */
void pl_progress_update(void *ctx, size_t job, size_t njobs, int iter, int iters);

/* Clears the bar (terminal) so what follows starts on a clean line. */
void pl_progress_end(pl_progress *p);

#endif
