/*
 * pair.c - the pictures of one pair's model (pl_report_explain_pair): its
 * weight map, the most confidently misclassified training image of each
 * direction with its contribution map, and the grid of misclassified digits.
 * The analysis is explain.c's; the drawing is plot.h's.  Preparing and
 * drawing are apart (draw.h): the report prepares every pair on its own
 * process and draws them in worker processes.  The two picks of a pair are
 * drawn on one colour scale, so that their contribution maps compare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/data.h"
#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/draw.h"
#include "util/util.h"

static int draw_misses(const char *path, const pl_dataset *ds, const pl_explanation *x,
                       pl_error *e)
{
    char pos[16], neg[16], task[PL_TASK_NAME_MAX], title[160];
    pl_task_names(x->task, pos, neg);
    size_t n = x->ntop;
    const uint8_t **pix = calloc(n ? n : 1, sizeof *pix);
    const char **caps = calloc(n ? n : 1, sizeof *caps);
    char (*text)[64] = calloc(n ? n : 1, sizeof *text);
    if (!pix || !caps || !text) {
        free(pix);
        free(caps);
        free(text);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        const pl_miss *m = &x->top[k];
        pix[k] = ds->pix + m->row * ds->dim;
        snprintf(text[k], sizeof text[k], "%s as %s: %.3f\nrow %u",
                 m->positive ? pos : neg, m->positive ? neg : pos, m->p_other,
                 (unsigned)m->orig);
        caps[k] = text[k];
    }
    size_t total = x->pick[0].nwrong + x->pick[1].nwrong;
    pl_task_name(x->task, task);
    if (total == 0)
        snprintf(title, sizeof title, "%s: no misclassified training image", task);
    else if (total == 1)
        snprintf(title, sizeof title, "%s: the only misclassified training image", task);
    else
        snprintf(title, sizeof title, "%s: the %zu most confidently misclassified of %zu wrong "
                 "training images", task, n, total);
    int rc = pl_plot_digits(path, title, pix, ds->height, ds->width, ds->pixel_max, caps, n, 8,
                            e);
    free(pix);
    free(caps);
    free(text);
    return rc;
}

int pl_pair_prepare(const pl_run_dir *r, const pl_dataset *ds, pl_task t, double lr,
                    int iterations, size_t kmax, pl_pair_job *j, pl_error *e)
{
    memset(j, 0, sizeof *j);
    j->ds = ds;
    const pl_result_row *row;
    int rc = pl_run_dir_pick(r, t, lr, iterations, &row, e);
    if (rc)
        return rc;
    pl_pair_pictures *out = &j->pp;
    out->model = *row;
    size_t dim = 0;
    rc = pl_run_dir_model(r, row, &j->w, &j->b, &dim, e);
    if (!rc && dim != ds->dim)
        rc = pl_errorf(e, PL_EINPUT, "%s/models/%s: a model of %zu pixels, but the run's "
                       "images have %zu", r->dir, row->model, dim, ds->dim);
    if (!rc)
        rc = pl_explain(ds, t, j->w, j->b, kmax, &out->x, e);
    if (rc) {
        free(j->w);
        j->w = NULL;
        return rc;
    }
    for (size_t i = 0; i < ds->dim; i++)
        j->weight_scale = fmax(j->weight_scale, fabs(j->w[i]));
    /* The two picks are compared with each other: one colour scale. */
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; out->x.pick[k].found && i < ds->dim; i++)
            j->pick_scale = fmax(j->pick_scale, fabs(out->x.pick[k].contrib[i]));

    char plots[PL_PATH_MAX + 16], pos[16], neg[16], lrs[32];
    snprintf(plots, sizeof plots, "%s/plots", r->dir);
    rc = pl_mkdirs(plots, e);
    if (rc) {
        pl_pair_job_free(j);
        return rc;
    }
    pl_task_names(t, pos, neg);
    /* The report's pictures of the pair are those of its best model; another
     * model's (explain --lr / --iterations) carry the model's name, so that
     * they never replace a picture the report shows. */
    const pl_result_row *best = NULL;
    pl_error ignore = { 0 };
    char stem[64];
    if (pl_run_dir_pick(r, t, 0, 0, &best, &ignore) != PL_OK || best != row)
        pl_result_row_name(row, stem);
    else
        snprintf(stem, sizeof stem, "%s", row->pair);
    snprintf(out->weights, sizeof out->weights, "%s/%s_weights.png", plots, stem);
    snprintf(out->pick[0], sizeof out->pick[0], "%s/%s_%s_as_%s.png", plots, stem, pos, neg);
    snprintf(out->pick[1], sizeof out->pick[1], "%s/%s_%s_as_%s.png", plots, stem, neg, pos);
    snprintf(out->misses, sizeof out->misses, "%s/%s_misses.png", plots, stem);
    for (int k = 0; k < 2; k++)
        if (!out->x.pick[k].found)
            out->pick[k][0] = '\0';
    snprintf(j->sub, sizeof j->sub, "learning rate %s, %d iterations; training accuracy %.2f%%, "
             "test accuracy %.2f%%", pl_fmt_double(lrs, row->lr), row->iterations,
             100 * row->train_acc, 100 * row->test_acc);
    return PL_OK;
}

const char *pl_pair_step_path(const pl_pair_job *j, int step)
{
    return step == 0 ? j->pp.weights : step <= 2 ? j->pp.pick[step - 1] : j->pp.misses;
}

int pl_pair_draw(const void *job, int step, pl_error *e)
{
    const pl_pair_job *j = job;
    const pl_explanation *x = &j->pp.x;
    const char *path = pl_pair_step_path(j, step);
    if (!*path)
        return PL_OK;
    if (step == 0)
        return pl_plot_weights(path, x->task, j->w, j->ds->height, j->ds->width, j->sub, e);
    if (step <= 2) {
        const pl_explain_pick *p = &x->pick[step - 1];
        return pl_plot_pick(path, x->task, p, j->ds->pix + p->row * j->ds->dim, j->ds->height,
                            j->ds->width, j->ds->pixel_max, j->b, j->pick_scale, e);
    }
    return draw_misses(path, j->ds, x, e);
}

void pl_pair_job_free(void *job)
{
    pl_pair_job *j = job;
    pl_explanation_free(&j->pp.x);
    free(j->w);
    j->w = NULL;
}

int pl_report_explain_pair(const pl_run_dir *r, const pl_dataset *ds, pl_task t, double lr,
                           int iterations, size_t kmax, pl_pair_pictures *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    pl_data data = { 0 };
    const pl_result_row *row;
    int rc = pl_run_dir_pick(r, t, lr, iterations, &row, e);
    if (!rc && !ds) {
        rc = pl_run_dir_data(r, row, &data, e);
        ds = &data.train;
    }
    pl_pair_job j;
    if (!rc)
        rc = pl_pair_prepare(r, ds, t, lr, iterations, kmax, &j, e);
    if (!rc) {
        for (int step = 0; !rc && step < PL_PAIR_STEPS; step++)
            rc = pl_pair_draw(&j, step, e);
        free(j.w);
        j.w = NULL;
        *out = j.pp;   /* the analysis is the caller's now */
        if (rc)
            pl_explanation_free(&out->x);
    }
    pl_data_free(&data);
    return rc;
}
