/*
 * page_sweep.c - the sweep section of report.html: the pair-accuracy
 * heatmap and the votes' confusion matrices.  See page.h.
 *
 * Each picture is there only when the run has what it shows: the heatmap
 * needs two pairs or more (one pair's accuracy is one cell of a grey table,
 * and best.csv already has it), a vote's matrices need the vote to have run
 * (the one-vs-one vote needs all 45 pairs, the one-vs-rest vote all ten
 * d-rest tasks, both a test set; the sweep removes a vote's file when it did
 * not run).  A note says so only when the run has the models but the file is
 * missing, which means the directory was changed after the run.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parlogit/plot.h"
#include "report/page.h"

/* What the run's models make expected, and which files are there. */
typedef struct parts {
    int pairs;            /* i-j tasks in the run                            */
    int rests;            /* d-rest tasks in the run                         */
    int heatmap, ovo, ovr;   /* pair_accuracy.csv, ovo_ / ovr_confusion.csv exist */
} parts;

static int exists(const pl_page *p, const char *name)
{
    char path[PL_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    return access(path, F_OK) == 0;
}

static parts survey(const pl_page *p, const pl_run_dir *r)
{
    parts s = { 0 };
    for (int k = 0; k < r->npairs; k++) {
        s.pairs += r->pairs[k].neg != PL_REST;
        s.rests += r->pairs[k].neg == PL_REST;
    }
    s.heatmap = exists(p, "pair_accuracy.csv");
    s.ovo = exists(p, "ovo_confusion.csv");
    s.ovr = exists(p, "ovr_confusion.csv");
    return s;
}

enum { ALL_PAIRS = PL_CLASSES * (PL_CLASSES - 1) / 2 };

/* A 10 x 10 table to draw: its values and its style, titles included. */
typedef struct matrix_job {
    char path[PL_PATH_MAX + 64];
    double m[10][10];
    char title[128];
    pl_matrix_style st;          /* st.title is title */
} matrix_job;

static int draw_matrix(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const matrix_job *j = ctx;
    return pl_plot_matrix(j->path, j->m, &j->st, e);
}

/* Adds table m with style st (its title copied) to the pictures, as
 * plots/NAME.png. */
static int add_matrix(pl_page *p, const char *name, const double m[10][10],
                      const pl_matrix_style *st, const char **path, pl_error *e)
{
    matrix_job *j = pl_jobs_keep(p->jobs, sizeof *j, NULL, e);
    if (!j)
        return PL_ENOMEM;
    snprintf(j->path, sizeof j->path, "%s/%s.png", p->plots, name);
    memcpy(j->m, m, sizeof j->m);
    snprintf(j->title, sizeof j->title, "%s", st->title);
    j->st = *st;
    j->st.title = j->title;
    *path = j->path;
    return pl_jobs_add(p->jobs, draw_matrix, j, 0, e);
}

int pl_page_has_sweep(const pl_page *p, const pl_run_dir *r)
{
    parts s = survey(p, r);
    return s.pairs >= 2 || s.ovo || s.ovr || s.rests == PL_CLASSES;
}

static int heatmap(pl_page *p, pl_error *e)
{
    char path[PL_PATH_MAX + 64];
    const char *png;
    double m[10][10];
    snprintf(path, sizeof path, "%s/pair_accuracy.csv", p->dir);
    int rc = pl_read_digit_matrix(path, "digit", m, e);
    if (rc)
        return rc;
    double lo = 1;
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            if (isfinite(m[i][j]) && m[i][j] < lo)
                lo = m[i][j];
    lo = floor(lo * 100 - 0.5) / 100;
    pl_matrix_style st = { "Test accuracy of each pair's best model", "digit j", "digit i",
                           "test accuracy (%)", "%.1f", 100, lo, 1 };
    if ((rc = add_matrix(p, "pair_accuracy", m, &st, &png, e)))
        return rc;
    pl_page_figure(p, png, "pair accuracy heatmap",
                   "Row i, column j: test accuracy (%) of the i-vs-j model chosen for that "
                   "pair; the table is symmetric. Darker blue is more accurate, so the "
                   "lightest cells are the pairs that are hardest to tell apart. Gray: the "
                   "diagonal and pairs not trained.");
    return PL_OK;
}

/* A vote's confusion matrices from file csv: counts and row-normalized, as
 * plots/STEM_counts.png and plots/STEM_rows.png.  who names the vote in the
 * titles, how says in the caption how it decides. */
static int vote(pl_page *p, const char *csv, const char *stem, const char *who,
                const char *how, pl_error *e)
{
    char path[PL_PATH_MAX + 64], name[96], title[128], cap[640];
    const char *png;
    double m[10][10], rowm[10][10], top = 1;
    snprintf(path, sizeof path, "%s/%s", p->dir, csv);
    int rc = pl_read_digit_matrix(path, "actual", m, e);
    if (rc)
        return rc;
    for (int i = 0; i < 10; i++) {
        double sum = 0;
        for (int j = 0; j < 10; j++) {
            sum += isfinite(m[i][j]) ? m[i][j] : 0;
            top = isfinite(m[i][j]) && m[i][j] > top ? m[i][j] : top;
        }
        for (int j = 0; j < 10; j++)
            rowm[i][j] = sum > 0 && isfinite(m[i][j]) ? m[i][j] / sum : NAN;
    }
    snprintf(title, sizeof title, "%s on the test set: counts", who);
    pl_matrix_style st = { title, "predicted digit", "actual digit", "test images", "%.0f", 1,
                           0, top };
    snprintf(name, sizeof name, "%s_counts", stem);
    if ((rc = add_matrix(p, name, m, &st, &png, e)))
        return rc;
    snprintf(cap, sizeof cap, "%s Row: the actual digit, column: the predicted one, cell: "
             "number of test images. The diagonal counts the correct answers; large cells off "
             "it are the digits the vote confuses.", how);
    pl_page_figure(p, png, "confusion matrix, counts", cap);
    snprintf(title, sizeof title, "%s on the test set: share of each actual digit", who);
    pl_matrix_style sr = { title, "predicted digit", "actual digit", "share of the row (%)",
                           "%.1f", 100, 0, 1 };
    snprintf(name, sizeof name, "%s_rows", stem);
    if ((rc = add_matrix(p, name, rowm, &sr, &png, e)))
        return rc;
    pl_page_figure(p, png, "confusion matrix, row-normalized",
                   "The same counts divided by each row's total (in %): the diagonal is the "
                   "share of each digit recognized (its recall), the rest where the others "
                   "went.");
    return PL_OK;
}

int pl_page_sweep(pl_page *p, const pl_run_dir *r, pl_error *e)
{
    if (!pl_page_has_sweep(p, r))
        return PL_OK;
    parts s = survey(p, r);
    int rc = PL_OK;
    fputs("<h2 id=\"sweep\">The sweep</h2>\n", p->f);
    if (s.pairs >= 2 && s.heatmap)
        rc = heatmap(p, e);
    else if (s.pairs >= 2)
        pl_page_note(p, "No pair_accuracy.csv in this run (a sweep writes it): the "
                        "pair-accuracy heatmap is left out.");
    if (!rc && s.ovo)
        rc = vote(p, "ovo_confusion.csv", "ovo_confusion", "One-vs-one vote",
                  "Every pair model votes for one of its two digits; the digit with the most "
                  "votes is the prediction.", e);
    else if (!rc && s.pairs == ALL_PAIRS)
        pl_page_note(p, "No ovo_confusion.csv in this run (the sweep writes it when all 45 "
                        "pairs have a model and there is a test set): the one-vs-one "
                        "confusion matrices are left out.");
    if (!rc && s.ovr)
        rc = vote(p, "ovr_confusion.csv", "rest_vote_confusion", "One-vs-rest vote",
                  "Each digit's d-rest model scores the image; the digit whose model gives "
                  "the largest logit is the prediction.", e);
    else if (!rc && s.rests == PL_CLASSES)
        pl_page_note(p, "No ovr_confusion.csv in this run (the sweep writes it when all ten "
                        "d-rest tasks have a model and there is a test set): the one-vs-rest "
                        "confusion matrices are left out.");
    return rc;
}
