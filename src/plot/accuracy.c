/*
 * accuracy.c - the seeds' table of train and test accuracy against learning
 * rate and iterations, as a picture: accuracy against learning rate (log
 * scale), one colour per iteration count, train solid, test dashed.  A task
 * with one learning rate (or L-BFGS only) would be a column of dots there, so
 * it is drawn against the iteration count instead: a line for train, one for
 * test.  See plot.h.
 */
#include <math.h>
#include <stdio.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"
#include "util/util.h"

enum { MAXIT = 8, MAXPTS = 64 };

/* The distinct iteration counts of rows, ascending (at most MAXIT). */
static int iteration_counts(const pl_result_row *const *rows, size_t n, int *its)
{
    int m = 0;
    for (size_t k = 0; k < n; k++) {
        int v = rows[k]->iterations, seen = 0;
        for (int j = 0; j < m; j++)
            seen |= its[j] == v;
        if (seen || m == MAXIT)
            continue;
        int j = m++;
        for (; j > 0 && its[j - 1] > v; j--)
            its[j] = its[j - 1];
        its[j] = v;
    }
    return m;
}

/* One line: the rows of iteration count it, by learning rate. */
static void draw(const pl_result_row *const *rows, size_t n, int it, int test, int col)
{
    PLFLT x[MAXPTS], y[MAXPTS];
    int m = 0;
    for (size_t k = 0; k < n && m < MAXPTS; k++) {
        double a = test ? rows[k]->test_acc : rows[k]->train_acc;
        if (rows[k]->iterations != it || !isfinite(a) || !(rows[k]->lr > 0))
            continue;
        int j = m++;   /* insertion by learning rate */
        for (; j > 0 && x[j - 1] > log10(rows[k]->lr); j--) {
            x[j] = x[j - 1];
            y[j] = y[j - 1];
        }
        x[j] = log10(rows[k]->lr);
        y[j] = 100 * a;
    }
    plcol0(col);
    pllsty(test ? 2 : 1);
    plwidth(2);
    if (m > 1)
        plline(m, x, y);
    pllsty(1);
    plpoin(m, x, y, test ? 4 : 17);
    plwidth(1);
}

/* The distinct learning rates of rows (L-BFGS rows count as one, lr 0). */
static int learning_rates(const pl_result_row *const *rows, size_t n)
{
    double seen[MAXPTS];
    int m = 0;
    for (size_t k = 0; k < n && m < MAXPTS; k++) {
        int dup = 0;
        for (int j = 0; j < m; j++)
            dup |= seen[j] == rows[k]->lr;
        if (!dup)
            seen[m++] = rows[k]->lr;
    }
    return m;
}

/* One learning rate: accuracy against the iteration count, a line each for
 * train (solid) and test (dashed), since one learning rate on a learning
 * rate axis is a column of dots. */
static void by_iterations(const pl_result_row *const *rows, size_t n, double ylo,
                          int any_test)
{
    PLFLT x[MAXPTS], y[2][MAXPTS];
    int m = 0, xmax = 1;
    for (size_t k = 0; k < n && m < MAXPTS; k++) {
        int it = rows[k]->iterations, j = m++;
        for (; j > 0 && x[j - 1] > it; j--) {   /* insertion by iteration count */
            x[j] = x[j - 1];
            y[0][j] = y[0][j - 1];
            y[1][j] = y[1][j - 1];
        }
        x[j] = it;
        y[0][j] = 100 * rows[k]->train_acc;
        y[1][j] = 100 * rows[k]->test_acc;
        xmax = it > xmax ? it : xmax;
    }
    plwind(0, xmax * 1.04, ylo, 100.2);
    plcol0(PL_COL_GRAY);
    plbox("g", 0, 0, "g", 0, 0);
    plcol0(PL_COL_FG);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    plmtex("b", 3.0, 0.5, 0.5, "iterations");
    plmtex("l", 5.0, 0.5, 0.5, "accuracy (%)");
    for (int test = 0; test <= any_test; test++) {
        PLFLT fx[MAXPTS], fy[MAXPTS];
        int f = 0;
        for (int i = 0; i < m; i++)
            if (isfinite(y[test][i])) {
                fx[f] = x[i];
                fy[f++] = y[test][i];
            }
        plcol0(pl_palette_line(test));
        pllsty(test ? 2 : 1);
        plwidth(2.5);
        if (f > 1)
            plline(f, fx, fy);
        pllsty(1);
        plpoin(f, fx, fy, test ? 4 : 17);
        plwidth(1);
    }
}

int pl_plot_accuracy(const char *path, pl_task t, const pl_result_row *const *rows,
                     size_t n, pl_error *e)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = 100;
    int any_test = 0;
    for (size_t k = 0; k < n; k++) {
        if (rows[k]->lr > 0) {
            xlo = fmin(xlo, log10(rows[k]->lr));
            xhi = fmax(xhi, log10(rows[k]->lr));
        }
        if (isfinite(rows[k]->train_acc))
            ylo = fmin(ylo, 100 * rows[k]->train_acc);
        if (isfinite(rows[k]->test_acc)) {
            ylo = fmin(ylo, 100 * rows[k]->test_acc);
            any_test = 1;
        }
    }
    if (!(xlo <= xhi))
        xlo = xhi = -1;
    xlo -= 0.25;
    xhi += 0.25;
    ylo = floor(ylo - 0.5);
    if (ylo > 99)
        ylo = 99;
    int its[MAXIT];
    int nit = iteration_counts(rows, n, its);
    int one_lr = n > 0 && learning_rates(rows, n) == 1;

    char task[PL_TASK_NAME_MAX], pos[16], neg[16], line[256], lr[32];
    pl_task_names(t, pos, neg);
    pl_canvas c;
    int rc = pl_canvas_open(&c, path, PL_PLOT_ACC_W, PL_PLOT_ACC_H, e);
    if (rc)
        return rc;
    if (one_lr && rows[0]->lr > 0)
        snprintf(line, sizeof line, "Accuracy of %s (%s vs %s) by iterations, learning rate %s",
                 pl_task_name(t, task), neg, pos, pl_fmt_double(lr, rows[0]->lr));
    else if (one_lr)
        snprintf(line, sizeof line, "Accuracy of %s (%s vs %s) by iterations",
                 pl_task_name(t, task), neg, pos);
    else
        snprintf(line, sizeof line, "Accuracy of %s (%s vs %s) by learning rate and iterations",
                 pl_task_name(t, task), neg, pos);
    pl_canvas_text(&c, 500, 26, 1.2, 0.5, line);
    pl_canvas_viewport(&c, 100, 60, 770, 510);
    int cols[2 * MAXIT], sty[2 * MAXIT];
    char labels[2 * MAXIT][48];
    const char *lp[2 * MAXIT];
    int nleg = 0;
    if (one_lr) {
        by_iterations(rows, n, ylo, any_test);
        for (int test = 0; test <= any_test; test++) {
            cols[nleg] = pl_palette_line(test);
            sty[nleg] = test ? 2 : 1;
            snprintf(labels[nleg], sizeof labels[nleg], "%s", test ? "test" : "train");
            lp[nleg] = labels[nleg];
            nleg++;
        }
        pl_canvas_legend(&c, 790, 60, nleg, cols, sty, lp);
        return pl_canvas_close(&c, e);
    }
    plwind(xlo, xhi, ylo, 100.2);
    plcol0(PL_COL_GRAY);
    plbox("g", 0, 0, "g", 0, 0);
    plcol0(PL_COL_FG);
    plbox("bcnstl", 0, 0, "bcnstv", 0, 0);
    plmtex("b", 3.0, 0.5, 0.5, "learning rate (log scale)");
    plmtex("l", 5.0, 0.5, 0.5, "accuracy (%)");

    for (int i = 0; i < nit; i++)
        for (int test = 0; test <= any_test; test++) {
            draw(rows, n, its[i], test, pl_palette_line(i));
            cols[nleg] = pl_palette_line(i);
            sty[nleg] = test ? 2 : 1;
            snprintf(labels[nleg], sizeof labels[nleg], "%s, %d it", test ? "test" : "train",
                     its[i]);
            lp[nleg] = labels[nleg];
            nleg++;
        }
    pl_canvas_legend(&c, 790, 60, nleg, cols, sty, lp);
    return pl_canvas_close(&c, e);
}
