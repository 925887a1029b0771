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
 * Rows are cut into tiles of up to PL_TILE_ROWS rows; a tile stores, for each
 * pixel that is non-zero in any of its rows, that pixel's (row, value) entries,
 * and the same non-zeros by pairs of rows (see pl_tile in kernels/kernels.h).  Values are floats already scaled by
 * 1/pixel_max, so kernels broadcast them straight from memory.
 */
#ifndef PARLOGIT_SPARSE_H
#define PARLOGIT_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"

typedef struct pl_tiles {
    size_t ntiles;
    size_t rows;        /* rows covered                                  */
    size_t nnz;         /* entries (non-zero pixels) in all tiles        */
    pl_tile *tile;      /* ntiles, pointing into the arrays below        */
    size_t *order;      /* rows: the dataset rows covered, in tile order    */
    size_t *first;      /* ntiles: each tile's first row in order           */
    uint16_t *pix;
    uint32_t *ptr;
    uint8_t *row;
    float *val;
    uint32_t *pptr;     /* the same non-zeros by pairs of rows (pl_tile)    */
    uint16_t *pidx;
    float *pval;
} pl_tiles;

#define PL_CHAIN_ROWS 512

/*
 * Tiles for the row ranges [r0[i], r0[i] + n[i]) of d, in range order, each
 * range cut into tiles of PL_TILE_ROWS rows (the last one shorter).  With
 * chain, the rows of each range are reordered first (above); without, they
 * keep their order.  A tile's row r is dataset row order[first[t] + r].  The
 * work is shared by nthreads threads, tile by tile (first touch).  dim must
 * be at most 65536.
 */
int pl_tiles_build(const pl_dataset *d, const size_t *r0, const size_t *n, size_t nranges,
                   int chain, int nthreads, pl_tiles *out, pl_error *e);

void pl_tiles_free(pl_tiles *t);

/* Tiles a range of n rows is cut into. */
static inline size_t pl_tiles_in(size_t n)
{
    return (n + PL_TILE_ROWS - 1) / PL_TILE_ROWS;
}

#endif
