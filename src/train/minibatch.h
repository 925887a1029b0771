/*
 * minibatch.h - the mini-batch objective: the models of one task (any kind:
 * pair, rest, ovr, softmax; one per job, e.g. per learning rate), their mean
 * loss over any list of the task's rows, for stochastic gradient descent.
 *
 * The fused objective (fused.h) is built for passes over a whole set: its
 * rows are cut into blocks of one digit and stored by pairs of rows once,
 * before the first iteration (sparse.h).  A mini-batch is a new random
 * handful of rows at every step, so here the rows of a batch are gathered as
 * floats (x = p / 255) into a buffer and worked with the dense kernels
 * (kernels.h: dfwd, the links, dbwd) on the task's models side by side:
 * column j K + k holds output k of model j, model-minor as in the fused
 * sweep, so each row read serves every model.
 *
 * Determinism for any team: the rows of a pass are cut into fixed chunks of
 * PL_MB_CHUNK rows and those into pieces of PL_DTILE rows; a piece's forward
 * product and link are one thread's, each piece's loss and hits its own
 * slots, summed in piece order; the backward product is split by pixels in
 * fixed runs of PL_MB_PIXELS (each weight's gradient is one thread's sum over
 * the chunk's rows, in row order), the biases' by thread 0.  Which thread
 * does a piece or a pixel run never changes a bit.  Pieces and pixel runs
 * are dealt to the threads in contiguous shares.
 *
 * For the Newton solver it also multiplies the Hessian of every model's mean
 * loss by a direction (dir, hv, hvget): a pass whose forward products take
 * the weights and the directions, whose link is the curvature
 * (minibatch.c: curvature) and whose backward product is the gradient's.
 *
 * The losses are the other objectives': mean log-loss (binary), the sum of
 * the K outputs' mean log-losses (ovr), mean softmax cross-entropy; the
 * accuracy is the K-class one for ovr and softmax.
 */
#ifndef PARLOGIT_MINIBATCH_H
#define PARLOGIT_MINIBATCH_H

#include <stddef.h>

#include "kernels/kernels.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/train.h"
#include "train/objective.h"

#define PL_MB_CHUNK 512    /* rows gathered at a time                       */
#define PL_MB_PIXELS 64    /* pixels per run of the backward product        */

typedef struct pl_mbset {
    const pl_dataset *d;
    unsigned *rows;        /* the task's rows of d, dataset order            */
    size_t n;
} pl_mbset;

typedef struct pl_mbatch {
    pl_objective base;     /* nmodels = the task's jobs                      */
    const pl_kernels *k;
    pl_task task;
    size_t dim, K, J;      /* pixels, outputs per model, models              */
    size_t m, ldw;         /* columns used (J K), padded to PL_MCOLS          */
    size_t ldx;            /* floats per gathered row: dim rounded up to 16   */
    float *W, *b;          /* dim * ldw weights, ldw biases                   */
    float *G;              /* dim * ldw: the last gradient's sums over rows   */
    double *gb;            /* ldw: the biases' sums                            */
    double inv;            /* 1 / rows of the last gradient                    */
    float *y;              /* PL_CLASSES * ldw: a row of digit c's target per
                              column (sigmoid columns)                        */
    int *out;              /* PL_CLASSES: digit c's output index, -1 if unused */
    float *X, *Z;          /* PL_MB_CHUNK rows: gathered pixels, z then r     */
    double *ploss;         /* per piece of a chunk: ldw each                    */
    float *phits;          /* the same (hits: model j's at j)                   */
    float *pjunk;          /* per piece: the links' per-column hits, unused   */
    double *loss, *hits;   /* ldw each: a pass's sums, thread 0's              */
    int *halted;           /* J                                               */
    float *D, *db;         /* hv's directions: dim * ldw, ldw                  */
    float *U;              /* PL_MB_CHUNK rows: x.D                            */
    float *GH;             /* dim * ldw: the last hv's sums over rows          */
    double *ghb;           /* ldw                                              */
    pl_mbset set[3];       /* enum pl_objset; d NULL when absent               */
} pl_mbatch;

/* Sizes everything for J models of task t (K outputs each) over train (and
 * val, test: NULL when absent).  No model's parameters are set yet (reset
 * zeroes them).  PL_ENOMEM; PL_EINPUT when the task's classes need more
 * softmax outputs than the kernels take (PL_SMAX_K). */
int pl_mbatch_plan(pl_mbatch *o, const pl_kernels *k, pl_task t, size_t J,
                   const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                   pl_error *e);

void pl_mbatch_free(pl_mbatch *o);

#endif
