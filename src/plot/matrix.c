/*
 * matrix.c - an annotated 10 x 10 digit table on the white-to-blue half of
 * the palette, with a colour bar: the pair-accuracy heatmap and the
 * one-vs-one confusion matrices (counts and row-normalized).  See plot.h.
 *
 * The table is drawn once, by pl_plot_class_matrix (classes.c), which draws
 * K x K tables of any classes; this is its K = 10, classes 0..9 case, kept
 * for the callers that hold a double[10][10].
 */
#include "parlogit/plot.h"

int pl_plot_matrix(const char *path, const double m[10][10], const pl_matrix_style *st,
                   pl_error *e)
{
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    return pl_plot_class_matrix(path, &m[0][0], 10, digits, st, e);
}
