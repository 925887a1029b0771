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
#include <string.h>

#include "output/sweep_impl.h"

/* z = (x/255)·w + b for one row, in double. */
static double margin(const uint8_t *x, const float *w, float b, size_t dim)
{
    double s = 0;
    for (size_t k = 0; k < dim; k++)
        if (x[k])   /* a zero pixel adds exactly nothing: skipping it changes no bit */
            s += (double)x[k] * (double)w[k];
    return s / 255.0 + (double)b;
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

void pl_vote_ovo(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                 pl_sweep_vote *v)
{
    memset(v, 0, sizeof *v);
    for (size_t r = 0; r < test->n; r++) {
        const uint8_t *x = test->pix + r * test->dim;
        double votes[PL_CLASSES] = { 0 };
        for (int i = 0; i < PL_CLASSES; i++)
            for (int j = i + 1; j < PL_CLASSES; j++) {
                const pl_sweep_best *bm = &s->best[s->pair_best[i][j]];
                const pl_result *m = &run->results[bm->result];
                /* a pair "7-1" has negative 7, positive 1: vote by the task */
                double z = margin(x, m->w, m->b, run->dim);
                votes[z > 0 ? bm->task.pos : bm->task.neg] += 1;
            }
        tally(v, test->label[r], argmax_first(votes, PL_CLASSES));
    }
    finish(v);
}

void pl_vote_ovr(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                 pl_sweep_vote *v)
{
    memset(v, 0, sizeof *v);
    for (size_t r = 0; r < test->n; r++) {
        const uint8_t *x = test->pix + r * test->dim;
        double z[PL_CLASSES];
        for (int d = 0; d < PL_CLASSES; d++) {
            const pl_result *m = &run->results[s->best[s->rest_best[d]].result];
            z[d] = margin(x, m->w, m->b, run->dim);
        }
        tally(v, test->label[r], argmax_first(z, PL_CLASSES));
    }
    finish(v);
}
