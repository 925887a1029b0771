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

/* The weight map of task t's model: w (h x wd, pixel order; 28 x 28 for
 * MNIST) in the diverging palette, a colour bar, and which colour favours
 * which digit. */
int pl_plot_weights(const char *path, pl_task t, const float *w, size_t h, size_t wd,
                    const char *subtitle, pl_error *e);

/* One direction of the seeds' analysis: the training image p picked, its
 * probability of the other class, and its contribution map (pixel x weight)
 * with the sums of evidence for and against.  pix: the image's h x wd pixels
 * of 0..pixel_max (p->contrib has as many values).  The map's colour scale is [-scale, scale] (written under it), so that the two
 * directions of a pair can share one; scale <= 0: p's largest |contribution|. */
int pl_plot_pick(const char *path, pl_task t, const pl_explain_pick *p, const uint8_t *pix,
                 size_t h, size_t wd, unsigned pixel_max, float bias, double scale,
                 pl_error *e);

/* A grid of n digits (pixels pix[k], h x wd each, ink 0..pixel_max), ncols across, each with
 * a caption of one or two lines ("\n" between them), under a title.  The
 * picture is ncols * PL_PLOT_CELL wide (at least PL_PLOT_DIGITS_MIN_W, so
 * that a grid of 0 or 1 digits still has room for its title) and rows *
 * (PL_PLOT_CELL + 40) + 70 high (see pl_plot_digits_size); n = 0 says
 * "(none)" where the digits would be. */
#define PL_PLOT_DIGITS_MIN_W 640
int pl_plot_digits(const char *path, const char *title, const uint8_t *const *pix, size_t h,
                   size_t wd, unsigned pixel_max, const char *const *captions, size_t n,
                   size_t ncols, pl_error *e);
void pl_plot_digits_size(size_t n, size_t ncols, int *width, int *height);

/* Training loss against iterations, one line per learning rate of the pair
 * (log scale; non-finite points are left out).  The top of the scale is a
 * little above the highest starting loss (iteration 0): the spike of a large
 * step's first updates is clipped there, drawn along the top edge and
 * marked with its peak, so that it does not flatten the rest of the
 * curves. */
int pl_plot_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                   size_t n, pl_error *e);

/* Seed 002's picture of task t's SGD runs (curves with SGD points): the loss
 * (log scale, left) and the accuracy (right) against epochs, training rows
 * solid and validation rows dashed, one colour per run (the first 5 in the
 * legend).  PL_PLOT_CURVES_W x PL_PLOT_CURVES_H. */
int pl_plot_sgd_curves(const char *path, pl_task t, const pl_loss_curve *const *curves,
                       size_t n, pl_error *e);

/* Task t's regularization path: of its rows with a C (lbfgs or sgd with a
 * penalty, status ok), the training (solid) and test (dashed) accuracy on
 * the left and the non-zero weights on the right, against C on a log axis;
 * a series per solver, penalty and learning rate (at most 5, 64 points
 * each).  PL_PLOT_CURVES_W x PL_PLOT_CURVES_H. */
int pl_plot_path(const char *path, pl_task t, const pl_result_row *const *rows, size_t n,
                 pl_error *e);

/* Train and test accuracy of task t's rows against learning rate (log scale),
 * one colour per iteration count, train solid, test dashed; when the rows
 * have a single learning rate, against the iteration count instead (a line
 * for train, a dashed one for test). */
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

/*
 * Pictures of a K-output model: W is K x dim (row k = output k, pixel order,
 * dim = h * w), b has K biases, output k stands for class classes[k].  1 <= K
 * <= PL_PLOT_MAX_CLASSES and images of any h x w (8 x 8 as well as MNIST's
 * 28 x 28).  label and predicted are class values (classes[k]), not indices;
 * label -1 means unknown (a user's own image).  A negative value in classes
 * is "the rest" (the negative class of an i-rest binary model, as
 * pl_model_classes gives it): it is written "rest", and a true label that is
 * not otherwise among the classes belongs to it.  K = 0 or > 10, h * w = 0, a
 * missing array or a predicted class that is not one of classes is
 * PL_EINPUT, and nothing is written.  Maps compared with each other share one
 * symmetric scale [-m, m], m their largest |value|, given in the caption.
 */
#define PL_PLOT_MAX_CLASSES 10
#define PL_PLOT_CLASS_WEIGHTS_W 1500
#define PL_PLOT_CLASS_WEIGHTS_H 320
#define PL_PLOT_CLASS_PROBS_W 900
#define PL_PLOT_CLASS_PROBS_H 500
#define PL_PLOT_CLASS_EXPLAIN_W 1700
#define PL_PLOT_CLASS_EXPLAIN_H 560
#define PL_PLOT_CONFUSION_W PL_PLOT_MATRIX_W
#define PL_PLOT_CONFUSION_H PL_PLOT_MATRIX_H

/* The K weight maps in one row, left to right in the order of classes, each
 * captioned "class c", on one shared scale with one colour bar; an all-zero W
 * is drawn white.  title NULL: a default one. */
int pl_plot_class_weights(const char *path, const float *W, size_t K, const int *classes,
                          size_t h, size_t w, const char *title, pl_error *e);

/* Seed 004's comparison: the K weight maps of two models of one task, W0
 * (label0, e.g. the unpenalized model) above W1 (label1, the l1 model), each
 * row on its own symmetric scale with its colour bar and its count of zero
 * weights, every weight that is exactly 0 in black.  PL_PLOT_CLASS_WEIGHTS_W
 * wide, two rows of maps high. */
int pl_plot_weights_sparsity(const char *path, const float *W0, const float *W1, size_t K,
                             const int *classes, size_t h, size_t w, const char *label0,
                             const char *label1, pl_error *e);

/* A bar chart of the K probabilities p (0 to 1) over the classes, each bar's
 * value above it; the predicted class's bar in blue, the true label's (when
 * another one) in green, the others gray, with a legend.  title NULL: a
 * default one. */
int pl_plot_class_probs(const char *path, const double *p, size_t K, const int *classes,
                        int label, int predicted, const char *title, pl_error *e);

/* Why image x (h x w pixels, value x_j / pixel_max) got its prediction: the
 * image, over a 2 x K panel: the weight maps W_k on their shared scale, under
 * them the contribution maps x_j / pixel_max * W[k][j] on theirs, each column
 * captioned with z_k = x.W_k + b_k and p_k (the caller's probabilities); the
 * title gives the predicted class (argmax of p) and the true label.  An
 * output whose weights and bias are all 0 says so in its map ("no weights:
 * z = 0 always"): a reference output, as a binary model's negative class drawn beside it
 * (softmax(0, z) is the binary model's (1 - sigmoid(z), sigmoid(z))). */
int pl_plot_class_explain(const char *path, const uint8_t *x, double pixel_max, const float *W,
                          const float *b, size_t K, const int *classes, size_t h, size_t w,
                          const double *p, int label, pl_error *e);

/* pl_plot_matrix for a K x K table of classes: m row-major (K * K), rows and
 * columns ticked with classes.  With K = 10 and classes 0..9 it draws the
 * same picture as pl_plot_matrix. */
int pl_plot_class_matrix(const char *path, const double *m, size_t K, const int *classes,
                         const pl_matrix_style *st, pl_error *e);

/* The K x K confusion matrix, counts[actual * K + predicted], with
 * "predicted" across and "actual" down: normalized 0 annotates the counts
 * (white to blue up to the largest), 1 each row's share of its total (0 to 1,
 * two decimals; a row without images left blank).  title NULL: a default. */
int pl_plot_confusion(const char *path, const size_t *counts, size_t K, const int *classes,
                      int normalized, const char *title, pl_error *e);

#endif
