/*
 * ceiling_fma_avx512.c - AVX-512 kernels of the compute ceilings (built with
 * -mavx512f -mfma; called only after ceil_isa_detect() said the CPU has
 * AVX-512 F/BW/VL and the OS saves the opmask and ZMM state).
 *
 * The same three measurements as ceiling_fma_avx2.c, on zmm registers: peak FMA
 * (12 independent chains), and the pixel pipeline
 * _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(16 bytes)) + FMA in dot and axpy
 * form.  On cores that split 512-bit operations into two 256-bit halves (AMD
 * Zen 4) these match the AVX2 figures per cycle; on cores with 512-bit FMA
 * units they may double them.
 */
#include <immintrin.h>

#include "ceiling.h"

/* 16 pixels at p -> 16 floats. */
static inline __m512 cvt16(const uint8_t *p)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)));
}

float ceil_fma_peak_avx512(long iters)
{
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
    __m512 c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(0.1f), c2 = _mm512_set1_ps(0.2f);
    __m512 c3 = _mm512_set1_ps(0.3f), c4 = _mm512_set1_ps(0.4f), c5 = _mm512_set1_ps(0.5f);
    __m512 c6 = _mm512_set1_ps(0.6f), c7 = _mm512_set1_ps(0.7f), c8 = _mm512_set1_ps(0.8f);
    __m512 c9 = _mm512_set1_ps(0.9f), c10 = _mm512_set1_ps(1.0f), c11 = _mm512_set1_ps(1.1f);
    for (long i = 0; i < iters; i++) {
        c0 = _mm512_fmadd_ps(c0, a, b);
        c1 = _mm512_fmadd_ps(c1, a, b);
        c2 = _mm512_fmadd_ps(c2, a, b);
        c3 = _mm512_fmadd_ps(c3, a, b);
        c4 = _mm512_fmadd_ps(c4, a, b);
        c5 = _mm512_fmadd_ps(c5, a, b);
        c6 = _mm512_fmadd_ps(c6, a, b);
        c7 = _mm512_fmadd_ps(c7, a, b);
        c8 = _mm512_fmadd_ps(c8, a, b);
        c9 = _mm512_fmadd_ps(c9, a, b);
        c10 = _mm512_fmadd_ps(c10, a, b);
        c11 = _mm512_fmadd_ps(c11, a, b);
    }
    c0 = _mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3));
    c4 = _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7));
    c8 = _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c4), c8));
}

float ceil_cvt_dot_avx512(const uint8_t *x, const float *w, size_t dim, long reps)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    __m512 s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (long r = 0; r < reps; r++) {
        /* 128 pixels per step, 8 independent accumulators */
        for (size_t j = 0; j < dim; j += 128) {
            s0 = _mm512_fmadd_ps(cvt16(x + j + 0), _mm512_loadu_ps(w + j + 0), s0);
            s1 = _mm512_fmadd_ps(cvt16(x + j + 16), _mm512_loadu_ps(w + j + 16), s1);
            s2 = _mm512_fmadd_ps(cvt16(x + j + 32), _mm512_loadu_ps(w + j + 32), s2);
            s3 = _mm512_fmadd_ps(cvt16(x + j + 48), _mm512_loadu_ps(w + j + 48), s3);
            s4 = _mm512_fmadd_ps(cvt16(x + j + 64), _mm512_loadu_ps(w + j + 64), s4);
            s5 = _mm512_fmadd_ps(cvt16(x + j + 80), _mm512_loadu_ps(w + j + 80), s5);
            s6 = _mm512_fmadd_ps(cvt16(x + j + 96), _mm512_loadu_ps(w + j + 96), s6);
            s7 = _mm512_fmadd_ps(cvt16(x + j + 112), _mm512_loadu_ps(w + j + 112), s7);
        }
    }
    s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
    s4 = _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7));
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s4));
}

void ceil_cvt_axpy_avx512(const uint8_t *x, float *g, float r, size_t dim, long reps)
{
    const __m512 rv = _mm512_set1_ps(r);
    for (long k = 0; k < reps; k++) {
        for (size_t j = 0; j < dim; j += 64) {
            __m512 g0 = _mm512_fmadd_ps(cvt16(x + j + 0), rv, _mm512_loadu_ps(g + j + 0));
            __m512 g1 = _mm512_fmadd_ps(cvt16(x + j + 16), rv, _mm512_loadu_ps(g + j + 16));
            __m512 g2 = _mm512_fmadd_ps(cvt16(x + j + 32), rv, _mm512_loadu_ps(g + j + 32));
            __m512 g3 = _mm512_fmadd_ps(cvt16(x + j + 48), rv, _mm512_loadu_ps(g + j + 48));
            _mm512_storeu_ps(g + j + 0, g0);
            _mm512_storeu_ps(g + j + 16, g1);
            _mm512_storeu_ps(g + j + 32, g2);
            _mm512_storeu_ps(g + j + 48, g3);
        }
    }
}
