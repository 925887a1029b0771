/*
 * vote.c - ten-class classifiers from binary models, scored on the test set:
 * the one-vs-one vote of the 45 pair models and the one-vs-rest argmax of the
 * ten "d-rest" models.  See include/parlogit/sweep.h for the rules.
 *
 * Plain scalar code: 45 models x a few thousand rows x 784 pixels is a few
 * tens of millions of multiply-adds, run once per sweep.  Margins are summed
 * in double from the stored float weights, so they do not depend on the
 * kernel set the training used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/sweep_impl.h"

/* One row's non-zero pixels, listed once for all the models that score it: a
 * zero pixel adds exactly nothing, so skipping it changes no bit. */
typedef struct nzrow {
    size_t n;
    size_t *idx;     /* dim entries of room */
    double *val;
} nzrow;

static void nz_list(nzrow *z, const uint8_t *x, size_t dim)
{
    z->n = 0;
    for (size_t k = 0; k < dim; k++)
        if (x[k]) {
            z->idx[z->n] = k;
            z->val[z->n++] = (double)x[k];
        }
}

/* z = (x/255)·w + b for one row, in double, pixels in ascending order. */
static double margin(const nzrow *x, const float *w, float b)
{
    double s = 0;
    for (size_t t = 0; t < x->n; t++)
        s += x->val[t] * (double)w[x->idx[t]];
    return s / 255.0 + (double)b;
}

static int nz_alloc(nzrow *z, size_t dim)
{
    z->idx = malloc((dim ? dim : 1) * sizeof *z->idx);
    z->val = malloc((dim ? dim : 1) * sizeof *z->val);
    return z->idx && z->val;
}

static void nz_free(nzrow *z)
{
    free(z->idx);
    free(z->val);
}

/* The index of the largest of a[0..n), the first one on a tie. */
static int argmax_first(const double *a, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[i] > a[best])
            best = i;
    return best;
}

static void tally(pl_sweep_vote *v, int actual, int predicted)
{
    v->confusion[actual][predicted]++;
    v->rows++;
    v->correct += actual == predicted;
}

static void finish(pl_sweep_vote *v)
{
    v->ran = 1;
    v->acc = v->rows ? (double)v->correct / (double)v->rows : 0.0;
}

/* Scores every test row and tallies the predictions: ovo, the vote of the 45
 * best pair models; otherwise the argmax of the ten best d-rest models. */
static int score(const pl_run *run, const pl_sweep *s, const pl_dataset *test, int ovo,
                 pl_sweep_vote *v)
{
    memset(v, 0, sizeof *v);
    nzrow nz;
    if (!nz_alloc(&nz, test->dim)) {
        nz_free(&nz);
        return PL_ENOMEM;
    }
    for (size_t r = 0; r < test->n; r++) {
        nz_list(&nz, test->pix + r * test->dim, test->dim);
        double score[PL_CLASSES] = { 0 };
        if (ovo) {
            for (int i = 0; i < PL_CLASSES; i++)
                for (int j = i + 1; j < PL_CLASSES; j++) {
                    const pl_sweep_best *bm = &s->best[s->pair_best[i][j]];
                    const pl_result *m = &run->results[bm->result];
                    /* a pair "7-1" has negative 7, positive 1: vote by the task */
                    double z = margin(&nz, m->w, m->b);
                    score[z > 0 ? bm->task.pos : bm->task.neg] += 1;
                }
        } else {
            for (int d = 0; d < PL_CLASSES; d++) {
                const pl_result *m = &run->results[s->best[s->rest_best[d]].result];
                score[d] = margin(&nz, m->w, m->b);
            }
        }
        tally(v, test->label[r], argmax_first(score, PL_CLASSES));
    }
    nz_free(&nz);
    finish(v);
    return PL_OK;
}

int pl_vote_ovo(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                pl_sweep_vote *v)
{
    return score(run, s, test, 1, v);
}

int pl_vote_ovr(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                pl_sweep_vote *v)
{
    return score(run, s, test, 0, v);
}
