/*
 * avx512.c - AVX-512F kernels (16 floats per register).  Built with -mavx512f
 * (and BW/VL); called only when dispatch.c found AVX512F/BW/VL and OS support
 * for the opmask and ZMM state.  Same structure as avx2.c: 16 bytes ->
 * vpmovzxbd -> vcvtdq2ps, two accumulators per row in dot, one load/store of g
 * per 16-float slice and tile in axpy, scalar code for the last few pixels.
 */
#include <immintrin.h>

#include "kernels/kernels.h"

static inline __m512 cvt16(const uint8_t *p)
{
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
}

static inline __attribute__((always_inline)) void
dot_rows(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
{
    __m512 a[PL_MR], b[PL_MR];
    for (size_t i = 0; i < nr; i++)
        a[i] = b[i] = _mm512_setzero_ps();

    size_t j = 0;
    for (; j + 32 <= dim; j += 32) {
        __m512 w0 = _mm512_loadu_ps(w + j), w1 = _mm512_loadu_ps(w + j + 16);
        for (size_t i = 0; i < nr; i++) {
            a[i] = _mm512_fmadd_ps(cvt16(x + i * ldx + j), w0, a[i]);
            b[i] = _mm512_fmadd_ps(cvt16(x + i * ldx + j + 16), w1, b[i]);
        }
    }
    if (j + 16 <= dim) {
        __m512 w0 = _mm512_loadu_ps(w + j);
        for (size_t i = 0; i < nr; i++)
            a[i] = _mm512_fmadd_ps(cvt16(x + i * ldx + j), w0, a[i]);
        j += 16;
    }
    for (size_t i = 0; i < nr; i++) {
        float s = _mm512_reduce_add_ps(_mm512_add_ps(a[i], b[i]));
        for (size_t t = j; t < dim; t++)
            s += (float)x[i * ldx + t] * w[t];
        z[i] = s;
    }
}

void pl_dot_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
{
    switch (nr) {
    case 4: dot_rows(x, ldx, 4, dim, w, z); break;
    case 3: dot_rows(x, ldx, 3, dim, w, z); break;
    case 2: dot_rows(x, ldx, 2, dim, w, z); break;
    case 1: dot_rows(x, ldx, 1, dim, w, z); break;
    default: break;
    }
}

static inline __attribute__((always_inline)) void
axpy_rows(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g)
{
    __m512 rv[PL_MR];
    for (size_t i = 0; i < nr; i++)
        rv[i] = _mm512_set1_ps(r[i]);

    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
        __m512 acc = _mm512_loadu_ps(g + j);
        for (size_t i = 0; i < nr; i++)
            acc = _mm512_fmadd_ps(cvt16(x + i * ldx + j), rv[i], acc);
        _mm512_storeu_ps(g + j, acc);
    }
    for (; j < dim; j++)
        for (size_t i = 0; i < nr; i++)
            g[j] += r[i] * (float)x[i * ldx + j];
}

void pl_axpy_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g)
{
    switch (nr) {
    case 4: axpy_rows(x, ldx, 4, dim, r, g); break;
    case 3: axpy_rows(x, ldx, 3, dim, r, g); break;
    case 2: axpy_rows(x, ldx, 2, dim, r, g); break;
    case 1: axpy_rows(x, ldx, 1, dim, r, g); break;
    default: break;
    }
}
