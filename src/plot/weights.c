/*
 * weights.c - the weight map of a pair's model: the weights as an image (28 x
 * 28 for MNIST) on the
 * diverging palette, symmetric around 0, with a colour bar and a line saying
 * which colour favours which digit.  See plot.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

int pl_plot_weights(const char *path, pl_task t, const float *w, size_t h, size_t wd,
                    const char *subtitle, pl_error *e)
{
    const size_t dim = h * wd;
    double *v = malloc((dim ? dim : 1) * sizeof *v), m = 0;
    if (!v)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < dim; i++) {
        v[i] = w[i];
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    }
    if (!(m > 0))
        m = 1;
    char pos[16], neg[16], task[PL_TASK_NAME_MAX], line[256];
    pl_task_names(t, pos, neg);
    pl_canvas c;
    int rc = pl_canvas_open(&c, path, PL_PLOT_WEIGHTS_W, PL_PLOT_WEIGHTS_H, e);
    if (rc) {
        free(v);
        return rc;
    }
    snprintf(line, sizeof line, "Weights of the %s model", pl_task_name(t, task));
    pl_canvas_text(&c, 360, 24, 1.3, 0.5, line);
    if (subtitle)
        pl_canvas_text(&c, 360, 50, 0.9, 0.5, subtitle);

    pl_palette_diverging();
    pl_canvas_viewport(&c, 90, 70, 550, 530);
    pl_canvas_image(v, (int)h, (int)wd, -m, m);
    free(v);
    pl_canvas_frame(0);
    pl_canvas_colorbar(&c, 580, 70, 602, 530, -m, m, "weight per unit of ink");

    snprintf(line, sizeof line, "blue favours %s (class 1), red favours %s (class 0)", pos,
             neg);
    pl_canvas_text(&c, 320, 556, 1.0, 0.5, line);
    pl_canvas_text(&c, 320, 580, 0.8, 0.5,
                   "ink on a pixel adds its weight to the logit; white: no evidence");
    return pl_canvas_close(&c, e);
}
