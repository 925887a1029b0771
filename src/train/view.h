/*
 * view.h - a binary task as a view of a grouped dataset: at most three
 * contiguous row ranges, each with its target y, and no copy of any pixel.
 */
#ifndef PARLOGIT_VIEW_H
#define PARLOGIT_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/config.h"
#include "parlogit/dataset.h"

typedef struct pl_segment {
    size_t row0;   /* first row in the dataset */
    size_t n;      /* rows                      */
    float y;       /* 0 or 1                    */
} pl_segment;

typedef struct pl_view {
    const uint8_t *pix;   /* the dataset's pixels; row r at pix + r * dim */
    size_t dim;
    unsigned pixel_max;   /* full ink: the features are pix / pixel_max   */
    size_t n;             /* rows in all segments                         */
    size_t npos;          /* rows with y = 1                              */
    int nseg;
    pl_segment seg[3];
} pl_view;

/* The rows of task t in d: digit neg (or every other digit) with y = 0 and
 * digit pos with y = 1, in dataset order. */
void pl_view_make(const pl_dataset *d, pl_task t, pl_view *v);

/* The rows of d whose digit task t uses (any kind of task); 0 for a NULL d. */
size_t pl_task_rows(const pl_dataset *d, pl_task t);

#endif
