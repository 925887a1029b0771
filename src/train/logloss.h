/*
 * logloss.h - the objective: mean log-loss of a linear model over a task view,
 * its gradient and accuracy, computed by the whole team.
 *
 * It knows nothing about the solver (liblinear's fun/grad split).  Rows are cut
 * into fixed blocks (pl_block_rows); each block's partial gradient goes to its
 * own cache-line-aligned slot of scratch, and partials are summed in block
 * order.  A thread computes its own share of the blocks, then helps with what
 * is left of the others' (pl_claim), so a thread slowed down by other
 * processes does not hold the team up.  Which thread computes a block changes
 * nothing, so results are bit-identical for every team size.  All scratch is sized by plan(), before
 * the iterations; eval() allocates nothing.
 */
#ifndef PARLOGIT_LOGLOSS_H
#define PARLOGIT_LOGLOSS_H

#include <stddef.h>

#include "dist/xrank.h"
#include "kernels/kernels.h"
#include "parlogit/error.h"
#include "train/objective.h"
#include "train/view.h"

#define PL_BLOCK_ROWS 128       /* the smallest block                        */
#define PL_BLOCK_ROWS_MAX 512   /* the largest: its rows stay in L2          */
#define PL_BLOCKS_WANTED 256    /* big views get fewer, larger blocks         */

/* Rows per block for a view of n rows: PL_BLOCK_ROWS, or larger (a multiple
 * of it, at most PL_BLOCK_ROWS_MAX) so a big view has about PL_BLOCKS_WANTED
 * blocks and fewer partial gradients to reduce.  It depends on n only, never
 * on the team, so results stay bit-identical for any thread count. */
static inline size_t pl_block_rows(size_t n)
{
    size_t b = (n / PL_BLOCKS_WANTED + PL_BLOCK_ROWS - 1) / PL_BLOCK_ROWS * PL_BLOCK_ROWS;
    return b < PL_BLOCK_ROWS ? PL_BLOCK_ROWS : b > PL_BLOCK_ROWS_MAX ? PL_BLOCK_ROWS_MAX : b;
}

typedef struct pl_blockstat {
    double rsum, loss;
    size_t correct;
    int thread;     /* who computed the block in the last eval (for tests) */
    char pad[64 - 2 * sizeof(double) - sizeof(size_t) - sizeof(int)];
} pl_blockstat;

typedef struct pl_logloss {
    const pl_kernels *k;
    pl_view v;
    size_t ldg;            /* floats per block partial: dim rounded up to 16   */
    size_t maxblocks;      /* capacity of the scratch                           */
    float *gpart;          /* maxblocks * ldg, 64-byte aligned                  */
    pl_blockstat *st;      /* maxblocks                                         */
    struct pl_claim *claim; /* maxblocks: a counter per share, at its first block */
    double *gacc;          /* ldg: block sums per pixel, each thread its range  */
    int solo;              /* 1: called by one thread alone, no barriers         */
    /* cross-rank (pl_dense_distribute): this rank's blocks [rb0, rb1) of the
     * view, every rank's cut and the byte offsets of its gpart and st (3 x (size + 1)),
     * what gpart and st move */
    const pl_xrank *xr;
    size_t rb0, rb1, *xcut;
    pl_xgather xg_g, xg_st;
} pl_logloss;

/* Sizes scratch for views of up to maxrows rows of dim pixels. */
int pl_logloss_plan(pl_logloss *o, const pl_kernels *k, size_t dim, size_t maxrows,
                    pl_error *e);

/* Points the objective at a view (v->n <= the planned maxrows). */
void pl_logloss_set_view(pl_logloss *o, const pl_view *v);

void pl_logloss_free(pl_logloss *o);

/*
 * Called by every thread ith of the nth in the current team (or once with
 * nth = 1), with the same w and b.  Writes the mean loss, accuracy and d/db to
 * the shared *out and, when gw is not NULL, the gradient d/dw to the shared
 * gw[0..dim).  Contains barriers; on return *out and gw are complete for all
 * threads.
 */
void pl_logloss_eval(pl_logloss *o, int ith, int nth, const float *w, float b, float *gw,
                     pl_eval *out);

/*
 * The dense objective (strategies data and jobs): one binary model, its
 * parameters w (dim floats) and b, evaluated by pl_logloss_eval over views of
 * the training, validation and test sets.  base is its pl_objective
 * (nmodels = 1); solo: used by one thread alone.
 */
typedef struct pl_dense {
    pl_objective base;
    pl_logloss set[3];        /* enum pl_objset                                 */
    float *w, *gw;            /* dim floats each, 64-byte aligned               */
    float b;
    double gb;                /* d loss / d b of the last gradient eval          */
} pl_dense;

/* Sizes scratch for tasks of up to max[s] rows in set s (0: set absent). */
int pl_dense_plan(pl_dense *d, const pl_kernels *k, size_t dim, const size_t max[3], int solo,
                  pl_error *e);

/* Points the objective at task t's rows of the sets (val, test may be NULL). */
void pl_dense_set_task(pl_dense *d, pl_task t, const pl_dataset *train, const pl_dataset *val,
                       const pl_dataset *test);

void pl_dense_free(pl_dense *d);

/* Cross-rank (engine.distribute = rows): each view's blocks cut among the
 * ranks; eval computes this rank's and exchanges every rank's partials before
 * the block-order sums (xrank.h).  After pl_dense_plan, before set_task; not
 * for a solo objective.  PL_ENOMEM, PL_EINPUT. */
int pl_dense_distribute(pl_dense *d, const pl_xrank *xr, pl_error *e);

#endif
