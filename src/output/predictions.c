/*
 * predictions.c - a model's class probabilities for every row of a set, as
 * CSV: "row,label,predicted,p<c>,..." with the row's index in its file and
 * the rows in file order, so a user can join it with the images.  See
 * include/parlogit/output.h.
 */
#include <stdlib.h>

#include "parlogit/model.h"
#include "parlogit/output.h"
#include "util/util.h"

/* Rows sorted by their index in the file (qsort_r: the calls may run on
 * several threads at once, one model each). */
static int by_orig(const void *a, const void *b, void *set)
{
    const pl_dataset *d = set;
    const uint32_t x = d->orig[*(const size_t *)a], y = d->orig[*(const size_t *)b];
    return (x > y) - (x < y);
}

int pl_predictions_write(FILE *f, const pl_model *m, const pl_dataset *d, pl_error *e)
{
    int cls[PL_CLASSES];
    const int n = pl_model_classes(m, cls);
    size_t *ord = malloc((d->n ? d->n : 1) * sizeof *ord);
    if (!ord)
        return pl_errorf(e, PL_ENOMEM, "out of memory for predictions");
    size_t nr = 0;
    for (size_t r = 0; r < d->n; r++)
        if (pl_task_uses(m->task, d->label[r]))
            ord[nr++] = r;
    qsort_r(ord, nr, sizeof *ord, by_orig, (void *)d);
    fputs("row,label,predicted", f);
    for (int k = 0; k < n; k++)
        if (cls[k] < 0)
            fputs(",p_rest", f);
        else
            fprintf(f, ",p%d", cls[k]);
    fputc('\n', f);
    for (size_t i = 0; i < nr; i++) {
        const size_t r = ord[i];
        double p[PL_CLASSES];
        const int pred = pl_model_predict(m, d->pix + r * d->dim, p);
        fprintf(f, "%u,%d,", (unsigned)d->orig[r], d->label[r]);
        if (pred < 0)
            fputs("rest", f);
        else
            fprintf(f, "%d", pred);
        for (int k = 0; k < n; k++) {
            char b[32];
            fprintf(f, ",%s", pl_fmt_double17(b, p[k]));   /* lossless, no search */
        }
        fputc('\n', f);
    }
    free(ord);
    return PL_OK;
}
