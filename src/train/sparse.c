/*
 * sparse.c - building the CSR index of a label-grouped dataset.  Two passes:
 * count each row's non-zeros, prefix-sum, fill.  See sparse.h.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/sparse.h"

void pl_csr_free(pl_csr *c)
{
    free(c->ptr);
    free(c->idx);
    free(c->val);
    memset(c, 0, sizeof *c);
}

double pl_csr_density(const pl_csr *c, size_t dim)
{
    return c->n && dim ? (double)c->nnz / ((double)c->n * (double)dim) : 0.0;
}

int pl_csr_build(const pl_dataset *d, int nthreads, pl_csr *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    if (d->dim > 65536)
        return pl_errorf(e, PL_EINPUT, "images of %zu pixels: the sparse index holds at most 65536",
                         d->dim);
    out->n = d->n;
    out->ptr = malloc((d->n + 1) * sizeof *out->ptr);
    if (!out->ptr)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index");
    out->ptr[0] = 0;
    for (size_t i = 0; i < d->n; i++) {
        const uint8_t *x = d->pix + i * d->dim;
        size_t c = 0;
        for (size_t j = 0; j < d->dim; j++)
            c += x[j] != 0;
        out->ptr[i + 1] = out->ptr[i] + c;
    }
    out->nnz = out->ptr[d->n];
    out->idx = malloc((out->nnz ? out->nnz : 1) * sizeof *out->idx);
    out->val = malloc((out->nnz ? out->nnz : 1) * sizeof *out->val);
    if (!out->idx || !out->val) {
        size_t nnz = out->nnz;
        pl_csr_free(out);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index (%zu non-zeros)",
                         nnz);
    }
    const size_t n = d->n, dim = d->dim;
#pragma omp parallel num_threads(nthreads)
    {
        size_t r0, r1;
        pl_share(n, 1, omp_get_thread_num(), omp_get_num_threads(), &r0, &r1);
        for (size_t i = r0; i < r1; i++) {
            const uint8_t *x = d->pix + i * dim;
            size_t p = out->ptr[i];
            for (size_t j = 0; j < dim; j++)
                if (x[j]) {
                    out->idx[p] = (uint16_t)j;
                    out->val[p++] = (float)x[j] * (1.0f / 255.0f);
                }
        }
    }
    return PL_OK;
}
