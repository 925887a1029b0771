/*
 * classeval.c - a model judged on a test set by its own probabilities: the
 * confusion matrix over its classes, the most frequent confusions each with
 * the image the model was surest of, and the row worth explaining (the most
 * confidently wrong one).  No drawing here, so all of it is testable on its
 * own; tenclass.c and row.c draw the results.  See report.h.
 *
 * Every probability comes from pl_model_predict, the function that wrote the
 * run's predictions.csv files, so a number in a picture is the number in
 * those files.  Works for any model, binary ones included (two classes, the
 * negative one first), though the report uses it for ten-class models.
 */
#include <stdlib.h>
#include <string.h>

#include "parlogit/report.h"

int pl_class_slot(const int *classes, int k, int digit)
{
    int rest = -1;
    for (int j = 0; j < k; j++) {
        if (classes[j] == digit)
            return j;
        if (classes[j] < 0)
            rest = j;
    }
    return digit >= 0 ? rest : -1;
}

int pl_dataset_find_orig(const pl_dataset *d, uint32_t orig, size_t *row, pl_error *e)
{
    for (size_t r = 0; r < d->n; r++)
        if (d->orig[r] == orig) {
            *row = r;
            return PL_OK;
        }
    return pl_errorf(e, PL_EINPUT, "row %u is not in the set", (unsigned)orig);
}

/* Most rows first; ties: smaller actual, then smaller predicted slot. */
static int by_count(const void *a, const void *b)
{
    const pl_confusion_cell *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->actual != y->actual)
        return x->actual < y->actual ? -1 : 1;
    return (x->predicted > y->predicted) - (x->predicted < y->predicted);
}

int pl_class_evaluate(const pl_model *m, const pl_dataset *test, pl_class_eval *out,
                      pl_error *e)
{
    memset(out, 0, sizeof *out);
    if (test->n && test->dim != m->dim)
        return pl_errorf(e, PL_EINPUT, "test images of %zu pixels, the model has %zu inputs",
                         test->dim, m->dim);
    const int k = pl_model_classes(m, out->classes);
    out->k = k;
    /* The surest image of every cell; cells[] is indexed like counts. */
    pl_confusion_cell cells[PL_CLASSES * PL_CLASSES];
    memset(cells, 0, sizeof cells);
    double worst = -1, closest = 2;
    for (size_t r = 0; r < test->n; r++) {
        if (!pl_task_uses(m->task, test->label[r]))
            continue;   /* not a row of this model's classes: predictions.csv skips it too */
        double p[PL_CLASSES];
        const int pred = pl_model_predict(m, test->pix + r * test->dim, p);
        const int a = pl_class_slot(out->classes, k, test->label[r]);
        const int q = pl_class_slot(out->classes, k, pred);
        if (a < 0 || q < 0)
            continue;   /* cannot happen: the task uses the row, the model predicts a class */
        out->rows++;
        out->correct += a == q;
        out->counts[a * k + q]++;
        pl_confusion_cell *c = &cells[a * k + q];
        if (c->count++ == 0 || p[q] > c->p) {   /* strictly greater: first of equals */
            c->p = p[q];
            c->example = r;
            c->orig = test->orig[r];
        }
        /* The example: a wrong row beats every right one; among wrong rows
         * the surest, among right ones the least sure. */
        int take = a != q ? p[q] > worst : worst < 0 && p[q] < closest;
        if (take) {
            if (a != q)
                worst = p[q];
            else
                closest = p[q];
            out->example.found = 1;
            out->example.wrong = a != q;
            out->example.row = r;
            out->example.orig = test->orig[r];
            out->example.label = test->label[r];
            out->example.predicted = pred;
            memcpy(out->example.p, p, sizeof p);
        }
    }
    pl_confusion_cell off[PL_CLASSES * PL_CLASSES];
    int n = 0;
    for (int a = 0; a < k; a++)
        for (int q = 0; q < k; q++)
            if (a != q && cells[a * k + q].count) {
                off[n] = cells[a * k + q];
                off[n].actual = out->classes[a];
                off[n].predicted = out->classes[q];
                n++;
            }
    qsort(off, (size_t)n, sizeof *off, by_count);
    out->ntop = n < PL_TOP_CONFUSIONS ? n : PL_TOP_CONFUSIONS;
    memcpy(out->top, off, (size_t)out->ntop * sizeof *off);
    return PL_OK;
}
