/*
 * explain.c - why a model decides as it does, on its training rows: logits,
 * pixel contributions, the most confidently misclassified image of each
 * direction and the list of misclassified rows.  No drawing here (plot.h
 * draws the results), so all of it is testable on its own.  See report.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/report.h"

double pl_logit(const uint8_t *pix, const float *w, size_t dim, unsigned pixel_max, float b)
{
    const double pm = (double)pl_pixel_max(pixel_max);
    double z = 0;
    for (size_t i = 0; i < dim; i++)
        z += (double)w[i] * (pix[i] / pm);
    return z + b;
}

double pl_contributions(const uint8_t *pix, const float *w, size_t dim, unsigned pixel_max,
                        double *contrib, double *for_pos, double *for_neg)
{
    const double pm = (double)pl_pixel_max(pixel_max);
    double pos = 0, neg = 0;
    for (size_t i = 0; i < dim; i++) {
        double c = (double)w[i] * (pix[i] / pm);
        if (contrib)
            contrib[i] = c;
        if (c > 0)
            pos += c;
        else
            neg += c;
    }
    if (for_pos)
        *for_pos = pos;
    if (for_neg)
        *for_neg = neg;
    /* Summed in pixel order, not as pos + neg, so that it equals pl_logit - b. */
    double z = 0;
    for (size_t i = 0; i < dim; i++)
        z += (double)w[i] * (pix[i] / pm);
    return z;
}

/* The probability of the class the row does not belong to. */
static double p_other(double z, int positive)
{
    /* sigmoid(-z) for a positive row, sigmoid(z) for a negative one; written
     * so that neither exp overflows. */
    double m = positive ? -z : z;
    return m >= 0 ? 1 / (1 + exp(-m)) : exp(m) / (1 + exp(m));
}

static int by_confidence(const void *a, const void *b)
{
    const pl_miss *x = a, *y = b;
    if (x->p_other != y->p_other)
        return x->p_other > y->p_other ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

void pl_explanation_free(pl_explanation *x)
{
    for (int k = 0; k < 2; k++) {
        free(x->pick[k].contrib);
        x->pick[k].contrib = NULL;
    }
    free(x->top);
    x->top = NULL;
    x->ntop = 0;
}

int pl_explain(const pl_dataset *ds, pl_task t, const float *w, float b, size_t kmax,
               pl_explanation *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    out->task = t;
    pl_miss *miss = malloc((ds->n ? ds->n : 1) * sizeof *miss);
    for (int k = 0; k < 2; k++)
        out->pick[k].contrib = calloc(ds->dim ? ds->dim : 1, sizeof(double));
    if (!miss || !out->pick[0].contrib || !out->pick[1].contrib) {
        free(miss);
        pl_explanation_free(out);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    size_t nmiss = 0;
    double best[2] = { -1, -1 };
    for (size_t r = 0; r < ds->n; r++) {
        int cls = pl_task_class(t, ds->label[r]);
        if (cls < 0)
            continue;
        const uint8_t *pix = ds->pix + r * ds->dim;
        double z = pl_logit(pix, w, ds->dim, ds->pixel_max, b);
        double p = p_other(z, cls);
        pl_explain_pick *pk = &out->pick[cls ? 0 : 1];
        pk->nrows++;
        if (p > 0.5) {
            pk->nwrong++;
            miss[nmiss++] = (pl_miss){ .row = r, .orig = ds->orig[r], .label = ds->label[r],
                                       .positive = cls, .p_other = p };
        }
        /* strictly greater: the first of equals wins */
        if (p > best[cls ? 0 : 1]) {
            best[cls ? 0 : 1] = p;
            pk->found = 1;
            pk->row = r;
            pk->orig = ds->orig[r];
            pk->label = ds->label[r];
            pk->logit = z;
            pk->p_other = p;
            pk->wrong = p > 0.5;
        }
    }
    if (!out->pick[0].nrows && !out->pick[1].nrows) {
        free(miss);
        pl_explanation_free(out);
        char name[PL_TASK_NAME_MAX];
        return pl_errorf(e, PL_EINPUT, "no training rows of task %s", pl_task_name(t, name));
    }
    for (int k = 0; k < 2; k++) {
        pl_explain_pick *pk = &out->pick[k];
        if (pk->found)
            pl_contributions(ds->pix + pk->row * ds->dim, w, ds->dim, ds->pixel_max,
                             pk->contrib, &pk->for_pos, &pk->for_neg);
    }
    qsort(miss, nmiss, sizeof *miss, by_confidence);
    out->ntop = nmiss < kmax ? nmiss : kmax;
    out->top = miss;
    return PL_OK;
}
