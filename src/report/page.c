/*
 * page.c - what every section of report.html does with a picture: a figure
 * linked relative to the page (the picture itself a job of the table, drawn
 * later), or a note where it was left out.  See page.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parlogit/plot.h"
#include "report/html.h"
#include "report/page.h"

static const char *base(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

void pl_page_figure(pl_page *p, const char *path, const char *alt, const char *caption)
{
    char src[PL_PATH_MAX * 2];
    snprintf(src, sizeof src, "plots/%s", base(path));
    pl_html_figure(p->f, src, alt, caption);
    p->s->pictures++;
}

/* A curve picture to draw: the curves of one task, of gd and lbfgs (the
 * loss against iterations) or of sgd (against epochs). */
typedef struct loss_job {
    char path[PL_PATH_MAX + 64];
    pl_task task;
    int sgd;
    size_t n;
    const pl_loss_curve *sel[];  /* into curves kept by the table */
} loss_job;

static int draw_loss(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const loss_job *j = ctx;
    return j->sgd ? pl_plot_sgd_curves(j->path, j->task, j->sel, j->n, e)
                  : pl_plot_curves(j->path, j->task, j->sel, j->n, e);
}

/* Task t's curves of one kind (sgd: with SGD points) into a picture. */
static int curves_job(pl_page *p, pl_task t, const pl_loss_curve *cv, size_t ncv, int sgd,
                      int even_empty, const char *file, const char *alt, const char *caption,
                      pl_error *e)
{
    size_t n = 0;
    for (size_t k = 0; k < ncv; k++)
        n += pl_task_equal(cv[k].task, t) && (cv[k].step != NULL) == sgd;
    if (!n && !even_empty)
        return PL_OK;
    loss_job *j = pl_jobs_keep(p->jobs, sizeof *j + n * sizeof j->sel[0], NULL, e);
    if (!j)
        return PL_ENOMEM;
    j->task = t;
    j->sgd = sgd;
    for (size_t k = 0; k < ncv; k++)
        if (pl_task_equal(cv[k].task, t) && (cv[k].step != NULL) == sgd)
            j->sel[j->n++] = &cv[k];
    char name[PL_TASK_NAME_MAX];
    snprintf(j->path, sizeof j->path, "%s/%s_%s.png", p->plots, pl_task_name(t, name), file);
    int rc = pl_jobs_add(p->jobs, draw_loss, j, 0, e);
    if (!rc)
        pl_page_figure(p, j->path, alt, caption);
    return rc;
}

int pl_page_loss_curves(pl_page *p, pl_task t, const pl_loss_curve *cv, size_t ncv,
                        int even_empty, const char *caption, pl_error *e)
{
    int rc = curves_job(p, t, cv, ncv, 0, even_empty, "loss", "loss curves", caption, e);
    if (!rc)
        rc = curves_job(p, t, cv, ncv, 1, 0, "sgd", "SGD training curves",
                        "Seed 002's training picture: every SGD run of this task, its loss "
                        "(left, log scale) and accuracy (right) over all the training rows "
                        "(solid) and the validation rows (dashed) at each point (every epoch, "
                        "and every train.eval_every steps). Validation lines that turn up "
                        "while training lines go on down are overfitting.", e);
    return rc;
}

/* A path picture to draw: a task's rows with a C. */
typedef struct path_job {
    char path[PL_PATH_MAX + 64];
    pl_task task;
    size_t n;
    const pl_result_row *sel[];  /* into the run directory's rows */
} path_job;

static int draw_path(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const path_job *j = ctx;
    return pl_plot_path(j->path, j->task, j->sel, j->n, e);
}

int pl_page_path(pl_page *p, const pl_run_dir *r, pl_task t, pl_error *e)
{
    size_t n = 0, distinct = 0;
    for (size_t k = 0; k < r->nrows; k++) {
        const pl_result_row *row = &r->rows[k];
        if (!pl_task_equal(row->task, t) || !(row->C > 0))
            continue;
        int seen = 0;
        for (size_t q = 0; q < k && !seen; q++)
            seen = pl_task_equal(r->rows[q].task, t) && r->rows[q].C == row->C;
        distinct += !seen;
        n++;
    }
    if (distinct < 2)
        return PL_OK;   /* no path: one C at most */
    path_job *j = pl_jobs_keep(p->jobs, sizeof *j + n * sizeof j->sel[0], NULL, e);
    if (!j)
        return PL_ENOMEM;
    j->task = t;
    for (size_t k = 0; k < r->nrows; k++)
        if (pl_task_equal(r->rows[k].task, t) && r->rows[k].C > 0)
            j->sel[j->n++] = &r->rows[k];
    char name[PL_TASK_NAME_MAX];
    snprintf(j->path, sizeof j->path, "%s/%s_path.png", p->plots, pl_task_name(t, name));
    int rc = pl_jobs_add(p->jobs, draw_path, j, 0, e);
    if (!rc)
        pl_page_figure(p, j->path, "regularization path",
                       "Seed 004's question, what happens as C grows and shrinks: every "
                       "penalized model of this task against its C (log scale; a small C is a "
                       "strong penalty). Left: accuracy on the training rows (solid) and the "
                       "test rows (dashed); right: the weights that are not 0 (an l1 penalty "
                       "zeroes more of them the smaller C is). Where the dashed line peaks is "
                       "the C to choose; the solid line above it is what a weaker penalty "
                       "overfits.");
    return rc;
}

typedef struct kept_curves {
    pl_loss_curve *cv;
    size_t n;
} kept_curves;

static void free_curves(void *ctx)
{
    kept_curves *k = ctx;
    pl_loss_curves_free(k->cv, k->n);
}

int pl_page_read_curves(pl_page *p, pl_error *e)
{
    char path[PL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/curves.csv", p->dir);
    if (access(path, F_OK) != 0)
        return PL_OK;   /* each section says what is left out */
    kept_curves *k = pl_jobs_keep(p->jobs, sizeof *k, free_curves, e);
    if (!k)
        return PL_ENOMEM;
    int rc = pl_read_curves(path, &k->cv, &k->n, e);
    if (!rc) {
        p->cv = k->cv;
        p->ncv = k->n;
    }
    return rc;
}

void pl_page_note(pl_page *p, const char *text)
{
    pl_html_note(p->f, text);
    p->s->skipped++;
    if (p->s->nnotes < 4)
        snprintf(p->s->notes[p->s->nnotes++], sizeof p->s->notes[0], "%.255s", text);
}
