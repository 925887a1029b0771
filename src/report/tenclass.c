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
 * Preparing (load, evaluate, name) and drawing are apart (draw.h), so that
 * the report draws in worker processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/draw.h"
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
    return pl_plot_digits(path, title, pix, test->height, test->width, test->pixel_max, caps,
                          (size_t)ev->ntop, (size_t)ev->ntop, e);
}

/* The image shape of the model's weights: the data's when it fits, else
 * the model's own (its sidecar's). */
static int shape(const pl_model *m, const pl_dataset *ds, size_t *h, size_t *w, pl_error *e)
{
    if (ds->height * ds->width == m->dim && m->dim) {
        *h = ds->height;
        *w = ds->width;
        return PL_OK;
    }
    return pl_errorf(e, PL_EINPUT, "a model of %zu inputs for images of %zu x %zu pixels",
                     m->dim, ds->height, ds->width);
}

/* Names the pictures and their titles; ev must be filled. */
static int name_pictures(const pl_run_dir *r, pl_class_job *j, pl_error *e)
{
    char plots[PL_PATH_MAX + 16], task[PL_TASK_NAME_MAX], lr[32];
    pl_class_pictures *out = &j->cp;
    const pl_class_eval *ev = &out->ev;
    snprintf(plots, sizeof plots, "%s/plots", r->dir);
    int rc = pl_mkdirs(plots, e);
    if (rc)
        return rc;
    pl_task_name(out->model.task, task);
    snprintf(out->weights, sizeof out->weights, "%s/%s_weights.png", plots, task);
    snprintf(j->title[0], sizeof j->title[0], "Weights of the %s model (learning rate %s, %d "
             "iterations), one map per class", task, pl_fmt_double(lr, j->m.lr),
             j->m.iterations);
    if (ev->rows == 0)
        return PL_OK;   /* no test rows: the weights are all there is to draw */
    snprintf(out->counts, sizeof out->counts, "%s/%s_confusion_counts.png", plots, task);
    snprintf(j->title[1], sizeof j->title[1], "%s on the test set: images per actual and "
             "predicted class", task);
    snprintf(out->shares, sizeof out->shares, "%s/%s_confusion_rows.png", plots, task);
    snprintf(j->title[2], sizeof j->title[2], "%s on the test set: share of each actual class",
             task);
    if (ev->ntop)
        snprintf(out->confusions, sizeof out->confusions, "%s/%s_confusions.png", plots, task);
    snprintf(out->probs, sizeof out->probs, "%s/%s_example_probs.png", plots, task);
    snprintf(out->panel, sizeof out->panel, "%s/%s_example_explain.png", plots, task);
    snprintf(j->title[3], sizeof j->title[3], "%s, test row %u (digit %d): %s", task,
             (unsigned)ev->example.orig, ev->example.label,
             ev->example.wrong ? "its most confidently wrong" : "its closest call");
    return PL_OK;
}

int pl_class_prepare(const pl_run_dir *r, const pl_dataset *test, pl_task t, pl_class_job *j,
                     pl_error *e)
{
    memset(j, 0, sizeof *j);
    j->test = test;
    const pl_result_row *row;
    int rc = pl_run_dir_pick(r, t, 0, 0, &row, e);
    if (rc)
        return rc;
    j->cp.model = *row;
    char name[64];
    rc = pl_model_load(r->dir, pl_result_row_name(row, name), &j->m, e);
    if (rc)
        return rc;
    rc = shape(&j->m, test, &j->h, &j->w, e);
    if (!rc) {
        j->k = pl_model_classes(&j->m, j->classes);
        rc = pl_class_evaluate(&j->m, test, &j->cp.ev, e);
    }
    if (!rc)
        rc = name_pictures(r, j, e);
    if (rc)
        pl_class_job_free(j);
    return rc;
}

const char *pl_class_step_path(const pl_class_job *j, int step)
{
    const pl_class_pictures *cp = &j->cp;
    const char *path[PL_CLASS_STEPS] = { cp->weights, cp->counts, cp->shares, cp->confusions,
                                         cp->probs, cp->panel };
    return step >= 0 && step < PL_CLASS_STEPS ? path[step] : "";
}

int pl_class_draw(const void *job, int step, pl_error *e)
{
    const pl_class_job *j = job;
    const pl_class_eval *ev = &j->cp.ev;
    const char *path = pl_class_step_path(j, step);
    char task[PL_TASK_NAME_MAX];
    if (!*path)
        return PL_OK;
    switch (step) {
    case 0:
        return pl_plot_class_weights(path, j->m.w, (size_t)j->k, j->classes, j->h, j->w,
                                     j->title[0], e);
    case 1:
    case 2:
        return pl_plot_confusion(path, ev->counts, (size_t)j->k, j->classes, step == 2,
                                 j->title[step], e);
    case 3:
        return draw_confusions(path, pl_task_name(j->cp.model.task, task), j->test, ev, e);
    default:
        return pl_row_draw(&j->m, j->test, ev->example.row, ev->example.p,
                           ev->example.predicted, j->title[3], step == 4 ? path : NULL,
                           step == 5 ? path : NULL, e);
    }
}

void pl_class_job_free(void *job)
{
    pl_class_job *j = job;
    pl_model_free(&j->m);
}

int pl_report_class_task(const pl_run_dir *r, const pl_dataset *test, pl_task t,
                         pl_class_pictures *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    pl_data data = { 0 };
    int rc = PL_OK;
    if (!test) {
        const pl_result_row *row;
        rc = pl_run_dir_pick(r, t, 0, 0, &row, e);
        if (!rc)
            rc = pl_run_dir_data(r, row, &data, e);
        test = &data.test;
    }
    pl_class_job j;
    if (!rc)
        rc = pl_class_prepare(r, test, t, &j, e);
    if (!rc) {
        for (int step = 0; !rc && step < PL_CLASS_STEPS; step++)
            rc = pl_class_draw(&j, step, e);
        *out = j.cp;
        pl_class_job_free(&j);
    }
    pl_data_free(&data);
    return rc;
}
