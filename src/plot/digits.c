/*
 * digits.c - a grid of digit images in gray ink, each with a caption: the
 * montage of random samples per digit, the grid of misclassified digits and
 * a single digit by index all use it.  See plot.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

enum { CAPTION = 40, TOP = 70, MARGIN = 8 };

void pl_plot_digits_size(size_t n, size_t ncols, int *width, int *height)
{
    if (ncols == 0)
        ncols = 1;
    size_t rows = n ? (n + ncols - 1) / ncols : 1;
    size_t cols = n < ncols ? (n ? n : 1) : ncols;
    *width = (int)(cols * PL_PLOT_CELL);
    if (*width < PL_PLOT_DIGITS_MIN_W)
        *width = PL_PLOT_DIGITS_MIN_W;   /* room for the title */
    *height = (int)(rows * (PL_PLOT_CELL + CAPTION) + TOP);
}

int pl_plot_digits(const char *path, const char *title, const uint8_t *const *pix, size_t h,
                   size_t wd, unsigned pixel_max, const char *const *captions, size_t n,
                   size_t ncols, pl_error *e)
{
    const size_t dim = h * wd;
    double *img = malloc((dim ? dim : 1) * sizeof *img);
    if (!img)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
    int w, ht;
    pl_plot_digits_size(n, ncols, &w, &ht);
    if (ncols == 0)
        ncols = 1;
    size_t cols = n < ncols ? (n ? n : 1) : ncols;
    double x0 = (w - (double)cols * PL_PLOT_CELL) / 2;
    pl_canvas c;
    int rc = pl_canvas_open(&c, path, w, ht, e);
    if (rc) {
        free(img);
        return rc;
    }
    pl_canvas_text(&c, w / 2.0, 28, w < 800 ? 0.9 : 1.2, 0.5, title);
    if (n == 0)
        pl_canvas_text(&c, w / 2.0, TOP + PL_PLOT_CELL / 2.0, 1.0, 0.5, "(none)");
    pl_palette_ink();
    for (size_t k = 0; k < n; k++) {
        double x = x0 + (double)(k % ncols) * PL_PLOT_CELL;
        double y = TOP + (double)(k / ncols) * (PL_PLOT_CELL + CAPTION);
        for (size_t i = 0; i < dim; i++)
            img[i] = pix[k][i] / (double)pl_pixel_max(pixel_max);
        pl_canvas_viewport(&c, x + MARGIN, y, x + PL_PLOT_CELL - MARGIN,
                           y + PL_PLOT_CELL - 2 * MARGIN);
        pl_canvas_image(img, (int)h, (int)wd, 0, 1);
        pl_canvas_frame(1);
        if (!captions || !captions[k])
            continue;
        char line[128];
        const char *nl = strchr(captions[k], '\n');
        size_t len = nl ? (size_t)(nl - captions[k]) : strlen(captions[k]);
        snprintf(line, sizeof line, "%.*s", (int)len, captions[k]);
        pl_canvas_text(&c, x + PL_PLOT_CELL / 2.0, y + PL_PLOT_CELL - 2, 0.75, 0.5, line);
        if (nl)
            pl_canvas_text(&c, x + PL_PLOT_CELL / 2.0, y + PL_PLOT_CELL + 16, 0.65, 0.5,
                           nl + 1);
    }
    free(img);
    return pl_canvas_close(&c, e);
}
