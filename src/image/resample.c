/*
 * resample.c - one separable resampler for all of src/image/: shrinking by
 * area averaging (each output pixel is the mean of the input area it covers,
 * partly covered pixels weighted by their share: the box filter, which
 * antialiases), growing by linear interpolation between pixel centres or by
 * the nearest pixel.  An axis's weights are tabulated once (first tap and up
 * to `taps` weights per output index), then rows and columns are filtered in
 * two passes through a temporary plane.
 */
#include <math.h>
#include <stdlib.h>

#include "image/image_impl.h"

typedef struct axis {
    int taps;        /* weights per output index */
    int *first;      /* first input index of each output index */
    float *w;        /* out * taps weights (zero where unused) */
} axis;

static void axis_free(axis *a)
{
    free(a->first);
    free(a->w);
}

static int axis_make(axis *a, int in, int out, int grow)
{
    const double r = (double)in / out;
    a->taps = r > 1 ? (int)ceil(r) + 1 : 2;
    a->first = malloc((size_t)out * sizeof *a->first);
    a->w = calloc((size_t)out * (size_t)a->taps, sizeof *a->w);
    if (!a->first || !a->w)
        return -1;
    for (int i = 0; i < out; i++) {
        float *w = a->w + (size_t)i * a->taps;
        if (r > 1) {            /* area: [i r, (i + 1) r) */
            const double lo = i * r, hi = (i + 1) * r;
            int j = (int)floor(lo);
            a->first[i] = j;
            for (int t = 0; t < a->taps && j + t < in; t++) {
                const double cl = fmax(lo, j + t), ch = fmin(hi, j + t + 1.0);
                w[t] = ch > cl ? (float)((ch - cl) / r) : 0.0f;
            }
        } else if (grow == PL_GROW_NEAREST) {
            int j = (int)floor((i + 0.5) * r);
            a->first[i] = j < in ? j : in - 1;
            w[0] = 1.0f;
        } else {                /* linear between pixel centres, clamped at the edges */
            double u = (i + 0.5) * r - 0.5;
            u = u < 0 ? 0 : u > in - 1 ? in - 1 : u;
            int j = (int)floor(u);
            if (j >= in - 1)
                j = in > 1 ? in - 2 : 0;
            const double t = u - j;
            a->first[i] = j;
            w[0] = (float)(1 - t);
            if (in > 1)
                w[1] = (float)t;
        }
    }
    return 0;
}

int pl_resample(const float *src, int sw, int sh, float *dst, int dw, int dh, int grow,
                pl_error *e)
{
    axis ax = { 0 }, ay = { 0 };
    float *tmp = malloc((size_t)sh * (size_t)dw * sizeof *tmp);
    if (!tmp || axis_make(&ax, sw, dw, grow) || axis_make(&ay, sh, dh, grow)) {
        free(tmp);
        axis_free(&ax);
        axis_free(&ay);
        return pl_errorf(e, PL_ENOMEM, "out of memory resampling %dx%d to %dx%d", sw, sh, dw,
                         dh);
    }
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < dw; x++) {
            const float *w = ax.w + (size_t)x * ax.taps;
            const float *s = src + (size_t)y * sw + ax.first[x];
            const int n = sw - ax.first[x] < ax.taps ? sw - ax.first[x] : ax.taps;
            float acc = 0;
            for (int t = 0; t < n; t++)
                acc += w[t] * s[t];
            tmp[(size_t)y * dw + x] = acc;
        }
    for (int y = 0; y < dh; y++) {
        const float *w = ay.w + (size_t)y * ay.taps;
        const int j = ay.first[y], n = sh - j < ay.taps ? sh - j : ay.taps;
        float *d = dst + (size_t)y * dw;
        for (int x = 0; x < dw; x++)
            d[x] = 0;
        for (int t = 0; t < n; t++) {
            const float *s = tmp + (size_t)(j + t) * dw;
            for (int x = 0; x < dw; x++)
                d[x] += w[t] * s[x];
        }
    }
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
    return PL_OK;
}
