/*
 * ink.c - finding the ink on a photographed page (image.h, steps 2-4).
 *
 * Levels are judged on 256-bin histograms: percentiles of the whole page (is
 * the ink dark?), of each shading cell (its paper level), of the ink (its
 * level).  The paper is estimated cell by cell, then smoothed by a 3x3
 * median over the cell grid (a cell that a thick stroke fills reads as ink,
 * its neighbours as paper) and interpolated bilinearly between cell centres:
 * a linear gradient of light is followed exactly.  Otsu's threshold picks the
 * level that best separates two classes (largest between-class variance);
 * the contrast test then asks whether the two classes are really ink and
 * paper or only the paper's noise split in two.  The threshold, the contrast
 * and the specks are judged on a blurred copy (noise), the ink keeps its
 * sharp values.  Specks are 8-connected parts of the thresholded ink,
 * labelled with an explicit stack (no recursion); the ink kept then grows
 * (hysteresis) into the touching pixels above edge_fraction of the
 * threshold, so that the faint edges a pen or MNIST's antialiasing leave are
 * part of the digit and of its bounding box.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/prep_impl.h"

/* Cells never smaller than this many pixels a side: small images get fewer. */
#define MIN_CELL 16

static int bin(float v)
{
    const int b = (int)lrintf(v);
    return b < 0 ? 0 : b > 255 ? 255 : b;
}

/* The level at percentile p (0..100) of a histogram of n values. */
static double hist_pct(const size_t hist[256], size_t n, double p)
{
    const double want = p / 100.0 * (double)n;
    size_t acc = 0;
    for (int b = 0; b < 256; b++) {
        acc += hist[b];
        if ((double)acc >= want && acc > 0)
            return b;
    }
    return 255;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Where a pixel stands between the cell centres along one axis: the last
 * cell whose centre is at or before it (i0), the next cell (i1; i0 again at
 * the last) and the weight of i1 (t, 0..1; 0 before the first centre, 1
 * past the last). */
typedef struct axis_pos {
    int i0, i1;
    double t;
} axis_pos;

/* The centre of cell c (cells of cs pixels on an axis of n; a partial last
 * cell: the centre of its part). */
static double cell_centre(int c, int cs, int n)
{
    return (c * cs + fmin((c + 1) * cs, n)) / 2.0 - 0.5;
}

/* Pixel p of an axis of n pixels cut into g cells of cs pixels. */
static axis_pos axis_at(int p, int n, int g, int cs)
{
    axis_pos a = { 0, 0, 0 };
    for (int c = 0; c < g; c++)
        if (p >= cell_centre(c, cs, n))
            a.i0 = c;
    a.i1 = a.i0 + 1 < g ? a.i0 + 1 : a.i0;
    const double c0 = cell_centre(a.i0, cs, n), c1 = cell_centre(a.i1, cs, n);
    const double t = a.i1 > a.i0 ? (p - c0) / (c1 - c0) : 0;
    a.t = t < 0 ? 0 : t > 1 ? 1 : t;
    return a;
}

/* The paper level under every pixel of v (ink high) into bg. */
static int paper_level(const float *v, int w, int h, const pl_prep_opts *o, int shading,
                       float *bg, pl_error *e)
{
    const int shorter = w < h ? w : h;
    int cells = shading == PL_SHADING_NONE ? 1 : o->shading_cells;
    if (cells > 1 && shorter / cells < MIN_CELL)
        cells = shorter / MIN_CELL > 1 ? shorter / MIN_CELL : 1;
    const int cs = shading == PL_SHADING_NONE ? (w > h ? w : h) : (shorter + cells - 1) / cells;
    const int gx = (w + cs - 1) / cs, gy = (h + cs - 1) / cs;
    double *lv = malloc((size_t)gx * gy * sizeof *lv), *sm = malloc((size_t)gx * gy * sizeof *sm);
    axis_pos *ax = malloc((size_t)w * sizeof *ax);
    if (!lv || !sm || !ax) {
        free(lv);
        free(sm);
        free(ax);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the paper estimate");
    }
    for (int cy = 0; cy < gy; cy++)
        for (int cx = 0; cx < gx; cx++) {
            size_t hist[256] = { 0 }, cnt = 0;
            for (int y = cy * cs; y < h && y < (cy + 1) * cs; y++)
                for (int x = cx * cs; x < w && x < (cx + 1) * cs; x++, cnt++)
                    hist[bin(v[(size_t)y * w + x])]++;
            lv[cy * gx + cx] = hist_pct(hist, cnt, o->paper_percentile);
        }
    for (int cy = 0; cy < gy; cy++)
        for (int cx = 0; cx < gx; cx++) {
            double nb[9];
            int k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (cy + dy >= 0 && cy + dy < gy && cx + dx >= 0 && cx + dx < gx)
                        nb[k++] = lv[(cy + dy) * gx + cx + dx];
            qsort(nb, (size_t)k, sizeof *nb, cmp_double);
            sm[cy * gx + cx] = k % 2 ? nb[k / 2] : (nb[k / 2 - 1] + nb[k / 2]) / 2;
        }
    /* bilinear between cell centres; every row shares the columns' cells and weights */
    for (int x = 0; x < w; x++)
        ax[x] = axis_at(x, w, gx, cs);
    for (int y = 0; y < h; y++) {
        const axis_pos ay = axis_at(y, h, gy, cs);
        const double *r0 = sm + (size_t)ay.i0 * gx, *r1 = sm + (size_t)ay.i1 * gx;
        for (int x = 0; x < w; x++) {
            const axis_pos a = ax[x];
            const double top = r0[a.i0] * (1 - a.t) + r0[a.i1] * a.t;
            const double bot = r1[a.i0] * (1 - a.t) + r1[a.i1] * a.t;
            bg[(size_t)y * w + x] = (float)(top * (1 - ay.t) + bot * ay.t);
        }
    }
    free(lv);
    free(sm);
    free(ax);
    return PL_OK;
}

/* Box blur of radius r in place (separable; the window shrinks at the edges). */
static int box_blur(float *v, int w, int h, int r, pl_error *e)
{
    if (r <= 0)
        return PL_OK;
    const int m = w > h ? w : h;
    double *line = malloc((size_t)m * sizeof *line), *pre = malloc((size_t)(m + 1) * sizeof *pre);
    if (!line || !pre) {
        free(line);
        free(pre);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the blur");
    }
    for (int pass = 0; pass < 2; pass++) {
        const int len = pass ? h : w, lines = pass ? w : h;
        const size_t step = pass ? (size_t)w : 1, lstep = pass ? 1 : (size_t)w;
        for (int l = 0; l < lines; l++) {
            float *p = v + (size_t)l * lstep;
            pre[0] = 0;
            for (int i = 0; i < len; i++)
                pre[i + 1] = pre[i] + p[(size_t)i * step];
            for (int i = 0; i < len; i++) {
                const int lo = i - r < 0 ? 0 : i - r, hi = i + r + 1 > len ? len : i + r + 1;
                line[i] = (pre[hi] - pre[lo]) / (hi - lo);
            }
            for (int i = 0; i < len; i++)
                p[(size_t)i * step] = (float)line[i];
        }
    }
    free(line);
    free(pre);
    return PL_OK;
}

/* Otsu's threshold of a histogram: levels above it are ink. */
static int otsu(const size_t hist[256], size_t n)
{
    double sum = 0;
    for (int b = 0; b < 256; b++)
        sum += (double)b * hist[b];
    double w0 = 0, s0 = 0, best = -1;
    int t = 0;
    for (int b = 0; b < 255; b++) {
        w0 += hist[b];
        s0 += (double)b * hist[b];
        const double w1 = (double)n - w0;
        if (w0 == 0 || w1 == 0)
            continue;
        const double m0 = s0 / w0, m1 = (sum - s0) / w1;
        const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (between > best) {
            best = between;
            t = b;
        }
    }
    return t;
}

/* Labels the 8-connected parts of mask (1 = ink) with 1, 2, ...; sizes[k] of
 * part k; returns the number of parts, or -1 out of memory. */
static int label_parts(const uint8_t *mask, int w, int h, int32_t *lab, size_t **sizes)
{
    const size_t n = (size_t)w * (size_t)h;
    size_t *stack = malloc(n * sizeof *stack), cap = 64;
    size_t *sz = malloc(cap * sizeof *sz);
    if (!stack || !sz) {
        free(stack);
        free(sz);
        return -1;
    }
    memset(lab, 0, n * sizeof *lab);
    int parts = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mask[i] || lab[i])
            continue;
        if ((size_t)parts + 1 >= cap) {
            size_t *g = realloc(sz, 2 * cap * sizeof *sz);
            if (!g) {
                free(stack);
                free(sz);
                return -1;
            }
            sz = g;
            cap *= 2;
        }
        const int k = ++parts;
        size_t top = 0, count = 0;
        stack[top++] = i;
        lab[i] = k;
        while (top) {
            const size_t p = stack[--top];
            count++;
            const int px = (int)(p % (size_t)w), py = (int)(p / (size_t)w);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    const int qx = px + dx, qy = py + dy;
                    if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                        continue;
                    const size_t q = (size_t)qy * w + qx;
                    if (mask[q] && !lab[q]) {
                        lab[q] = k;
                        stack[top++] = q;
                    }
                }
        }
        sz[k] = count;
    }
    free(stack);
    *sizes = sz;
    return parts;
}

/* Hysteresis: grows the kept ink (mask 1) into the 8-connected pixels above
 * lo, so that a stroke keeps its soft edges.  stack holds w * h entries. */
static void grow_edges(const float *ink, int w, int h, uint8_t *mask, float lo, size_t *stack)
{
    const size_t n = (size_t)w * (size_t)h;
    size_t top = 0;
    for (size_t i = 0; i < n; i++)
        if (mask[i])
            stack[top++] = i;
    while (top) {
        const size_t p = stack[--top];
        const int px = (int)(p % (size_t)w), py = (int)(p / (size_t)w);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                const int qx = px + dx, qy = py + dy;
                if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                    continue;
                const size_t q = (size_t)qy * w + qx;
                if (!mask[q] && ink[q] > lo) {
                    mask[q] = 1;
                    stack[top++] = q;
                }
            }
    }
}

int pl_find_ink(const float *g, int w, int h, const pl_prep_opts *o, float *ink,
                pl_ink_found *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    const size_t n = (size_t)w * (size_t)h;
    /* 2. is the ink darker than the paper (the median)? */
    size_t hist[256] = { 0 };
    for (size_t i = 0; i < n; i++)
        hist[bin(g[i])]++;
    const double med = hist_pct(hist, n, 50), lo = hist_pct(hist, n, 0.5),
                 hi = hist_pct(hist, n, 99.5);
    out->inverted = o->invert == PL_INVERT_YES || (o->invert == PL_INVERT_AUTO && med - lo > hi - med);
    for (size_t i = 0; i < n; i++)
        ink[i] = out->inverted ? 255 - g[i] : g[i];
    /* 3. the paper's level, taken out */
    const int shading = o->shading != PL_SHADING_AUTO ? o->shading
                        : out->inverted ? PL_SHADING_DIVIDE : PL_SHADING_SUBTRACT;
    float *bg = malloc(n * sizeof *bg);
    uint8_t *mask = malloc(n);
    int32_t *lab = malloc(n * sizeof *lab);
    size_t *sizes = NULL;
    int rc = PL_OK;
    if (!bg || !mask || !lab) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory finding the ink");
        goto done;
    }
    if ((rc = paper_level(ink, w, h, o, shading, bg, e)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        float d = ink[i] - bg[i];
        if (shading == PL_SHADING_DIVIDE)
            d = 255.0f * d / fmaxf(255.0f - bg[i], 1.0f);
        ink[i] = d < 0 ? 0 : d > 255 ? 255 : d;
    }
    /* 4. noise, threshold, contrast, specks: judged on a blurred copy (in bg,
     * free now); the ink keeps its sharp values */
    float *blur = bg;
    memcpy(blur, ink, n * sizeof *blur);
    if ((rc = box_blur(blur, w, h, o->blur_radius, e)))
        goto done;
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++)
        hist[bin(blur[i])]++;
    const int t = o->threshold == PL_THRESHOLD_FIXED ? o->threshold_level : otsu(hist, n);
    out->threshold = t;
    double c0 = 0, c1 = 0, s0 = 0, s1 = 0;
    for (int b = 0; b < 256; b++) {
        if (b > t) {
            c1 += hist[b];
            s1 += (double)b * hist[b];
        } else {
            c0 += hist[b];
            s0 += (double)b * hist[b];
        }
    }
    if (c1 == 0) {
        rc = pl_errorf(e, PL_EINPUT, "no ink found: nothing on the page stands above the "
                       "paper (a blank page?)");
        goto done;
    }
    const double contrast = s1 / c1 - (c0 ? s0 / c0 : 0);
    if (contrast < o->min_contrast) {
        rc = pl_errorf(e, PL_EINPUT, "no ink found: the darkest marks differ from the paper "
                       "by %.0f grey levels, less than preprocess.min_contrast = %g (a blank "
                       "page?)", contrast, o->min_contrast);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        mask[i] = bin(blur[i]) > t;
    const int parts = label_parts(mask, w, h, lab, &sizes);
    if (parts < 0) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory labelling the ink");
        goto done;
    }
    size_t total = 0;
    for (int k = 1; k <= parts; k++)
        total += sizes[k];
    const double keep = o->min_blob * (double)total;
    memset(hist, 0, sizeof hist);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        mask[i] = lab[i] && (double)sizes[lab[i]] >= keep;
        if (mask[i]) {
            hist[bin(ink[i])]++;
            kept++;
        }
    }
    if (!kept) {
        rc = pl_errorf(e, PL_EINPUT, "no ink found: only specks stand above the paper (a "
                       "blank page?)");
        goto done;
    }
    /* the ink's level (of the strong ink), then its soft edges */
    const double level = fmax(hist_pct(hist, kept, o->ink_percentile), t + 1.0);
    size_t *stack = malloc(n * sizeof *stack);
    if (!stack) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory growing the ink");
        goto done;
    }
    grow_edges(ink, w, h, mask, (float)(o->edge_fraction * t), stack);
    free(stack);
    out->x0 = w;
    out->y0 = h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!mask[(size_t)y * w + x])
                continue;
            out->x0 = x < out->x0 ? x : out->x0;
            out->y0 = y < out->y0 ? y : out->y0;
            out->x1 = x + 1 > out->x1 ? x + 1 : out->x1;
            out->y1 = y + 1 > out->y1 ? y + 1 : out->y1;
        }
    /* the ink's level becomes 255; nothing off the kept ink */
    for (size_t i = 0; i < n; i++) {
        const double v = mask[i] ? 255.0 * ink[i] / level : 0;
        ink[i] = (float)(v > 255 ? 255 : v);
    }
done:
    free(bg);
    free(mask);
    free(lab);
    free(sizes);
    return rc;
}
