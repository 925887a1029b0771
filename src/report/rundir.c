/*
 * rundir.c - a run directory read back: its results, the model to explain
 * for a pair, that model's weights and the run's effective config.  See
 * report.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parlogit/output.h"
#include "parlogit/report.h"
#include "report/jsonread.h"
#include "util/util.h"

static int same_task(pl_task a, pl_task b)
{
    return a.pos == b.pos && a.neg == b.neg;
}

int pl_run_dir_open(const char *dir, pl_run_dir *r, pl_error *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    char path[PL_PATH_MAX + 32];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pl_errorf(e, PL_EINPUT, "%s: not a directory", dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (access(path, F_OK) != 0)
        return pl_errorf(e, PL_EINPUT, "%s: no results.csv, not a parlogit run directory", dir);
    int rc = pl_read_results(path, &r->rows, &r->nrows, e);
    for (size_t i = 0; !rc && i < r->nrows; i++) {
        int seen = 0;
        for (int k = 0; k < r->npairs; k++)
            seen |= same_task(r->pairs[k], r->rows[i].task);
        if (!seen && r->npairs < PL_MAX_TASKS)
            r->pairs[r->npairs++] = r->rows[i].task;
    }
    snprintf(path, sizeof path, "%s/best.csv", dir);
    if (!rc && access(path, F_OK) == 0)
        rc = pl_read_best(path, &r->best, &r->nbest, e);
    if (rc)
        pl_run_dir_free(r);
    return rc;
}

void pl_run_dir_free(pl_run_dir *r)
{
    free(r->rows);
    free(r->best);
    r->rows = NULL;
    r->best = NULL;
    r->nrows = r->nbest = 0;
}

const char *pl_result_row_name(const pl_result_row *row, char buf[64])
{
    char lr[32];
    snprintf(buf, 64, "%s_lr%s_it%d", row->pair, pl_fmt_double(lr, row->lr), row->iterations);
    return buf;
}

/* Higher accuracy wins; NaN never does. */
static double score(const pl_result_row *row)
{
    double a = isfinite(row->test_acc) ? row->test_acc : row->train_acc;
    return isfinite(a) ? a : -1;
}

int pl_run_dir_pick(const pl_run_dir *r, pl_task t, double lr, int iterations,
                    const pl_result_row **out, pl_error *e)
{
    char name[PL_TASK_NAME_MAX];
    pl_task_name(t, name);
    const pl_result_row *best = NULL;
    int in_run = 0;
    int chosen = lr > 0 || iterations > 0;
    const pl_best_row *b = NULL;
    for (size_t k = 0; !chosen && k < r->nbest; k++)
        if (same_task(r->best[k].task, t))
            b = &r->best[k];
    for (size_t i = 0; i < r->nrows; i++) {
        const pl_result_row *row = &r->rows[i];
        if (!same_task(row->task, t))
            continue;
        in_run = 1;
        if (strcmp(row->status, "ok") != 0)
            continue;
        if (chosen) {
            if ((lr > 0 && row->lr != lr) || (iterations > 0 && row->iterations != iterations))
                continue;
        } else if (b && (row->lr != b->lr || row->iterations != b->iterations)) {
            continue;
        }
        if (!best || score(row) > score(best))
            best = row;
    }
    if (!in_run)
        return pl_errorf(e, PL_EINPUT, "%s: pair %s is not in this run", r->dir, name);
    if (!best)
        return pl_errorf(e, PL_EINPUT, "%s: pair %s has no trained model%s", r->dir, name,
                         chosen || b ? " matching the learning rate and iterations asked for"
                                     : "");
    *out = best;
    return PL_OK;
}

int pl_run_dir_model(const pl_run_dir *r, const pl_result_row *row, float **w, float *b,
                     pl_error *e)
{
    char name[64], path[PL_PATH_MAX + 128];
    pl_result_row_name(row, name);
    int ndim;
    size_t shape[4];
    float *bias = NULL;
    *w = NULL;
    snprintf(path, sizeof path, "%s/models/%s.w.npy", r->dir, name);
    int rc = pl_npy_read(path, w, &ndim, shape, e);
    if (!rc && (ndim != 1 || shape[0] != PL_PIXELS))
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape (%d,)", path, PL_PIXELS);
    snprintf(path, sizeof path, "%s/models/%s.b.npy", r->dir, name);
    if (!rc)
        rc = pl_npy_read(path, &bias, &ndim, shape, e);
    if (!rc && ndim != 0)
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape ()", path);
    if (!rc)
        *b = bias[0];
    free(bias);
    if (rc) {
        free(*w);
        *w = NULL;
    }
    return rc;
}

int pl_run_dir_config(const pl_run_dir *r, const pl_result_row *row, pl_config *cfg,
                      pl_error *e)
{
    char name[64], path[PL_PATH_MAX + 128];
    pl_result_row_name(row, name);
    snprintf(path, sizeof path, "%s/models/%s.json", r->dir, name);
    pl_jv *root = NULL;
    int rc = pl_json_load(path, &root, e);
    if (rc)
        return rc;
    const pl_jv *c = pl_jv_get(root, "config");
    if (!c || c->type != PL_JOBJ)
        rc = pl_errorf(e, PL_EINPUT, "%s: no \"config\" object", path);
    pl_config_defaults(cfg);
    for (size_t s = 0; !rc && s < c->nkids; s++) {
        const pl_jv *sec = &c->kids[s];
        for (size_t k = 0; !rc && sec->type == PL_JOBJ && k < sec->nkids; k++) {
            const pl_jv *kv = &sec->kids[k];
            if (kv->type != PL_JSTR)
                continue;
            char assign[PL_PATH_MAX + 128];
            snprintf(assign, sizeof assign, "%s.%s=%s", sec->key, kv->key, kv->str);
            rc = pl_config_set(cfg, assign, e);
            if (rc)
                pl_error_prefix(e, "%s: config", path);
        }
    }
    pl_jv_free(root);
    return rc;
}
