/*
 * sparse.h - the compact index of a dataset's non-zero pixels, built once
 * before training: about four pixels in five of an MNIST digit are zero, and
 * the fused sweep works only on the others.
 *
 * Rows can first be put in an order where neighbours look alike (a nearest-
 * neighbour chain on their ink, within windows of PL_CHAIN_ROWS rows): the
 * pixels non-zero in either row of a pair, which the pair's forward visits,
 * are then 0.60 of its two rows' non-zeros on MNIST instead of 0.68, and a
 * tile's pixels are fewer.  Sums over rows come in a different order; which
 * order depends on the data alone.
 *
 * Rows are cut into tiles of up to PL_TILE_ROWS rows; a tile stores its
 * non-zeros by pairs of rows (pl_tile8): each pair's pixels non-zero in
 * either row, with both rows' values.  The forward (spfwd2) and the backward
 * (spbwd) both go a pair at a time, so a weight row loaded, or a gradient
 * row updated, serves both rows.
 *
 * Values are kept as the pixel bytes: a float each would be four times the
 * memory.  The kernels take floats, v * (1/pixel_max), the same floats the
 * dense path makes (u8f); a tile's are made once a pass, just before its
 * forward, into the thread's scratch (pl_tile_values, tens of KB, in L2),
 * and serve its backward too.
 */
#ifndef PARLOGIT_SPARSE_H
#define PARLOGIT_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"

/* A tile as stored: its non-zeros by pairs of rows.  Pair i (rows 2i and
 * 2i + 1, or 2i alone, the last of an odd tile) is [pptr[i], pptr[i + 1])
 * of pidx (its pixels non-zero in either row, ascending) and of pval (two
 * bytes a pixel, one per row, 0 where the row has no ink or there is no
 * row).  Offsets count from the tile's first pixel. */
typedef struct pl_tile8 {
    size_t nrows;
    const uint32_t *pptr;
    const uint16_t *pidx;
    const uint8_t *pval;
} pl_tile8;

typedef struct pl_tiles {
    size_t ntiles;
    size_t rows;        /* rows covered                                  */
    size_t nnz;         /* the rows' non-zero pixels, all tiles          */
    size_t maxpair;     /* most pixels of one pair of rows               */
    size_t maxtile;     /* most pixels of one tile's pairs, all together */
    float xs;           /* 1 / pixel_max                                 */
    pl_tile8 *tile;     /* ntiles, pointing into the arrays below        */
    size_t *order;      /* rows: the dataset rows covered, in tile order    */
    size_t *first;      /* ntiles: each tile's first row in order           */
    uint32_t *pptr;
    uint16_t *pidx;
    uint8_t *pval;
} pl_tiles;

#define PL_CHAIN_ROWS 512

/* Rows [row0, row0 + n) of a dataset, which an index now holds: the build
 * reads them no more. */
typedef void (*pl_rows_fn)(void *ctx, size_t row0, size_t n);

/*
 * Tiles for the row ranges [r0[i], r0[i] + n[i]) of d, in range order, each
 * range cut into tiles of PL_TILE_ROWS rows (the last one shorter).  With
 * chain, the rows of each range are reordered first (above); without, they
 * keep their order.  A tile's row r is dataset row order[first[t] + r].  The
 * work is shared by nthreads threads, tile by tile (first touch).  dim must
 * be at most 65536.  done (may be NULL) is called once per range, with
 * done_ctx, as soon as that range's tiles are filled, from whichever thread
 * filled its last tile: a caller that reads the rows no more may give their
 * memory back then, so the rows and the index are never both whole in
 * memory.
 */
int pl_tiles_build(const pl_dataset *d, const size_t *r0, const size_t *n, size_t nranges,
                   int chain, int nthreads, pl_rows_fn done, void *done_ctx, pl_tiles *out,
                   pl_error *e);

void pl_tiles_free(pl_tiles *t);

/* Floats of scratch pl_tile_pair and pl_tile_values need: enough for two
 * pairs side by side or a tile's pairs' values (one scratch may serve
 * each, one after the other). */
static inline size_t pl_tiles_scratch(const pl_tiles *t)
{
    return 4 * t->maxpair > 2 * t->maxtile ? 4 * t->maxpair : 2 * t->maxtile;
}

/*
 * Pair i of tile ti as the forward kernel takes it: returns its pixel count
 * n, sets *idx to its pixels and makes its 2n values (row 2i's, 2i + 1's,
 * for each pixel) into v2 (pl_tiles_scratch(t) floats) by k->u8f.
 */
static inline uint32_t pl_tile_pair(const pl_tiles *t, size_t ti, size_t i, const pl_kernels *k,
                                    float *v2, const uint16_t **idx)
{
    const pl_tile8 *s = &t->tile[ti];
    const uint32_t p0 = s->pptr[i], n = s->pptr[i + 1] - p0;
    k->u8f(s->pval + 2 * (size_t)p0, 2 * (size_t)n, t->xs, v2);
    *idx = s->pidx + p0;
    return n;
}

/*
 * The values of all of tile ti's pairs of rows, each pair's 2n values where
 * pl_tile_pair would put them relative to the pair's offset (pair i's at
 * v + 2 pptr[i]), made by k->u8f into v (pl_tiles_scratch(t) floats); v
 * returned.  Made once a pass for the tile's forward and backward.
 */
float *pl_tile_values(const pl_tiles *t, size_t ti, const pl_kernels *k, float *v);

/*
 * The forward product of tile ti of t from its values v (pl_tile_values):
 * row r of Z (ldz apart, m columns) gets the tile's row r's z against W (ldw
 * apart), pairs two at a time through k->spfwd2, an odd pair out through
 * k->spfwd.  An odd tile's last row has no partner: its z1 is written one
 * row past the tile's rows, so Z needs rows for nrows + 1 (an odd tile is
 * short: PL_TILE_ROWS rows always suffice).
 */
void pl_tile_forward(const pl_tiles *t, size_t ti, const pl_kernels *k, const float *v,
                     const float *W, size_t ldw, size_t m, float *Z, size_t ldz);

/*
 * The backward product of tile ti of t from its values v (pl_tile_values):
 * G (ldw apart, m columns) += the tile's rows' x (x) r, R's row r (ldr
 * apart) the tile's row r's residuals, a pair of rows at a time through
 * k->spbwd in pair order (an odd tile's last row alone: its partner's
 * values are 0).  A pixel's sum is formed row after row in tile order.
 */
void pl_tile_backward(const pl_tiles *t, size_t ti, const pl_kernels *k, const float *v,
                      const float *R, size_t ldr, size_t m, float *G, size_t ldw);

/* Tiles a range of n rows is cut into. */
static inline size_t pl_tiles_in(size_t n)
{
    return (n + PL_TILE_ROWS - 1) / PL_TILE_ROWS;
}

#endif
