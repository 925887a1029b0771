/*
 * classes.c - the pictures of a K-output model (one output per class, K <=
 * 10, images of any h x w): its K weight maps side by side, the class
 * probabilities of one image as bars, the explanation of one prediction
 * (weight maps over pixel x weight maps, with each output's logit and
 * probability), and the K x K confusion matrix.  See plot.h.
 *
 * Maps that are compared with each other share one scale: the K weight maps
 * one symmetric [-m, m] with m the largest |weight| of all of them, the K
 * contribution maps another, so that a darker blue in one map means more
 * evidence than a lighter blue in the next.  A scale of 0 (an untrained
 * model) is drawn white on a bar of [-1, 1], and the caption says so.
 *
 * pl_plot_class_matrix is pl_plot_matrix's table for K x K: the same
 * geometry, colours and annotations, so that with K = 10 and classes 0..9 it
 * draws the very same picture; pl_plot_confusion turns counts into such a
 * table.  Arguments are checked before anything is allocated or opened: a
 * bad one is PL_EINPUT and no file is written.
 *
 * A negative class is "the rest", so that a binary i-rest model's two
 * classes (pl_model_classes) draw as "rest" and "i": its name comes from
 * pl_class_name and a true label finds its class with pl_class_slot
 * (report.h), the functions the report uses too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

/* Larger images are not digits; the bound also keeps h and w in an int. */
enum { MAX_SIDE = 4096 };

static int check_classes(const char *what, size_t K, const int *classes, pl_error *e)
{
    if (K == 0 || K > PL_PLOT_MAX_CLASSES)
        return pl_errorf(e, PL_EINPUT, "%s: %zu classes, expected 1 to %d", what, K,
                         PL_PLOT_MAX_CLASSES);
    if (!classes)
        return pl_errorf(e, PL_EINPUT, "%s: no class list", what);
    return PL_OK;
}

static int check_shape(const char *what, size_t K, const int *classes, size_t h, size_t w,
                       pl_error *e)
{
    int rc = check_classes(what, K, classes, e);
    if (rc)
        return rc;
    if (h == 0 || w == 0)
        return pl_errorf(e, PL_EINPUT, "%s: image of %zu x %zu pixels, expected at least 1 x 1",
                         what, h, w);
    if (h > MAX_SIDE || w > MAX_SIDE)
        return pl_errorf(e, PL_EINPUT, "%s: image of %zu x %zu pixels, expected at most %d x %d",
                         what, h, w, MAX_SIDE, MAX_SIDE);
    return PL_OK;
}

/* The index of class c in classes, or -1. */
static int class_index(const int *classes, size_t K, int c)
{
    for (size_t k = 0; k < K; k++)
        if (classes[k] == c)
            return (int)k;
    return -1;
}

static double absmax(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

/* "shared scale ±m", or why there is none. */
static void scale_text(char *buf, size_t len, double m)
{
    if (m > 0)
        snprintf(buf, len, "shared scale \u00b1%.3g", m);
    else
        snprintf(buf, len, "all 0: no evidence anywhere");
}

/*
 * A row of K maps of h x w values (maps[k] at k * h * w), each fitted into a
 * side x side px square, the squares gap px apart from x; colour map 1 from
 * -m to m (a scale of 0 draws white).  Captions are the caller's: the row
 * only places pictures.
 */
typedef struct map_row {
    double x, y, side, gap;
} map_row;

static double row_x(const map_row *r, size_t k)
{
    return r->x + (double)k * (r->side + r->gap);
}

/* One h x w map in the square at (x, y), keeping the image's aspect ratio. */
static void draw_map(const pl_canvas *c, const double *v, size_t h, size_t w, double x, double y,
                     double side, double vmin, double vmax)
{
    double big = (double)(h > w ? h : w);
    double bw = side * (double)w / big, bh = side * (double)h / big;
    double x0 = x + (side - bw) / 2, y0 = y + (side - bh) / 2;
    pl_canvas_viewport(c, x0, y0, x0 + bw, y0 + bh);
    pl_canvas_image(v, (int)h, (int)w, vmin, vmax);
    pl_canvas_frame(0);
}

static void draw_row(const pl_canvas *c, const map_row *r, const double *maps, size_t K,
                     size_t h, size_t w, double m)
{
    if (!(m > 0))
        m = 1;
    for (size_t k = 0; k < K; k++)
        draw_map(c, maps + k * h * w, h, w, row_x(r, k), r->y, r->side, -m, m);
}

/* The side of K squares gap px apart in width px, at most max. */
static double fit_side(double width, size_t K, double gap, double max)
{
    double s = floor((width - (double)(K - 1) * gap) / (double)K);
    return s < max ? s : max;
}

/* W as doubles, or NULL when out of memory. */
static double *widen(const float *W, size_t n)
{
    double *v = malloc(n * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = W[i];
    return v;
}

enum { BAR_GAP = 24, BAR_W = 20, BAR_ROOM = 160 };   /* a colour bar and its labels */

/* The colour bar of a row of maps on [-m, m], as tall as the maps.  Weights
 * are small numbers: PLplot would move their common factor into an
 * "(x10^-2)" over the bar, where the headings are, so the ticks get the
 * digits instead. */
static void bar(const pl_canvas *c, double x, double y, double side, double m,
                const char *label)
{
    plsyax(8, 0);
    pl_canvas_colorbar(c, x, y, x + BAR_W, y + side, -m, m, label);
    plsyax(0, 0);
}

int pl_plot_class_weights(const char *path, const float *W, size_t K, const int *classes,
                          size_t h, size_t w, const char *title, pl_error *e)
{
    int rc = check_shape("class weight maps", K, classes, h, w, e);
    if (rc)
        return rc;
    if (!W)
        return pl_errorf(e, PL_EINPUT, "class weight maps: no weights");
    size_t dim = h * w;
    double *v = widen(W, K * dim);
    if (!v)
        return pl_errorf(e, PL_ENOMEM, "class weight maps: out of memory for %zu weights",
                         K * dim);
    double m = absmax(v, K * dim);

    const double pw = PL_PLOT_CLASS_WEIGHTS_W, ph = PL_PLOT_CLASS_WEIGHTS_H, top = 78;
    map_row r = { .gap = 16 };
    r.side = fit_side(pw - 60 - BAR_ROOM, K, r.gap, 200);
    double used = (double)K * r.side + (double)(K - 1) * r.gap + BAR_ROOM;
    r.x = floor((pw - used) / 2);
    r.y = floor(top + (ph - top - 30 - r.side) / 2);

    pl_canvas c;
    if ((rc = pl_canvas_open(&c, path, (int)pw, (int)ph, e))) {
        free(v);
        return rc;
    }
    char line[320], scale[64];
    pl_canvas_text(&c, pw / 2, 26, 1.3, 0.5, title ? title : "Weights of each class's output");
    scale_text(scale, sizeof scale, m);
    if (m > 0)
        snprintf(line, sizeof line, "%zu maps, %s:  blue pixels are evidence for the class, "
                 "red against, white none", K, scale);
    else
        snprintf(line, sizeof line, "%zu maps, every weight 0: no pixel is evidence for or "
                 "against any class", K);
    pl_canvas_text(&c, pw / 2, 52, 0.9, 0.5, line);

    pl_palette_diverging();
    draw_row(&c, &r, v, K, h, w, m);
    for (size_t k = 0; k < K; k++) {
        char cl[16];
        snprintf(line, sizeof line, "class %s", pl_class_name(classes[k], cl));
        pl_canvas_text(&c, row_x(&r, k) + r.side / 2, r.y + r.side + 16, 0.9, 0.5, line);
    }
    double bx = row_x(&r, K - 1) + r.side + BAR_GAP;
    bar(&c, bx, r.y, r.side, m > 0 ? m : 1, "weight");
    free(v);
    return pl_canvas_close(&c, e);
}

/* Black squares over the cells of the current map (window (0, w) x (0, h),
 * as pl_canvas_image leaves it) whose value is exactly 0. */
static void blacken_zeros(const double *v, size_t h, size_t w)
{
    plcol0(PL_COL_FG);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            if (v[y * w + x] == 0.0) {
                const PLFLT y1 = (PLFLT)(h - y), y0 = y1 - 1, x0 = (PLFLT)x, x1 = x0 + 1;
                PLFLT px[4] = { x0, x1, x1, x0 }, py[4] = { y0, y0, y1, y1 };
                plfill(4, px, py);
            }
}

int pl_plot_weights_sparsity(const char *path, const float *W0, const float *W1, size_t K,
                             const int *classes, size_t h, size_t w, const char *label0,
                             const char *label1, pl_error *e)
{
    int rc = check_shape("weight maps compared", K, classes, h, w, e);
    if (rc)
        return rc;
    if (!W0 || !W1)
        return pl_errorf(e, PL_EINPUT, "weight maps compared: no weights");
    const size_t dim = h * w;
    double *v[2] = { widen(W0, K * dim), widen(W1, K * dim) };
    if (!v[0] || !v[1]) {
        free(v[0]);
        free(v[1]);
        return pl_errorf(e, PL_ENOMEM, "weight maps compared: out of memory");
    }
    const double pw = PL_PLOT_CLASS_WEIGHTS_W, top = 76;
    map_row r = { .gap = 16 };
    r.side = fit_side(pw - 60 - BAR_ROOM, K, r.gap, 200);
    const double used = (double)K * r.side + (double)(K - 1) * r.gap + BAR_ROOM;
    r.x = floor((pw - used) / 2);
    const double rowh = r.side + 64, ph = top + 2 * rowh + 8;
    pl_canvas c;
    if ((rc = pl_canvas_open(&c, path, (int)pw, (int)ph, e))) {
        free(v[0]);
        free(v[1]);
        return rc;
    }
    pl_canvas_text(&c, pw / 2, 24, 1.3, 0.5, "Weights without and with the l1 penalty: "
                   "zero weights in black");
    pl_canvas_text(&c, pw / 2, 54, 0.9, 0.5, "blue pixels are evidence for the class, red "
                   "against; each row on its own symmetric scale");
    for (int q = 0; q < 2; q++) {
        const double m = absmax(v[q], K * dim);
        size_t zeros = 0;
        for (size_t i = 0; i < K * dim; i++)
            zeros += v[q][i] == 0.0;
        char line[320], scale[64];
        scale_text(scale, sizeof scale, m);
        snprintf(line, sizeof line, "%s: %zu of %zu weights are 0; %s", q ? label1 : label0,
                 zeros, K * dim, scale);
        const double y0 = top + q * rowh;
        pl_canvas_text(&c, pw / 2, y0 + 14, 1.0, 0.5, line);
        r.y = floor(y0 + 30);
        pl_palette_diverging();
        draw_row(&c, &r, v[q], K, h, w, m);
        for (size_t k = 0; k < K; k++) {
            const double x = row_x(&r, k), big = (double)(h > w ? h : w);
            const double bw = r.side * (double)w / big, bh = r.side * (double)h / big;
            const double mx = x + (r.side - bw) / 2, my = r.y + (r.side - bh) / 2;
            pl_canvas_viewport(&c, mx, my, mx + bw, my + bh);
            plwind(0, (PLFLT)w, 0, (PLFLT)h);
            blacken_zeros(v[q] + k * dim, h, w);
            char cl[16];
            snprintf(line, sizeof line, "class %s", pl_class_name(classes[k], cl));
            pl_canvas_text(&c, x + r.side / 2, r.y + r.side + 14, 0.9, 0.5, line);
        }
        bar(&c, row_x(&r, K - 1) + r.side + BAR_GAP, r.y, r.side, m > 0 ? m : 1, "weight");
    }
    free(v[0]);
    free(v[1]);
    return pl_canvas_close(&c, e);
}

/* The bars' colours (colour map 0): the true label and the prediction stand
 * out from the other classes' gray. */
static int bar_colour(int c, int label, int predicted)
{
    if (c == predicted)
        return pl_palette_line(0);
    if (c == label)
        return pl_palette_line(2);
    return PL_COL_GRAY;
}

int pl_plot_class_probs(const char *path, const double *p, size_t K, const int *classes,
                        int label, int predicted, const char *title, pl_error *e)
{
    int rc = check_classes("class probabilities", K, classes, e);
    if (rc)
        return rc;
    if (!p)
        return pl_errorf(e, PL_EINPUT, "class probabilities: no probabilities");
    int kp = class_index(classes, K, predicted);
    if (kp < 0)
        return pl_errorf(e, PL_EINPUT, "class probabilities: predicted class %d is not one of "
                         "the %zu classes", predicted, K);
    int kl = pl_class_slot(classes, (int)K, label);   /* -1: unknown, or none */

    const double pw = PL_PLOT_CLASS_PROBS_W;
    const double x0 = 90, y0 = 84, x1 = 680, y1 = 440, ytop = 1.1;   /* room for the values */
    pl_canvas c;
    if ((rc = pl_canvas_open(&c, path, (int)pw, PL_PLOT_CLASS_PROBS_H, e)))
        return rc;
    char line[256], cp[16];
    pl_canvas_text(&c, pw / 2, 26, 1.2, 0.5, title ? title : "Class probabilities");
    if (label < 0)
        snprintf(line, sizeof line, "predicted %s (p = %.2f); true label unknown",
                 pl_class_name(predicted, cp), p[kp]);
    else
        snprintf(line, sizeof line, "predicted %s (p = %.2f); true label %d%s",
                 pl_class_name(predicted, cp), p[kp], label,
                 kl < 0 ? " (not one of the classes)" : kl == kp ? ": right" : ": wrong");
    pl_canvas_text(&c, pw / 2, 52, 0.9, 0.5, line);

    pl_canvas_viewport(&c, x0, y0, x1, y1);
    plwind(-0.5, (double)K - 0.5, 0, ytop);
    plschr(0, 0.8);
    for (size_t k = 0; k < K; k++) {
        double v = isfinite(p[k]) ? fmin(fmax(p[k], 0), 1) : 0;
        PLFLT bx[4] = { k - 0.35, k + 0.35, k + 0.35, k - 0.35 }, by[4] = { 0, 0, v, v };
        plcol0(bar_colour(classes[k], label, predicted));
        plfill(4, bx, by);
        snprintf(line, sizeof line, "%.2f", p[k]);
        plcol0(PL_COL_FG);
        plptex((double)k, v + 0.03, 1, 0, 0.5, line);
    }
    plschr(0, 1);
    plcol0(PL_COL_GRAY);   /* the top of the scale, above which only the values are */
    PLFLT lx[2] = { -0.5, (double)K - 0.5 }, ly[2] = { 1, 1 };
    pllsty(2);
    plline(2, lx, ly);
    pllsty(1);
    plcol0(PL_COL_FG);
    plbox("b", 0, 0, "bnstv", 0.2, 2);
    for (size_t k = 0; k < K; k++) {
        plmtex("b", 1.4, ((double)k + 0.5) / (double)K, 0.5, pl_class_name(classes[k], cp));
    }
    plmtex("b", 3.2, 0.5, 0.5, "class");
    plmtex("l", 4.0, 0.5, 0.5, "probability");

    int cols[2], sty[2] = { 1, 1 }, n = 0;
    const char *labels[2];
    cols[n] = pl_palette_line(0);
    labels[n++] = kl == kp ? "predicted = label" : "predicted";   /* the box is 190 px */
    if (kl >= 0 && kl != kp) {
        cols[n] = pl_palette_line(2);
        labels[n++] = "true label";
    }
    pl_canvas_legend(&c, x1 + 20, y0, n, cols, sty, labels);
    return pl_canvas_close(&c, e);
}

int pl_plot_class_explain(const char *path, const uint8_t *x, double pixel_max, const float *W,
                          const float *b, size_t K, const int *classes, size_t h, size_t w,
                          const double *p, int label, pl_error *e)
{
    int rc = check_shape("class explanation", K, classes, h, w, e);
    if (rc)
        return rc;
    if (!x || !W || !b || !p)
        return pl_errorf(e, PL_EINPUT, "class explanation: missing image, weights, biases or "
                         "probabilities");
    if (!(pixel_max > 0) || !isfinite(pixel_max))
        return pl_errorf(e, PL_EINPUT, "class explanation: pixel_max %g, expected > 0",
                         pixel_max);
    size_t dim = h * w;
    /* The image, then the K weight maps, then the K contribution maps. */
    double *img = malloc((1 + 2 * K) * dim * sizeof *img);
    if (!img)
        return pl_errorf(e, PL_ENOMEM, "class explanation: out of memory for %zu maps",
                         1 + 2 * K);
    double *wt = img + dim, *contrib = wt + K * dim, z[PL_PLOT_MAX_CLASSES];
    size_t kp = 0;
    for (size_t j = 0; j < dim; j++)
        img[j] = x[j] / pixel_max;
    for (size_t k = 0; k < K; k++) {
        z[k] = b[k];
        for (size_t j = 0; j < dim; j++) {
            wt[k * dim + j] = W[k * dim + j];
            contrib[k * dim + j] = img[j] * W[k * dim + j];
            z[k] += contrib[k * dim + j];
        }
        if (p[k] > p[kp])
            kp = k;
    }
    double mw = absmax(wt, K * dim), mc = absmax(contrib, K * dim);
    int kl = pl_class_slot(classes, (int)K, label);   /* -1: unknown, or none */

    /* Two rows of maps, each under a heading and over its captions (one line
     * for the top row, three for the bottom), beside the image; the whole
     * composition centred. */
    const double pw = PL_PLOT_CLASS_EXPLAIN_W, ph = PL_PLOT_CLASS_EXPLAIN_H, top0 = 84;
    const double head = 24, cap1 = 36, cap3 = 70, is = 150, icol = is + 50;
    map_row top = { .gap = 14 }, bottom;
    top.side = fit_side(pw - 40 - icol - BAR_ROOM, K, top.gap,
                        floor((ph - top0 - 2 * head - cap1 - cap3) / 2));
    double used = icol + (double)K * top.side + (double)(K - 1) * top.gap + BAR_ROOM;
    double block = 2 * (head + top.side) + cap1 + cap3, ix = floor((pw - used) / 2);
    top.x = ix + icol;
    top.y = floor(top0 + (ph - top0 - block) / 2) + head;
    bottom = top;
    bottom.y = top.y + top.side + cap1 + head;

    pl_canvas c;
    if ((rc = pl_canvas_open(&c, path, (int)pw, (int)ph, e))) {
        free(img);
        return rc;
    }
    char line[320], scale[64], cl[16];
    if (label < 0 || kl == (int)kp)
        snprintf(line, sizeof line, "Predicted %s (p = %.3f)%s",
                 pl_class_name(classes[kp], cl), p[kp],
                 label < 0 ? "; true label unknown" : ", the true label: right");
    else
        snprintf(line, sizeof line, "Predicted %s (p = %.3f), true label %d%s",
                 pl_class_name(classes[kp], cl), p[kp], label,
                 kl < 0 ? " (not one of the classes)" : ": wrong");
    pl_canvas_text(&c, pw / 2, 24, 1.1, 0.5, line);
    pl_canvas_text(&c, pw / 2, 54, 0.75, 0.5, "logit z_k = x.W_k + b_k with x = pixel / "
                   "pixel_max: the sum of the bottom map plus the bias; blue is evidence for "
                   "class k, red against");

    pl_palette_ink();
    double iy = floor((top.y + bottom.y + top.side) / 2 - is / 2);
    draw_map(&c, img, h, w, ix, iy, is, 0, 1);
    pl_canvas_text(&c, ix + is / 2, iy + is + 16, 0.75, 0.5, "the image x");

    pl_palette_diverging();
    draw_row(&c, &top, wt, K, h, w, mw);
    draw_row(&c, &bottom, contrib, K, h, w, mc);
    scale_text(scale, sizeof scale, mw);
    snprintf(line, sizeof line, "weights W_k (%s)", scale);
    pl_canvas_text(&c, top.x, top.y - 14, 0.75, 0, line);
    scale_text(scale, sizeof scale, mc);
    snprintf(line, sizeof line, "pixel x weight (%s)", scale);
    pl_canvas_text(&c, bottom.x, bottom.y - 14, 0.75, 0, line);
    for (size_t k = 0; k < K; k++) {
        double cx = row_x(&top, k) + top.side / 2, cy = bottom.y + bottom.side;
        snprintf(line, sizeof line, "class %s", pl_class_name(classes[k], cl));
        pl_canvas_text(&c, cx, top.y + top.side + 15, 0.75, 0.5, line);
        /* An output without weights or bias is a reference (a binary model's
         * negative class, drawn beside its one output): say so in its map, or
         * the white squares look like a drawing that failed. */
        if (absmax(wt + k * dim, dim) == 0 && b[k] == 0) {
            pl_canvas_text(&c, cx, top.y + top.side / 2 - 10, 0.7, 0.5, "no weights:");
            pl_canvas_text(&c, cx, top.y + top.side / 2 + 10, 0.7, 0.5, "z = 0 always");
        }
        snprintf(line, sizeof line, "z = %+.2f", z[k]);
        pl_canvas_text(&c, cx, cy + 14, 0.7, 0.5, line);
        snprintf(line, sizeof line, "p = %.3f", p[k]);
        pl_canvas_text(&c, cx, cy + 33, 0.7, 0.5, line);
        const char *mark = k == kp && (int)k == kl ? "predicted, true" : k == kp ? "predicted"
                           : (int)k == kl ? "true label" : NULL;
        if (mark)
            pl_canvas_text(&c, cx, cy + 52, 0.7, 0.5, mark);
    }
    double bx = row_x(&top, K - 1) + top.side + BAR_GAP, a = mw > 0 ? mw : 1,
           d = mc > 0 ? mc : 1;
    bar(&c, bx, top.y, top.side, a, "weight");
    bar(&c, bx, bottom.y, bottom.side, d, "pixel x weight");
    free(img);
    return pl_canvas_close(&c, e);
}

/* Fills cell (i, j): row i from the top, column j, in world coordinates where
 * the table is (0, K) x (0, K). */
static void cell(size_t K, size_t i, size_t j)
{
    double top = (double)(K - i);
    PLFLT x[4] = { j, j + 1, j + 1, j }, y[4] = { top, top, top - 1, top - 1 };
    plfill(4, x, y);
}

int pl_plot_class_matrix(const char *path, const double *m, size_t K, const int *classes,
                         const pl_matrix_style *st, pl_error *e)
{
    int rc = check_classes("class table", K, classes, e);
    if (rc)
        return rc;
    if (!m || !st)
        return pl_errorf(e, PL_EINPUT, "class table: no values or no style");
    double vmin = st->vmin, vmax = st->vmax, n = (double)K;
    if (!(vmax > vmin))
        vmax = vmin + 1;
    pl_canvas c;
    if ((rc = pl_canvas_open(&c, path, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H, e)))
        return rc;
    pl_canvas_text(&c, 430, 28, 1.2, 0.5, st->title);
    pl_palette_sequential();
    const double x0 = 110, y0 = 80, side = 560;
    pl_canvas_viewport(&c, x0, y0, x0 + side, y0 + side);
    plwind(0, n, 0, n);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            double v = m[i * K + j], f = (v - vmin) / (vmax - vmin);
            if (isnan(v))
                plcol0(PL_COL_GRAY);
            else
                plcol1(f < 0 ? 0 : f > 1 ? 1 : f);
            cell(K, i, j);
        }
    plcol0(PL_COL_FG);
    plschr(0, 0.8);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            double v = m[i * K + j];
            if (isnan(v))
                continue;
            char text[32];
            snprintf(text, sizeof text, st->fmt, v * st->scale);
            double f = (v - vmin) / (vmax - vmin);
            plcol0(f > 0.6 ? PL_COL_BG : PL_COL_FG);   /* white on dark cells */
            plptex((double)j + 0.5, n - 0.5 - (double)i, 1, 0, 0.5, text);
        }
    plcol0(PL_COL_FG);
    plschr(0, 1);
    for (size_t k = 0; k < K; k++) {
        char d[16];
        pl_class_name(classes[k], d);
        plmtex("b", 1.4, ((double)k + 0.5) / n, 0.5, d);     /* column classes */
        plmtex("lv", 1.0, 1 - ((double)k + 0.5) / n, 1, d);  /* row classes */
    }
    plbox("bc", 1, 0, "bc", 1, 0);
    plmtex("b", 3.2, 0.5, 0.5, st->xlabel);
    plmtex("l", 3.8, 0.5, 0.5, st->ylabel);
    pl_canvas_colorbar(&c, x0 + side + 30, y0, x0 + side + 52, y0 + side, vmin * st->scale,
                       vmax * st->scale, st->bar_label);
    return pl_canvas_close(&c, e);
}

int pl_plot_confusion(const char *path, const size_t *counts, size_t K, const int *classes,
                      int normalized, const char *title, pl_error *e)
{
    int rc = check_classes("confusion matrix", K, classes, e);
    if (rc)
        return rc;
    if (!counts)
        return pl_errorf(e, PL_EINPUT, "confusion matrix: no counts");
    double m[PL_PLOT_MAX_CLASSES * PL_PLOT_MAX_CLASSES], top = 1;
    for (size_t i = 0; i < K; i++) {
        double sum = 0;
        for (size_t j = 0; j < K; j++) {
            sum += (double)counts[i * K + j];
            top = fmax(top, (double)counts[i * K + j]);
        }
        for (size_t j = 0; j < K; j++)
            m[i * K + j] = !normalized ? (double)counts[i * K + j]
                           : sum > 0 ? (double)counts[i * K + j] / sum : NAN;
    }
    pl_matrix_style st = { title, "predicted", "actual", "images", "%.0f", 1, 0, top };
    if (normalized) {
        st.bar_label = "share of the actual class's images";
        st.fmt = "%.2f";
        st.vmax = 1;
    }
    if (!title)
        st.title = normalized ? "Confusion matrix: each actual class's share per prediction"
                              : "Confusion matrix: images per actual and predicted class";
    return pl_plot_class_matrix(path, m, K, classes, &st, e);
}
