/*
 * rundir.c - a run directory read back: its results, the model to explain
 * for a task, a binary model's weights and the run's effective config.  See
 * report.h.  Tasks are compared with pl_task_equal, so "softmax" and
 * "softmax-012" (or "ovr" and "softmax", whose pos and neg are both 0) are
 * never taken for one another.  The JSON sidecars are read with jansson, and
 * every way one can be wrong (cut, not JSON, members missing or of the wrong
 * type, numbers out of range, nested past jansson's depth limit) is PL_EINPUT
 * naming the file (with jansson's line and column when it is not JSON).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "output/store.h"
#include "parlogit/data.h"
#include "parlogit/model.h"
#include "parlogit/report.h"
#include "util/util.h"

/* Adds t to list[0..*n) unless it is there. */
static void add_task(pl_task *list, int *n, pl_task t)
{
    for (int k = 0; k < *n; k++)
        if (pl_task_equal(list[k], t))
            return;
    if (*n < PL_MAX_TASKS)
        list[(*n)++] = t;
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
        pl_task t = r->rows[i].task;
        if (t.kind == PL_KIND_BINARY)
            add_task(r->pairs, &r->npairs, t);
        else
            add_task(r->multi, &r->nmulti, t);
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
    r->npairs = r->nmulti = 0;
}

const char *pl_result_row_name(const pl_result_row *row, char buf[64])
{
    char lr[32];
    if (row->model[0])
        snprintf(buf, 64, "%s", row->model);
    else   /* a run from before results.csv named its models */
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
        if (pl_task_equal(r->best[k].task, t))
            b = &r->best[k];
    for (size_t i = 0; i < r->nrows; i++) {
        const pl_result_row *row = &r->rows[i];
        if (!pl_task_equal(row->task, t))
            continue;
        in_run = 1;
        if (strcmp(row->status, "ok") != 0)
            continue;
        if (chosen) {
            if ((lr > 0 && row->lr != lr) || (iterations > 0 && row->iterations != iterations))
                continue;
        } else if (b && b->model[0] && row->model[0]) {
            if (strcmp(row->model, b->model) != 0)
                continue;
        } else if (b && (row->lr != b->lr || row->iterations != b->iterations)) {
            continue;
        }
        if (!best || score(row) > score(best))
            best = row;
    }
    const char *what = t.kind == PL_KIND_BINARY ? "pair" : "task";
    if (!in_run)
        return pl_errorf(e, PL_EINPUT, "%s: %s %s is not in this run", r->dir, what, name);
    if (!best)
        return pl_errorf(e, PL_EINPUT, "%s: %s %s has no trained model%s", r->dir, what, name,
                         chosen || b ? " matching the learning rate and iterations asked for"
                                     : "");
    *out = best;
    return PL_OK;
}

const pl_result_row *pl_run_dir_find(const pl_run_dir *r, const char *name)
{
    char buf[64];
    for (size_t i = 0; i < r->nrows; i++)
        if (!strcmp(pl_result_row_name(&r->rows[i], buf), name))
            return &r->rows[i];
    return NULL;
}

int pl_run_dir_model(const pl_run_dir *r, const pl_result_row *row, float **w, float *b,
                     size_t *dim, pl_error *e)
{
    char name[64];
    pl_model m;
    *w = NULL;
    int rc = pl_model_load(r->dir, pl_result_row_name(row, name), &m, e);
    if (rc)
        return rc;
    if (m.k != 1) {
        /* the pair analyses are the binary seeds' (one logit) */
        rc = pl_errorf(e, PL_EINPUT, "%s/models/%s: a model with %d outputs, expected a "
                       "binary model", r->dir, name, m.k);
        pl_model_free(&m);
        return rc;
    }
    *dim = m.dim;
    *w = m.w;   /* handed over: the caller frees it */
    *b = m.b[0];
    return PL_OK;
}

int pl_run_dir_config(const pl_run_dir *r, const pl_result_row *row, pl_config *cfg,
                      pl_error *e)
{
    char name[64], path[PL_PATH_MAX + 200];
    pl_result_row_name(row, name);
    json_t *c = NULL;
    int rc = pl_store_config(r->dir, name, &c, path, e);
    if (rc)
        return rc;
    pl_config_defaults(cfg);
    /* what pl_json_config writes: "config": { "SECTION": { "KEY": "VALUE", ... }, ... } */
    const char *section, *key;
    json_t *sec, *kv;
    json_object_foreach(c, section, sec) {
        if (rc)
            break;
        if (!json_is_object(sec)) {
            rc = pl_errorf(e, PL_EINPUT, "%s: config.%.64s: expected an object of "
                           "strings", path, section);
            break;
        }
        json_object_foreach(sec, key, kv) {
            if (!json_is_string(kv)) {
                rc = pl_errorf(e, PL_EINPUT, "%s: config.%.64s.%.64s: expected a string",
                               path, section, key);
                break;
            }
            /* a key at the value it holds (its default) stays unset, so it
             * still reads as "default": data.train_labels of a CSV run is
             * MNIST's name, ignored, and an error only when set */
            char now[PL_PATH_MAX + 128];
            if (pl_config_key_text(cfg, section, key, now, sizeof now) == 0 &&
                strcmp(now, json_string_value(kv)) == 0)
                continue;
            char assign[PL_PATH_MAX + 128];
            if (snprintf(assign, sizeof assign, "%s.%s=%s", section, key,
                         json_string_value(kv)) >= (int)sizeof assign) {
                rc = pl_errorf(e, PL_EINPUT, "%s: config.%.64s.%.64s: too long", path,
                               section, key);
                break;
            }
            rc = pl_config_set(cfg, assign, e);
            if (rc) {
                pl_error_prefix(e, "%s: config", path);
                break;
            }
        }
    }
    json_decref(c);
    if (!rc && (rc = pl_config_check(cfg, e)) != PL_OK)   /* a sidecar edited by hand */
        pl_error_prefix(e, "%s: config", path);
    return rc;
}

int pl_run_dir_data(const pl_run_dir *r, const pl_result_row *row, pl_data *data,
                    pl_error *e)
{
    static pl_config cfg;   /* large: off the stack (the report runs on one thread) */
    memset(data, 0, sizeof *data);
    int rc = pl_run_dir_config(r, row, &cfg, e);
    if (!rc)
        rc = pl_data_load(&cfg, 1, data, e);
    return rc;
}
