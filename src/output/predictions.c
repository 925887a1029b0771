/*
 * predictions.c - a model's class probabilities for every row of a set, as
 * CSV: "row,label,predicted,p<c>,..." with the row's index in its file and
 * the rows in file order, so a user can join it with the images.  See
 * include/parlogit/output.h.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* x in decimal at o; returns the end. */
static char *put_uint(char *o, unsigned long x)
{
    char t[24];
    int n = 0;
    do
        t[n++] = (char)('0' + x % 10);
    while (x /= 10);
    while (n)
        *o++ = t[--n];
    return o;
}

/* One row r of d: "row,label,predicted,p..." with the n probabilities, made
 * in a buffer and written at once, not by eleven fprintf calls (seed 004's
 * run written in 36 -> 30 ms; the same bytes). */
static void put_row(FILE *f, const pl_model *m, const pl_dataset *d, size_t r, int n)
{
    double p[PL_CLASSES];
    const int pred = pl_model_predict(m, d->pix + r * d->dim, p);
    char line[64 + PL_CLASSES * 32], *o = line;
    o = put_uint(o, d->orig[r]);
    *o++ = ',';
    o = put_uint(o, d->label[r]);
    *o++ = ',';
    if (pred < 0) {
        memcpy(o, "rest", 4);
        o += 4;
    } else {
        o = put_uint(o, (unsigned long)pred);
    }
    for (int k = 0; k < n; k++) {
        char b[32];
        const size_t len = strlen(pl_fmt_double17(b, p[k]));   /* lossless, no search */
        *o++ = ',';
        memcpy(o, b, len);
        o += len;
    }
    *o++ = '\n';
    fwrite(line, 1, (size_t)(o - line), f);
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
    /* the rows in nb blocks, each formatted into memory by a thread of its
     * own (where no parallel region is running already: the run's models
     * are written one a thread), then written in block order: the same
     * bytes for any number of threads */
    const int nb = omp_in_parallel() || nr < 256 ? 1 : omp_get_max_threads();
    char *text[nb];
    size_t len[nb];
    int failed = 0;
#pragma omp parallel for schedule(static, 1) num_threads(nb) if (nb > 1) reduction(| : failed)
    for (int t = 0; t < nb; t++) {
        text[t] = NULL;
        len[t] = 0;
        FILE *g = open_memstream(&text[t], &len[t]);
        if (!g) {
            failed = 1;
            continue;
        }
        for (size_t i = nr * (size_t)t / (size_t)nb; i < nr * (size_t)(t + 1) / (size_t)nb; i++)
            put_row(g, m, d, ord[i], n);
        failed |= fclose(g) != 0;
    }
    for (int t = 0; t < nb; t++) {
        if (!failed)
            fwrite(text[t], 1, len[t], f);
        free(text[t]);
    }
    if (failed) {
        free(ord);
        return pl_errorf(e, PL_ENOMEM, "out of memory for predictions");
    }
    free(ord);
    return PL_OK;
}
