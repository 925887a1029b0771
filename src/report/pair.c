/*
 * pair.c - the pictures of one pair's model (pl_report_explain_pair): its
 * weight map, the most confidently misclassified training image of each
 * direction with its contribution map, and the grid of misclassified digits.
 * The analysis is explain.c's; the drawing is plot.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/data.h"
#include "parlogit/plot.h"
#include "parlogit/report.h"
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
    snprintf(title, sizeof title, "%s: the %zu most confidently misclassified of %zu wrong "
             "training images", pl_task_name(x->task, task), n, total);
    int rc = pl_plot_digits(path, title, pix, caps, n, 8, e);
    free(pix);
    free(caps);
    free(text);
    return rc;
}

int pl_report_explain_pair(const pl_run_dir *r, const pl_dataset *ds, pl_task t, double lr,
                           int iterations, size_t kmax, pl_pair_pictures *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    const pl_result_row *row;
    float *w = NULL, b = 0;
    pl_data data = { 0 };
    int rc = pl_run_dir_pick(r, t, lr, iterations, &row, e);
    if (rc)
        return rc;
    out->model = *row;
    rc = pl_run_dir_model(r, row, &w, &b, e);
    if (!rc && !ds) {
        rc = pl_run_dir_data(r, row, &data, e);
        ds = &data.train;
    }
    if (!rc)
        rc = pl_explain(ds, t, w, b, kmax, &out->x, e);

    char plots[PL_PATH_MAX + 16], pos[16], neg[16], lrs[32], sub[160];
    snprintf(plots, sizeof plots, "%s/plots", r->dir);
    if (!rc)
        rc = pl_mkdirs(plots, e);
    pl_task_names(t, pos, neg);
    snprintf(out->weights, sizeof out->weights, "%s/%s_weights.png", plots, row->pair);
    snprintf(out->pick[0], sizeof out->pick[0], "%s/%s_%s_as_%s.png", plots, row->pair, pos, neg);
    snprintf(out->pick[1], sizeof out->pick[1], "%s/%s_%s_as_%s.png", plots, row->pair, neg, pos);
    snprintf(out->misses, sizeof out->misses, "%s/%s_misses.png", plots, row->pair);
    snprintf(sub, sizeof sub, "learning rate %s, %d iterations; training accuracy %.2f%%, "
             "test accuracy %.2f%%", pl_fmt_double(lrs, row->lr), row->iterations,
             100 * row->train_acc, 100 * row->test_acc);
    if (!rc)
        rc = pl_plot_weights(out->weights, t, w, sub, e);
    for (int k = 0; !rc && k < 2; k++) {
        const pl_explain_pick *p = &out->x.pick[k];
        if (p->found)
            rc = pl_plot_pick(out->pick[k], t, p, ds->pix + p->row * ds->dim, b, e);
        else
            out->pick[k][0] = '\0';
    }
    if (!rc)
        rc = draw_misses(out->misses, ds, &out->x, e);
    if (rc)
        pl_explanation_free(&out->x);
    free(w);
    pl_data_free(&data);
    return rc;
}
