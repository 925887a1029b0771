/*
 * prep_impl.h - the ink-finding half of the preprocessing (ink.c), called by
 * pl_image_to_row (prep.c).  Private to src/image/.
 */
#ifndef PARLOGIT_PREP_IMPL_H
#define PARLOGIT_PREP_IMPL_H

#include "parlogit/image.h"

typedef struct pl_ink_found {
    int inverted;             /* the page was inverted (dark ink on light paper) */
    double threshold;         /* ink / paper threshold, ink scale 0..255         */
    int x0, y0, x1, y1;       /* bounding box of the kept ink, half-open         */
} pl_ink_found;

/*
 * From the grey plane g (w x h, 0..255) to the ink plane (ink high, 0..255,
 * zero off the kept ink: image.h steps 2-4) and its bounding box.  A blank
 * page is PL_EINPUT "no ink found: ..."; PL_ENOMEM.
 */
int pl_find_ink(const float *g, int w, int h, const pl_prep_opts *o, float *ink,
                pl_ink_found *out, pl_error *e);

#endif
