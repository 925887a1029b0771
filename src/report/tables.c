/*
 * tables.c - reading a run's tables back: results.csv, best.csv and
 * curves.csv.  See report.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/output.h"
#include "parlogit/report.h"
#include "report/csvline.h"

/* Grows *a (of *cap elements of size sz) to hold n + 1. */
static int grow(void **a, size_t *cap, size_t n, size_t sz, pl_error *e)
{
    if (n < *cap)
        return PL_OK;
    size_t c = *cap ? 2 * *cap : 64;
    void *p = realloc(*a, c * sz);
    if (!p)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    *a = p;
    *cap = c;
    return PL_OK;
}

/* Whether the line just read is the header want (its fields were split in
 * place: compared one by one). */
static int is_header(const pl_csvline *c, const char *want)
{
    const char *p = want;
    for (int k = 0; k < c->nfields; k++) {
        size_t n = strlen(c->field[k]);
        if (strncmp(p, c->field[k], n) != 0 || (p[n] != ',' && p[n] != '\0') ||
            (p[n] == '\0' && k + 1 < c->nfields))
            return 0;
        p += n + (p[n] == ',');
    }
    return *p == '\0';
}

/* Reads the header line: want, or alt (may be NULL); *which = 0 or 1. */
/* Reads the header line: *which is the index of the one of names[0..n) it
 * is (names[0] today's, the others older runs'). */
static int header(pl_csvline *c, const char *const *names, int n, int *which, pl_error *e)
{
    int r = pl_csvline_next(c, e);
    if (r < 0)
        return e->code;
    if (r == 0)
        return pl_errorf(e, PL_EINPUT, "%s: empty file, expected the header '%s'", c->path,
                         names[0]);
    for (*which = 0; *which < n; ++*which)
        if (is_header(c, names[*which]))
            return PL_OK;
    return pl_errorf(e, PL_EINPUT, "%s:1: unexpected header, expected '%s'", c->path, names[0]);
}

static int task_field(pl_csvline *c, pl_task *t, pl_error *e)
{
    int rc = pl_task_parse(c->field[0], t, e);
    if (rc)
        pl_error_prefix(e, "%s:%d: column pair", c->path, c->line);
    return rc;
}

static int fields(pl_csvline *c, int n, pl_error *e)
{
    if (c->nfields != n)
        return pl_errorf(e, PL_EINPUT, "%s:%d: %d fields, expected %d", c->path, c->line,
                         c->nfields, n);
    return PL_OK;
}

/* One line of results.csv: 18 fields (PL_RESULTS_HEADER), or 9 in a run
 * written before the model and solver columns (gradient descent only). */
static int results_line(pl_csvline *c, int width, pl_result_row *r, pl_error *e)
{
    memset(r, 0, sizeof *r);
    r->C = r->objective = r->nonzero = NAN;
    snprintf(r->penalty, sizeof r->penalty, "none");
    long it = 0;   /* read below even when an earlier column failed */
    int rc = fields(c, width, e);
    if (!rc)
        rc = task_field(c, &r->task, e);
    if (!rc) {
        snprintf(r->pair, sizeof r->pair, "%s", c->field[0]);
        snprintf(r->solver, sizeof r->solver, "%s", width > 9 ? c->field[10] : "gd");
        if (strcmp(r->solver, "gd") != 0 && strcmp(r->solver, "lbfgs") != 0 &&
            strcmp(r->solver, "sgd") != 0 && strcmp(r->solver, "newton") != 0)
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: column solver: expected gd, lbfgs, sgd or "
                           "newton, not '%.20s'", c->path, c->line, r->solver);
    }
    /* gd and sgd have a step size */
    const int gd = !strcmp(r->solver, "gd") || !strcmp(r->solver, "sgd");
    if (!rc && gd)
        rc = pl_csvline_num(c, 1, "lr", 0, &r->lr, e);
    if (!rc && gd && !(r->lr > 0))
        rc = pl_errorf(e, PL_EINPUT, "%s:%d: column lr: expected a number > 0", c->path,
                       c->line);
    if (!rc && width > 9) {
        if (!c->field[9][0] || strlen(c->field[9]) >= sizeof r->model)
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: column model: expected a model name",
                           c->path, c->line);
        snprintf(r->model, sizeof r->model, "%s", c->field[9]);
        if (!rc && c->field[11][0])
            rc = pl_csvline_num(c, 11, "C", 0, &r->C, e);
        if (!rc && c->field[12][0])
            rc = pl_csvline_num(c, 12, "objective", 1, &r->objective, e);
        if (!rc && strcmp(c->field[16], "none") && strcmp(c->field[16], "l2") &&
            strcmp(c->field[16], "l1") && strcmp(c->field[16], "elasticnet"))
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: column penalty: expected none, l2, l1 or "
                           "elasticnet, not '%.20s'", c->path, c->line, c->field[16]);
        snprintf(r->penalty, sizeof r->penalty, "%s", c->field[16]);
        if (!rc)
            rc = pl_csvline_num(c, 17, "nonzero", 0, &r->nonzero, e);
    }
    if (!rc)
        rc = pl_csvline_int(c, 2, "iterations", 0, 1L << 30, &it, e);
    r->iterations = (int)it;
    double *v[5] = { &r->train_loss, &r->train_acc, &r->test_loss, &r->test_acc, &r->seconds };
    const char *names[5] = { "train_loss", "train_acc", "test_loss", "test_acc", "seconds" };
    for (int k = 0; !rc && k < 5; k++)
        rc = pl_csvline_num(c, 3 + k, names[k], 1, v[k], e);
    if (!rc)
        snprintf(r->status, sizeof r->status, "%s", c->field[8]);
    return rc;
}

int pl_read_results(const char *path, pl_result_row **rows, size_t *n, pl_error *e)
{
    *rows = NULL;
    *n = 0;
    pl_csvline c;
    int rc = pl_csvline_open(&c, path, e);
    if (rc)
        return rc;
    int old = 0;   /* a run from before the model and solver columns */
    static const char *const names[] = {
        PL_RESULTS_HEADER,
        "pair,lr,iterations,train_loss,train_acc,test_loss,test_acc,seconds,status" };
    rc = header(&c, names, 2, &old, e);
    const int width = old ? 9 : 18;
    size_t cap = 0;
    int r;
    while (!rc && (r = pl_csvline_next(&c, e)) != 0) {
        if (r < 0)
            rc = e->code;
        if (!rc)
            rc = grow((void **)rows, &cap, *n, sizeof **rows, e);
        if (!rc)
            rc = results_line(&c, width, &(*rows)[*n], e);
        if (!rc)
            (*n)++;
    }
    pl_csvline_close(&c);
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

/* The column of header field name (or alt), -1 when absent. */
static int column(const pl_csvline *c, const char *name, const char *alt)
{
    for (int k = 0; k < c->nfields; k++)
        if (!strcmp(c->field[k], name) || (alt && !strcmp(c->field[k], alt)))
            return k;
    return -1;
}

/* best.csv is found by column name (pair, lr, iterations required;
 * validation_acc or val_acc, and test_acc optional), so that columns the
 * sweep adds do not break it. */
int pl_read_best(const char *path, pl_best_row **rows, size_t *n, pl_error *e)
{
    *rows = NULL;
    *n = 0;
    pl_csvline c;
    int rc = pl_csvline_open(&c, path, e);
    if (rc)
        return rc;
    int r = pl_csvline_next(&c, e), width = c.nfields;
    int cp = column(&c, "pair", NULL), cl = column(&c, "lr", NULL);
    int ci = column(&c, "iterations", NULL), cv = column(&c, "validation_acc", "val_acc");
    int ct = column(&c, "test_acc", NULL), cm = column(&c, "model", NULL);
    if (r < 0)
        rc = e->code;
    else if (r == 0 || cp != 0 || cl < 0 || ci < 0)
        rc = pl_errorf(e, PL_EINPUT, "%s:1: expected a header starting with 'pair' and "
                       "naming lr and iterations", path);
    size_t cap = 0;
    while (!rc && (r = pl_csvline_next(&c, e)) != 0) {
        long it = 0;
        if (r < 0)
            rc = e->code;
        if (!rc)
            rc = grow((void **)rows, &cap, *n, sizeof **rows, e);
        pl_best_row *b = rc ? NULL : &(*rows)[*n];
        if (b)
            b->lr = 0;
        if (!rc)
            rc = fields(&c, width, e);
        if (!rc)
            rc = task_field(&c, &b->task, e);
        if (!rc && c.field[cl][0])   /* empty for L-BFGS */
            rc = pl_csvline_num(&c, cl, "lr", 0, &b->lr, e);
        if (!rc) {
            b->model[0] = '\0';
            if (cm >= 0)
                snprintf(b->model, sizeof b->model, "%s", c.field[cm]);
        }
        if (!rc)
            rc = pl_csvline_int(&c, ci, "iterations", 0, 1L << 30, &it, e);
        if (!rc) {
            b->iterations = (int)it;
            b->validation_acc = b->test_acc = NAN;
            if (cv >= 0)
                rc = pl_csvline_num(&c, cv, "validation_acc", 1, &b->validation_acc, e);
        }
        if (!rc && ct >= 0)
            rc = pl_csvline_num(&c, ct, "test_acc", 1, &b->test_acc, e);
        if (!rc)
            (*n)++;
    }
    pl_csvline_close(&c);
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

void pl_loss_curves_free(pl_loss_curve *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++) {
        free(c[i].loss);
        free(c[i].step);
        free(c[i].epoch);
        free(c[i].acc);
        free(c[i].val_loss);
        free(c[i].val_acc);
    }
    free(c);
}

/* Appends a point to curve cv (which has capacity *cap): its loss and, for
 * an SGD curve, its five other figures x[0..5). */
static int push(pl_loss_curve *cv, size_t *cap, double loss, const double *x, pl_error *e)
{
    double **arr[6] = { &cv->loss, &cv->step, &cv->epoch, &cv->acc, &cv->val_loss,
                        &cv->val_acc };
    const int narr = x ? 6 : 1;
    if ((size_t)cv->len == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        for (int a = 0; a < narr; a++) {
            double *p = realloc(*arr[a], nc * sizeof *p);
            if (!p)
                return pl_errorf(e, PL_ENOMEM, "out of memory");
            *arr[a] = p;
        }
        *cap = nc;
    }
    cv->loss[cv->len] = loss;
    for (int a = 1; a < narr; a++)
        (*arr[a])[cv->len] = x[a - 1];
    cv->len++;
    return PL_OK;
}

/* The SGD columns of a curves.csv line (5..9): *sgd 1 with x filled, 0 when
 * all five are empty. */
static int sgd_fields(pl_csvline *c, int *sgd, double x[5], pl_error *e)
{
    static const char *names[5] = { "step", "epoch", "train_acc", "val_loss", "val_acc" };
    int empty = 0;
    for (int k = 0; k < 5; k++)
        empty += c->field[5 + k][0] == '\0';
    *sgd = empty == 0;
    if (empty == 5)
        return PL_OK;
    if (empty)
        return pl_errorf(e, PL_EINPUT, "%s:%d: columns step..val_acc: all five filled (an SGD "
                         "curve) or all empty", c->path, c->line);
    int rc = PL_OK;
    for (int k = 0; !rc && k < 5; k++)
        rc = pl_csvline_num(c, 5 + k, names[k], k >= 3, &x[k], e);
    return rc;
}

int pl_read_curves(const char *path, pl_loss_curve **curves, size_t *n, pl_error *e)
{
    *curves = NULL;
    *n = 0;
    pl_csvline c;
    int rc = pl_csvline_open(&c, path, e);
    if (rc)
        return rc;
    /* 0: today's columns; 1: before the SGD columns; 2: before the curve column */
    int fmt = 0;
    static const char *const names[] = { PL_CURVES_HEADER, "pair,lr,iteration,train_loss,curve",
                                         "pair,lr,iteration,train_loss" };
    rc = header(&c, names, 3, &fmt, e);
    const int width = fmt == 0 ? 10 : fmt == 1 ? 5 : 4;
    size_t cap = 0, lcap = 0;
    int r;
    while (!rc && (r = pl_csvline_next(&c, e)) != 0) {
        pl_task t;
        double lr, loss, x[5];
        long it = 0;
        int sgd = 0;
        if (r < 0)
            rc = e->code;
        if (!rc)
            rc = fields(&c, width, e);
        if (!rc)
            rc = task_field(&c, &t, e);
        if (!rc)
            rc = pl_csvline_num(&c, 1, "lr", 0, &lr, e);
        if (!rc)
            rc = pl_csvline_int(&c, 2, "iteration", 0, 1L << 30, &it, e);
        if (!rc)
            rc = pl_csvline_num(&c, 3, "train_loss", 1, &loss, e);
        if (!rc && fmt == 0)
            rc = sgd_fields(&c, &sgd, x, e);
        if (rc)
            break;
        pl_loss_curve *last = *n ? &(*curves)[*n - 1] : NULL;
        if (it == 0) {   /* a new curve */
            rc = grow((void **)curves, &cap, *n, sizeof **curves, e);
            if (rc)
                break;
            last = &(*curves)[(*n)++];
            *last = (pl_loss_curve){ .task = t, .lr = lr };
            if (fmt == 2)
                snprintf(last->label, sizeof last->label, "lr %g", lr);
            else
                snprintf(last->label, sizeof last->label, "%s", c.field[4]);
            lcap = 0;
        } else if (!last || last->len != it || !pl_task_equal(last->task, t) ||
                   last->lr != lr) {
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: iteration %ld does not continue the curve "
                           "above (each curve starts at 0 and counts up)", path, c.line, it);
            break;
        } else if ((last->step != NULL) != sgd) {
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: columns step..val_acc: filled on some lines "
                           "of the curve and not on others", path, c.line);
            break;
        }
        rc = push(last, &lcap, loss, sgd ? x : NULL, e);
    }
    pl_csvline_close(&c);
    if (rc) {
        pl_loss_curves_free(*curves, *n);
        *curves = NULL;
        *n = 0;
    }
    return rc;
}
