/*
 * pick.c - one direction of the seeds' misclassification analysis: the
 * training image of one digit that the model finds most like the other, with
 * its probability, and its contribution map (pixel x weight, diverging
 * palette symmetric around 0) with the evidence for and against.  See plot.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

int pl_plot_pick(const char *path, pl_task t, const pl_explain_pick *p, const uint8_t *pix,
                 size_t h, size_t wd, unsigned pixel_max, float bias, double scale,
                 pl_error *e)
{
    char pos[16], neg[16], task[PL_TASK_NAME_MAX], line[320];
    pl_task_names(t, pos, neg);
    int is_pos = pl_task_class(t, p->label) == 1;
    const char *truth = is_pos ? pos : neg, *other = is_pos ? neg : pos;

    const size_t dim = h * wd;
    double *img = malloc((dim ? dim : 1) * sizeof *img), m = 0;
    if (!img)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < dim; i++) {
        img[i] = pix[i] / (double)pl_pixel_max(pixel_max);
        if (fabs(p->contrib[i]) > m)
            m = fabs(p->contrib[i]);
    }
    if (scale > 0)
        m = scale;
    if (!(m > 0))
        m = 1;

    pl_canvas c;
    int rc = pl_canvas_open(&c, path, PL_PLOT_PICK_W, PL_PLOT_PICK_H, e);
    if (rc) {
        free(img);
        return rc;
    }
    snprintf(line, sizeof line, "%s: the %s most likely to be %s (training row %u, digit %d)",
             pl_task_name(t, task), truth, other, (unsigned)p->orig, p->label);
    pl_canvas_text(&c, 550, 22, 1.2, 0.5, line);
    if (p->wrong)
        snprintf(line, sizeof line, "P(%s) = %.4f: misclassified as %s (%zu of %zu were)", other,
                 p->p_other, other, p->nwrong, p->nrows);
    else
        snprintf(line, sizeof line, "P(%s) = %.4f: still classified as %s (none of %zu was "
                 "called %s)", other, p->p_other, truth, p->nrows, other);
    pl_canvas_text(&c, 550, 48, 1.0, 0.5, line);

    pl_palette_ink();
    pl_canvas_viewport(&c, 60, 80, 440, 460);
    pl_canvas_image(img, (int)h, (int)wd, 0, 1);
    free(img);
    pl_canvas_frame(1);
    pl_canvas_text(&c, 250, 478, 0.9, 0.5, "the image (ink = pixel value)");

    pl_palette_diverging();
    pl_canvas_viewport(&c, 540, 80, 920, 460);
    pl_canvas_image(p->contrib, (int)h, (int)wd, -m, m);
    pl_canvas_frame(0);
    snprintf(line, sizeof line, "contribution = pixel x weight (scale \u00b1%.3g)", m);
    pl_canvas_text(&c, 730, 478, 0.9, 0.5, line);
    pl_canvas_colorbar(&c, 950, 80, 970, 460, -m, m, "contribution to the logit");

    snprintf(line, sizeof line, "evidence for %s (blue): %+.3f     evidence for %s (red): %+.3f"
             "     bias: %+.3f", pos, p->for_pos, neg, p->for_neg, (double)bias);
    pl_canvas_text(&c, 550, 508, 1.0, 0.5, line);
    snprintf(line, sizeof line, "logit = %.3f = bias + %.3f + (%.3f);  P(%s) = sigmoid(logit) "
             "= %.4f", p->logit, p->for_pos, p->for_neg, pos, 1 / (1 + exp(-p->logit)));
    pl_canvas_text(&c, 550, 534, 0.9, 0.5, line);
    return pl_canvas_close(&c, e);
}
