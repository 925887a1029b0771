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
#include "parlogit/model.h"

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

/* z[i] = (x/pixel_max)·w[i] + b[i] for one row and n models, each in double with
 * pixels in ascending order; four models at a time, so four independent sums
 * are in flight (each one's order, hence its bits, as if alone). */
static void margins(const nzrow *x, const float *const *w, const float *b, int n, double pmax,
                    double *z)
{
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const float *w0 = w[i], *w1 = w[i + 1], *w2 = w[i + 2], *w3 = w[i + 3];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t t = 0; t < x->n; t++) {
            const size_t j = x->idx[t];
            const double v = x->val[t];
            s0 += v * (double)w0[j];
            s1 += v * (double)w1[j];
            s2 += v * (double)w2[j];
            s3 += v * (double)w3[j];
        }
        z[i] = s0 / pmax + (double)b[i];
        z[i + 1] = s1 / pmax + (double)b[i + 1];
        z[i + 2] = s2 / pmax + (double)b[i + 2];
        z[i + 3] = s3 / pmax + (double)b[i + 3];
    }
    for (; i < n; i++) {
        double s = 0;
        for (size_t t = 0; t < x->n; t++)
            s += x->val[t] * (double)w[i][x->idx[t]];
        z[i] = s / pmax + (double)b[i];
    }
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
    /* the models in scoring order: ovo, the pairs (i, j), i < j; ovr, the digits */
    enum { NMAX = PL_CLASSES * (PL_CLASSES - 1) / 2 };
    const float *w[NMAX];
    float b[NMAX];
    int vote[NMAX][2], nm = 0;   /* ovo: who a positive / a negative margin votes for */
    for (int i = 0; i < PL_CLASSES; i++)
        for (int j = i + 1; j <= PL_CLASSES; j++) {
            if (ovo == (j == PL_CLASSES))
                continue;   /* ovo: the pairs (i, j); ovr: once per digit */
            const pl_sweep_best *bm = &s->best[ovo ? s->pair_best[i][j] : s->rest_best[i]];
            const pl_result *m = &run->results[bm->result];
            w[nm] = m->w;
            b[nm] = m->b[0];
            /* a pair "7-1" has negative 7, positive 1: vote by the task */
            vote[nm][0] = bm->task.pos;
            vote[nm++][1] = bm->task.neg;
        }
    for (size_t r = 0; r < test->n; r++) {
        nz_list(&nz, test->pix + r * test->dim, test->dim);
        double z[NMAX], score[PL_CLASSES] = { 0 };
        margins(&nz, w, b, nm, (double)pl_pixel_max(run->pixel_max), z);
        for (int q = 0; q < nm; q++)
            if (ovo)
                score[z[q] > 0 ? vote[q][0] : vote[q][1]] += 1;
            else
                score[q] = z[q];
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

void pl_score_model(const pl_run *run, const pl_sweep_best *b, const pl_dataset *test,
                    pl_sweep_vote *v)
{
    memset(v, 0, sizeof *v);
    const pl_model m = pl_model_of_result(&run->results[b->result], run);
    double p[PL_CLASSES];
    for (size_t r = 0; r < test->n; r++)   /* the rows of its classes, as in training */
        if (pl_task_uses(m.task, test->label[r]))
            tally(v, test->label[r], pl_model_predict(&m, test->pix + r * test->dim, p));
    finish(v);
}
