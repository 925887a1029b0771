/*
 * view.c - building task views over a label-grouped dataset.  See view.h.
 */
#include "train/view.h"

static void add(pl_view *v, const pl_dataset *d, int lo_digit, int hi_digit, float y)
{
    size_t r0 = d->start[lo_digit], r1 = d->start[hi_digit + 1];
    if (r1 <= r0)
        return;
    v->seg[v->nseg++] = (pl_segment){ r0, r1 - r0, y };
    v->n += r1 - r0;
    if (y > 0.5f)
        v->npos += r1 - r0;
}

void pl_view_make(const pl_dataset *d, pl_task t, pl_view *v)
{
    *v = (pl_view){ .pix = d->pix, .dim = d->dim, .pixel_max = pl_pixel_max(d->pixel_max) };
    if (t.neg == PL_REST) {
        /* digits below pos, pos itself, digits above pos: dataset order */
        if (t.pos > 0)
            add(v, d, 0, t.pos - 1, 0.0f);
        add(v, d, t.pos, t.pos, 1.0f);
        if (t.pos < PL_CLASSES - 1)
            add(v, d, t.pos + 1, PL_CLASSES - 1, 0.0f);
    } else if (t.neg < t.pos) {
        add(v, d, t.neg, t.neg, 0.0f);
        add(v, d, t.pos, t.pos, 1.0f);
    } else {
        add(v, d, t.pos, t.pos, 1.0f);
        add(v, d, t.neg, t.neg, 0.0f);
    }
}

size_t pl_task_rows(const pl_dataset *d, pl_task t)
{
    size_t n = 0;
    for (int c = 0; d && c < PL_CLASSES; c++)
        if (pl_task_uses(t, c))
            n += d->start[c + 1] - d->start[c];
    return n;
}
