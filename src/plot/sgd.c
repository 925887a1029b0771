/*
 * sgd.c - seed 002's training picture: a task's SGD runs, epoch by epoch,
 * the loss on the left (log scale) and the accuracy on the right, training
 * rows solid and validation rows dashed, one colour per run.  See plot.h.
 */
#include <math.h>
#include <stdio.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

enum { MAXLEG = 5 };   /* legend rows that fit under the panels */

/* One series (x = epoch) as connected runs of its finite points. */
static void series(const double *x, const double *y, int n, int logy, int col, int dashed)
{
    enum { CHUNK = 512 };
    PLFLT px[CHUNK], py[CHUNK];
    int m = 0;
    plcol0(col);
    pllsty(dashed ? 2 : 1);
    plwidth(2);
    for (int i = 0; i <= n; i++) {
        const int ok = i < n && isfinite(y[i]) && (!logy || y[i] > 0) && isfinite(x[i]);
        if (ok) {
            px[m] = x[i];
            py[m] = logy ? log10(y[i]) : y[i];
            m++;
        }
        if ((!ok || m == CHUNK) && m) {
            if (m == 1)
                plpoin(1, px, py, 1);
            else
                plline(m, px, py);
            if (ok) {   /* go on from the last point */
                px[0] = px[m - 1];
                py[0] = py[m - 1];
                m = 1;
            } else {
                m = 0;
            }
        }
    }
    pllsty(1);
    plwidth(1);
}

int pl_plot_sgd_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                       size_t n, pl_error *e)
{
    double xmax = 1, lo = INFINITY, hi = -INFINITY, alo = 1;
    for (size_t k = 0; k < n; k++) {
        const pl_loss_curve *cv = curves[k];
        for (int i = 0; i < cv->len; i++) {
            xmax = fmax(xmax, cv->epoch[i]);
            const double l[2] = { cv->loss[i], cv->val_loss[i] };
            const double a[2] = { cv->acc[i], cv->val_acc[i] };
            for (int s = 0; s < 2; s++) {
                if (isfinite(l[s]) && l[s] > 0) {
                    lo = fmin(lo, l[s]);
                    hi = fmax(hi, l[s]);
                }
                /* the first point (W = 0) guesses: the scale starts after it */
                if (isfinite(a[s]) && i > 0)
                    alo = fmin(alo, a[s]);
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
    double amin = floor(alo * 50) / 50;
    if (amin > 0.98)
        amin = 0.98;

    pl_canvas c;
    int rc = pl_canvas_open_curves(&c, path, t, "Mini-batch SGD on",
                                   ": training (solid) and validation (dashed)", 1.1, e);
    if (rc)
        return rc;
    for (int panel = 0; panel < 2; panel++) {
        const char *ylabel = panel ? "accuracy"
                             : t.kind == PL_KIND_SOFTMAX ? "mean cross-entropy (log scale)"
                             : t.kind == PL_KIND_OVR ? "sum of mean log-losses (log scale)"
                                                     : "mean log-loss (log scale)";
        pl_canvas_panel(&c, panel,
                        &(pl_axes){ 0, xmax, panel ? amin : ylo, panel ? 1.0 : yhi, "bcnst",
                                    panel ? "bcnstv" : "bcnstlv",
                                    "epochs (passes over the training rows)", ylabel });
        for (size_t k = 0; k < n; k++) {
            const pl_loss_curve *cv = curves[k];
            const int col = pl_palette_line((int)k);
            series(cv->epoch, panel ? cv->acc : cv->loss, cv->len, !panel, col, 0);
            series(cv->epoch, panel ? cv->val_acc : cv->val_loss, cv->len, !panel, col, 1);
        }
    }
    int cols[MAXLEG], sty[MAXLEG];
    const char *lp[MAXLEG];
    int nleg = 0;
    for (size_t k = 0; k < n && nleg < MAXLEG; k++, nleg++) {
        cols[nleg] = pl_palette_line((int)k);
        sty[nleg] = 1;
        lp[nleg] = curves[k]->label;
    }
    if (n == 0)
        pl_canvas_text(&c, 500, 250, 1.0, 0.5, "(no SGD curves in curves.csv for this task)");
    pl_canvas_legend(&c, 90, 495, nleg, cols, sty, lp);
    return pl_canvas_close(&c, e);
}
