/*
 * matrix.c - an annotated 10 x 10 digit table on the white-to-blue half of
 * the palette, with a colour bar: the pair-accuracy heatmap and the
 * one-vs-one confusion matrices (counts and row-normalized).  See plot.h.
 */
#include <math.h>
#include <stdio.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

/* Fills cell (i, j): row i from the top, column j, in world coordinates where
 * the table is (0, 10) x (0, 10). */
static void cell(int i, int j)
{
    PLFLT x[4] = { j, j + 1, j + 1, j }, y[4] = { 10 - i, 10 - i, 9 - i, 9 - i };
    plfill(4, x, y);
}

int pl_plot_matrix(const char *path, const double m[10][10], const pl_matrix_style *st,
                   pl_error *e)
{
    double vmin = st->vmin, vmax = st->vmax;
    if (!(vmax > vmin))
        vmax = vmin + 1;
    pl_canvas c;
    int rc = pl_canvas_open(&c, path, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H, e);
    if (rc)
        return rc;
    pl_canvas_text(&c, 430, 28, 1.2, 0.5, st->title);
    pl_palette_sequential();
    const double x0 = 110, y0 = 80, side = 560;
    pl_canvas_viewport(&c, x0, y0, x0 + side, y0 + side);
    plwind(0, 10, 0, 10);
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++) {
            double f = (m[i][j] - vmin) / (vmax - vmin);
            if (isnan(m[i][j])) {
                plcol0(PL_COL_GRAY);
            } else {
                plcol1(f < 0 ? 0 : f > 1 ? 1 : f);
            }
            cell(i, j);
        }
    plcol0(PL_COL_FG);
    plschr(0, 0.8);
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++) {
            if (isnan(m[i][j]))
                continue;
            char text[32];
            snprintf(text, sizeof text, st->fmt, m[i][j] * st->scale);
            double f = (m[i][j] - vmin) / (vmax - vmin);
            plcol0(f > 0.6 ? PL_COL_BG : PL_COL_FG);   /* white on dark cells */
            plptex(j + 0.5, 9.5 - i, 1, 0, 0.5, text);
        }
    plcol0(PL_COL_FG);
    plschr(0, 1);
    for (int k = 0; k < 10; k++) {
        char d[16];
        snprintf(d, sizeof d, "%d", k);
        plmtex("b", 1.4, (k + 0.5) / 10, 0.5, d);     /* column digits */
        plmtex("lv", 1.0, 1 - (k + 0.5) / 10, 1, d);  /* row digits */
    }
    plbox("bc", 1, 0, "bc", 1, 0);
    plmtex("b", 3.2, 0.5, 0.5, st->xlabel);
    plmtex("l", 3.8, 0.5, 0.5, st->ylabel);
    pl_canvas_colorbar(&c, x0 + side + 30, y0, x0 + side + 52, y0 + side, vmin * st->scale,
                       vmax * st->scale, st->bar_label);
    return pl_canvas_close(&c, e);
}
