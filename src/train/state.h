/*
 * state.h - private: the working state that the batch solvers (lbfgs,
 * newton) size in their plan, allocated and freed in one place.
 *
 * A solver keeps, per model, a few vectors of doubles and floats, and three
 * evaluations (training, validation, test).  It lists a model's vectors,
 * each with its length, in a small table (a pl_vecs_fn); pl_state_vecs
 * allocates every model's, zeroed, and pl_state_vecs_free frees them from
 * the same table, so a plan and its free cannot disagree on what a model
 * holds.  Each vector is its own calloc block, so its alignment is
 * malloc's.  Only a plan and its free call these, never an iteration.  The
 * two reductions both solvers run on those vectors (a dot product, max |x|)
 * are here as well, in index order, and the copy of a model's evaluations
 * into its result.
 */
#ifndef PARLOGIT_TRAIN_STATE_H
#define PARLOGIT_TRAIN_STATE_H

#include <math.h>
#include <stddef.h>

#include "parlogit/train.h"
#include "train/objective.h"

#define PL_STATE_MAXVEC 16   /* vectors one model may list */

/* One vector of a model's state: exactly one of d and f is set (the other
 * NULL). */
typedef struct pl_vec {
    double **d;      /* a vector of doubles, or NULL */
    float **f;       /* a vector of floats, or NULL  */
    size_t n;        /* its length                    */
} pl_vec;

/* Lists model i of the solver's state into v: nvec entries (the count the
 * solver passes along with the function), with their lengths when they are
 * to be allocated. */
typedef void pl_vecs_fn(void *solver, size_t i, pl_vec v[PL_STATE_MAXVEC]);

/* Points every vector that vecs lists for models 0 .. nmodels - 1 of solver
 * (nvec each, at most PL_STATE_MAXVEC) at a fresh zeroed array of its n
 * elements (one at least).  Returns 0, or -1 when memory ran out: the
 * vectors allocated until then stay set and pl_state_vecs_free releases
 * them; the others must be NULL (as calloc left them). */
int pl_state_vecs(void *solver, size_t nmodels, size_t nvec, pl_vecs_fn *vecs);

/* Frees every vector that vecs lists for models 0 .. nmodels - 1 (NULL ones
 * are skipped) and sets it to NULL. */
void pl_state_vecs_free(void *solver, size_t nmodels, size_t nvec, pl_vecs_fn *vecs);

/* The three evaluations of nmodels models (one at least), zeroed.  Returns
 * 0, or -1 when memory ran out (what was allocated stays set:
 * pl_state_evals_free releases it). */
int pl_state_evals(pl_eval **ev, pl_eval **vev, pl_eval **tev, size_t nmodels);

/* Frees the three evaluations (NULL ones too) and sets them to NULL. */
void pl_state_evals_free(pl_eval **ev, pl_eval **vev, pl_eval **tev);

/* Model i's figures from its three evaluations into r: the training, the
 * validation (when o has that set) and the test (when o has it) loss and
 * accuracy, each NaN when the model did not end well (ok = 0) or o lacks
 * the set. */
void pl_state_figures(pl_result *r, int ok, const pl_objective *o, const pl_eval *ev,
                      const pl_eval *vev, const pl_eval *tev, size_t i);

/* The dot product of a and b (n each) in a fixed order that does not
 * depend on the machine: eight running sums (element i into sum i mod 8, so
 * the compiler can keep them in vector registers, with no chain of
 * dependent additions), the tail past the last multiple of 8 in index
 * order, then the sums added pairwise.  The solvers' vector work (L-BFGS's
 * two-loop recursion, the line search) is mostly these. */
static inline double pl_dot(const double *a, const double *b, size_t n)
{
    double t[8] = { 0 }, tail = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            t[k] += a[i + k] * b[i + k];
    for (; i < n; i++)
        tail += a[i] * b[i];
    return (((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))) + tail;
}

/* max |a[i]| over n values (0 for none). */
static inline double pl_max_abs(const double *a, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++)
        t = fabs(a[i]) > t ? fabs(a[i]) : t;
    return t;
}

#endif
