/*
 * fused.h - a whole sweep in one pass per iteration: every (task, learning
 * rate) model is updated by a single pass over the training rows.
 *
 * Models are grouped by digit: the group of digit c holds every model whose
 * task uses rows of c (the nine pairs with c and every one-vs-rest task, for
 * every learning rate), as columns of a weight matrix stored model-minor
 * (pixel j of all the group's models side by side), with each column's target
 * for rows of c.  A pair model is a column in two groups; both copies get the
 * same update.  A row of digit c costs, over its non-zero pixels only, one
 * small product z = x.W_c (all its models at once), the per-column link, and
 * G_c += x (x) r.  Rows are cut into fixed blocks of PL_FBLOCK_ROWS rows of one
 * digit, and blocks into tiles of PL_TILE_ROWS rows stored by pixel
 * (sparse.h; a block's rows chained so that pairs and tiles hold rows that
 * look alike), so a tile's forward, link and backward run on data in L1 and
 * each weight row is read once per tile.  On dense data the blocks are worked in
 * tiles of PL_DTILE rows converted to float once, with register-tiled dense
 * products instead (PL_DENSE_AT).  Every block's partial G, loss, hits and
 * residual sum has its own scratch, summed in block order: bit-identical
 * results for any thread count.  Each thread works its own contiguous share
 * of the blocks, then claims what is left of the others' (pl_claim), so
 * a thread slowed down (by the machine, or a poor work estimate) is helped;
 * which thread does a block never changes a result.
 */
#ifndef PARLOGIT_FUSED_H
#define PARLOGIT_FUSED_H

#include <signal.h>

#include "kernels/kernels.h"
#include "parlogit/config.h"
#include "parlogit/train.h"
#include "train/sparse.h"

#define PL_FBLOCK_ROWS 512
#define PL_UPDATE_PIXELS 16   /* pixels whose partials are summed at a time */
/* Above this share of non-zero pixels the dense kernels (every pixel, register
 * tiles, the conversion shared by all models) beat the sparse ones (one load
 * of a weight or residual row per non-zero).  Measured on the default sweep
 * (density 0.19): dense 8.3-9.6 s, sparse 3.1-4.4 s, a ratio of about 2.7, so
 * the two cost the same near 0.19 x 2.7 = 0.5. */
#define PL_DENSE_AT 0.5

typedef struct pl_fgroup {
    size_t m, ldw;       /* models using this digit; columns padded to PL_MCOLS  */
    int *job;            /* m: the job of each column                             */
    float *y;            /* ldw: the target of this digit's rows, per column      */
    float *W;            /* dim * ldw weights                                      */
    float *b;            /* ldw biases                                             */
    size_t blk0, blk1;   /* its blocks in the training set: [blk0, blk1)           */
} pl_fgroup;

typedef struct pl_fblock {
    int g;               /* digit                                                  */
    size_t row0, n;      /* rows [row0, row0 + n) of the dataset                   */
    size_t tile0, ntile; /* its tiles in pl_fset.tiles                              */
    size_t goff;         /* offset of its partial G in pl_fset.G (floats)          */
} pl_fblock;

/* A dataset made ready for fused passes. */
typedef struct pl_fset {
    const pl_dataset *d;
    pl_tiles tiles;
    pl_fblock *blk;
    size_t nblk;
    float *G;                    /* partial gradients (training set only)         */
    float *loss, *hits, *rsum;   /* nblk * ldwmax each                             */
    size_t *rows;                /* njobs: rows of each job's task in this set      */
    size_t *cut;                 /* nthreads + 1: thread i's own blocks are
                                    [cut[i], cut[i + 1]), balanced by work       */
    struct pl_claim *claim;      /* nblk: a counter per share, at its first block  */
} pl_fset;

typedef struct pl_fused {
    const pl_kernels *k;
    size_t dim, njobs, ldwmax;
    pl_fgroup grp[PL_CLASSES];
    int (*col)[PL_CLASSES];      /* njobs: a job's column in each group, or -1     */
    struct pl_fcopies {          /* ntasks: the groups holding a task, digit order */
        int n;
        int g[PL_CLASSES];
        size_t off[PL_CLASSES];  /* its first column there; its nlr learning rates */
    } *copies;                   /* are that column and the next nlr - 1            */
    size_t ntasks, nlr;
    double *lr;                  /* njobs                                          */
    float *lrf;                  /* njobs: lr as used by the update (0 once halted) */
    float *inv;                  /* ntasks: 1 / training rows of the task           */
    double *gb;                  /* njobs                                          */
    double *stat;                /* 2 * njobs: loss, accuracy of the last pass     */
    int *halt;                   /* njobs: 0 running, 1 diverged                   */
    float *zbuf;                 /* per thread: PL_TILE_ROWS * ldwmax (z, then r)   */
    float *gbuf;                 /* per thread: PL_CLASSES * PL_UPDATE_PIXELS * ldwmax */
    float *xbuf;                 /* per thread: PL_DTILE * dim (dense rows as floats) */
    int dense;                   /* 1: the dense kernels (density >= PL_DENSE_AT)   */
    double density;              /* share of non-zero training pixels               */
    pl_fset train, val, test;    /* val / test have d == NULL when absent           */
} pl_fused;

/* Sizes and fills everything before the first iteration (weights zero). */
int pl_fused_plan(pl_fused *f, const pl_kernels *k, const pl_config *cfg,
                  const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                  int nthreads, pl_error *e);

void pl_fused_free(pl_fused *f);

/* Called by every thread of the team: trains every job to the last
 * checkpoint, filling run->results and run->curves (allocated by the caller
 * in the layout of train.h).  Thread 0 calls progress and watches stop. */
void pl_fused_run(pl_fused *f, const pl_config *cfg, pl_run *run, const pl_train_opts *o,
                  int ith, int nth, int *interrupted);

#endif
