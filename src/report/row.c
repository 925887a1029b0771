/*
 * row.c - one test image explained by one model of a run, binary or
 * ten-class (`parlogit explain RUN_DIR --model NAME --row N`): its class
 * probabilities, its prediction and two pictures, the probabilities as bars
 * and the 2 x K panel of each output's weights over the image's pixel x
 * weight maps.  See pl_report_explain_row in report.h.
 *
 * The row is named by its index in the images file, as predictions.csv and
 * every caption name it, and must be one of the run's test rows: the
 * training rows are what the model was fitted to, and a row of another run's
 * split would be explained with the wrong label set.  The model is loaded
 * with pl_model_load and asked with pl_model_predict, so what is printed is
 * what predictions.csv holds.  Pictures go to RUN_DIR/plots/ under names that
 * start with "explain_" and carry the model and the row, so they never
 * replace a picture of the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/rowdraw.h"
#include "util/util.h"

int pl_pixels_draw(const pl_model *m, const uint8_t *x, size_t h, size_t w, int label,
                   const double *p, int predicted, const char *title, const char *probs,
                   const char *panel, pl_error *e)
{
    if (h * w != m->dim)
        return pl_errorf(e, PL_EINPUT, "images of %zu x %zu pixels, the model has %zu inputs",
                         h, w, m->dim);
    int classes[PL_CLASSES];
    const int k = pl_model_classes(m, classes);
    int rc = probs ? pl_plot_class_probs(probs, p, (size_t)k, classes, label, predicted, title, e)
                   : PL_OK;
    if (rc || !panel)
        return rc;
    if (m->task.kind != PL_KIND_BINARY)
        return pl_plot_class_explain(panel, x, pl_pixel_max(m->pixel_max), m->w, m->b, (size_t)k, classes, h, w, p,
                                     label, e);
    /* Binary: output 0 is the negative class's reference (no weights, z = 0),
     * output 1 the model itself. */
    float *w2 = calloc(2 * m->dim, sizeof *w2);
    if (!w2)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    memcpy(w2 + m->dim, m->w, m->dim * sizeof *w2);
    const float b2[2] = { 0, m->b[0] };
    rc = pl_plot_class_explain(panel, x, pl_pixel_max(m->pixel_max), w2, b2, 2, classes, h, w, p, label, e);
    free(w2);
    return rc;
}

int pl_row_draw(const pl_model *m, const pl_dataset *ds, size_t r, const double *p,
                int predicted, const char *title, const char *probs, const char *panel,
                pl_error *e)
{
    if (ds->dim != m->dim || ds->height * ds->width != ds->dim)
        return pl_errorf(e, PL_EINPUT, "images of %zu x %zu pixels, the model has %zu inputs",
                         ds->height, ds->width, m->dim);
    return pl_pixels_draw(m, ds->pix + r * ds->dim, ds->height, ds->width, ds->label[r], p,
                          predicted, title, probs, panel, e);
}

/* "the run's N test rows lie between rows A and B of its images file". */
static void test_span(const pl_dataset *t, char *buf, size_t len)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t r = 0; r < t->n; r++) {
        lo = t->orig[r] < lo ? t->orig[r] : lo;
        hi = t->orig[r] > hi ? t->orig[r] : hi;
    }
    snprintf(buf, len, "the run's %zu test rows lie between rows %u and %u of its images file; "
             "models/*.predictions.csv list them", t->n, (unsigned)lo, (unsigned)hi);
}

static int explain(const pl_run_dir *r, const pl_dataset *test, const pl_model *m,
                   long orig, pl_row_explanation *out, pl_error *e)
{
    size_t row;
    char span[256];
    if (test->n == 0)
        return pl_errorf(e, PL_EINPUT, "%s: the run has no test set: no row to explain", r->dir);
    if (orig >= 0) {
        if (orig > (long)UINT32_MAX ||
            pl_dataset_find_orig(test, (uint32_t)orig, &row, e) != PL_OK) {
            test_span(test, span, sizeof span);
            return pl_errorf(e, PL_EINPUT, "%s: row %ld is not a test row of this run (%s)",
                             r->dir, orig, span);
        }
    } else {
        pl_class_eval ev;
        int rc = pl_class_evaluate(m, test, &ev, e);
        if (rc)
            return rc;
        if (!ev.example.found)
            return pl_errorf(e, PL_EINPUT, "%s: no test row of %s's classes", r->dir, out->model);
        row = ev.example.row;
    }
    if (test->dim != m->dim)
        return pl_errorf(e, PL_EINPUT, "%s: test images of %zu pixels, model %s has %zu inputs",
                         r->dir, test->dim, out->model, m->dim);
    const uint8_t *x = test->pix + row * test->dim;
    out->orig = test->orig[row];
    out->label = test->label[row];
    out->k = pl_model_classes(m, out->classes);
    out->predicted = pl_model_predict(m, x, out->p);
    out->label_slot = pl_task_uses(m->task, out->label)
                          ? pl_class_slot(out->classes, out->k, out->label) : -1;
    out->nz = m->k;
    for (int k = 0; k < m->k; k++)
        out->z[k] = pl_logit(x, m->w + (size_t)k * m->dim, m->dim, m->pixel_max, m->b[k]);

    char plots[PL_PATH_MAX + 16], title[160];
    snprintf(plots, sizeof plots, "%s/plots", r->dir);
    int rc = pl_mkdirs(plots, e);
    if (rc)
        return rc;
    snprintf(out->probs, sizeof out->probs, "%s/explain_%s_row%u_probs.png", plots, out->model,
             (unsigned)out->orig);
    snprintf(out->panel, sizeof out->panel, "%s/explain_%s_row%u_panel.png", plots, out->model,
             (unsigned)out->orig);
    snprintf(title, sizeof title, "%s on test row %u (digit %d)", out->model,
             (unsigned)out->orig, out->label);
    return pl_row_draw(m, test, row, out->p, out->predicted, title, out->probs, out->panel, e);
}

int pl_report_explain_row(const pl_run_dir *r, const pl_dataset *test, const char *name,
                          long orig, pl_row_explanation *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    const pl_result_row *row = pl_run_dir_find(r, name);
    if (!row) {
        char example[64];
        return pl_errorf(e, PL_EINPUT, "%s: no model '%s' in this run (results.csv lists its "
                         "models; a name is TASK_lrX_itN, e.g. %s)", r->dir, name,
                         r->nrows ? pl_result_row_name(&r->rows[0], example)
                                  : "softmax_lr0.5_it500");
    }
    snprintf(out->model, sizeof out->model, "%s", name);
    out->task = row->task;
    pl_model m;
    pl_data data = { 0 };
    int rc = pl_model_load(r->dir, name, &m, e);
    if (rc)
        return rc;
    if (!test) {
        rc = pl_run_dir_data(r, row, &data, e);
        test = &data.test;
    }
    if (!rc)
        rc = explain(r, test, &m, orig, out, e);
    pl_data_free(&data);
    pl_model_free(&m);
    return rc;
}
