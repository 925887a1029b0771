/*
 * tenclass.c - the pictures of a ten-class (ovr or softmax) task's model for
 * the report (pl_report_class_task): its K weight maps on one shared scale,
 * its confusion matrix on the test set as counts and row-normalized, its
 * most frequent confusions with the image it was surest of in each, and the
 * test row it got most confidently wrong, as probability bars and as the 2 x
 * K explanation.  The analysis is classeval.c's, the row pictures row.c's
 * (rowdraw.h), the drawing plot.h's; report.h has the file names.
 *
 * The confusion matrix is recomputed from the model rather than read from
 * confusion_TASK.csv: the examples need every row's prediction anyway, and
 * pl_model_predict is the function that wrote that file, so the two agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/rowdraw.h"
#include "util/util.h"

/* The grid of the most frequent confusions, the surest image of each. */
static int draw_confusions(const char *path, const char *task, const pl_dataset *test,
                           const pl_class_eval *ev, pl_error *e)
{
    const uint8_t *pix[PL_TOP_CONFUSIONS];
    char text[PL_TOP_CONFUSIONS][64], title[160], a[16], q[16];
    const char *caps[PL_TOP_CONFUSIONS];
    for (int k = 0; k < ev->ntop; k++) {
        const pl_confusion_cell *c = &ev->top[k];
        pix[k] = test->pix + c->example * test->dim;
        snprintf(text[k], sizeof text[k], "%s as %s: %zu\np %.2f, row %u",
                 pl_class_name(c->actual, a), pl_class_name(c->predicted, q), c->count, c->p,
                 (unsigned)c->orig);
        caps[k] = text[k];
    }
    /* a narrow grid has room for a short title only */
    if (ev->ntop >= 6)
        snprintf(title, sizeof title, "%s: the %d most frequent confusions on the test set",
                 task, ev->ntop);
    else
        snprintf(title, sizeof title, "%s: top confusions", task);
    return pl_plot_digits(path, title, pix, caps, (size_t)ev->ntop, (size_t)ev->ntop, e);
}

/* The image shape of the model's weights: the data's when it fits, else
 * square MNIST's (the weights alone say only how many pixels). */
static int shape(const pl_model *m, const pl_dataset *ds, size_t *h, size_t *w, pl_error *e)
{
    if (ds->height * ds->width == m->dim && m->dim) {
        *h = ds->height;
        *w = ds->width;
        return PL_OK;
    }
    if (m->dim == PL_PIXELS) {
        *h = *w = PL_SIDE;
        return PL_OK;
    }
    return pl_errorf(e, PL_EINPUT, "a model of %zu inputs for images of %zu x %zu pixels",
                     m->dim, ds->height, ds->width);
}

static int draw(const pl_run_dir *r, const pl_dataset *test, const pl_model *m,
                pl_class_pictures *out, pl_error *e)
{
    char plots[PL_PATH_MAX + 16], task[PL_TASK_NAME_MAX], lr[32], title[200];
    snprintf(plots, sizeof plots, "%s/plots", r->dir);
    int rc = pl_mkdirs(plots, e);
    size_t h = 0, w = 0;
    if (!rc)
        rc = shape(m, test, &h, &w, e);
    if (rc)
        return rc;
    pl_task_name(out->model.task, task);
    snprintf(out->weights, sizeof out->weights, "%s/%s_weights.png", plots, task);
    snprintf(title, sizeof title, "Weights of the %s model (learning rate %s, %d iterations), "
             "one map per class", task, pl_fmt_double(lr, m->lr), m->iterations);
    int classes[PL_CLASSES];
    const int k = pl_model_classes(m, classes);
    rc = pl_plot_class_weights(out->weights, m->w, (size_t)k, classes, h, w, title, e);
    if (!rc)
        rc = pl_class_evaluate(m, test, &out->ev, e);
    if (rc || out->ev.rows == 0)
        return rc;   /* no test rows: the weights are all there is to draw */

    const pl_class_eval *ev = &out->ev;
    snprintf(out->counts, sizeof out->counts, "%s/%s_confusion_counts.png", plots, task);
    snprintf(title, sizeof title, "%s on the test set: images per actual and predicted class",
             task);
    rc = pl_plot_confusion(out->counts, ev->counts, (size_t)k, classes, 0, title, e);
    snprintf(out->shares, sizeof out->shares, "%s/%s_confusion_rows.png", plots, task);
    snprintf(title, sizeof title, "%s on the test set: share of each actual class", task);
    if (!rc)
        rc = pl_plot_confusion(out->shares, ev->counts, (size_t)k, classes, 1, title, e);
    if (!rc && ev->ntop) {
        snprintf(out->confusions, sizeof out->confusions, "%s/%s_confusions.png", plots, task);
        rc = draw_confusions(out->confusions, task, test, ev, e);
    }
    if (rc)
        return rc;
    snprintf(out->probs, sizeof out->probs, "%s/%s_example_probs.png", plots, task);
    snprintf(out->panel, sizeof out->panel, "%s/%s_example_explain.png", plots, task);
    snprintf(title, sizeof title, "%s, test row %u (digit %d): %s", task,
             (unsigned)ev->example.orig, ev->example.label,
             ev->example.wrong ? "its most confidently wrong" : "its closest call");
    return pl_row_draw(m, test, ev->example.row, ev->example.p, ev->example.predicted, title,
                       out->probs, out->panel, e);
}

int pl_report_class_task(const pl_run_dir *r, const pl_dataset *test, pl_task t,
                         pl_class_pictures *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    const pl_result_row *row;
    int rc = pl_run_dir_pick(r, t, 0, 0, &row, e);
    if (rc)
        return rc;
    out->model = *row;
    char name[64];
    pl_model m;
    pl_data data = { 0 };
    rc = pl_model_load(r->dir, pl_result_row_name(row, name), &m, e);
    if (rc)
        return rc;
    if (!test) {
        rc = pl_run_dir_data(r, row, &data, e);
        test = &data.test;
    }
    if (!rc)
        rc = draw(r, test, &m, out, e);
    pl_data_free(&data);
    pl_model_free(&m);
    return rc;
}
