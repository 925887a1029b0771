/*
 * path.c - seed 004's question "what happens as C grows and shrinks" as a
 * picture: a task's regularization path, accuracy (left) and non-zero
 * weights (right) against C on a log axis, one colour per series (solver,
 * penalty, learning rate), training solid and test dashed.  See plot.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

enum { MAXSER = 5, MAXPT = 64 };

/* The series of a row: rows of one solver, penalty and lr share one. */
static int same_series(const pl_result_row *a, const pl_result_row *b)
{
    return !strcmp(a->solver, b->solver) && !strcmp(a->penalty, b->penalty) && a->lr == b->lr;
}

/* Draws one series' points sorted by C: y(row) from field (0 train acc, 1
 * test acc, 2 non-zero weights). */
static void line(const pl_result_row *const *pts, int n, int field, int col)
{
    PLFLT x[MAXPT], y[MAXPT];
    int m = 0;
    for (int i = 0; i < n; i++) {
        const double v = field == 0 ? 100 * pts[i]->train_acc
                         : field == 1 ? 100 * pts[i]->test_acc : pts[i]->nonzero;
        if (!isfinite(v))
            continue;
        x[m] = log10(pts[i]->C);
        y[m] = v;
        m++;
    }
    plcol0(col);
    pllsty(field == 1 ? 2 : 1);
    plwidth(2);
    if (m == 1)
        plpoin(1, x, y, 1);
    else if (m > 1)
        plline(m, x, y);
    plpoin(m, x, y, 17);
    pllsty(1);
    plwidth(1);
}

int pl_plot_path(const char *path, pl_task t, const pl_result_row *const *rows, size_t n,
                 pl_error *e)
{
    /* the series, their points sorted by C */
    const pl_result_row *pts[MAXSER][MAXPT];
    int np[MAXSER] = { 0 }, ns = 0;
    double xlo = INFINITY, xhi = -INFINITY, alo = 100, zhi = 1;
    for (size_t k = 0; k < n; k++) {
        const pl_result_row *r = rows[k];
        if (!(r->C > 0) || strcmp(r->status, "ok") != 0)
            continue;
        int s = 0;
        while (s < ns && !same_series(pts[s][0], r))
            s++;
        if (s == ns) {
            if (ns == MAXSER)
                continue;
            ns++;
        }
        if (np[s] == MAXPT)
            continue;
        int i = np[s]++;
        while (i > 0 && pts[s][i - 1]->C > r->C) {   /* insertion by C */
            pts[s][i] = pts[s][i - 1];
            i--;
        }
        pts[s][i] = r;
        xlo = fmin(xlo, log10(r->C));
        xhi = fmax(xhi, log10(r->C));
        if (isfinite(r->train_acc))
            alo = fmin(alo, 100 * r->train_acc);
        if (isfinite(r->test_acc))
            alo = fmin(alo, 100 * r->test_acc);
        if (isfinite(r->nonzero))
            zhi = fmax(zhi, r->nonzero);
    }
    if (!(xlo <= xhi))
        xlo = xhi = 0;
    xlo -= 0.3;
    xhi += 0.3;
    alo = fmin(floor(alo - 0.5), 99);

    char labels[MAXSER][64];
    pl_canvas c;
    int rc = pl_canvas_open_curves(&c, path, t, "Regularization path of",
                                   ": training (solid), test (dashed)", 1.1, e);
    if (rc)
        return rc;
    for (int panel = 0; panel < 2; panel++) {
        pl_canvas_panel(&c, panel,
                        &(pl_axes){ xlo, xhi, panel ? 0 : alo, panel ? zhi * 1.08 : 100.5,
                                    "bcnstl", "bcnstv", "C (log scale: small C, strong penalty)",
                                    panel ? "non-zero weights" : "accuracy (%)" });
        for (int s = 0; s < ns; s++) {
            const int col = pl_palette_line(s);
            if (panel) {
                line(pts[s], np[s], 2, col);
            } else {
                line(pts[s], np[s], 0, col);
                line(pts[s], np[s], 1, col);
            }
        }
    }
    int cols[MAXSER], sty[MAXSER];
    const char *lp[MAXSER];
    for (int s = 0; s < ns; s++) {
        const pl_result_row *r = pts[s][0];
        if (r->lr > 0)
            snprintf(labels[s], sizeof labels[s], "%s %s lr %g", r->solver, r->penalty, r->lr);
        else
            snprintf(labels[s], sizeof labels[s], "%s %s", r->solver, r->penalty);
        cols[s] = pl_palette_line(s);
        sty[s] = 1;
        lp[s] = labels[s];
    }
    if (ns == 0)
        pl_canvas_text(&c, 500, 250, 1.0, 0.5, "(no penalized model of this task)");
    pl_canvas_legend(&c, 90, 495, ns, cols, sty, lp);
    return pl_canvas_close(&c, e);
}
