/*
 * page_l1.c - seed 004's comparison in report.html: a task's unpenalized
 * model above its l1 model, weight maps with the zero weights in black
 * (pl_plot_weights_sparsity).  See page.h.
 *
 * The l1 model is the task's l1 row with the highest test accuracy (the
 * first of equals); the unpenalized one the task's row without a penalty of
 * the same solver (lbfgs or sgd: the same objective without its penalty),
 * else of the other.  Both are loaded when the page is composed and drawn
 * later, by a worker.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parlogit/model.h"
#include "parlogit/plot.h"
#include "report/page.h"
#include "util/util.h"

typedef struct l1_job {
    char path[PL_PATH_MAX + 64];
    pl_model m[2];               /* unpenalized, l1 */
    int classes[PL_CLASSES];
    size_t h, w;
    char label[2][96];
} l1_job;

static void l1_free(void *ctx)
{
    l1_job *j = ctx;
    pl_model_free(&j->m[0]);
    pl_model_free(&j->m[1]);
}

static int draw_l1(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const l1_job *j = ctx;
    return pl_plot_weights_sparsity(j->path, j->m[0].w, j->m[1].w, (size_t)j->m[0].k,
                                    j->classes, j->h, j->w, j->label[0], j->label[1], e);
}

/* The rows of the comparison, or NULL in *l1 when the task has none. */
static void choose(const pl_run_dir *r, pl_task t, const pl_result_row **none,
                   const pl_result_row **l1)
{
    *none = *l1 = NULL;
    for (size_t k = 0; k < r->nrows; k++) {
        const pl_result_row *row = &r->rows[k];
        if (pl_task_equal(row->task, t) && !strcmp(row->penalty, "l1") &&
            !strcmp(row->status, "ok") &&
            (!*l1 || (isfinite(row->test_acc) && !(row->test_acc <= (*l1)->test_acc))))
            *l1 = row;
    }
    for (size_t k = 0; *l1 && k < r->nrows; k++) {
        const pl_result_row *row = &r->rows[k];
        if (!pl_task_equal(row->task, t) || strcmp(row->penalty, "none") ||
            strcmp(row->status, "ok") || !strcmp(row->solver, "gd"))
            continue;
        if (!*none || (!strcmp(row->solver, (*l1)->solver) && strcmp((*none)->solver,
                                                                     (*l1)->solver)))
            *none = row;
    }
}

int pl_page_sparsity(pl_page *p, const pl_run_dir *r, pl_task t, const pl_dataset *ds,
                     pl_error *e)
{
    const pl_result_row *none, *l1;
    choose(r, t, &none, &l1);
    if (!none || !l1)
        return PL_OK;   /* no comparison to draw */
    l1_job *j = pl_jobs_keep(p->jobs, sizeof *j, l1_free, e);
    if (!j)
        return PL_ENOMEM;
    const pl_result_row *rows[2] = { none, l1 };
    char name[64];
    for (int q = 0; q < 2; q++) {
        int rc = pl_model_load(r->dir, pl_result_row_name(rows[q], name), &j->m[q], e);
        if (rc)
            return rc;
    }
    const size_t dim = j->m[0].dim;
    if (ds && ds->height * ds->width == dim) {
        j->h = ds->height;
        j->w = ds->width;
    } else {
        j->h = j->m[0].height;   /* the sidecar's, or a square */
        j->w = j->m[0].width;
    }
    if (j->m[1].dim != dim || j->m[1].k != j->m[0].k)
        return pl_errorf(e, PL_EINPUT, "%s: the models %s and %s have different shapes", r->dir,
                         none->model, l1->model);
    for (int k = 0; k < j->m[0].k; k++)
        j->classes[k] = pl_task_output_class(t, k);
    char c[32];
    snprintf(j->label[0], sizeof j->label[0], "%s, no penalty", none->model);
    snprintf(j->label[1], sizeof j->label[1], "%s, l1 at C = %s", l1->model,
             pl_fmt_double(c, l1->C));
    char task[PL_TASK_NAME_MAX];
    snprintf(j->path, sizeof j->path, "%s/%s_l1.png", p->plots, pl_task_name(t, task));
    int rc = pl_jobs_add(p->jobs, draw_l1, j, 0, e);
    if (!rc) {
        char cap[700];
        snprintf(cap, sizeof cap, "Seed 004's comparison: the weights of %s (top, no penalty) "
                 "and of %s (bottom, l1 at C = %s; test accuracy %.2f%% against %.2f%%), with "
                 "every weight that is exactly 0 in black. The l1 penalty keeps only the "
                 "pixels that pay for themselves; without it only pixels that are never inked "
                 "in the training rows stay 0.", none->model, l1->model, c, 100 * l1->test_acc,
                 100 * none->test_acc);
        pl_page_figure(p, j->path, "weights without and with the l1 penalty", cap);
    }
    return rc;
}
