/*
 * sparse.h - the compact per-row index of a dataset's non-zero pixels (CSR),
 * built once before training: about four pixels in five of an MNIST digit are
 * zero, and the fused sweep works only on the others.  Values are stored as
 * floats already scaled by 1/255, so a kernel broadcasts them straight from
 * memory.
 */
#ifndef PARLOGIT_SPARSE_H
#define PARLOGIT_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/dataset.h"
#include "parlogit/error.h"

typedef struct pl_csr {
    size_t n;          /* rows (as the dataset)                     */
    size_t nnz;        /* non-zero pixels in all rows               */
    size_t *ptr;       /* n + 1: row i is [ptr[i], ptr[i+1])        */
    uint16_t *idx;     /* pixel index of each non-zero              */
    float *val;        /* pixel / 255 of each non-zero              */
} pl_csr;

/* Builds the index of d (dim <= 65536) with nthreads threads: each first
 * touches the rows of its share.  PL_ENOMEM on allocation failure. */
int pl_csr_build(const pl_dataset *d, int nthreads, pl_csr *out, pl_error *e);

void pl_csr_free(pl_csr *c);

/* Share of non-zero pixels, nnz / (n * dim); 0 for an empty dataset. */
double pl_csr_density(const pl_csr *c, size_t dim);

#endif
