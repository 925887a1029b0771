/*
 * canvas.h - private: one PNG picture being drawn with PLplot, and the
 * drawing helpers every picture shares (pixel-placed viewports and text,
 * images of values, colour bars, frames, side-by-side panels of curves).
 *
 * Coordinates given in "px" are pixels of the picture with the origin at the
 * top-left corner, as a reader of the PNG sees them.  Only files in src/plot
 * include PLplot.
 */
#ifndef PARLOGIT_PLOT_CANVAS_H
#define PARLOGIT_PLOT_CANVAS_H

#include "parlogit/config.h"
#include "parlogit/error.h"

typedef struct pl_canvas {
    int w, h;                        /* picture size in pixels             */
    char path[PL_PATH_MAX + 128];    /* the file to produce                */
    char tmp[PL_PATH_MAX + 160];     /* what PLplot writes, renamed on close */
    int strm;                        /* PLplot stream of this picture      */
    int prev;                        /* stream current before open         */
} pl_canvas;

/* Checks the device, starts a PLplot stream for a w x h PNG at path (written
 * to a temporary name first) with a white background and the shared colour
 * maps.  On error nothing is left open. */
int pl_canvas_open(pl_canvas *c, const char *path, int w, int h, pl_error *e);

/* pl_canvas_open for a PL_PLOT_CURVES_W x PL_PLOT_CURVES_H picture of task
 * t's curves, then its title centred at the top in character size size:
 * "WHAT NAME (NEG vs POS)TAIL" for a pair, "WHAT NAME (K classes)TAIL" for
 * the others (NAME the task's name, K its outputs). */
int pl_canvas_open_curves(pl_canvas *c, const char *path, pl_task t, const char *what,
                          const char *tail, double size, pl_error *e);

/* Ends the stream, reports anything PLplot aborted on, renames the file into
 * place.  Always ends the stream, even after an error. */
int pl_canvas_close(pl_canvas *c, pl_error *e);

/* Sets the viewport to the rectangle (x0, y0)-(x1, y1) in px. */
void pl_canvas_viewport(const pl_canvas *c, double x0, double y0, double x1, double y1);

/* Text centred vertically at (x, y) px; just 0 = left, 0.5 = centre, 1 = right;
 * size is PLplot's character scale (1 = default).  '#' is written as is. */
void pl_canvas_text(const pl_canvas *c, double x, double y, double size, double just,
                    const char *text);

/* Draws rows x cols values (row-major, top row first) into the current
 * viewport with colour map 1 between vmin and vmax; sets the window to
 * (0, cols) x (0, rows). */
void pl_canvas_image(const double *v, int rows, int cols, double vmin, double vmax);

/* A vertical colour bar of colour map 1 from vmin (bottom) to vmax (top) in
 * the px rectangle, with numbered ticks on its right and label beside them. */
void pl_canvas_colorbar(const pl_canvas *c, double x0, double y0, double x1, double y1,
                        double vmin, double vmax, const char *label);

/* A legend box with its top-left corner at (x, y) px: n entries, each a short
 * line in colour map 0 colour col[k] and line style sty[k] (1 solid, 2
 * dashed), and its label. */
void pl_canvas_legend(const pl_canvas *c, double x, double y, int n, const int *col,
                      const int *sty, const char *const *labels);

/* A panel's axes: its window, PLplot's box options for them (plbox's xopt
 * and yopt; a gray grid is drawn under them) and the labels under and left
 * of the panel. */
typedef struct pl_axes {
    double xmin, xmax, ymin, ymax;
    const char *xopt, *yopt;
    const char *xlabel, *ylabel;
} pl_axes;

/* One of the two side-by-side panels of a PL_PLOT_CURVES_W x
 * PL_PLOT_CURVES_H picture, the left one (right = 0) or the right one: sets
 * its viewport and a's window, draws the grid, the axes in the foreground
 * colour and the labels.  The panel's lines are drawn after it, in its
 * window. */
void pl_canvas_panel(const pl_canvas *c, int right, const pl_axes *a);

/* A polyline given in px (top-left origin). */
void pl_canvas_line(const pl_canvas *c, int n, const double *x, const double *y);

/* A thin frame around the current viewport, in colour 1 (black) or 7 (gray). */
void pl_canvas_frame(int gray);

#endif
