/*
 * ref.c - scalar reference kernels: the portable fallback and the oracle the
 * SIMD kernels are tested against.  Plain loops, one float accumulator per row,
 * left-to-right order.  See kernels.h for the contracts.
 */
#include "kernels/kernels.h"

void pl_dot_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
{
    for (size_t i = 0; i < nr; i++) {
        const uint8_t *xi = x + i * ldx;
        float s = 0.0f;
        for (size_t j = 0; j < dim; j++)
            s += (float)xi[j] * w[j];
        z[i] = s;
    }
}

void pl_axpy_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g)
{
    for (size_t i = 0; i < nr; i++) {
        const uint8_t *xi = x + i * ldx;
        for (size_t j = 0; j < dim; j++)
            g[j] += r[i] * (float)xi[j];
    }
}
