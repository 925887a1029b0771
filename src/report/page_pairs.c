/*
 * page_pairs.c - the pairs section of report.html: for every binary task
 * ("1-7", "3-rest") of the run, seed 000's analysis of its chosen model on
 * the training rows (weight map, the most confidently wrong image each way,
 * the misclassified grid; pl_report_explain_pair draws them) and seed 003's
 * loss curves and accuracy by learning rate and iterations.  The pictures
 * are jobs of the page's table (jobs.h, draw.h), drawn after the page is
 * written.  See page.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "parlogit/plot.h"
#include "report/draw.h"
#include "report/page.h"
#include "util/util.h"

enum { TOP_MISSES = 24 };

/* The accuracy picture of one task: its rows of results.csv. */
typedef struct acc_job {
    char path[PL_PATH_MAX + 64];
    pl_task task;
    size_t n;
    const pl_result_row *rows[];   /* into the run, which outlives the table */
} acc_job;

static int draw_accuracy(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const acc_job *j = ctx;
    return pl_plot_accuracy(j->path, j->task, j->rows, j->n, e);
}

/* The loss curves (when curves.csv was read: cv non-NULL) and the accuracy
 * picture of pair t. */
static int pair_sweep(pl_page *b, const pl_run_dir *r, pl_task t, const pl_loss_curve *cv,
                      size_t ncv, const pl_dataset *train, pl_error *e)
{
    char name[PL_TASK_NAME_MAX];
    pl_task_name(t, name);
    int rc = PL_OK;
    if (cv)
        rc = pl_page_loss_curves(b, t, cv, ncv, 1,
                                 "Seed 003's cost plot: the mean log-loss on the training rows "
                                 "after each gradient-descent update, one line per learning "
                                 "rate, on a log scale whose top is the starting loss: the "
                                 "spike of the first updates of a large step is clipped there "
                                 "and marked, so that it does not flatten the rest. Larger "
                                 "steps fall faster; a line that stops early diverged.", e);
    if (!rc)
        rc = pl_page_path(b, r, t, e);
    if (!rc)
        rc = pl_page_sparsity(b, r, t, train, e);
    size_t m = 0;
    for (size_t k = 0; k < r->nrows; k++)
        m += pl_task_equal(r->rows[k].task, t);
    acc_job *j = rc ? NULL : pl_jobs_keep(b->jobs, sizeof *j + m * sizeof j->rows[0], NULL, e);
    if (!j)
        return rc ? rc : PL_ENOMEM;
    j->task = t;
    for (size_t k = 0; k < r->nrows; k++)
        if (pl_task_equal(r->rows[k].task, t))
            j->rows[j->n++] = &r->rows[k];
    snprintf(j->path, sizeof j->path, "%s/%s_accuracy.png", b->plots, name);
    rc = pl_jobs_add(b->jobs, draw_accuracy, j, 0, e);
    if (!rc)
        pl_page_figure(b, j->path, "accuracy by learning rate and iterations",
                       "Seed 003's table as a picture: accuracy on the training rows (solid) "
                       "and the test rows (dashed) for each learning rate (log scale) and "
                       "iteration count; with a single learning rate, against the iteration "
                       "count instead. A gap between solid and dashed lines is "
                       "overfitting.");
    return rc;
}

static void pair_section(pl_page *b, const pl_pair_job *j, const char *why)
{
    const pl_pair_pictures *pp = &j->pp;
    char pos[16], neg[16], lr[32], cap[900];
    const pl_explanation *x = &pp->x;
    pl_task_names(x->task, pos, neg);
    fprintf(b->f, "<h3 id=\"pair-%s\">%s (%s vs %s)</h3>\n<p>", pp->model.pair, pp->model.pair,
            neg, pos);
    fprintf(b->f, "Model explained: learning rate %s, %d iterations (%s); training accuracy "
            "%.2f%%, test accuracy %.2f%%. Misclassified training images: %zu of %zu %s "
            "called %s, %zu of %zu %s called %s.</p>\n",
            pl_fmt_double(lr, pp->model.lr), pp->model.iterations, why,
            100 * pp->model.train_acc, 100 * pp->model.test_acc, x->pick[0].nwrong,
            x->pick[0].nrows, pos, neg, x->pick[1].nwrong, x->pick[1].nrows, neg, pos);
    snprintf(cap, sizeof cap, "The weights as a %zu x %zu image. Ink on a blue pixel pushes "
             "the decision towards %s (the positive class), ink on a red pixel towards %s; "
             "the colour scale is symmetric around 0 (\u00b1%.3g, the largest |weight|), so "
             "white pixels do not matter.", j->ds->height, j->ds->width, pos, neg,
             j->weight_scale);
    pl_page_figure(b, pp->weights, "weight map", cap);
    for (int k = 0; k < 2; k++) {
        const pl_explain_pick *p = &x->pick[k];
        const char *truth = k == 0 ? pos : neg, *other = k == 0 ? neg : pos;
        if (!p->found) {
            snprintf(cap, sizeof cap, "No training image of %s: nothing to analyse.", truth);
            pl_page_note(b, cap);
            continue;
        }
        snprintf(cap, sizeof cap, "The %s in the training set that the model finds most like "
                 "a %s (row %u): P(%s) = %.4f, %s. Left: the image; right: each pixel's ink "
                 "times its weight, on a colour scale of \u00b1%.3g shared with the other "
                 "direction's map. Blue argues for %s (total %+.3f), red for %s (total %+.3f); "
                 "with the bias (%+.3f) they add up to the logit %.3f, and the image is "
                 "called %s when the logit is positive.", truth, other, (unsigned)p->orig, other,
                 p->p_other, p->wrong ? "so it is misclassified" : "so it is still classified "
                 "correctly", j->pick_scale, pos, p->for_pos, neg, p->for_neg,
                 p->logit - p->for_pos - p->for_neg, p->logit, pos);
        pl_page_figure(b, pp->pick[k], "misclassification analysis", cap);
    }
    snprintf(cap, sizeof cap, "The misclassified training images, most confident first (at "
             "most %d): \"true as predicted: probability of the wrong class\" and the row in "
             "the source file.", TOP_MISSES);
    pl_page_figure(b, pp->misses, "misclassified digits", cap);
}

int pl_page_pairs(pl_page *b, const pl_run_dir *r, const pl_dataset *train, pl_error *e)
{
    if (!r->npairs)
        return PL_OK;   /* a run of ten-class models only */
    int rc = PL_OK;
    fputs("<h2 id=\"pairs\">The pairs</h2>\n<nav>", b->f);
    for (int k = 0; k < r->npairs; k++) {
        char name[PL_TASK_NAME_MAX];
        pl_task_name(r->pairs[k], name);
        fprintf(b->f, "<a href=\"#pair-%s\">%s</a> ", name, name);
    }
    fputs("</nav>\n", b->f);
    if (!b->cv)
        pl_page_note(b, "No curves.csv in this run: the loss curves are left out.");
    for (int k = 0; !rc && k < r->npairs; k++) {
        pl_pair_job *j = pl_jobs_keep(b->jobs, sizeof *j, pl_pair_job_free, e);
        if (!j)
            return PL_ENOMEM;
        rc = pl_pair_prepare(r, train, r->pairs[k], 0, 0, TOP_MISSES, j, e);
        for (int step = 0; !rc && step < PL_PAIR_STEPS; step++)
            if (*pl_pair_step_path(j, step))
                rc = pl_jobs_add(b->jobs, pl_pair_draw, j, step, e);
        if (rc)
            break;
        pair_section(b, j, r->nbest ? "the choice in best.csv"
                                    : "the highest test accuracy of the run");
        rc = pair_sweep(b, r, r->pairs[k], b->cv, b->ncv, train, e);
    }
    return rc;
}
