/*
 * state.c - the batch solvers' per-model vectors and evaluations, allocated
 * and freed from the solver's own table.  See state.h.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "train/state.h"

/* One vector of a table: allocated (zeroed, one element at least) when
 * alloc is set, else freed and set to NULL.  Returns 0, or -1 when calloc
 * failed. */
static int one(const pl_vec *v, int alloc)
{
    const size_t n = v->n ? v->n : 1;
    if (!alloc) {
        if (v->d) {
            free(*v->d);
            *v->d = NULL;
        } else {
            free(*v->f);
            *v->f = NULL;
        }
        return 0;
    }
    if (v->d)
        return (*v->d = calloc(n, sizeof **v->d)) ? 0 : -1;
    return (*v->f = calloc(n, sizeof **v->f)) ? 0 : -1;
}

/* Every vector that vecs lists for models 0 .. nmodels - 1, through one():
 * stops at the first that cannot be allocated (-1). */
static int every(void *solver, size_t nmodels, size_t nvec, pl_vecs_fn *vecs, int alloc)
{
    assert(nvec <= PL_STATE_MAXVEC);
    for (size_t i = 0; i < nmodels; i++) {
        pl_vec v[PL_STATE_MAXVEC];
        vecs(solver, i, v);
        for (size_t j = 0; j < nvec; j++)
            if (one(&v[j], alloc))
                return -1;
    }
    return 0;
}

int pl_state_vecs(void *solver, size_t nmodels, size_t nvec, pl_vecs_fn *vecs)
{
    return every(solver, nmodels, nvec, vecs, 1);
}

void pl_state_vecs_free(void *solver, size_t nmodels, size_t nvec, pl_vecs_fn *vecs)
{
    every(solver, nmodels, nvec, vecs, 0);
}

int pl_state_evals(pl_eval **ev, pl_eval **vev, pl_eval **tev, size_t nmodels)
{
    const size_t n = nmodels ? nmodels : 1;
    *ev = calloc(n, sizeof **ev);
    *vev = calloc(n, sizeof **vev);
    *tev = calloc(n, sizeof **tev);
    return *ev && *vev && *tev ? 0 : -1;
}

void pl_state_evals_free(pl_eval **ev, pl_eval **vev, pl_eval **tev)
{
    free(*ev);
    free(*vev);
    free(*tev);
    *ev = *vev = *tev = NULL;
}

void pl_state_figures(pl_result *r, int ok, const pl_objective *o, const pl_eval *ev,
                      const pl_eval *vev, const pl_eval *tev, size_t i)
{
    r->train_loss = ok ? ev[i].loss : NAN;
    r->train_acc = ok ? ev[i].acc : NAN;
    r->val_loss = ok && o->has_val ? vev[i].loss : NAN;
    r->val_acc = ok && o->has_val ? vev[i].acc : NAN;
    r->test_loss = ok && o->has_test ? tev[i].loss : NAN;
    r->test_acc = ok && o->has_test ? tev[i].acc : NAN;
}
