/*
 * prep.c - pl_image_to_row: a picture of a digit to an MNIST row, step by
 * step as image.h lists them.  This file holds the options, the order of the
 * steps and the geometry (grey, work size, bounding box, fit to the box,
 * centre of mass); finding the ink on the page (paper level, shading,
 * threshold, specks) is ink.c's.  Planes are float, 0..255, row-major.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"
#include "image/prep_impl.h"

void pl_prep_defaults(pl_prep_opts *o)
{
    *o = (pl_prep_opts){
        .alpha_paper = 255,
        .work_side = 1000,
        .invert = PL_INVERT_AUTO,
        .shading = PL_SHADING_AUTO,
        .shading_cells = 6,
        .paper_percentile = 50,
        .blur_radius = 1,
        .threshold = PL_THRESHOLD_OTSU,
        .threshold_level = 128,
        .min_contrast = 32,
        .min_blob = 0.02,
        .edge_fraction = 0.25,
        .ink_percentile = 90,
        .box = 20,
        .field = 28,
    };
}

int pl_prep_check(const pl_prep_opts *o, pl_error *e)
{
    return pl_prep_check_field(o, NULL, e);
}

/* Each RANGE names its field once: the message and *field both come from it. */
int pl_prep_check_field(const pl_prep_opts *o, const char **field, pl_error *e)
{
    const char *unused;
    const char **bad = field ? field : &unused;
    *bad = NULL;
#define RANGE(f, lo, hi)                                                                   \
    if (!(o->f >= (lo) && o->f <= (hi))) {                                                 \
        *bad = #f;                                                                         \
        return pl_errorf(e, PL_EINPUT, "preprocess." #f " = %g: must be in %g..%g",        \
                         (double)o->f, (double)(lo), (double)(hi));                        \
    }
    RANGE(alpha_paper, 0, 255)
    RANGE(invert, PL_INVERT_AUTO, PL_INVERT_NO)
    RANGE(shading, PL_SHADING_AUTO, PL_SHADING_DIVIDE)
    RANGE(shading_cells, 1, 64)
    RANGE(paper_percentile, 0, 100)
    RANGE(blur_radius, 0, 10)
    RANGE(threshold, PL_THRESHOLD_OTSU, PL_THRESHOLD_FIXED)
    RANGE(threshold_level, 1, 254)
    RANGE(min_contrast, 0, 255)
    RANGE(min_blob, 0, 1)
    RANGE(edge_fraction, 0, 1)
    RANGE(ink_percentile, 0, 100)
    RANGE(field, 1, 1024)
    RANGE(box, 1, o->field)
#undef RANGE
    if (o->work_side != 0 && !(o->work_side >= 28 && o->work_side <= 100000)) {
        *bad = "work_side";
        return pl_errorf(e, PL_EINPUT, "preprocess.work_side = %d: must be 0 (never shrink) "
                         "or in 28..100000", o->work_side);
    }
    return PL_OK;
}

void pl_prep_steps_free(pl_prep_steps *s)
{
    if (!s)
        return;
    pl_image_free(&s->grey);
    pl_image_free(&s->ink);
    pl_image_free(&s->cropped);
    pl_image_free(&s->row);
    memset(s, 0, sizeof *s);
}

/* Luma (Rec. 601) of every pixel, alpha laid over paper of grey `paper`. */
static void to_grey(const pl_image *img, int paper, float *g)
{
    const size_t n = (size_t)img->w * (size_t)img->h;
    const int ch = img->channels;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = img->pix + i * (size_t)ch;
        float y = ch >= 3 ? 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2] : p[0];
        if (ch == 2 || ch == 4) {
            const float a = p[ch - 1] / 255.0f;
            y = a * y + (1 - a) * (float)paper;
        }
        g[i] = y;
    }
}

/* A plane as a grey image (values rounded and clamped to 0..255). */
static int plane_image(const float *v, int w, int h, pl_image *out, pl_error *e)
{
    if (pl_image_alloc(out, w, h, 1, e))
        return PL_ENOMEM;
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        out->pix[i] = (uint8_t)lrintf(v[i] < 0 ? 0 : v[i] > 255 ? 255 : v[i]);
    return PL_OK;
}

/* Places the scaled digit (sw x sh) in the field so that its centre of mass
 * is at (field / 2, field / 2) in pixel indices, moved by whole pixels. */
static void place(const float *s, int sw, int sh, int field, uint8_t *row)
{
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            const double v = s[(size_t)y * sw + x];
            m += v;
            mx += v * x;
            my += v * y;
        }
    const double cx = m > 0 ? mx / m : (sw - 1) / 2.0, cy = m > 0 ? my / m : (sh - 1) / 2.0;
    const long ox = lround(field / 2.0 - cx), oy = lround(field / 2.0 - cy);
    memset(row, 0, (size_t)field * (size_t)field);
    for (int y = 0; y < sh; y++) {
        const long fy = y + oy;
        if (fy < 0 || fy >= field)
            continue;
        for (int x = 0; x < sw; x++) {
            const long fx = x + ox;
            if (fx < 0 || fx >= field)
                continue;
            const float v = s[(size_t)y * sw + x];
            row[fy * field + fx] = (uint8_t)lrintf(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

int pl_image_to_row(const pl_image *img, const pl_prep_opts *o, uint8_t *row,
                    pl_prep_steps *steps, pl_error *e)
{
    pl_prep_steps local;
    pl_prep_steps *st = steps ? steps : &local;
    memset(st, 0, sizeof *st);
    st->original = img;
    int rc;
    if ((rc = pl_prep_check(o, e)))
        return rc;
    if (!img->pix || img->channels < 1 || img->channels > 4 || img->w < PL_IMAGE_MIN_SIDE ||
        img->h < PL_IMAGE_MIN_SIDE)
        return pl_errorf(e, PL_EINPUT, "image is %dx%d pixels: too small to hold a digit (at "
                         "least %dx%d)", img->w, img->h, PL_IMAGE_MIN_SIDE, PL_IMAGE_MIN_SIDE);
    float *full = NULL, *g = NULL, *ink = NULL, *crop = NULL, *fit = NULL;
    const size_t n0 = (size_t)img->w * (size_t)img->h;
    /* 1. grey, at work size */
    int w = img->w, h = img->h;
    if (!(full = malloc(n0 * sizeof *full))) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for a %dx%d grey image", w, h);
        goto done;
    }
    to_grey(img, o->alpha_paper, full);
    const int side = w > h ? w : h;
    if (o->work_side && side > o->work_side) {
        const double s = (double)o->work_side / side;
        const int nw = (int)lround(w * s), nh = (int)lround(h * s);
        w = nw < 1 ? 1 : nw;
        h = nh < 1 ? 1 : nh;
        if (!(g = malloc((size_t)w * (size_t)h * sizeof *g))) {
            rc = pl_errorf(e, PL_ENOMEM, "out of memory for a %dx%d grey image", w, h);
            goto done;
        }
        if ((rc = pl_resample(full, img->w, img->h, g, w, h, PL_GROW_LINEAR, e)))
            goto done;
        free(full);
    } else {
        g = full;
    }
    full = NULL;
    if ((rc = plane_image(g, w, h, &st->grey, e)))
        goto done;
    /* 2-4. the ink, ink high, on a clean page */
    const size_t n = (size_t)w * (size_t)h;
    if (!(ink = malloc(n * sizeof *ink))) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for a %dx%d ink image", w, h);
        goto done;
    }
    pl_ink_found found;
    if ((rc = pl_find_ink(g, w, h, o, ink, &found, e)))
        goto done;
    st->inverted = found.inverted;
    st->threshold = found.threshold;
    st->box_x = found.x0;
    st->box_y = found.y0;
    st->box_w = found.x1 - found.x0;
    st->box_h = found.y1 - found.y0;
    if ((rc = plane_image(ink, w, h, &st->ink, e)))
        goto done;
    /* 5. cropped to the bounding box */
    const int bw = st->box_w, bh = st->box_h;
    if (!(crop = malloc((size_t)bw * (size_t)bh * sizeof *crop))) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the cropped ink");
        goto done;
    }
    for (int y = 0; y < bh; y++)
        memcpy(crop + (size_t)y * bw, ink + (size_t)(y + found.y0) * w + found.x0,
               (size_t)bw * sizeof *crop);
    if ((rc = plane_image(crop, bw, bh, &st->cropped, e)))
        goto done;
    /* 6. fit to the box, keeping the aspect ratio */
    const double s = (double)o->box / (bw > bh ? bw : bh);
    int fw = (int)lround(bw * s), fh = (int)lround(bh * s);
    fw = fw < 1 ? 1 : fw > o->box ? o->box : fw;
    fh = fh < 1 ? 1 : fh > o->box ? o->box : fh;
    if (!(fit = malloc((size_t)fw * (size_t)fh * sizeof *fit))) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the scaled ink");
        goto done;
    }
    if ((rc = pl_resample(crop, bw, bh, fit, fw, fh, PL_GROW_LINEAR, e)))
        goto done;
    /* 7. centre of mass to the field's centre */
    if ((rc = pl_image_alloc(&st->row, o->field, o->field, 1, e)))
        goto done;
    place(fit, fw, fh, o->field, st->row.pix);
    memcpy(row, st->row.pix, (size_t)o->field * (size_t)o->field);
done:
    free(full);
    free(g);
    free(ink);
    free(crop);
    free(fit);
    if (!steps)
        pl_prep_steps_free(&local);
    return rc;
}
