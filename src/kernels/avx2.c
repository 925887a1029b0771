/*
 * avx2.c - AVX2 + FMA kernels (8 floats per register).  Built with -mavx2 -mfma;
 * called only when dispatch.c found AVX2, FMA and OS support for YMM state.
 *
 * uint8 pixels become floats in registers: 8 bytes -> vpmovzxbd -> vcvtdq2ps.
 * dot keeps two accumulators per row (even and odd 8-pixel chunks), so a full
 * 4-row tile has 8 independent FMA chains: enough to cover FMA latency on two
 * FMA pipes.  axpy loads each 8-float slice of g once per tile and adds every
 * row's r[i] * x[i] into it before storing it back.  Pixels past the last full
 * chunk are done in scalar code.
 */
#include <immintrin.h>

#include "kernels/kernels.h"

static inline __m256 cvt8(const uint8_t *p)
{
    __m128i b = _mm_loadl_epi64((const __m128i *)p);
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}

static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* nr is a constant after inlining, so the accumulators live in registers. */
static inline __attribute__((always_inline)) void
dot_rows(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
{
    __m256 a[PL_MR], b[PL_MR];
    for (size_t i = 0; i < nr; i++)
        a[i] = b[i] = _mm256_setzero_ps();

    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
        __m256 w0 = _mm256_loadu_ps(w + j), w1 = _mm256_loadu_ps(w + j + 8);
        for (size_t i = 0; i < nr; i++) {
            a[i] = _mm256_fmadd_ps(cvt8(x + i * ldx + j), w0, a[i]);
            b[i] = _mm256_fmadd_ps(cvt8(x + i * ldx + j + 8), w1, b[i]);
        }
    }
    if (j + 8 <= dim) {
        __m256 w0 = _mm256_loadu_ps(w + j);
        for (size_t i = 0; i < nr; i++)
            a[i] = _mm256_fmadd_ps(cvt8(x + i * ldx + j), w0, a[i]);
        j += 8;
    }
    for (size_t i = 0; i < nr; i++) {
        float s = hsum8(_mm256_add_ps(a[i], b[i]));
        for (size_t t = j; t < dim; t++)
            s += (float)x[i * ldx + t] * w[t];
        z[i] = s;
    }
}

void pl_dot_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
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
    __m256 rv[PL_MR];
    for (size_t i = 0; i < nr; i++)
        rv[i] = _mm256_set1_ps(r[i]);

    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        __m256 acc = _mm256_loadu_ps(g + j);
        for (size_t i = 0; i < nr; i++)
            acc = _mm256_fmadd_ps(cvt8(x + i * ldx + j), rv[i], acc);
        _mm256_storeu_ps(g + j, acc);
    }
    for (; j < dim; j++)
        for (size_t i = 0; i < nr; i++)
            g[j] += r[i] * (float)x[i * ldx + j];
}

void pl_axpy_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g)
{
    switch (nr) {
    case 4: axpy_rows(x, ldx, 4, dim, r, g); break;
    case 3: axpy_rows(x, ldx, 3, dim, r, g); break;
    case 2: axpy_rows(x, ldx, 2, dim, r, g); break;
    case 1: axpy_rows(x, ldx, 1, dim, r, g); break;
    default: break;
    }
}
