/*
 * curves.c - the seeds' cost plot: a pair's training loss against the number
 * of updates, one line per learning rate, on a log scale whose top is a
 * little above the starting loss; a spike above it is clipped and marked.
 * See plot.h.
 */
#include <math.h>
#include <stdio.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

enum { MAXLEG = 10 };

/* Draws n points: a line, or a dot when there is only one. */
static void flush(int n, PLFLT *x, PLFLT *y)
{
    if (n == 1)
        plpoin(1, x, y, 1);
    else if (n > 1)
        plline(n, x, y);
}

/* Draws the finite points of a curve as connected runs (a diverged run ends
 * in non-finite losses, which are left out); points above ytop (log10) are
 * drawn on it: the clipped spike runs along the top edge. */
static void draw(const pl_loss_curve *cv, int col, double ytop)
{
    enum { CHUNK = 512 };
    PLFLT x[CHUNK], y[CHUNK];
    int n = 0;
    /* Long curves are thinned to at most ~2000 points: enough for 760 px. */
    int step = cv->len > 2000 ? cv->len / 2000 + 1 : 1;
    plcol0(col);
    plwidth(2);
    for (int i = 0; i < cv->len; i += step) {
        double l = cv->loss[i];
        if (!(isfinite(l) && l > 0)) {
            flush(n, x, y);
            n = 0;
            continue;
        }
        x[n] = i;
        y[n] = fmin(log10(l), ytop);
        if (++n == CHUNK) {   /* draw, then go on from the last point */
            flush(n, x, y);
            x[0] = x[n - 1];
            y[0] = y[n - 1];
            n = 1;
        }
    }
    flush(n, x, y);
    plwidth(1);
}

/* The highest finite loss of the curves and where it is. */
typedef struct peak {
    double loss;
    int iteration;
    size_t curve;
} peak;

int pl_plot_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                   size_t n, pl_error *e)
{
    /* The scale: from the lowest loss to a little above the highest
     * starting loss.  Gradient descent with a large step overshoots in its
     * first updates (a 1-7 model at lr 1 goes from 0.69 to 6 and back);
     * on a scale up to that spike, the part of the curves worth reading
     * (the fall from 0.69 to 0.005) would get a third of the height. */
    double lo = INFINITY, hi = -INFINITY, start = -INFINITY;
    peak top = { -INFINITY, 0, 0 };
    int len = 2;
    for (size_t k = 0; k < n; k++) {
        if (curves[k]->len > len)
            len = curves[k]->len;
        for (int i = 0; i < curves[k]->len; i++) {
            double l = curves[k]->loss[i];
            if (!(isfinite(l) && l > 0))
                continue;
            lo = fmin(lo, l);
            hi = fmax(hi, l);
            if (i == 0)
                start = fmax(start, l);
            if (l > top.loss)
                top = (peak){ l, i, k };
        }
    }
    if (!(lo <= hi)) {
        lo = 0.01;
        hi = 1;
    }
    if (isfinite(start) && hi > start * 1.25)
        hi = start * 1.25;   /* clip the spike: it is marked below */
    else
        top.loss = -INFINITY;   /* nothing clipped */
    double ylo = floor(log10(lo) * 4) / 4, yhi = log10(hi);
    if (yhi - ylo < 0.5)
        yhi = ylo + 0.5;

    char line[256];
    pl_canvas c;
    int rc = pl_canvas_open_curves(&c, path, t, "Training loss of", " per run", 1.2, e);
    if (rc)
        return rc;
    pl_canvas_viewport(&c, 100, 60, 770, 510);
    plwind(0, len - 1, ylo, yhi);
    plcol0(PL_COL_GRAY);
    plbox("g", 0, 0, "g", 0, 0);
    plcol0(PL_COL_FG);
    plbox("bcnst", 0, 0, "bcnstlv", 0, 0);
    plmtex("b", 3.0, 0.5, 0.5, "iterations (gradient-descent updates, or L-BFGS steps)");
    plmtex("l", 5.0, 0.5, 0.5, t.kind == PL_KIND_SOFTMAX
                                   ? "mean cross-entropy on the training rows (log scale)"
                               : t.kind == PL_KIND_OVR
                                   ? "sum of the outputs' mean log-losses (log scale)"
                                   : "mean log-loss on the training rows (log scale)");

    int cols[MAXLEG], sty[MAXLEG];
    char labels[MAXLEG][48];
    const char *lp[MAXLEG];
    int nleg = 0;
    for (size_t k = 0; k < n; k++) {
        pl_canvas_viewport(&c, 100, 60, 770, 510);
        plwind(0, len - 1, ylo, yhi);
        draw(curves[k], pl_palette_line((int)k), yhi);
        if (nleg < MAXLEG) {
            cols[nleg] = pl_palette_line((int)k);
            sty[nleg] = 1;
            snprintf(labels[nleg], sizeof labels[nleg], "%s", curves[k]->label);
            lp[nleg] = labels[nleg];
            nleg++;
        }
    }
    if (n == 0)
        pl_canvas_text(&c, 435, 285, 1.0, 0.5, "(no curves in curves.csv for this pair)");
    if (top.loss > 0) {
        /* the mark: a triangle on the top edge over the peak, and its value */
        double px = 100 + 670.0 * top.iteration / (len - 1);
        double tx[4] = { px - 7, px + 7, px, px - 7 }, ty[4] = { 52, 52, 62, 52 };
        plcol0(pl_palette_line((int)top.curve));
        pl_canvas_line(&c, 4, tx, ty);
        snprintf(line, sizeof line, "clipped: %s peaks at %.3g (iteration %d), above the top "
                 "of the scale", curves[top.curve]->label, top.loss, top.iteration);
        pl_canvas_text(&c, 435, 76, 0.8, 0.5, line);
    }
    pl_canvas_legend(&c, 790, 60, nleg, cols, sty, lp);
    return pl_canvas_close(&c, e);
}
