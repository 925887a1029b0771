/*
 * curves.c - the seeds' cost plot: a pair's training loss against the number
 * of updates, one line per learning rate, on a log scale.  See plot.h.
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
 * in non-finite losses, which are left out). */
static void draw(const pl_loss_curve *cv, int col)
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
        y[n] = log10(l);
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

int pl_plot_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                   size_t n, pl_error *e)
{
    double lo = INFINITY, hi = -INFINITY;
    int len = 2;
    for (size_t k = 0; k < n; k++) {
        if (curves[k]->len > len)
            len = curves[k]->len;
        for (int i = 0; i < curves[k]->len; i++) {
            double l = curves[k]->loss[i];
            if (isfinite(l) && l > 0) {
                lo = fmin(lo, l);
                hi = fmax(hi, l);
            }
        }
    }
    if (!(lo <= hi)) {
        lo = 0.01;
        hi = 1;
    }
    double ylo = floor(log10(lo) * 4) / 4, yhi = ceil(log10(hi) * 4) / 4;
    if (yhi - ylo < 0.5)
        yhi = ylo + 0.5;

    char task[PL_TASK_NAME_MAX], pos[16], neg[16], line[256];
    pl_task_names(t, pos, neg);
    pl_canvas c;
    int rc = pl_canvas_open(&c, path, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H, e);
    if (rc)
        return rc;
    if (t.kind == PL_KIND_BINARY)
        snprintf(line, sizeof line, "Training loss of %s (%s vs %s) per run",
                 pl_task_name(t, task), neg, pos);
    else
        snprintf(line, sizeof line, "Training loss of %s (%d classes) per run",
                 pl_task_name(t, task), pl_task_outputs(t));
    pl_canvas_text(&c, 500, 26, 1.2, 0.5, line);
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
        draw(curves[k], pl_palette_line((int)k));
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
    pl_canvas_legend(&c, 790, 60, nleg, cols, sty, lp);
    return pl_canvas_close(&c, e);
}
