/*
 * fused.h - the batched objective: every model of a sweep evaluated by a
 * single pass over the training rows, each at its own weights.
 *
 * Models are grouped by digit: the group of digit c holds every model whose
 * task uses rows of c (the nine pairs with c, every one-vs-rest task, every
 * ovr and softmax model whose classes include c, for every learning rate), as
 * columns of a weight matrix stored model-minor (pixel j of all the group's
 * models side by side), with each column's target for rows of c.  A model of
 * K outputs takes K adjacent columns; a task's learning rates take adjacent
 * runs of them.  A model is a column run in every group of its digits (a pair
 * in two, a ten-class model in ten); every copy gets the same update.  A row
 * of digit c costs, over its non-zero pixels only, one small product
 * z = x.W_c (all its models at once), the links, and G_c += x (x) r.  The
 * links: the sigmoid link on the group's first columns (binary and ovr
 * outputs, each its own log-loss), then the softmax link on each softmax
 * model's K columns.  Rows are cut into fixed blocks of PL_FBLOCK_ROWS rows
 * of one digit, and blocks into tiles of PL_TILE_ROWS rows stored by pairs
 * of rows (sparse.h; a block's rows chained so that pairs hold rows that
 * look alike), so a tile's forward, link and backward run on data in L1 and
 * L2 (its z and r; its values, made once for both, in the thread's scratch)
 * and each weight row read, or gradient row written, serves two rows.  On
 * dense data the blocks are worked
 * in tiles of PL_DTILE rows converted to float once, with register-tiled
 * dense products instead (PL_DENSE_AT).  Every block's partial G, loss, hits
 * and residual sum has its own scratch, summed in block order: bit-identical
 * results for any thread count.  Each thread works its own contiguous share
 * of the blocks, then claims what is left of the others' (pl_claim), so a
 * thread slowed down (by the machine, or a poor work estimate) is helped;
 * which thread does a block never changes a result.  The step is claimed
 * the same way, by chunks of PL_UPDATE_PIXELS pixels.  The shares are cut
 * for the planned team; any number of threads up to it may work them (a
 * narrowed team, gd.c), each starting with the share of its own number.
 */
#ifndef PARLOGIT_FUSED_H
#define PARLOGIT_FUSED_H

#include <signal.h>

#include "dist/xrank.h"
#include "kernels/kernels.h"
#include "parlogit/config.h"
#include "parlogit/train.h"
#include "train/objective.h"
#include "train/sparse.h"

#define PL_FBLOCK_ROWS 512
#define PL_FOVR_MAX 128      /* ovr models in one group (learning rates of ovr) */
#define PL_UPDATE_PIXELS 16   /* pixels whose partials are summed at a time */
/* Above this share of non-zero pixels the dense kernels (every pixel, register
 * tiles, the conversion shared by all models) beat the sparse ones (one load
 * of a weight or residual row per non-zero).  Measured on the default sweep
 * (density 0.19): dense 8.3-9.6 s, sparse 3.1-4.4 s, a ratio of about 2.7, so
 * the two cost the same near 0.19 x 2.7 = 0.5. */
#define PL_DENSE_AT 0.5

/* A model of K outputs within a group: columns [off, off + k); cls is the
 * output whose class is the group's digit. */
typedef struct pl_fmodel {
    size_t off, k;
    int cls;
} pl_fmodel;

typedef struct pl_fgroup {
    size_t m, ldw;       /* columns used; padded to PL_MCOLS                      */
    size_t sig;          /* columns [0, sig) take the sigmoid link (a multiple of 8) */
    float *y;            /* ldw: the target of this digit's rows, per column      */
    float *W;            /* dim * ldw weights                                      */
    float *b;            /* ldw biases                                             */
    pl_fmodel *sm;       /* its softmax models (their columns follow sig)          */
    size_t nsm;
    pl_fmodel *ovr;      /* its ovr models (ten-class hits of their columns)       */
    size_t novr;
    size_t blk0, blk1;   /* its blocks in the training set: [blk0, blk1)           */
    int live;            /* a model the evals need has a column here (ops live)    */
} pl_fgroup;

typedef struct pl_fblock {
    int g;               /* digit                                                  */
    size_t row0, n;      /* rows [row0, row0 + n) of the dataset                   */
    size_t tile0, ntile; /* its tiles in pl_fset.tiles (none outside the rank's
                            window: a rank indexes only the blocks it computes)    */
    size_t goff;         /* offset of its partial G in pl_fset.G (floats)          */
    size_t nnz;          /* its non-zero pixels (sparse kernels; its work)          */
} pl_fblock;

/* A dataset made ready for fused passes. */
typedef struct pl_fset {
    const pl_dataset *d;
    pl_tiles tiles;
    pl_fblock *blk;
    size_t nblk;
    float *G;                    /* partial gradients (training set only)         */
    double *loss;                /* nblk * ldwmax each (kernels.h: precision)      */
    float *hits, *rsum;          /* nblk * ldwmax each                             */
    size_t *rows;                /* njobs: rows of each job's task in this set      */
    size_t *cut;                 /* nthreads + 1: thread i's own blocks are
                                    [cut[i], cut[i + 1]), balanced by work       */
    struct pl_claim *claim;      /* nblk: a counter per share, at its first block  */
    size_t rb0, rb1;             /* this rank's blocks (all of them on one rank)    */
    size_t *xcut;                /* ranks + 1: every rank's window (cross-rank only) */
    pl_xgather xg_G, xg_blk, xg_loss;  /* cross-rank: what G, hits/rsum, loss move    */
} pl_fset;

/* The jobs of one task, adjacent in the plan: their models take adjacent
 * runs of k columns in every group of the task's digits. */
typedef struct pl_ftask {
    pl_task task;
    int kind;                    /* enum pl_task_kind                               */
    size_t job0, njob, k;        /* jobs [job0, job0 + njob), k outputs each        */
    int n;                       /* groups holding it, digit order                  */
    int g[PL_CLASSES];
    size_t off[PL_CLASSES];      /* its first column there                          */
    float inv;                   /* 1 / its training rows                            */
} pl_ftask;

typedef struct pl_fused {
    pl_objective base;           /* nmodels = njobs; ops on &base                    */
    const pl_kernels *k;
    size_t dim, njobs, ldwmax;
    pl_fgroup grp[PL_CLASSES];
    pl_ftask *task;              /* ntasks                                          */
    size_t ntasks;
    size_t *jtask;               /* njobs: a job's task                              */
    size_t *out0;                /* njobs + 1: a job's first output among all jobs' */
    int (*col)[PL_CLASSES];      /* njobs: a job's first column in each group, or -1 */
    double *gb;                  /* out0[njobs]: d loss / d b of every output        */
    int *halt;                   /* njobs: 0 running, 1 halted                       */
    float *zbuf;                 /* per thread: PL_TILE_ROWS * ldwmax (z, then r)   */
    float *gbuf;                 /* per thread: PL_CLASSES * PL_UPDATE_PIXELS * ldwmax */
    float *xbuf;                 /* per thread: PL_DTILE * dim (dense rows as floats) */
    float *vbuf;                 /* per thread: vlen (sparse values as floats)       */
    size_t vlen;                 /* pl_tiles_scratch, the most of the three sets     */
    struct pl_claim *sclaim;     /* step chunks: a counter per share, at its first   */
    int nshares;                 /* shares of the blocks and chunks: the planned team */
    int dense;                   /* 1: the dense kernels (density >= PL_DENSE_AT)   */
    double density;              /* share of non-zero training pixels               */
    pl_fset set[3];              /* enum pl_objset; d == NULL when absent            */
    const pl_xrank *xr;          /* rows shared over ranks, or NULL (one rank)      */
    const pl_xrank *xplan;       /* the ranks the plan cut windows for, or NULL      */
} pl_fused;

/* Sizes and fills everything for the jobs of plan before the first
 * iteration.  Counts blocks and measures the density (the cost model's
 * inputs) as well. */
int pl_fused_plan(pl_fused *f, const pl_kernels *k, const pl_plan *plan,
                  const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                  int nthreads, pl_error *e);

/* The training rows, given up as they are indexed (pl_fused_plan_rows). */
typedef struct pl_fused_rows {
    /* Asked once the training set's blocks are counted, before its sparse
     * index is built: non-zero when the caller will train with this plan
     * and read the training pixels no more. */
    int (*commit)(void *ctx, size_t nblk);
    pl_rows_fn done;   /* then told of each block's rows once indexed (sparse.h),
                          those of other ranks' blocks at once, before indexing */
    /* A deferred training set (dataset.h): reads its rows [row0[i], row0[i] +
     * n[i]) before they are indexed, those of the rank's blocks when commit
     * agreed, else every row (pl_train_opts.rows_fill). */
    int (*fill)(void *ctx, const size_t *row0, const size_t *n, size_t nranges, pl_error *e);
    void *ctx;
} pl_fused_rows;

/* pl_fused_plan for rows shared over ranks (xr; NULL: one rank), each set's
 * blocks cut into the ranks' windows by their work before anything is
 * indexed, so a rank indexes only its own blocks; and handing the training
 * rows to rows as they are indexed (those of other ranks' blocks at once)
 * when the sparse kernels are used and rows->commit agrees (rows may be
 * NULL).  pl_fused_distribute must follow, with the same xr, before the
 * first pass when xr is set: without it, other ranks' blocks count 0. */
int pl_fused_plan_rows(pl_fused *f, const pl_kernels *k, const pl_plan *plan,
                       const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                       int nthreads, const pl_xrank *xr, const pl_fused_rows *rows,
                       pl_error *e);

void pl_fused_free(pl_fused *f);

/* Cross-rank (engine.distribute = rows): this rank computes only its window
 * of every set's blocks, and eval exchanges every rank's block partials
 * before summing them in block order (xrank.h).  After pl_fused_plan_rows
 * with the same xr, which cut the windows.  PL_ENOMEM, PL_EINPUT (an
 * exchange over 2 GiB, or another xr than the plan's). */
int pl_fused_distribute(pl_fused *f, const pl_xrank *xr, pl_error *e);

/* The share of non-zero pixels of d (0 when it has no rows). */
double pl_density(const pl_dataset *d);

#endif
