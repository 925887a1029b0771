/*
 * build.c - pl_report_build: every picture of a run and the page that ties
 * them together, report.html.  The order of the page: how to read the
 * colours, the config, the data (montage), the sweep (pair-accuracy heatmap,
 * one-vs-one confusion matrices, best models), one section per pair (weight
 * map, the two misclassification analyses, the misclassified grid, loss
 * curves, accuracy against learning rate and iterations), all results.
 * Pictures that need a sweep's files are left out with a note when the run
 * has none.  Everything is drawn on the calling thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parlogit/data.h"
#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/html.h"
#include "util/util.h"

enum { MONTAGE_ROWS = 6, TOP_MISSES = 24 };

typedef struct build {
    const char *dir;
    char plots[PL_PATH_MAX + 16];
    pl_report_summary *s;
    FILE *f;                        /* the page being written */
} build;

static const char *base(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* The figure of a picture just drawn, linked relative to the page. */
static void figure(build *b, const char *path, const char *alt, const char *caption)
{
    char src[PL_PATH_MAX * 2];
    snprintf(src, sizeof src, "plots/%s", base(path));
    pl_html_figure(b->f, src, alt, caption);
    b->s->pictures++;
}

static void note(build *b, const char *text)
{
    pl_html_note(b->f, text);
    b->s->skipped++;
    if (b->s->nnotes < 4)
        snprintf(b->s->notes[b->s->nnotes++], sizeof b->s->notes[0], "%.255s", text);
}

/* splitmix64, for a montage that is the same for the same seed. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int montage(build *b, const pl_dataset *ds, uint64_t seed, pl_error *e)
{
    const uint8_t *pix[PL_CLASSES * MONTAGE_ROWS];
    char text[PL_CLASSES * MONTAGE_ROWS][32];
    const char *caps[PL_CLASSES * MONTAGE_ROWS];
    size_t n = 0;
    uint64_t st = seed;
    for (int row = 0; row < MONTAGE_ROWS; row++)
        for (int d = 0; d < PL_CLASSES; d++) {
            size_t lo = ds->start[d], cnt = ds->start[d + 1] - lo;
            if (!cnt)
                continue;   /* a digit the data has no rows of */
            size_t r = lo + next(&st) % cnt;
            pix[n] = ds->pix + r * ds->dim;
            snprintf(text[n], sizeof text[n], "%d\nrow %u", d, (unsigned)ds->orig[r]);
            caps[n] = text[n];
            n++;
        }
    char path[PL_PATH_MAX + 64], title[128];
    snprintf(path, sizeof path, "%s/montage.png", b->plots);
    snprintf(title, sizeof title, "Random training images of each digit (seed %llu)",
             (unsigned long long)seed);
    int rc = pl_plot_digits(path, title, pix, caps, n, PL_CLASSES, e);
    if (!rc)
        figure(b, path, "montage of training digits",
               "A random sample of the training images, one column per digit (drawn with "
               "the run's seed, so the same run gives the same sample). Gray ink on white; "
               "the caption under each image is its row in the source file, usable with "
               "`parlogit show`.");
    return rc;
}

static int sweep(build *b, pl_error *e)
{
    char path[PL_PATH_MAX + 64], png[PL_PATH_MAX + 64];
    double m[10][10];
    int rc;
    fputs("<h2 id=\"sweep\">The sweep</h2>\n", b->f);
    snprintf(path, sizeof path, "%s/pair_accuracy.csv", b->dir);
    if (access(path, F_OK) == 0) {
        if ((rc = pl_read_digit_matrix(path, "digit", m, e)))
            return rc;
        double lo = 1;
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                if (isfinite(m[i][j]) && m[i][j] < lo)
                    lo = m[i][j];
        lo = floor(lo * 100 - 0.5) / 100;
        pl_matrix_style st = { "Test accuracy of each pair's best model", "digit j",
                               "digit i", "test accuracy (%)", "%.1f", 100, lo, 1 };
        snprintf(png, sizeof png, "%s/pair_accuracy.png", b->plots);
        if ((rc = pl_plot_matrix(png, m, &st, e)))
            return rc;
        figure(b, png, "pair accuracy heatmap",
               "Row i, column j: test accuracy (%) of the i-vs-j model chosen for that pair; "
               "the table is symmetric. Darker blue is more accurate, so the lightest cells "
               "are the pairs that are hardest to tell apart. Gray: the diagonal and pairs "
               "not trained.");
    } else {
        note(b, "No pair_accuracy.csv in this run (a sweep writes it): the pair-accuracy "
                "heatmap is left out.");
    }
    snprintf(path, sizeof path, "%s/ovo_confusion.csv", b->dir);
    if (access(path, F_OK) == 0) {
        if ((rc = pl_read_digit_matrix(path, "actual", m, e)))
            return rc;
        double top = 1, rowm[10][10];
        for (int i = 0; i < 10; i++) {
            double sum = 0;
            for (int j = 0; j < 10; j++) {
                sum += isfinite(m[i][j]) ? m[i][j] : 0;
                top = isfinite(m[i][j]) && m[i][j] > top ? m[i][j] : top;
            }
            for (int j = 0; j < 10; j++)
                rowm[i][j] = sum > 0 && isfinite(m[i][j]) ? m[i][j] / sum : NAN;
        }
        pl_matrix_style st = { "One-vs-one vote on the test set: counts", "predicted digit",
                               "actual digit", "test images", "%.0f", 1, 0, top };
        snprintf(png, sizeof png, "%s/ovo_confusion_counts.png", b->plots);
        if ((rc = pl_plot_matrix(png, m, &st, e)))
            return rc;
        figure(b, png, "confusion matrix, counts",
               "Every pair model votes for one of its two digits; the digit with the most "
               "votes is the prediction. Row: the actual digit, column: the predicted one, "
               "cell: number of test images. The diagonal counts the correct answers; large "
               "cells off it are the digits the vote confuses.");
        pl_matrix_style sr = { "One-vs-one vote on the test set: share of each actual digit",
                               "predicted digit", "actual digit", "share of the row (%)",
                               "%.1f", 100, 0, 1 };
        snprintf(png, sizeof png, "%s/ovo_confusion_rows.png", b->plots);
        if ((rc = pl_plot_matrix(png, rowm, &sr, e)))
            return rc;
        figure(b, png, "confusion matrix, row-normalized",
               "The same counts divided by each row's total (in %): the diagonal is the "
               "share of each digit recognized (its recall), the rest where the others went.");
    } else {
        note(b, "No ovo_confusion.csv in this run (a sweep writes it): the one-vs-one "
                "confusion matrices are left out.");
    }
    return PL_OK;
}

/* The loss curves and the accuracy picture of pair t. */
static int pair_sweep(build *b, const pl_run_dir *r, pl_task t, const pl_loss_curve *cv,
                      size_t ncv, pl_error *e)
{
    char path[PL_PATH_MAX + 64], name[PL_TASK_NAME_MAX];
    pl_task_name(t, name);
    const pl_loss_curve *sel[PL_MAX_LIST];
    size_t n = 0;
    for (size_t k = 0; k < ncv && n < PL_MAX_LIST; k++)
        if (cv[k].task.pos == t.pos && cv[k].task.neg == t.neg)
            sel[n++] = &cv[k];
    int rc = PL_OK;
    if (cv) {
        snprintf(path, sizeof path, "%s/%s_loss.png", b->plots, name);
        rc = pl_plot_curves(path, t, sel, n, e);
        if (!rc)
            figure(b, path, "loss curves",
                   "Seed 003's cost plot: the mean log-loss on the training rows after each "
                   "gradient-descent update, one line per learning rate (log scale). Larger "
                   "steps fall faster; a line that stops early diverged.");
    }
    const pl_result_row **rows = malloc((r->nrows ? r->nrows : 1) * sizeof *rows);
    if (!rows)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t k = 0; k < r->nrows; k++)
        if (r->rows[k].task.pos == t.pos && r->rows[k].task.neg == t.neg)
            rows[m++] = &r->rows[k];
    snprintf(path, sizeof path, "%s/%s_accuracy.png", b->plots, name);
    if (!rc)
        rc = pl_plot_accuracy(path, t, rows, m, e);
    if (!rc)
        figure(b, path, "accuracy by learning rate and iterations",
               "Seed 003's table as a picture: accuracy on the training rows (solid) and the "
               "test rows (dashed) for each learning rate (log scale) and iteration count. "
               "A gap between solid and dashed lines is overfitting.");
    free(rows);
    return rc;
}

static void pair_section(build *b, const pl_pair_pictures *pp, const char *why)
{
    char pos[16], neg[16], lr[32], cap[768];
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
    snprintf(cap, sizeof cap, "The weights as a 28 x 28 image. Ink on a blue pixel pushes "
             "the decision towards %s (the positive class), ink on a red pixel towards %s; "
             "the scale is symmetric around 0, so white pixels do not matter.", pos, neg);
    figure(b, pp->weights, "weight map", cap);
    for (int k = 0; k < 2; k++) {
        const pl_explain_pick *p = &x->pick[k];
        const char *truth = k == 0 ? pos : neg, *other = k == 0 ? neg : pos;
        if (!p->found) {
            snprintf(cap, sizeof cap, "No training image of %s: nothing to analyse.", truth);
            note(b, cap);
            continue;
        }
        snprintf(cap, sizeof cap, "The %s in the training set that the model finds most like "
                 "a %s (row %u): P(%s) = %.4f, %s. Left: the image; right: each pixel's ink "
                 "times its weight. Blue argues for %s (total %+.3f), red for %s (total %+.3f); "
                 "with the bias (%+.3f) they add up to the logit %.3f, and the image is "
                 "called %s when the logit is positive.", truth, other, (unsigned)p->orig, other,
                 p->p_other, p->wrong ? "so it is misclassified" : "so it is still classified "
                 "correctly", pos, p->for_pos, neg, p->for_neg,
                 p->logit - p->for_pos - p->for_neg, p->logit, pos);
        figure(b, pp->pick[k], "misclassification analysis", cap);
    }
    snprintf(cap, sizeof cap, "The misclassified training images, most confident first (at "
             "most %d): \"true as predicted: probability of the wrong class\" and the row in "
             "the source file.", TOP_MISSES);
    figure(b, pp->misses, "misclassified digits", cap);
}

static void best_table(build *b, const pl_run_dir *r)
{
    fputs("<h3>Best model per pair (best.csv)</h3>\n<table>\n<tr><th>pair</th><th>lr</th>"
          "<th>iterations</th><th>validation acc %</th><th>test acc %</th></tr>\n", b->f);
    for (size_t k = 0; k < r->nbest; k++) {
        const pl_best_row *w = &r->best[k];
        char name[PL_TASK_NAME_MAX], lr[32];
        fprintf(b->f, "<tr><td>%s</td><td>%s</td><td>%d</td>", pl_task_name(w->task, name),
                pl_fmt_double(lr, w->lr), w->iterations);
        if (isfinite(w->validation_acc))
            fprintf(b->f, "<td>%.2f</td>", 100 * w->validation_acc);
        else
            fputs("<td>-</td>", b->f);
        if (isfinite(w->test_acc))
            fprintf(b->f, "<td>%.2f</td></tr>\n", 100 * w->test_acc);
        else
            fputs("<td>-</td></tr>\n", b->f);
    }
    fputs("</table>\n", b->f);
}

static void legend(FILE *f)
{
    fputs("<p class=\"key\">How to read the colours: every map of weights or contributions "
          "uses one palette, symmetric around 0. <span class=\"blue\">Blue</span> is "
          "positive and favours the pair's <b>second</b> digit (the positive class: 7 in "
          "1-7), <span class=\"red\">red</span> is negative and favours the first digit, "
          "white is no evidence. Accuracies and counts use the white-to-blue half (darker "
          "is more). Digits are drawn in gray ink on white.</p>\n", f);
}

static int body(build *b, const pl_run_dir *r, const pl_config *cfg, const pl_data *data,
                pl_error *e)
{
    pl_loss_curve *cv = NULL;
    size_t ncv = 0;
    char path[PL_PATH_MAX + 32];
    int rc = PL_OK;
    pl_pair_pictures *pp = calloc((size_t)r->npairs + 1, sizeof *pp);
    if (!pp)
        return pl_errorf(e, PL_ENOMEM, "out of memory");

    fprintf(b->f, "<p>%zu model(s) of %d pair(s), trained on %zu rows, tested on %zu. "
            "Sections: <a href=\"#config\">config</a> <a href=\"#data\">data</a> "
            "<a href=\"#sweep\">sweep</a> <a href=\"#pairs\">pairs</a> "
            "<a href=\"#results\">all results</a></p>\n", r->nrows, r->npairs, data->train.n,
            data->test.n);
    legend(b->f);
    fputs("<h2 id=\"config\">Config</h2>\n<p>The effective configuration of the run (every "
          "key, defaults included), as an INI file that reproduces it:</p>\n", b->f);
    pl_html_config(b->f, cfg);
    fputs("<h2 id=\"data\">The data</h2>\n", b->f);
    rc = montage(b, &data->train, cfg->data.seed, e);
    if (!rc)
        rc = sweep(b, e);
    if (!rc && r->nbest)
        best_table(b, r);

    snprintf(path, sizeof path, "%s/curves.csv", b->dir);
    if (!rc && access(path, F_OK) == 0)
        rc = pl_read_curves(path, &cv, &ncv, e);
    else if (!rc)
        note(b, "No curves.csv in this run: the loss curves are left out.");

    if (!rc) {
        fputs("<h2 id=\"pairs\">The pairs</h2>\n<nav>", b->f);
        for (int k = 0; k < r->npairs; k++) {
            char name[PL_TASK_NAME_MAX];
            pl_task_name(r->pairs[k], name);
            fprintf(b->f, "<a href=\"#pair-%s\">%s</a> ", name, name);
        }
        fputs("</nav>\n", b->f);
    }
    for (int k = 0; !rc && k < r->npairs; k++) {
        rc = pl_report_explain_pair(r, &data->train, r->pairs[k], 0, 0, TOP_MISSES, &pp[k], e);
        if (!rc) {
            pair_section(b, &pp[k], r->nbest ? "the choice in best.csv"
                                             : "the highest test accuracy of the run");
            rc = pair_sweep(b, r, r->pairs[k], cv, ncv, e);
        }
    }
    if (!rc) {
        fputs("<h2 id=\"results\">All results</h2>\n<details><summary>results.csv as a table"
              "</summary>\n", b->f);
        pl_html_results(b->f, r->rows, r->nrows);
        fputs("</details>\n", b->f);
    }
    for (int k = 0; k < r->npairs; k++)
        pl_explanation_free(&pp[k].x);
    free(pp);
    pl_loss_curves_free(cv, ncv);
    return rc;
}

int pl_report_build(const char *dir, pl_report_summary *s, pl_error *e)
{
    memset(s, 0, sizeof *s);
    pl_run_dir r;
    static pl_config cfg;   /* large: off the stack */
    pl_data data = { 0 };
    build b = { .dir = dir, .s = s };
    int rc = pl_run_dir_open(dir, &r, e);
    if (rc)
        return rc;
    const pl_result_row *any = NULL;
    for (size_t k = 0; k < r.nrows && !any; k++)
        if (!strcmp(r.rows[k].status, "ok"))
            any = &r.rows[k];
    if (!any)
        rc = pl_errorf(e, PL_EINPUT, "%s: no trained model in results.csv", dir);
    if (!rc)
        rc = pl_run_dir_config(&r, any, &cfg, e);
    if (!rc)
        rc = pl_data_load(&cfg, 1, &data, e);
    snprintf(b.plots, sizeof b.plots, "%s/plots", dir);
    if (!rc)
        rc = pl_mkdirs(b.plots, e);
    if (!rc)
        rc = pl_plot_check_device(PL_PLOT_DEVICE, e);

    pl_afile page;
    snprintf(s->html, sizeof s->html, "%s/report.html", dir);
    if (!rc)
        rc = pl_afile_open(&page, s->html, e);
    if (!rc) {
        char title[PL_PATH_MAX + 32];
        snprintf(title, sizeof title, "parlogit run %s", dir);
        b.f = page.f;
        pl_html_begin(b.f, title);
        rc = body(&b, &r, &cfg, &data, e);
        pl_html_end(b.f);
        if (rc)
            pl_afile_abort(&page);
        else
            rc = pl_afile_commit(&page, e);
    }
    pl_data_free(&data);
    pl_run_dir_free(&r);
    return rc;
}
