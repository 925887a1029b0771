/*
 * build.c - pl_report_build: every picture of a run and the page that ties
 * them together, report.html.  The order of the page: how to read the
 * colours, the config, the data (montage), the best model of every task, the
 * sweep (pair-accuracy heatmap, the votes' confusion matrices;
 * page_sweep.c), the ten-class models (page_tenclass.c), one section per
 * binary task (page_pairs.c), all results.  A section the run has no models
 * for is left out, and so is its link.
 *
 * Drawing in parallel: PLplot keeps global state and is not thread-safe, so
 * the pictures are drawn by worker processes.  While the page is composed,
 * every section only adds its pictures to a table of jobs (jobs.h: a drawing
 * step and the context it reads, which the table keeps alive) and writes
 * their figures and captions, all computed here, once, from the data loaded
 * here.  Then the table is drawn by N worker processes (util/procs.h; each
 * takes the next job no worker has taken), forked now, after all the data
 * is loaded and before this process has opened any PLplot stream; each
 * picture depends on its job alone, so the files are the same bytes
 * whatever N is and whichever worker drew them.  The page is renamed into place
 * only when every worker succeeded; otherwise the first failed job's error
 * is returned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/data.h"
#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "report/html.h"
#include "report/jobs.h"
#include "report/page.h"
#include "util/procs.h"
#include "util/util.h"

enum { MONTAGE_ROWS = 6 };

/* splitmix64, for a montage that is the same for the same seed. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The montage to draw: pointers into the training set, their captions. */
typedef struct montage_job {
    char path[PL_PATH_MAX + 64], title[128];
    const uint8_t *pix[PL_CLASSES * MONTAGE_ROWS];
    char text[PL_CLASSES * MONTAGE_ROWS][32];
    const char *caps[PL_CLASSES * MONTAGE_ROWS];
    size_t n;
    size_t height, width;   /* the images' shape and ink scale */
    unsigned pixel_max;
} montage_job;

static int draw_montage(const void *ctx, int step, pl_error *e)
{
    (void)step;
    const montage_job *j = ctx;
    return pl_plot_digits(j->path, j->title, j->pix, j->height, j->width, j->pixel_max, j->caps,
                          j->n, PL_CLASSES, e);
}

static int montage(pl_page *b, const pl_dataset *ds, uint64_t seed, pl_error *e)
{
    montage_job *j = pl_jobs_keep(b->jobs, sizeof *j, NULL, e);
    if (!j)
        return PL_ENOMEM;
    j->height = ds->height;
    j->width = ds->width;
    j->pixel_max = ds->pixel_max;
    uint64_t st = seed;
    for (int row = 0; row < MONTAGE_ROWS; row++)
        for (int d = 0; d < PL_CLASSES; d++) {
            size_t lo = ds->start[d], cnt = ds->start[d + 1] - lo;
            if (!cnt)
                continue;   /* a digit the data has no rows of */
            size_t r = lo + next(&st) % cnt;
            j->pix[j->n] = ds->pix + r * ds->dim;
            snprintf(j->text[j->n], sizeof j->text[0], "%d\nrow %u", d, (unsigned)ds->orig[r]);
            j->caps[j->n] = j->text[j->n];
            j->n++;
        }
    snprintf(j->path, sizeof j->path, "%s/montage.png", b->plots);
    snprintf(j->title, sizeof j->title, "Random training images of each digit (seed %llu)",
             (unsigned long long)seed);
    int rc = pl_jobs_add(b->jobs, draw_montage, j, 0, e);
    if (!rc)
        pl_page_figure(b, j->path, "montage of training digits",
                       "A random sample of the training images, one column per digit (drawn "
                       "with the run's seed, so the same run gives the same sample). Gray ink "
                       "on white; the caption under each image is its row in the source file, "
                       "usable with `parlogit show`.");
    return rc;
}

static void best_table(pl_page *b, const pl_run_dir *r)
{
    fputs("<h2 id=\"best\">Best model per task</h2>\n<p>The model chosen for each task "
          "(best.csv), the one every section below explains.</p>\n<table>\n<tr><th>task</th>"
          "<th>lr</th><th>iterations</th><th>validation acc %</th><th>test acc %</th></tr>\n",
          b->f);
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

/* How to read the colours, for the kinds of model the run has. */
static void legend(FILE *f, const pl_run_dir *r)
{
    fputs("<p class=\"key\">How to read the colours: every map of weights or contributions "
          "uses one palette, symmetric around 0; white is no evidence. ", f);
    if (r->npairs)
        fputs("In a pair's maps <span class=\"blue\">blue</span> is positive and favours the "
              "pair's <b>second</b> digit (the positive class: 7 in 1-7), <span "
              "class=\"red\">red</span> is negative and favours the first digit. ", f);
    if (r->nmulti)
        fputs("In a ten-class model's maps, one per class, <span class=\"blue\">blue</span> "
              "is evidence for that map's class and <span class=\"red\">red</span> evidence "
              "against it. ", f);
    fputs("Accuracies and counts use the white-to-blue half (darker is more). Digits are "
          "drawn in gray ink on white.</p>\n", f);
}

/* The first paragraph: what the run holds, and links to its sections. */
static void intro(pl_page *b, const pl_run_dir *r, const pl_data *data)
{
    fprintf(b->f, "<p>%zu model(s): %d binary task(s), %d ten-class task(s); trained on %zu "
            "rows, tested on %zu. Sections: <a href=\"#config\">config</a> "
            "<a href=\"#data\">data</a> ", r->nrows, r->npairs, r->nmulti, data->train.n,
            data->test.n);
    if (r->nbest)
        fputs("<a href=\"#best\">best models</a> ", b->f);
    if (pl_page_has_sweep(b, r))
        fputs("<a href=\"#sweep\">sweep</a> ", b->f);
    if (r->nmulti)
        fputs("<a href=\"#tenclass\">ten-class models</a> ", b->f);
    if (r->npairs)
        fputs("<a href=\"#pairs\">pairs</a> ", b->f);
    fputs("<a href=\"#results\">all results</a></p>\n", b->f);
}

static int body(pl_page *b, const pl_run_dir *r, const pl_config *cfg, const pl_data *data,
                pl_error *e)
{
    intro(b, r, data);
    legend(b->f, r);
    fputs("<h2 id=\"config\">Config</h2>\n<p>The effective configuration of the run (every "
          "key, defaults included), as an INI file that reproduces it:</p>\n", b->f);
    pl_html_config(b->f, cfg);
    fputs("<h2 id=\"data\">The data</h2>\n", b->f);
    int rc = pl_page_read_curves(b, e);   /* once, for every section */
    if (!rc)
        rc = montage(b, &data->train, cfg->data.seed, e);
    if (!rc && r->nbest)
        best_table(b, r);
    if (!rc)
        rc = pl_page_sweep(b, r, e);
    if (!rc)
        rc = pl_page_tenclass(b, r, &data->test, e);
    if (!rc)
        rc = pl_page_pairs(b, r, &data->train, e);
    if (!rc) {
        fputs("<h2 id=\"results\">All results</h2>\n<details><summary>results.csv as a table"
              "</summary>\n", b->f);
        pl_html_results(b->f, r->rows, r->nrows);
        fputs("</details>\n", b->f);
    }
    return rc;
}

/* How many worker processes draw: o->workers, else $PARLOGIT_REPORT_WORKERS,
 * else one per CPU this process may run on. */
static int workers(const pl_report_opts *o, pl_error *e, int *n)
{
    const char *env = getenv("PARLOGIT_REPORT_WORKERS");
    *n = o && o->workers > 0 ? o->workers : 0;
    if (!*n && env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < 1 || v > 1024)
            return pl_errorf(e, PL_EINPUT, "PARLOGIT_REPORT_WORKERS=%s: expected a number of "
                             "worker processes from 1 to 1024", env);
        *n = (int)v;
    }
    if (!*n)
        *n = pl_affinity_cpus();
    return PL_OK;
}

int pl_report_build(const char *dir, const char *name, pl_report_summary *s, pl_error *e)
{
    return pl_report_build_opts(dir, &(pl_report_opts){ .name = name }, s, e);
}

int pl_report_build_opts(const char *dir, const pl_report_opts *o, pl_report_summary *s,
                         pl_error *e)
{
    const char *name = o ? o->name : NULL;
    memset(s, 0, sizeof *s);
    pl_run_dir r;
    static pl_config cfg;   /* large: off the stack */
    pl_data data = { 0 };
    pl_jobs jobs = { 0 };
    pl_page b = { .dir = dir, .s = s, .jobs = &jobs };
    int rc = workers(o, e, &s->workers);
    if (rc)
        return rc;
    rc = pl_run_dir_open(dir, &r, e);
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
        snprintf(title, sizeof title, "parlogit run %s", name ? name : dir);
        b.f = page.f;
        pl_html_begin(b.f, title);
        rc = body(&b, &r, &cfg, &data, e);
        pl_html_end(b.f);
        /* Every picture now, from the table the page was written with; the
         * page is kept only when all of them were drawn. */
        if (!rc) {
            if ((size_t)s->workers > jobs.n)
                s->workers = jobs.n ? (int)jobs.n : 1;
            rc = pl_jobs_draw(&jobs, s->workers, e);
        }
        if (rc)
            pl_afile_abort(&page);
        else
            rc = pl_afile_commit(&page, e);
    }
    pl_jobs_free(&jobs);
    pl_data_free(&data);
    pl_run_dir_free(&r);
    return rc;
}
