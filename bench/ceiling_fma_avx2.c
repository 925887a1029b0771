/*
 * ceiling_fma_avx2.c - AVX2+FMA kernels of the compute ceilings (built with
 * -mavx2 -mfma; called only after ceil_isa_detect() said AVX2 is usable).
 *
 * Peak FMA: 12 independent ymm accumulators, each updated acc = acc * a + b
 * with a just below 1, so values settle near b / (1 - a) and never overflow or
 * go denormal.  With FMA latency 4 and 2 FMA pipes, 8 chains suffice; 12 leave
 * margin for other cores' latencies.
 *
 * Pixel pipeline: the conversion parlogit's kernels do for every pixel,
 * _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(8 bytes)), then an FMA, in the two
 * shapes of a logistic-regression pass: the dot (z = x . w, FMA into a register
 * accumulator, w loaded from L1) and the axpy (g += r x, g loaded and stored).
 */
#include <immintrin.h>

#include "ceiling.h"

/* 8 pixels at p -> 8 floats (not yet scaled: the 1/255 folds into w or r). */
static inline __m256 cvt8(const uint8_t *p)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

static inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

float ceil_fma_peak_avx2(long iters)
{
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
    __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f);
    __m256 c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f);
    __m256 c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f);
    __m256 c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
    for (long i = 0; i < iters; i++) {
        c0 = _mm256_fmadd_ps(c0, a, b);
        c1 = _mm256_fmadd_ps(c1, a, b);
        c2 = _mm256_fmadd_ps(c2, a, b);
        c3 = _mm256_fmadd_ps(c3, a, b);
        c4 = _mm256_fmadd_ps(c4, a, b);
        c5 = _mm256_fmadd_ps(c5, a, b);
        c6 = _mm256_fmadd_ps(c6, a, b);
        c7 = _mm256_fmadd_ps(c7, a, b);
        c8 = _mm256_fmadd_ps(c8, a, b);
        c9 = _mm256_fmadd_ps(c9, a, b);
        c10 = _mm256_fmadd_ps(c10, a, b);
        c11 = _mm256_fmadd_ps(c11, a, b);
    }
    /* reduce: fold the 12 chains, then the 8 lanes */
    c0 = _mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3));
    c4 = _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7));
    c8 = _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11));
    return hsum(_mm256_add_ps(_mm256_add_ps(c0, c4), c8));
}

float ceil_cvt_dot_avx2(const uint8_t *x, const float *w, size_t dim, long reps)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    __m256 s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (long r = 0; r < reps; r++) {
        /* 64 pixels per step, one accumulator per group of 8: the chains are
         * independent, so the loop runs at the rate of the conversions */
        for (size_t j = 0; j < dim; j += 64) {
            s0 = _mm256_fmadd_ps(cvt8(x + j + 0), _mm256_loadu_ps(w + j + 0), s0);
            s1 = _mm256_fmadd_ps(cvt8(x + j + 8), _mm256_loadu_ps(w + j + 8), s1);
            s2 = _mm256_fmadd_ps(cvt8(x + j + 16), _mm256_loadu_ps(w + j + 16), s2);
            s3 = _mm256_fmadd_ps(cvt8(x + j + 24), _mm256_loadu_ps(w + j + 24), s3);
            s4 = _mm256_fmadd_ps(cvt8(x + j + 32), _mm256_loadu_ps(w + j + 32), s4);
            s5 = _mm256_fmadd_ps(cvt8(x + j + 40), _mm256_loadu_ps(w + j + 40), s5);
            s6 = _mm256_fmadd_ps(cvt8(x + j + 48), _mm256_loadu_ps(w + j + 48), s6);
            s7 = _mm256_fmadd_ps(cvt8(x + j + 56), _mm256_loadu_ps(w + j + 56), s7);
        }
    }
    s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    s4 = _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7));
    return hsum(_mm256_add_ps(s0, s4));
}

void ceil_cvt_axpy_avx2(const uint8_t *x, float *g, float r, size_t dim, long reps)
{
    const __m256 rv = _mm256_set1_ps(r);
    for (long k = 0; k < reps; k++) {
        for (size_t j = 0; j < dim; j += 32) {
            __m256 g0 = _mm256_fmadd_ps(cvt8(x + j + 0), rv, _mm256_loadu_ps(g + j + 0));
            __m256 g1 = _mm256_fmadd_ps(cvt8(x + j + 8), rv, _mm256_loadu_ps(g + j + 8));
            __m256 g2 = _mm256_fmadd_ps(cvt8(x + j + 16), rv, _mm256_loadu_ps(g + j + 16));
            __m256 g3 = _mm256_fmadd_ps(cvt8(x + j + 24), rv, _mm256_loadu_ps(g + j + 24));
            _mm256_storeu_ps(g + j + 0, g0);
            _mm256_storeu_ps(g + j + 8, g1);
            _mm256_storeu_ps(g + j + 16, g2);
            _mm256_storeu_ps(g + j + 24, g3);
        }
    }
}
