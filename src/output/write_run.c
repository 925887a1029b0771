/*
 * write_run.c - a run's files: results.csv, curves.csv, every model's weights
 * and bias in models.npz and its sidecar in models.json (per-model files on
 * request: output.model_files).  See include/parlogit/output.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/json.h"
#include "output/npy.h"
#include "output/npz.h"
#include "parlogit/model.h"
#include "parlogit/output.h"
#include "util/util.h"

/* r's model name, whole, into full (160 bytes). */
static void full_name(const pl_result *r, char full[160])
{
    char task[PL_TASK_NAME_MAX], num[32], r1[32], lr[32], pen[80] = "";
    pl_task_name(r->task, task);
    if (r->h.solver != PL_SOLVER_GD) {
        if (r->h.penalty == PL_PENALTY_L2)
            snprintf(pen, sizeof pen, "_C%s", pl_fmt_double(num, r->h.C));
        else if (r->h.penalty == PL_PENALTY_L1)
            snprintf(pen, sizeof pen, "_l1_C%s", pl_fmt_double(num, r->h.C));
        else if (r->h.penalty == PL_PENALTY_ELASTICNET)
            snprintf(pen, sizeof pen, "_en%s_C%s", pl_fmt_double(r1, r->h.l1_ratio),
                     pl_fmt_double(num, r->h.C));
    }
    pl_fmt_double(lr, r->lr);
    switch (r->h.solver) {
    case PL_SOLVER_LBFGS:
        snprintf(full, 160, "%s_lbfgs%s", task, pen);
        break;
    case PL_SOLVER_NEWTON:
        snprintf(full, 160, "%s_newton%s", task, pen);
        break;
    case PL_SOLVER_SGD:
        snprintf(full, 160, "%s_sgd_lr%s%s_ep%d", task, lr, pen, r->h.epochs);
        break;
    default:
        snprintf(full, 160, "%s_lr%s_it%d", task, lr, r->iterations);
    }
}

const char *pl_model_name(const pl_result *r, char buf[64])
{
    char full[160];
    full_name(r, full);
    snprintf(buf, 64, "%.63s", full);
    return buf;
}

int pl_plan_names_check(const pl_plan *plan, pl_error *e)
{
    size_t n = 0;
    for (size_t j = 0; j < plan->njobs; j++)
        n += plan->jobs[j].h.solver == PL_SOLVER_GD ? (size_t)plan->niters : 1;
    char (*names)[160] = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the model names");
    size_t k = 0;
    int rc = PL_OK;
    for (size_t j = 0; !rc && j < plan->njobs; j++) {
        const pl_job *job = &plan->jobs[j];
        const int nc = job->h.solver == PL_SOLVER_GD ? plan->niters : 1;
        for (int c = 0; !rc && c < nc; c++) {
            const pl_result r = { .task = job->task, .h = job->h, .lr = job->h.lr,
                                  .iterations = plan->iters[c] };
            full_name(&r, names[k]);
            if (strlen(names[k]) > 63)
                rc = pl_errorf(e, PL_EINPUT, "the model name '%s' is longer than 63 characters: "
                               "write the learning rates, C and l1_ratio with fewer digits",
                               names[k]);
            for (size_t q = 0; !rc && q < k; q++)
                if (!strcmp(names[q], names[k]))
                    rc = pl_errorf(e, PL_EINPUT, "two models would be named '%s' (the same "
                                   "task and hyper-parameters twice)", names[k]);
            k++;
        }
    }
    free(names);
    return rc;
}

static int write_results(const char *dir, const pl_run *run, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, "results.csv", e);
    if (rc)
        return rc;
    fputs(PL_RESULTS_HEADER "\n", f.f);
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        /* lbfgs and sgd minimise F: its objective, gradient and convergence */
        const int lb = r->h.solver == PL_SOLVER_LBFGS || r->h.solver == PL_SOLVER_NEWTON;
        const int sg = r->h.solver == PL_SOLVER_SGD;
        const int pen = (lb || sg) && r->h.penalty != PL_PENALTY_NONE;
        char t[PL_TASK_NAME_MAX], a[32], b[32], c[32], d[32], g[32], s[32], m[64];
        char C[32] = "", ob[32] = "", gn[32] = "";
        fprintf(f.f, "%s,%s,%d,%s,%s,%s,%s,%s,%s", pl_task_name(r->task, t),
                lb ? "" : pl_fmt_double(a, r->lr), r->iterations,
                pl_fmt_double(b, r->train_loss), pl_fmt_double(c, r->train_acc),
                pl_fmt_double(d, r->test_loss), pl_fmt_double(g, r->test_acc),
                pl_fmt_double(s, r->seconds), pl_run_status_name(r->status));
        if (pen)
            pl_fmt_double(C, r->h.C);
        if (lb || sg) {
            pl_fmt_double(ob, r->objective);
            pl_fmt_double(gn, r->grad_norm);
        }
        fprintf(f.f, ",%s,%s,%s,%s,%s,%d,%s,%s,%zu\n", pl_model_name(r, m),
                pl_solver_name(r->h.solver), C, ob, gn, r->passes,
                lb || sg ? (r->converged ? "yes" : "no") : "",
                pl_penalty_name(lb || sg ? r->h.penalty : PL_PENALTY_NONE), r->nonzero);
    }
    return pl_afile_commit(&f, e);
}

/* Curve cv's rows of curves.csv into f. */
static void curve_rows(FILE *f, const pl_curve *cv)
{
    char t[PL_TASK_NAME_MAX], lr[32], l[32], ep[32], a[32], vl[32], va[32];
    pl_task_name(cv->task, t);
    pl_fmt_double(lr, cv->lr);
    for (int k = 0; k < cv->len; k++) {
        fprintf(f, "%s,%s,%d,%s,%s", t, lr, k, pl_fmt_double17(l, cv->loss[k]), cv->label);
        if (cv->step)   /* sgd's points */
            fprintf(f, ",%ld,%s,%s,%s,%s\n", cv->step[k], pl_fmt_double17(ep, cv->epoch[k]),
                    pl_fmt_double17(a, cv->acc[k]), pl_fmt_double17(vl, cv->val_loss[k]),
                    pl_fmt_double17(va, cv->val_acc[k]));
        else
            fputs(",,,,,\n", f);
    }
}

/* curves.csv: hundreds of thousands of formatted losses in a sweep, so the
 * curves are formatted on every thread, each into memory, then written in
 * their order. */
static int write_curves(const char *dir, const pl_run *run, pl_error *e)
{
    const size_t n = run->ncurves;
    char **text = calloc(n ? n : 1, sizeof *text);
    size_t *len = calloc(n ? n : 1, sizeof *len);
    if (!text || !len) {
        free(text);
        free(len);
        return pl_errorf(e, PL_ENOMEM, "out of memory for curves.csv");
    }
    int failed = 0;
#pragma omp parallel for schedule(dynamic) if (n > 1) reduction(| : failed)
    for (size_t i = 0; i < n; i++) {
        FILE *m = open_memstream(&text[i], &len[i]);
        if (!m) {
            failed = 1;
            continue;
        }
        curve_rows(m, &run->curves[i]);
        failed |= fclose(m) != 0;
    }
    pl_afile f;
    int rc = failed ? pl_errorf(e, PL_ENOMEM, "out of memory for curves.csv")
                    : pl_afile_open_in(&f, dir, "curves.csv", e);
    if (!rc) {
        fputs(PL_CURVES_HEADER "\n", f.f);
        for (size_t i = 0; i < n; i++)
            fwrite(text[i], 1, len[i], f.f);
        rc = pl_afile_commit(&f, e);
    }
    for (size_t i = 0; i < n; i++)
        free(text[i]);
    free(text);
    free(len);
    return rc;
}

static void json_kv(FILE *f, const char *key, double x, int last)
{
    fprintf(f, "  ");
    pl_json_str(f, key);
    fputs(": ", f);
    pl_json_num(f, x);
    fputs(last ? "\n" : ",\n", f);
}

/* What every sidecar of a run ends with, the same for all: the data files
 * with their digests and the effective config (about 3 KiB of formatted
 * numbers).  Formatted once per run into a malloc'ed string, not once per
 * model: in a 540-model sweep it was most of the time spent writing. */
static char *sidecar_tail(const pl_config *cfg, const pl_data *data)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs(",\n  \"data_files\": [", f);
    for (int i = 0; data && i < data->nfiles; i++) {
        fputs(i ? ",\n    {\"role\": " : "\n    {\"role\": ", f);
        pl_json_str(f, data->files[i].role);
        fputs(", \"path\": ", f);
        pl_json_str(f, data->files[i].path);
        fputs(", \"sha256\": ", f);
        pl_json_str(f, data->files[i].sha256);
        fputs("}", f);
    }
    fputs(data && data->nfiles ? "\n  ],\n  \"config\": " : "],\n  \"config\": ", f);
    pl_json_config(f, cfg, "  ");
    fputs("\n}\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void sidecar_body(FILE *f, const char *wname, const char *bname, const pl_run *run,
                         const pl_result *r)
{
    char t[PL_TASK_NAME_MAX], s[32];
    fputs("  \"pair\": ", f);
    pl_json_str(f, pl_task_name(r->task, t));
    if (r->task.kind == PL_KIND_BINARY) {
        fprintf(f, ",\n  \"kind\": \"binary\",\n  \"positive\": %d,\n  \"negative\": ",
                r->task.pos);
        if (r->task.neg == PL_REST)
            fputs("\"rest\"", f);
        else
            fprintf(f, "%d", r->task.neg);
    } else {
        fprintf(f, ",\n  \"kind\": \"%s\",\n  \"classes\": [",
                r->task.kind == PL_KIND_OVR ? "ovr" : "softmax");
        for (int k = 0; k < r->k; k++)
            fprintf(f, k ? ", %d" : "%d", pl_task_output_class(r->task, k));
        fputs("]", f);
    }
    fputs(",\n", f);
    fprintf(f, "  \"solver\": \"%s\",\n", pl_solver_name(r->h.solver));
    if (r->h.solver == PL_SOLVER_SGD) {
        json_kv(f, "lr", r->lr, 0);
        fprintf(f, "  \"batch_size\": %d,\n  \"epochs\": %d,\n  \"shuffle_seed\": %llu,\n",
                r->h.batch_size, r->h.epochs, r->h.shuffle_seed);
        fprintf(f, "  \"lr_schedule\": \"%s\",\n",
                r->h.schedule == PL_LR_INVSCALING ? "invscaling" : "constant");
        if (r->h.schedule == PL_LR_INVSCALING)
            json_kv(f, "power_t", r->h.power_t, 0);
    }
    if (r->h.solver != PL_SOLVER_GD) {
        fprintf(f, "  \"penalty\": \"%s\",\n", pl_penalty_name(r->h.penalty));
        if (r->h.penalty != PL_PENALTY_NONE)
            json_kv(f, "C", r->h.C, 0);
        if (r->h.penalty == PL_PENALTY_ELASTICNET)
            json_kv(f, "l1_ratio", r->h.l1_ratio, 0);
        fprintf(f, "  \"nonzero_weights\": %zu,\n", r->nonzero);
        json_kv(f, "tol", r->h.tol, 0);
        if (r->h.solver == PL_SOLVER_LBFGS || r->h.solver == PL_SOLVER_NEWTON)
            fprintf(f, "  \"max_iter\": %d,\n", r->h.max_iter);
        json_kv(f, "objective", r->objective, 0);
        json_kv(f, "grad_norm", r->grad_norm, 0);
        fprintf(f, "  \"converged\": %s,\n", r->converged ? "true" : "false");
    } else {
        json_kv(f, "lr", r->lr, 0);
    }
    fprintf(f, "  \"passes\": %d,\n", r->passes);
    fprintf(f, "  \"iterations\": %d,\n  \"status\": ", r->iterations);
    pl_json_str(f, pl_run_status_name(r->status));
    fprintf(f, ",\n  \"weights\": ");
    if (r->status == PL_RUN_OK)   /* a model never reached has no files */
        pl_json_str(f, wname);
    else
        fputs("null", f);
    if (r->task.kind == PL_KIND_BINARY)
        fprintf(f, ",\n  \"weights_shape\": [%zu],", run->dim);
    else
        fprintf(f, ",\n  \"weights_shape\": [%d, %zu],", r->k, run->dim);
    fprintf(f, "\n  \"image\": [%zu, %zu],\n  \"pixel_max\": %u,\n  \"bias_file\": ",
            run->height, run->width, run->pixel_max);
    if (r->status == PL_RUN_OK)
        pl_json_str(f, bname);
    else
        fputs("null", f);
    if (r->task.kind == PL_KIND_BINARY) {
        fprintf(f, ",\n  \"bias\": %s,\n", r->b[0] == r->b[0] ? pl_fmt_float(s, r->b[0]) : "null");
    } else {
        fputs(",\n  \"bias\": [", f);
        for (int k = 0; k < r->k; k++)
            fprintf(f, "%s%s", k ? ", " : "", r->b[k] == r->b[k] ? pl_fmt_float(s, r->b[k]) : "null");
        fputs("],\n", f);
    }
    json_kv(f, "train_loss", r->train_loss, 0);
    json_kv(f, "train_acc", r->train_acc, 0);
    json_kv(f, "test_loss", r->test_loss, 0);
    json_kv(f, "test_acc", r->test_acc, 0);
    json_kv(f, "seconds", r->seconds, 0);
    fprintf(f, "  \"train_rows\": %zu,\n  \"test_rows\": %zu,\n", r->train_rows, r->test_rows);
    fprintf(f, "  \"threads\": %d,\n  \"simd\": ", run->threads);
    pl_json_str(f, run->simd ? run->simd : "");
}

/* models/NAME.json: the sidecar of one model (output.model_files = true). */
static int write_sidecar(const pl_sdir *dir, const char *name, const char *tail,
                         const pl_run *run, const pl_result *r, pl_error *e)
{
    char file[160], wname[160], bname[160];
    snprintf(file, sizeof file, "%s.json", name);
    snprintf(wname, sizeof wname, "%s.w.npy", name);
    snprintf(bname, sizeof bname, "%s.b.npy", name);
    pl_afile f;
    int rc = pl_afile_open_staged(&f, dir, file, e);
    if (rc)
        return rc;
    fputs("{\n", f.f);
    sidecar_body(f.f, wname, bname, run, r);
    fputs(tail, f.f);
    return pl_afile_commit(&f, e);
}

static int write_predictions(const pl_sdir *dir, const char *name, const pl_run *run,
                             const pl_result *r, const pl_dataset *test, pl_error *e)
{
    char file[160];
    pl_afile f;
    snprintf(file, sizeof file, "%s" PL_PREDICTIONS_TAIL, name);
    int rc = pl_afile_open_staged(&f, dir, file, e);
    if (rc)
        return rc;
    const pl_model m = pl_model_of_result(r, run);
    rc = pl_predictions_write(f.f, &m, test, e);
    if (rc) {
        pl_afile_abort(&f);
        return rc;
    }
    return pl_afile_commit(&f, e);
}

/* What models.json's entries are indented by, past an old sidecar's. */
#define ENTRY_INDENT "    "

/* text with ENTRY_INDENT after each of its newlines (and before it). */
static void put_indented(FILE *f, const char *text)
{
    fputs(ENTRY_INDENT, f);
    for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1) {
        fwrite(text, 1, (size_t)(nl - text) + 1, f);
        fputs(ENTRY_INDENT, f);
    }
    fputs(text, f);
}

/* Model r's arrays as stored: binary (dim,) and (); K outputs (K, dim) and
 * (K,).  shape[0..1] holds both: the weights' start at *w, the bias's at
 * shape; their ranks in *wnd and *bnd. */
static void array_shapes(const pl_run *run, const pl_result *r, size_t shape[2],
                         const size_t **w, int *wnd, int *bnd)
{
    const int multi = r->task.kind != PL_KIND_BINARY;
    shape[0] = (size_t)r->k;
    shape[1] = run->dim;
    *w = multi ? shape : shape + 1;
    *wnd = multi ? 2 : 1;
    *bnd = multi ? 1 : 0;
}

/* models.npz: the weights and bias of every model trained, in results order
 * (binary: (dim,) and (); K outputs: (K, dim) and (K,)). */
static int write_archive(const char *dir, const pl_run *run, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, "models.npz", e);
    if (rc)
        return rc;
    pl_npz_writer z;
    pl_npz_begin(&z, f.f, f.path);
    for (size_t i = 0; !rc && i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        if (r->status != PL_RUN_OK)   /* a model that was never reached has no weights */
            continue;
        char name[64], member[80];
        pl_model_name(r, name);
        size_t shape[2];
        const size_t *ws;
        int wnd, bnd;
        array_shapes(run, r, shape, &ws, &wnd, &bnd);
        snprintf(member, sizeof member, "%s.w.npy", name);
        rc = pl_npz_add(&z, member, r->w, wnd, ws, e);
        snprintf(member, sizeof member, "%s.b.npy", name);
        if (!rc)
            rc = pl_npz_add(&z, member, r->b, bnd, shape, e);
    }
    if (!rc)
        rc = pl_npz_end(&z, e);
    pl_npz_writer_free(&z);
    if (rc) {
        pl_afile_abort(&f);
        return rc;
    }
    return pl_afile_commit(&f, e);
}

/* models.json: every model's sidecar under "models", in results order, then
 * the run-wide data files and config (tail) once. */
static int write_models_json(const char *dir, const char *tail, const pl_run *run,
                             pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, "models.json", e);
    if (rc)
        return rc;
    char *body = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&body, &len);
    if (!mem) {
        pl_afile_abort(&f);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    fputs("{\n  \"format\": \"parlogit models 1\",\n  \"archive\": \"models.npz\",\n"
          "  \"models\": {", f.f);
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        char name[64], wname[80], bname[80];
        pl_model_name(r, name);
        snprintf(wname, sizeof wname, "%s.w", name);
        snprintf(bname, sizeof bname, "%s.b", name);
        rewind(mem);
        sidecar_body(mem, wname, bname, run, r);
        fputc('\0', mem);
        fflush(mem);
        fputs(i ? ",\n    " : "\n    ", f.f);
        pl_json_str(f.f, name);
        fputs(": {\n", f.f);
        put_indented(f.f, body);
        fputs("\n    }", f.f);
    }
    fclose(mem);
    free(body);
    fputs(run->nresults ? "\n  }" : "}", f.f);
    fputs(tail, f.f);
    return pl_afile_commit(&f, e);
}

/* Model r's files in models/: a ten-class model's predictions and, with
 * files (output.model_files), its arrays and sidecar. */
static int write_model_files(const pl_sdir *staged, int files, const char *tail,
                             const pl_data *data, const pl_run *run, const pl_result *r,
                             pl_error *e)
{
    char name[64], file[160];
    pl_model_name(r, name);
    int rc = PL_OK;
    if (files && r->status == PL_RUN_OK) {
        size_t shape[2];
        const size_t *ws;
        int wnd, bnd;
        array_shapes(run, r, shape, &ws, &wnd, &bnd);
        snprintf(file, sizeof file, "%s.w.npy", name);
        rc = pl_npy_stage(file, r->w, wnd, ws, staged, e);
        snprintf(file, sizeof file, "%s.b.npy", name);
        if (!rc)
            rc = pl_npy_stage(file, r->b, bnd, shape, staged, e);
    }
    if (!rc && r->status == PL_RUN_OK && r->task.kind != PL_KIND_BINARY && data &&
        data->test.n)
        rc = write_predictions(staged, name, run, r, &data->test, e);
    if (!rc && files)
        rc = write_sidecar(staged, name, tail, run, r, e);
    return rc;
}

int pl_write_run(const char *dir, const pl_config *cfg, const pl_data *data,
                 const pl_run *run, pl_error *e)
{
    char models[4096];
    pl_sdir staged;
    snprintf(models, sizeof models, "%s/models", dir);
    int rc = pl_mkdirs(dir, e);
    if (!rc)
        rc = write_results(dir, run, e);
    if (!rc)
        rc = write_curves(dir, run, e);
    if (rc)
        return rc;
    char *tail = sidecar_tail(cfg, data);
    if (!tail)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    rc = write_archive(dir, run, e);
    if (!rc)
        rc = write_models_json(dir, tail, run, e);
    /* models/: the ten-class models' predictions and, on request, each
     * model's own files; replaced as a whole */
    if (!rc)
        rc = pl_sdir_open(&staged, models, e);
    if (rc) {
        free(tail);
        return rc;
    }
    const int files = cfg && cfg->output.model_files;
    const size_t n = run->nresults;
    size_t bad = n;   /* the first model whose files failed: its error is told */
    /* each model's files are its own: written on every thread (a ten-class
     * model's predictions are thousands of formatted probabilities) */
#pragma omp parallel for schedule(dynamic) if (n > 1)
    for (size_t i = 0; i < n; i++) {
        pl_error mine;
        if (write_model_files(&staged, files, tail, data, run, &run->results[i], &mine) != PL_OK) {
#pragma omp critical(pl_write_run_error)
            if (i < bad) {
                bad = i;
                *e = mine;
            }
        }
    }
    if (bad < n)
        rc = e->code;
    free(tail);
    if (rc)
        pl_sdir_abort(&staged);
    else
        rc = pl_sdir_commit(&staged, e);
    return rc;
}

/* A file of n bytes on a file system of 4 KiB blocks. */
static uint64_t blocks(uint64_t n)
{
    return (n + 4095) / 4096 * 4096;
}

uint64_t pl_run_size_estimate(const pl_plan *plan, size_t dim, size_t test_rows)
{
    /* Generous per-line and per-file sizes measured on real runs: a sidecar
     * holds the effective config (about 3 KiB), a results row 200 bytes, a
     * curves row 50, a predictions row 12 bytes per class and 20 more. */
    uint64_t total = blocks(64) /* marker */, results = 256, curves = 64, summary = 16384;
    size_t nmodels = 0;
    int any_multi = 0;
    for (size_t j = 0; j < plan->njobs; j++) {
        const pl_job *job = &plan->jobs[j];
        const int gd = job->h.solver == PL_SOLVER_GD;
        const size_t n = gd ? (size_t)plan->niters : 1;
        const uint64_t k = (uint64_t)pl_task_outputs(job->task);
        const int multi = job->task.kind != PL_KIND_BINARY;
        nmodels += n;
        curves += job->h.solver == PL_SOLVER_SGD
                      ? 120 * (uint64_t)pl_sgd_points(&job->h, 70000)   /* MNIST's rows at most */
                      : 50 * (uint64_t)((gd ? plan->iters[plan->niters - 1] : job->h.max_iter) + 1);
        /* models.npz and models.json, and as much again for output.model_files */
        total += n * (2 * (128 + k * dim * 4 + k * 4 + 200) + 2048) +
                 n * (blocks(128 + k * dim * 4) + blocks(128 + k * 4) + blocks(4096));
        if (multi)
            total += n * blocks(test_rows * (20 + 12 * k));
        any_multi |= multi;
        results += n * 200;
        summary += n * 700;
    }
    /* best.csv, pair_accuracy.csv, the confusion matrices; predictions.csv
     * of the best ten-class model */
    total += blocks(results) + blocks(curves) + blocks(summary) + blocks(nmodels * 128) +
             5 * blocks(1024) + (any_multi ? blocks(test_rows * 150) : 0);
    return total;
}
