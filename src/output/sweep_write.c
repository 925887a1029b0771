/*
 * sweep_write.c - pl_sweep_write: a sweep's summary files (best.csv,
 * pair_accuracy.csv, the confusion matrices, summary.json).  See
 * include/parlogit/sweep.h.  Every file goes through pl_afile (temporary file,
 * checked close, rename); numbers are lossless and locale-free.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/json.h"
#include "parlogit/model.h"
#include "parlogit/output.h"
#include "parlogit/sweep.h"
#include "util/util.h"

static int write_best(const char *dir, const pl_run *run, const pl_sweep *s, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, "best.csv", e);
    if (rc)
        return rc;
    fputs("pair,lr,iterations,val_acc,train_acc,test_acc,test_loss,model\n", f.f);
    for (int k = 0; k < s->nbest; k++) {
        const pl_sweep_best *b = &s->best[k];
        const pl_result *r = &run->results[b->result];
        char t[PL_TASK_NAME_MAX], lr[32], va[32], ta[32], sa[32], sl[32], m[64];
        fprintf(f.f, "%s,%s,%d,%s,%s,%s,%s,%s\n", pl_task_name(b->task, t),
                r->h.solver == PL_SOLVER_LBFGS || r->h.solver == PL_SOLVER_NEWTON
                    ? "" : pl_fmt_double(lr, b->lr), b->iterations,
                pl_fmt_double(va, b->val_acc), pl_fmt_double(ta, b->train_acc),
                pl_fmt_double(sa, b->test_acc), pl_fmt_double(sl, b->test_loss),
                pl_model_name(r, m));
    }
    return pl_afile_commit(&f, e);
}

static int write_pair_accuracy(const char *dir, const pl_sweep *s, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, "pair_accuracy.csv", e);
    if (rc)
        return rc;
    fputs("digit", f.f);
    for (int j = 0; j < PL_CLASSES; j++)
        fprintf(f.f, ",%d", j);
    fputc('\n', f.f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fprintf(f.f, "%d", i);
        for (int j = 0; j < PL_CLASSES; j++) {
            char a[32];
            /* empty: diagonal, untrained pair, or no test set */
            fprintf(f.f, ",%s", isnan(s->pair_acc[i][j]) ? "" : pl_fmt_double(a, s->pair_acc[i][j]));
        }
        fputc('\n', f.f);
    }
    return pl_afile_commit(&f, e);
}

/* Writes dir/name from v, or removes a stale one when v did not run. */
static int write_confusion(const char *dir, const char *name, const pl_sweep_vote *v,
                           pl_error *e)
{
    if (!v->ran) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (unlink(path) != 0 && errno != ENOENT)
            return pl_errorf(e, PL_EIO, "%s: cannot remove a stale file: %s", path,
                             strerror(errno));
        return PL_OK;
    }
    pl_afile f;
    int rc = pl_afile_open_in(&f, dir, name, e);
    if (rc)
        return rc;
    fputs("actual", f.f);
    for (int j = 0; j < PL_CLASSES; j++)
        fprintf(f.f, ",%d", j);
    fputc('\n', f.f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fprintf(f.f, "%d", i);
        for (int j = 0; j < PL_CLASSES; j++)
            fprintf(f.f, ",%zu", v->confusion[i][j]);
        fputc('\n', f.f);
    }
    return pl_afile_commit(&f, e);
}

/* Removes dir's files matching pattern that are not in keep[0..n). */
static int remove_stale(const char *dir, const char *pattern, char keep[][96], int n,
                        pl_error *e)
{
    char pat[4096];
    glob_t g;
    snprintf(pat, sizeof pat, "%s/%s", dir, pattern);
    if (glob(pat, 0, NULL, &g) != 0)
        return PL_OK;   /* none */
    int rc = PL_OK;
    for (size_t i = 0; !rc && i < g.gl_pathc; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        int kept = 0;
        for (int k = 0; k < n; k++)
            kept |= strcmp(base, keep[k]) == 0;
        if (!kept && unlink(g.gl_pathv[i]) != 0 && errno != ENOENT)
            rc = pl_errorf(e, PL_EIO, "%s: cannot remove a stale file: %s", g.gl_pathv[i],
                           strerror(errno));
    }
    globfree(&g);
    return rc;
}

/* The bytes of the file at path onto out (pl_read_file): *copied 1; a path
 * that does not exist: nothing written, *copied 0.  pl_read_file's errors;
 * PL_EIO when out takes fewer bytes. */
static int copy_file(const char *path, FILE *out, int *copied, pl_error *e)
{
    *copied = 0;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return PL_OK;
    unsigned char *buf;
    size_t n;
    int rc = pl_read_file(path, &buf, &n, e);
    if (rc)
        return rc;
    if (fwrite(buf, 1, n, out) != n)
        rc = pl_errorf(e, PL_EIO, "%s: cannot copy it into predictions.csv", path);
    free(buf);
    *copied = rc == PL_OK;
    return rc;
}

/* The ten-class models: confusion_TASK.csv for each ovr / softmax task's
 * best, predictions.csv for the best of them (a copy of the best model's own
 * models/NAME.predictions.csv, which pl_write_run wrote: the same bytes,
 * formatted once; computed again only where that file is not there); the
 * files of an earlier run's other ten-class tasks are removed. */
static int write_tenclass(const char *dir, const pl_data *data, const pl_run *run,
                          const pl_sweep *s, pl_error *e)
{
    char names[PL_SWEEP_MULTI][96];
    int rc = PL_OK;
    for (int q = 0; !rc && q < s->nmulti; q++) {
        char t[PL_TASK_NAME_MAX];
        snprintf(names[q], sizeof names[q], "confusion_%s.csv",
                 pl_task_name(s->best[s->multi_best[q]].task, t));
        rc = write_confusion(dir, names[q], &s->multi[q], e);
    }
    if (!rc)
        rc = remove_stale(dir, "confusion_*.csv", names, s->nmulti, e);
    if (rc)
        return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    if (s->top < 0 || !data || !data->test.n) {
        if (unlink(path) != 0 && errno != ENOENT)
            return pl_errorf(e, PL_EIO, "%s: cannot remove a stale file: %s", path,
                             strerror(errno));
        return PL_OK;
    }
    pl_afile f;
    rc = pl_afile_open_in(&f, dir, "predictions.csv", e);
    if (rc)
        return rc;
    const pl_result *best = &run->results[s->best[s->top].result];
    char name[64], copy[4096 + 160];
    snprintf(copy, sizeof copy, "%s/models/%s" PL_PREDICTIONS_TAIL, dir, pl_model_name(best, name));
    int copied = 0;
    rc = copy_file(copy, f.f, &copied, e);
    if (!rc && !copied) {
        const pl_model m = pl_model_of_result(best, run);
        rc = pl_predictions_write(f.f, &m, &data->test, e);
    }
    if (rc) {
        pl_afile_abort(&f);
        return rc;
    }
    return pl_afile_commit(&f, e);
}

/* ---------------------------------------------------------------- summary.json */

static void key(FILE *f, const char *indent, const char *k)
{
    fputs(indent, f);
    pl_json_str(f, k);
    fputs(": ", f);
}

static void num_field(FILE *f, const char *k, double x, int comma)
{
    pl_json_str(f, k);
    fputs(": ", f);
    pl_json_num(f, x);
    if (comma)
        fputs(", ", f);
}

static void task_fields(FILE *f, pl_task t)
{
    char name[PL_TASK_NAME_MAX];
    fputs("\"pair\": ", f);
    pl_json_str(f, pl_task_name(t, name));
    if (t.kind != PL_KIND_BINARY) {
        fprintf(f, ", \"kind\": \"%s\", \"classes\": [",
                t.kind == PL_KIND_OVR ? "ovr" : "softmax");
        for (int k = 0; k < pl_task_outputs(t); k++)
            fprintf(f, k ? ", %d" : "%d", pl_task_output_class(t, k));
        fputc(']', f);
        return;
    }
    fprintf(f, ", \"kind\": \"binary\", \"positive\": %d, \"negative\": ", t.pos);
    if (t.neg == PL_REST)
        fputs("\"rest\"", f);
    else
        fprintf(f, "%d", t.neg);
}

static void json_results(FILE *f, const pl_run *run)
{
    key(f, "  ", "results");
    fputs(run->nresults ? "[\n" : "[", f);
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        char name[64];
        fputs("    {", f);
        task_fields(f, r->task);
        fputs(", ", f);
        if (r->h.solver != PL_SOLVER_GD) {
            fprintf(f, "\"solver\": \"%s\", \"penalty\": \"%s\", \"nonzero_weights\": %zu, ",
                    pl_solver_name(r->h.solver), pl_penalty_name(r->h.penalty), r->nonzero);
            if (r->h.solver == PL_SOLVER_SGD) {
                num_field(f, "lr", r->lr, 1);
                fprintf(f, "\"batch_size\": %d, \"epochs\": %d, ", r->h.batch_size,
                        r->h.epochs);
            }
            if (r->h.penalty != PL_PENALTY_NONE)
                num_field(f, "C", r->h.C, 1);
            if (r->h.penalty == PL_PENALTY_ELASTICNET)
                num_field(f, "l1_ratio", r->h.l1_ratio, 1);
            num_field(f, "objective", r->objective, 1);
            num_field(f, "grad_norm", r->grad_norm, 1);
            fprintf(f, "\"converged\": %s, ", r->converged ? "true" : "false");
        } else {
            fputs("\"solver\": \"gd\", ", f);
            num_field(f, "lr", r->lr, 1);
        }
        fprintf(f, "\"passes\": %d, \"iterations\": %d, \"status\": ", r->passes,
                r->iterations);
        pl_json_str(f, pl_run_status_name(r->status));
        fputs(", \"model\": ", f);
        pl_json_str(f, pl_model_name(r, name));
        fputs(", ", f);
        num_field(f, "train_loss", r->train_loss, 1);
        num_field(f, "train_acc", r->train_acc, 1);
        num_field(f, "val_loss", r->val_loss, 1);
        num_field(f, "val_acc", r->val_acc, 1);
        num_field(f, "test_loss", r->test_loss, 1);
        num_field(f, "test_acc", r->test_acc, 1);
        num_field(f, "seconds", r->seconds, 1);
        fprintf(f, "\"train_rows\": %zu, \"val_rows\": %zu, \"test_rows\": %zu}%s\n",
                r->train_rows, r->val_rows, r->test_rows, i + 1 < run->nresults ? "," : "");
    }
    fputs(run->nresults ? "  ],\n" : "],\n", f);
}

static void json_best(FILE *f, const pl_run *run, const pl_sweep *s)
{
    key(f, "  ", "best");
    fputs(s->nbest ? "[\n" : "[", f);
    for (int k = 0; k < s->nbest; k++) {
        const pl_sweep_best *b = &s->best[k];
        char name[64];
        fputs("    {", f);
        task_fields(f, b->task);
        fputs(", ", f);
        num_field(f, "lr", b->lr, 1);
        fprintf(f, "\"iterations\": %d, \"chosen_on\": \"%s\", \"model\": ", b->iterations,
                b->on_val ? "validation" : "training");
        pl_json_str(f, pl_model_name(&run->results[b->result], name));
        fputs(", ", f);
        num_field(f, "val_acc", b->val_acc, 1);
        num_field(f, "val_loss", b->val_loss, 1);
        num_field(f, "train_acc", b->train_acc, 1);
        num_field(f, "train_loss", b->train_loss, 1);
        num_field(f, "test_acc", b->test_acc, 1);
        num_field(f, "test_loss", b->test_loss, 0);
        fprintf(f, "}%s\n", k + 1 < s->nbest ? "," : "");
    }
    fputs(s->nbest ? "  ],\n" : "],\n", f);
    key(f, "  ", "no_model");
    fputc('[', f);
    for (int k = 0; k < s->nunresolved; k++) {
        char name[PL_TASK_NAME_MAX];
        fputs(k ? ", " : "", f);
        pl_json_str(f, pl_task_name(s->unresolved[k], name));
    }
    fputs("],\n", f);
}

static void json_pair_table(FILE *f, const pl_sweep *s)
{
    key(f, "  ", "pair_accuracy");
    fputs("[\n", f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fputs("    [", f);
        for (int j = 0; j < PL_CLASSES; j++) {
            fputs(j ? ", " : "", f);
            pl_json_num(f, s->pair_acc[i][j]);   /* null where there is no model */
        }
        fputs(i + 1 < PL_CLASSES ? "],\n" : "]\n", f);
    }
    fputs("  ],\n", f);
}

static void json_vote(FILE *f, const char *k, const pl_sweep_vote *v, int comma)
{
    key(f, "  ", k);
    if (!v->ran) {
        fputs(comma ? "null,\n" : "null\n", f);
        return;
    }
    fprintf(f, "{\"rows\": %zu, \"correct\": %zu, ", v->rows, v->correct);
    num_field(f, "accuracy", v->acc, 1);
    fputs("\"confusion\": [\n", f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fputs("    [", f);
        for (int j = 0; j < PL_CLASSES; j++)
            fprintf(f, "%s%zu", j ? ", " : "", v->confusion[i][j]);
        fputs(i + 1 < PL_CLASSES ? "],\n" : "]\n", f);
    }
    fputs(comma ? "  ]},\n" : "  ]}\n", f);
}

static int write_summary(const char *dir, const pl_config *cfg, const pl_data *data,
                         const pl_run *run, const pl_sweep *s, pl_error *e)
{
    pl_afile a;
    int rc = pl_afile_open_in(&a, dir, "summary.json", e);
    if (rc)
        return rc;
    FILE *f = a.f;
    fputs("{\n", f);
    key(f, "  ", "config");
    pl_json_config(f, cfg, "  ");
    fputs(",\n", f);
    key(f, "  ", "data_files");
    int nfiles = data ? data->nfiles : 0;
    fputs(nfiles ? "[\n" : "[", f);
    for (int i = 0; i < nfiles; i++) {
        fputs("    {\"role\": ", f);
        pl_json_str(f, data->files[i].role);
        fputs(", \"path\": ", f);
        pl_json_str(f, data->files[i].path);
        fputs(", \"sha256\": ", f);
        pl_json_str(f, data->files[i].sha256);
        fputs(i + 1 < nfiles ? "},\n" : "}\n", f);
    }
    fputs(nfiles ? "  ],\n" : "],\n", f);
    /* the loaded sets, all digits; each result has its own task's rows */
    fprintf(f, "  \"rows\": {\"train\": %zu, \"test\": %zu},\n", data ? data->train.n : 0,
            data ? data->test.n : 0);
    fprintf(f, "  \"threads\": %d,\n  \"simd\": ", run->threads);
    pl_json_str(f, run->simd ? run->simd : "");
    fputs(",\n  \"strategy\": ", f);
    pl_json_str(f, run->strategy ? run->strategy : "");
    fputs(",\n  ", f);
    num_field(f, "density", run->density, 0);
    /* the ranks: how many, the split, the training rows each read */
    fprintf(f, ",\n  \"ranks\": {\"count\": %d, \"distribute\": ", run->ranks ? run->ranks : 1);
    if (run->distribute)
        pl_json_str(f, run->distribute);
    else
        fputs("null", f);
    fprintf(f, ", \"groups\": %d, \"train_rows_read\": [", run->groups ? run->groups : 1);
    for (int r = 0; run->rows_read && r < run->ranks; r++)
        fprintf(f, r ? ", %zu" : "%zu", run->rows_read[r]);
    fputs("]},\n  ", f);
    num_field(f, "seconds", run->seconds, 0);
    fprintf(f, ",\n  \"interrupted\": %s,\n", run->interrupted ? "true" : "false");
    fprintf(f, "  \"selection\": \"best per task: highest accuracy on the validation rows "
            "(training rows without a validation split), then lowest loss there, then "
            "smallest lr, then fewest iterations; status ok only\",\n");
    json_results(f, run);
    json_best(f, run, s);
    json_pair_table(f, s);
    json_vote(f, "one_vs_one", &s->ovo, 1);
    json_vote(f, "one_vs_rest", &s->ovr, 1);
    key(f, "  ", "ten_class");
    fputs(s->nmulti ? "[\n" : "[", f);
    for (int q = 0; q < s->nmulti; q++) {
        const pl_sweep_best *b = &s->best[s->multi_best[q]];
        char name[64];
        fputs("    {\"model\": ", f);
        pl_json_str(f, pl_model_name(&run->results[b->result], name));
        fprintf(f, ", \"best_of_run\": %s, ", s->multi_best[q] == s->top ? "true" : "false");
        json_vote(f, "test", &s->multi[q], 0);
        fprintf(f, "    }%s\n", q + 1 < s->nmulti ? "," : "");
    }
    fputs(s->nmulti ? "  ]\n" : "]\n", f);
    fputs("}\n", f);
    return pl_afile_commit(&a, e);
}

int pl_sweep_write(const char *dir, const pl_config *cfg, const pl_data *data,
                   const pl_run *run, const pl_sweep *s, pl_error *e)
{
    int rc = pl_mkdirs(dir, e);
    if (!rc)
        rc = write_best(dir, run, s, e);
    if (!rc)
        rc = write_pair_accuracy(dir, s, e);
    if (!rc)
        rc = write_confusion(dir, "ovo_confusion.csv", &s->ovo, e);
    if (!rc)
        rc = write_confusion(dir, "ovr_confusion.csv", &s->ovr, e);
    if (!rc)
        rc = write_tenclass(dir, data, run, s, e);
    if (!rc)
        rc = write_summary(dir, cfg, data, run, s, e);
    return rc;
}
