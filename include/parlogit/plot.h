/*
 * plot.h - the pictures parlogit draws, as PNG files, with PLplot's pngcairo
 * device (Debian: libplplot-dev and plplot-driver-cairo).
 *
 * Every picture has a white background, a title and labelled axes.  Values
 * with a sign (weights, pixel contributions) use one diverging palette,
 * ColorBrewer's RdBu, on a scale symmetric around 0: blue is positive and
 * favours the positive digit of a pair (7 in 1-7), red is negative and favours
 * the other digit, white is 0.  Values without a sign (accuracies, counts)
 * use the white-to-blue half of the same palette.  Raw digits are drawn in
 * gray ink on white.  Every colour map has a colour bar.
 *
 * PLplot keeps global state, so these functions must be called from one
 * thread, one at a time; each opens its own PLplot stream and ends it before
 * returning.  They never print or exit: before PLplot starts, the device is
 * looked up in PLplot's driver directory ($PLPLOT_DRV_DIR or the one PLplot
 * was built with) and a missing one is an error (PL_EIO) that says which
 * package to install, because PLplot itself would prompt on stdin or exit.
 * Each file is written to a temporary name and renamed into place.
 */
#ifndef PARLOGIT_PLOT_H
#define PARLOGIT_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/config.h"
#include "parlogit/error.h"
#include "parlogit/report.h"

#define PL_PLOT_DEVICE "pngcairo"

/* PL_OK when PLplot has output device dev (e.g. "pngcairo"), else PL_EIO with
 * a message naming the driver directory searched and the package to install. */
int pl_plot_check_device(const char *dev, pl_error *e);

/* Picture sizes in pixels, fixed so that tests and the report can rely on them. */
#define PL_PLOT_WEIGHTS_W 720
#define PL_PLOT_WEIGHTS_H 600
#define PL_PLOT_PICK_W 1100
#define PL_PLOT_PICK_H 560
#define PL_PLOT_CURVES_W 1000
#define PL_PLOT_CURVES_H 600
#define PL_PLOT_ACC_W 1000
#define PL_PLOT_ACC_H 600
#define PL_PLOT_MATRIX_W 860
#define PL_PLOT_MATRIX_H 720
#define PL_PLOT_CELL 100          /* a digit in a grid: 100 x 100 px + captions */

/* The weight map of task t's model: w (PL_SIDE x PL_SIDE, pixel order) in the
 * diverging palette, a colour bar, and which colour favours which digit. */
int pl_plot_weights(const char *path, pl_task t, const float *w, const char *subtitle,
                    pl_error *e);

/* One direction of the seeds' analysis: the training image p picked, its
 * probability of the other class, and its contribution map (pixel x weight)
 * with the sums of evidence for and against.  pix: the image's pixels. */
int pl_plot_pick(const char *path, pl_task t, const pl_explain_pick *p, const uint8_t *pix,
                 float bias, pl_error *e);

/* A grid of n digits (pixels pix[k], PL_PIXELS each), ncols across, each with
 * a caption of one or two lines ("\n" between them), under a title.  The
 * picture is ncols * PL_PLOT_CELL wide and rows * (PL_PLOT_CELL + 40) + 70
 * high (see pl_plot_digits_size). */
int pl_plot_digits(const char *path, const char *title, const uint8_t *const *pix,
                   const char *const *captions, size_t n, size_t ncols, pl_error *e);
void pl_plot_digits_size(size_t n, size_t ncols, int *width, int *height);

/* Training loss against iterations, one line per learning rate of the pair
 * (log scale; non-finite points are left out). */
int pl_plot_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                   size_t n, pl_error *e);

/* Train and test accuracy of task t's rows against learning rate (log scale),
 * one colour per iteration count, train solid, test dashed. */
int pl_plot_accuracy(const char *path, pl_task t, const pl_result_row *const *rows,
                     size_t n, pl_error *e);

/* An annotated 10 x 10 digit table (NaN cells left blank) on the white-to-blue
 * palette from vmin to vmax with a colour bar.  fmt formats a cell's value
 * ("%.1f"); scale multiplies it first (100 for percentages). */
typedef struct pl_matrix_style {
    const char *title;
    const char *xlabel, *ylabel;
    const char *bar_label;
    const char *fmt;
    double scale;
    double vmin, vmax;
} pl_matrix_style;

int pl_plot_matrix(const char *path, const double m[10][10], const pl_matrix_style *st,
                   pl_error *e);

#endif
