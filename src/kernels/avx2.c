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
#include <float.h>
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

/* ---- fused sweep kernels ------------------------------------------------
 * Forward, a pair of rows: in chunks of 40 columns (a digit group of the
 * default sweep in one pass: 10 accumulators, 2 values, 1 weight register),
 * both rows' z accumulate in registers over the pixels non-zero in either,
 * each weight row (from L2: read, never written) loaded once for the two.
 * Backward, a pair of rows (spbwd): in chunks of at most 32 columns, both
 * rows' residuals held in registers, each pixel's row of G read, given its
 * two FMAs and written back.  Every column gets the same operations in the
 * same order whatever the chunking, so a column's bits do not depend on how
 * many columns the batch has: a model gets the same weights in any batch and
 * on any rank of a models split. */

static inline __attribute__((always_inline)) void
spfwd_chunk(const uint16_t *idx, const float *v2, size_t n, const float *W, size_t ldw,
            const int nv, float *z0, float *z1)
{
    __m256 a[5], c[5];
    for (int q = 0; q < nv; q++)
        a[q] = c[q] = _mm256_setzero_ps();
    for (size_t t = 0; t < n; t++) {
        const __m256 u0 = _mm256_broadcast_ss(v2 + 2 * t), u1 = _mm256_broadcast_ss(v2 + 2 * t + 1);
        const float *w = W + (size_t)idx[t] * ldw;
        for (int q = 0; q < nv; q++) {
            __m256 wq = _mm256_loadu_ps(w + 8 * q);
            __asm__("" : "+x"(wq));   /* one load for both rows, not one folded into each FMA */
            a[q] = _mm256_fmadd_ps(u0, wq, a[q]);
            c[q] = _mm256_fmadd_ps(u1, wq, c[q]);
        }
    }
    for (int q = 0; q < nv; q++) {
        _mm256_storeu_ps(z0 + 8 * q, a[q]);
        _mm256_storeu_ps(z1 + 8 * q, c[q]);
    }
}

void pl_spfwd_avx2(const uint16_t *idx, const float *v2, size_t n, const float *W, size_t ldw,
                   size_t m, float *z0, float *z1)
{
    for (size_t c0 = 0; c0 < m; c0 += 40) {   /* 2 rows x 5 registers, 2 values, a weight */
        switch ((m - c0 < 40 ? m - c0 : 40) / 8) {
        case 5: spfwd_chunk(idx, v2, n, W + c0, ldw, 5, z0 + c0, z1 + c0); break;
        case 4: spfwd_chunk(idx, v2, n, W + c0, ldw, 4, z0 + c0, z1 + c0); break;
        case 3: spfwd_chunk(idx, v2, n, W + c0, ldw, 3, z0 + c0, z1 + c0); break;
        case 2: spfwd_chunk(idx, v2, n, W + c0, ldw, 2, z0 + c0, z1 + c0); break;
        case 1: spfwd_chunk(idx, v2, n, W + c0, ldw, 1, z0 + c0, z1 + c0); break;
        default: break;   /* m is a multiple of 8 */
        }
    }
}

/* A pair's pixels [t, n) into its rows' sums: one weight register (a0, c0)
 * or two (and a1, c1).  A macro, not a function taking the sums' arrays:
 * through a pointer GCC kept the sums in memory, eight stores a pixel. */
#define SPFWD2_REST(NV, idx, v2, n, a0, a1, c0, c1)                                   \
    for (size_t u = t; u < (n); u++) {                                                \
        const __m256 u0 = _mm256_broadcast_ss((v2) + 2 * u);                          \
        const __m256 u1 = _mm256_broadcast_ss((v2) + 2 * u + 1);                      \
        const float *w = W + (size_t)(idx)[u] * ldw;                                  \
        __m256 x0 = _mm256_loadu_ps(w);                                               \
        __asm__("" : "+x"(x0));                                                       \
        a0 = _mm256_fmadd_ps(u0, x0, a0);                                             \
        c0 = _mm256_fmadd_ps(u1, x0, c0);                                             \
        if (NV > 1) {                                                                 \
            __m256 x1 = _mm256_loadu_ps(w + 8);                                       \
            __asm__("" : "+x"(x1));                                                   \
            a1 = _mm256_fmadd_ps(u0, x1, a1);                                         \
            c1 = _mm256_fmadd_ps(u1, x1, c1);                                         \
        }                                                                             \
    }

/* Two pairs in step over the pixels both have, then the longer one's rest
 * alone: each row summed in its own pair's pixel order, as spfwd_chunk sums
 * it.  NV <= 2 registers a row (m <= 16), each sum a named register. */
static inline __attribute__((always_inline)) void
spfwd2_chunk(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib, const float *vb,
             size_t nb, const float *W, size_t ldw, const int NV, float *Z, size_t ldz)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, c0 = a0, c1 = a0;   /* pair a's rows */
    __m256 p0 = a0, p1 = a0, q0 = a0, q1 = a0;                     /* pair b's rows */
    const size_t n = na < nb ? na : nb;
    size_t t = 0;
    for (; t < n; t++) {
        const __m256 u0 = _mm256_broadcast_ss(va + 2 * t), u1 = _mm256_broadcast_ss(va + 2 * t + 1);
        const __m256 s0 = _mm256_broadcast_ss(vb + 2 * t), s1 = _mm256_broadcast_ss(vb + 2 * t + 1);
        const float *wa = W + (size_t)ia[t] * ldw, *wb = W + (size_t)ib[t] * ldw;
        __m256 x = _mm256_loadu_ps(wa), y = _mm256_loadu_ps(wb);
        __asm__("" : "+x"(x), "+x"(y));   /* one load for both rows of a pair */
        a0 = _mm256_fmadd_ps(u0, x, a0);
        c0 = _mm256_fmadd_ps(u1, x, c0);
        p0 = _mm256_fmadd_ps(s0, y, p0);
        q0 = _mm256_fmadd_ps(s1, y, q0);
        if (NV > 1) {
            __m256 x1 = _mm256_loadu_ps(wa + 8), y1 = _mm256_loadu_ps(wb + 8);
            __asm__("" : "+x"(x1), "+x"(y1));
            a1 = _mm256_fmadd_ps(u0, x1, a1);
            c1 = _mm256_fmadd_ps(u1, x1, c1);
            p1 = _mm256_fmadd_ps(s0, y1, p1);
            q1 = _mm256_fmadd_ps(s1, y1, q1);
        }
    }
    SPFWD2_REST(NV, ia, va, na, a0, a1, c0, c1);   /* the longer pair's rest, alone */
    SPFWD2_REST(NV, ib, vb, nb, p0, p1, q0, q1);
    _mm256_storeu_ps(Z, a0);
    _mm256_storeu_ps(Z + ldz, c0);
    _mm256_storeu_ps(Z + 2 * ldz, p0);
    _mm256_storeu_ps(Z + 3 * ldz, q0);
    if (NV > 1) {
        _mm256_storeu_ps(Z + 8, a1);
        _mm256_storeu_ps(Z + ldz + 8, c1);
        _mm256_storeu_ps(Z + 2 * ldz + 8, p1);
        _mm256_storeu_ps(Z + 3 * ldz + 8, q1);
    }
}
#undef SPFWD2_REST

void pl_spfwd2_avx2(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                    const float *vb, size_t nb, const float *W, size_t ldw, size_t m, float *Z,
                    size_t ldz)
{
    if (m == 16)
        spfwd2_chunk(ia, va, na, ib, vb, nb, W, ldw, 2, Z, ldz);
    else if (m == 8)
        spfwd2_chunk(ia, va, na, ib, vb, nb, W, ldw, 1, Z, ldz);
    else {   /* wide enough for one pair's chains */
        pl_spfwd_avx2(ia, va, na, W, ldw, m, Z, Z + ldz);
        pl_spfwd_avx2(ib, vb, nb, W, ldw, m, Z + 2 * ldz, Z + 3 * ldz);
    }
}

/* The backward of a pair of rows (kernels.h, spbwd), nq registers of 8
 * columns of both rows' residuals held across the pair's pixels.  Two
 * pixels a step, both rows of G loaded before either is written: one pixel
 * a step ran at about a third of the FMA peak (2.3 ns a pixel of a pair at
 * 16 columns, 1.2 ns now; at 32 columns, where the residuals no longer all
 * fit in registers beside the two rows and are read from the stack, 4.2 ->
 * 3.3 ns).  Each G element gets the same two FMAs in the same order. */
static inline __attribute__((always_inline)) void
spbwd_chunk(const uint16_t *idx, const float *v2, size_t n, const float *r0, const float *r1,
            const int nq, float *G, size_t ldw)
{
    __m256 a[4], c[4];
    for (int q = 0; q < nq; q++) {
        a[q] = _mm256_loadu_ps(r0 + 8 * q);
        c[q] = _mm256_loadu_ps(r1 + 8 * q);
    }
    size_t t = 0;
    for (; t + 2 <= n; t += 2) {
        const __m256 u0 = _mm256_set1_ps(v2[2 * t]), u1 = _mm256_set1_ps(v2[2 * t + 1]);
        const __m256 s0 = _mm256_set1_ps(v2[2 * t + 2]), s1 = _mm256_set1_ps(v2[2 * t + 3]);
        float *g = G + (size_t)idx[t] * ldw, *h = G + (size_t)idx[t + 1] * ldw;
        __m256 x[4], y[4];   /* the pixels are distinct: g and h never overlap */
        for (int q = 0; q < nq; q++) {
            x[q] = _mm256_loadu_ps(g + 8 * q);
            y[q] = _mm256_loadu_ps(h + 8 * q);
        }
        for (int q = 0; q < nq; q++) {
            x[q] = _mm256_fmadd_ps(u1, c[q], _mm256_fmadd_ps(u0, a[q], x[q]));
            y[q] = _mm256_fmadd_ps(s1, c[q], _mm256_fmadd_ps(s0, a[q], y[q]));
        }
        for (int q = 0; q < nq; q++) {
            _mm256_storeu_ps(g + 8 * q, x[q]);
            _mm256_storeu_ps(h + 8 * q, y[q]);
        }
    }
    for (; t < n; t++) {
        const __m256 u0 = _mm256_set1_ps(v2[2 * t]), u1 = _mm256_set1_ps(v2[2 * t + 1]);
        float *g = G + (size_t)idx[t] * ldw;
        for (int q = 0; q < nq; q++)
            _mm256_storeu_ps(g + 8 * q,
                             _mm256_fmadd_ps(u1, c[q], _mm256_fmadd_ps(u0, a[q],
                                                                       _mm256_loadu_ps(g + 8 * q))));
    }
}

void pl_spbwd_avx2(const uint16_t *idx, const float *v2, size_t n, const float *r0,
                   const float *r1, size_t m, float *G, size_t ldw)
{
    for (size_t c0 = 0; c0 < m; c0 += 32) {   /* 2 x 4 residual registers */
        switch ((m - c0 < 32 ? m - c0 : 32) / 8) {
        case 4: spbwd_chunk(idx, v2, n, r0 + c0, r1 + c0, 4, G + c0, ldw); break;
        case 3: spbwd_chunk(idx, v2, n, r0 + c0, r1 + c0, 3, G + c0, ldw); break;
        case 2: spbwd_chunk(idx, v2, n, r0 + c0, r1 + c0, 2, G + c0, ldw); break;
        case 1: spbwd_chunk(idx, v2, n, r0 + c0, r1 + c0, 1, G + c0, ldw); break;
        default: break;
        }
    }
}

/* exp(-a) for a >= 0 (Cephes expf: n = round(x / ln 2), x - n ln 2 in two
 * parts, degree-6 polynomial, 2^n by exponent arithmetic); 0 past a = 87. */
static inline __m256 exp_neg(__m256 a)
{
    const __m256 x = _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), a), _mm256_set1_ps(-87.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n),
                                                         _mm256_set1_epi32(127)), 23);
    const __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_and_ps(y, _mm256_cmp_ps(a, _mm256_set1_ps(87.0f), _CMP_LE_OQ));
}

/* 1/d for d in [1, 3]: the 12-bit estimate and one Newton step (rel. error
 * below 2^-22), a third of a division's cost. */
static inline __m256 recip(__m256 d)
{
    const __m256 r = _mm256_rcp_ps(d);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.0f)));
}

/* log1p(t) for t in [0, 1]: 2 atanh(s) with s = t / (2 + t) <= 1/3, series in
 * s^2 to s^12 (truncation < 2e-8 relative). */
static inline __m256 log1p_unit(__m256 t)
{
    const __m256 s = _mm256_mul_ps(t, recip(_mm256_add_ps(t, _mm256_set1_ps(2.0f))));
    const __m256 s2 = _mm256_mul_ps(s, s);
    __m256 p = _mm256_set1_ps(1.0f / 13);
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f / 11));
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f / 9));
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f / 7));
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f / 5));
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f / 3));
    p = _mm256_fmadd_ps(p, s2, _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(_mm256_add_ps(s, s), p);
}

/* 8 columns down all the rows at a time, the sums in registers, the loss's in
 * two of doubles (kernels.h: precision).  With t = exp(-|z|) and
 * q = 1 / (1 + t): p = q for z >= 0, t q below, and 1 - p the other one; the
 * residual p where y = 0, -(1 - p) where y = 1; the loss log1p(t) + max(z, 0)
 * where y = 0, log1p(t) + max(-z, 0) where y = 1. */
void pl_link_avx2(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,
                  const float *y, float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f),
                 half = _mm256_set1_ps(0.5f);
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (size_t k = 0; k < m; k += 8) {
        const __m256 bk = _mm256_loadu_ps(b + k), yk = _mm256_loadu_ps(y + k);
        const __m256 ypos = _mm256_cmp_ps(yk, half, _CMP_GT_OQ),
                     yneg = _mm256_cmp_ps(yk, half, _CMP_LE_OQ);
        __m256d l0 = _mm256_loadu_pd(loss + k), l1 = _mm256_loadu_pd(loss + k + 4);
        __m256 hs = _mm256_loadu_ps(hits + k);
        __m256 rs = rsum ? _mm256_loadu_ps(rsum + k) : zero;
        for (size_t i = 0; i < nr; i++) {
            const __m256 zz = _mm256_add_ps(_mm256_loadu_ps(Z + i * ldz + k), bk);
            const __m256 t = exp_neg(_mm256_and_ps(zz, absmask));          /* exp(-|z|) */
            const __m256 q = recip(_mm256_add_ps(one, t));                  /* 1/(1+t)   */
            const __m256 tq = _mm256_mul_ps(t, q);
            const __m256 pos = _mm256_cmp_ps(zz, zero, _CMP_GE_OQ);
            const __m256 p = _mm256_blendv_ps(tq, q, pos), omp = _mm256_blendv_ps(q, tq, pos);
            const __m256 r = _mm256_blendv_ps(p, _mm256_sub_ps(zero, omp), ypos);
            _mm256_storeu_ps(R + i * ldr + k, r);
            rs = _mm256_add_ps(rs, r);
            const __m256 sz = _mm256_blendv_ps(zz, _mm256_sub_ps(zero, zz), ypos);
            const __m256 l = _mm256_add_ps(log1p_unit(t), _mm256_max_ps(sz, zero));
            l0 = _mm256_add_pd(l0, _mm256_cvtps_pd(_mm256_castps256_ps128(l)));
            l1 = _mm256_add_pd(l1, _mm256_cvtps_pd(_mm256_extractf128_ps(l, 1)));
            const __m256 right = _mm256_xor_ps(_mm256_cmp_ps(zz, zero, _CMP_GT_OQ), yneg);
            hs = _mm256_add_ps(hs, _mm256_and_ps(right, one));
        }
        _mm256_storeu_pd(loss + k, l0);
        _mm256_storeu_pd(loss + k + 4, l1);
        _mm256_storeu_ps(hits + k, hs);
        if (rsum)
            _mm256_storeu_ps(rsum + k, rs);
    }
}

/* ---- the softmax link ------------------------------------------------------
 * One row at a time: its K <= 16 outputs in nv = 1 or 2 registers (a constant
 * after inlining), loaded and stored under lane masks, so lanes >= K are never
 * read or written.  Masked-out lanes of u hold -FLT_MAX, so they never win the
 * maximum, and their exp is masked to 0, so they add nothing to the sum.
 * exp(u - max) is exp_neg(max - u): arguments >= 0, the maximum's lane exactly
 * 1; the sum s1 of the other lanes (the first maximum's left out) is in
 * [0, K - 1] and s = 1 + s1; one division per row for 1/s.  The maximum
 * (exact in any order) and the sum (hsum8's fixed tree) are horizontal per
 * row; the first index of the maximum is the lowest bit of a movemask.
 * log(s) = log1p(s1), the one transcendental per row, is done 8 rows at a
 * time: log1p_unit(s1) up to s1 = 1, above it 1 + s1 = 2^n f with f in [1, 2),
 * log = n ln 2 + log1p_unit(f - 1).  The residual of cls at the maximum is
 * -s1 / s.  rsum stays in registers, hits in a scalar, the loss in a double,
 * all started from the outputs' values and added to in row order, as the
 * reference does. */

/* The maximum of v's 8 lanes, in every lane. */
static inline __m256 hmax8(__m256 v)
{
    v = _mm256_max_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_max_ps(v, _mm256_permute_ps(v, 0x4e));
    return _mm256_max_ps(v, _mm256_permute_ps(v, 0xb1));
}

/* log(s) for s >= 1: the exponent by integer arithmetic, log1p_unit on the
 * fraction of the mantissa (in [0, 1)). */
static inline __m256 log_ge1(__m256 s)
{
    const __m256i bits = _mm256_castps_si256(s);
    const __m256 n = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23),
                                                         _mm256_set1_epi32(127)));
    const __m256 f = _mm256_castsi256_ps(_mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000)));
    return _mm256_fmadd_ps(n, _mm256_set1_ps(0.693147180559945309f),
                           log1p_unit(_mm256_sub_ps(f, _mm256_set1_ps(1.0f))));
}

/* log1p(x) for x >= 0: log1p_unit up to 1, log(1 + x) above. */
static inline __m256 log1p_pos(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_blendv_ps(log_ge1(_mm256_add_ps(x, one)), log1p_unit(_mm256_min_ps(x, one)),
                            _mm256_cmp_ps(x, one, _CMP_LE_OQ));
}

static inline __attribute__((always_inline)) void
smlink_rows(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls, float *R,
            size_t ldr, double *loss, float *hits, float *rsum, const int nv)
{
    const __m256 one = _mm256_set1_ps(1.0f), lowest = _mm256_set1_ps(-FLT_MAX);
    __m256i mk[2], lane[2];
    __m256 valid[2], bk[2], hot[2], clsm[2], rs[2];
    for (int q = 0; q < nv; q++) {
        lane[q] = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                   _mm256_set1_epi32(8 * q));
        mk[q] = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)K), lane[q]);
        valid[q] = _mm256_castsi256_ps(mk[q]);
        bk[q] = _mm256_maskload_ps(b + 8 * q, mk[q]);
        const __m256i is_cls = _mm256_cmpeq_epi32(lane[q], _mm256_set1_epi32(cls));
        clsm[q] = _mm256_castsi256_ps(is_cls);
        hot[q] = _mm256_and_ps(clsm[q], one);
        rs[q] = rsum ? _mm256_maskload_ps(rsum + 8 * q, mk[q]) : _mm256_setzero_ps();
    }
    double ls = loss[0];
    float hs = hits[0];
    for (size_t i0 = 0; i0 < nr; i0 += 8) {
        const size_t nb = nr - i0 < 8 ? nr - i0 : 8;
        float sb[8], db[8], lb[8];   /* each row's s - 1, and max - u_cls */
        for (size_t j = 0; j < nb; j++) {
            const float *z = Z + (i0 + j) * ldz;
            float *r = R + (i0 + j) * ldr;
            const float ucls = z[cls] + b[cls];   /* read before R (maybe Z) is written */
            __m256 u[2], e[2];
            for (int q = 0; q < nv; q++)
                u[q] = _mm256_blendv_ps(lowest,
                                        _mm256_add_ps(_mm256_maskload_ps(z + 8 * q, mk[q]), bk[q]),
                                        valid[q]);
            const __m256 mx = hmax8(nv > 1 ? _mm256_max_ps(u[0], u[1]) : u[0]);
            unsigned at = 0;   /* lanes at the maximum */
            for (int q = 0; q < nv; q++) {
                const __m256 top = _mm256_and_ps(_mm256_cmp_ps(u[q], mx, _CMP_EQ_OQ), valid[q]);
                at |= (unsigned)_mm256_movemask_ps(top) << (8 * q);
            }
            const int first = __builtin_ctz(at | 1u << 16);
            __m256 s1v = _mm256_setzero_ps();
            for (int q = 0; q < nv; q++) {   /* the first maximum's exp (1) left out of s1 */
                e[q] = _mm256_and_ps(exp_neg(_mm256_sub_ps(mx, u[q])), valid[q]);
                const __m256 at_first =
                    _mm256_castsi256_ps(_mm256_cmpeq_epi32(lane[q], _mm256_set1_epi32(first)));
                s1v = _mm256_add_ps(s1v, _mm256_andnot_ps(at_first, e[q]));
            }
            const float s1 = hsum8(s1v);
            const float inv = 1.0f / (1.0f + s1);
            const __m256 rcls = _mm256_set1_ps(-s1 * inv);   /* cls's when it is the maximum */
            for (int q = 0; q < nv; q++) {
                __m256 rq = _mm256_fmsub_ps(e[q], _mm256_set1_ps(inv), hot[q]);
                if (first == cls)
                    rq = _mm256_blendv_ps(rq, rcls, clsm[q]);
                _mm256_maskstore_ps(r + 8 * q, mk[q], rq);
                rs[q] = _mm256_add_ps(rs[q], rq);
            }
            hs += (float)(first == cls);
            sb[j] = s1;
            db[j] = _mm256_cvtss_f32(mx) - ucls;
        }
        for (size_t j = nb; j < 8; j++) {
            sb[j] = 0.0f;
            db[j] = 0.0f;
        }
        _mm256_storeu_ps(lb, _mm256_add_ps(log1p_pos(_mm256_loadu_ps(sb)), _mm256_loadu_ps(db)));
        for (size_t j = 0; j < nb; j++)
            ls += (double)lb[j];
    }
    loss[0] = ls;
    hits[0] = hs;
    if (rsum)
        for (int q = 0; q < nv; q++)
            _mm256_maskstore_ps(rsum + 8 * q, mk[q], rs[q]);
}

void pl_smlink_avx2(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                    float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    if (K <= 8)
        smlink_rows(nr, K, Z, ldz, b, cls, R, ldr, loss, hits, rsum, 1);
    else
        smlink_rows(nr, K, Z, ldz, b, cls, R, ldr, loss, hits, rsum, 2);
}

void pl_vadd_avx2(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int q = 0; q < 4; q++)
            _mm256_storeu_ps(dst + i + 8 * q, _mm256_add_ps(_mm256_loadu_ps(dst + i + 8 * q),
                                                            _mm256_loadu_ps(src + i + 8 * q)));
    for (; i < n; i++)
        dst[i] += src[i];
}

/* ---- dense fused kernels ---------------------------------------------------
 * Rows come as floats (u8f converts each pixel once, for every model).
 * Forward: up to 4 rows x 16 columns of Z in 8 registers; per pixel, the
 * weight row's 16 floats are loaded once for the 4 rows.  Backward: 4 pixels
 * x 16 columns of G in 8 registers; per row, its residual's 16 floats are
 * loaded once for the 4 pixels.  Columns come in chunks of 16, then 8. */

void pl_u8f_avx2(const uint8_t *x, size_t n, float s, float *out)
{
    const __m256 vs = _mm256_set1_ps(s);
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(out + j, _mm256_mul_ps(cvt8(x + j), vs));
    for (; j < n; j++)
        out[j] = (float)x[j] * s;
}

static inline __attribute__((always_inline)) void
dfwd_tile(const float *X, size_t ldx, const size_t nr, size_t dim, const float *W, size_t ldw,
          const int nv, float *Z, size_t ldz)
{
    __m256 acc[PL_DMR][2];
    for (size_t i = 0; i < nr; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (size_t j = 0; j < dim; j++) {
        const float *w = W + j * ldw;
        const __m256 w0 = _mm256_loadu_ps(w), w1 = nv > 1 ? _mm256_loadu_ps(w + 8) : w0;
        for (size_t i = 0; i < nr; i++) {
            const __m256 x = _mm256_broadcast_ss(X + i * ldx + j);
            acc[i][0] = _mm256_fmadd_ps(x, w0, acc[i][0]);
            if (nv > 1)
                acc[i][1] = _mm256_fmadd_ps(x, w1, acc[i][1]);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        _mm256_storeu_ps(Z + i * ldz, acc[i][0]);
        if (nv > 1)
            _mm256_storeu_ps(Z + i * ldz + 8, acc[i][1]);
    }
}

#define DFWD_ROWS(nv)                                                                     \
    switch (nr) {                                                                         \
    case 4: dfwd_tile(X, ldx, 4, dim, W + c0, ldw, nv, Z + c0, ldz); break;              \
    case 3: dfwd_tile(X, ldx, 3, dim, W + c0, ldw, nv, Z + c0, ldz); break;              \
    case 2: dfwd_tile(X, ldx, 2, dim, W + c0, ldw, nv, Z + c0, ldz); break;              \
    case 1: dfwd_tile(X, ldx, 1, dim, W + c0, ldw, nv, Z + c0, ldz); break;              \
    default: break;                                                                       \
    }

void pl_dfwd_avx2(const float *X, size_t ldx, size_t nr, size_t dim, const float *W,
                  size_t ldw, size_t m, float *Z, size_t ldz)
{
    size_t c0 = 0;
    for (; c0 + 16 <= m; c0 += 16)
        DFWD_ROWS(2)
    if (c0 < m)   /* m is a multiple of 8 */
        DFWD_ROWS(1)
}

static inline __attribute__((always_inline)) void
dbwd_tile(const float *X, size_t ldx, size_t nr, size_t j0, const size_t np, const float *R,
          size_t ldr, const int nv, float *G, size_t ldw)
{
    __m256 acc[4][2];
    for (size_t p = 0; p < np; p++)
        acc[p][0] = acc[p][1] = _mm256_setzero_ps();
    for (size_t i = 0; i < nr; i++) {
        const float *r = R + i * ldr;
        const __m256 r0 = _mm256_loadu_ps(r), r1 = nv > 1 ? _mm256_loadu_ps(r + 8) : r0;
        for (size_t p = 0; p < np; p++) {
            const __m256 x = _mm256_broadcast_ss(X + i * ldx + j0 + p);
            acc[p][0] = _mm256_fmadd_ps(x, r0, acc[p][0]);
            if (nv > 1)
                acc[p][1] = _mm256_fmadd_ps(x, r1, acc[p][1]);
        }
    }
    for (size_t p = 0; p < np; p++) {
        float *g = G + (j0 + p) * ldw;
        _mm256_storeu_ps(g, _mm256_add_ps(_mm256_loadu_ps(g), acc[p][0]));
        if (nv > 1)
            _mm256_storeu_ps(g + 8, _mm256_add_ps(_mm256_loadu_ps(g + 8), acc[p][1]));
    }
}

void pl_dbwd_avx2(const float *X, size_t ldx, size_t nr, size_t dim, const float *R,
                  size_t ldr, size_t m, float *G, size_t ldw)
{
    for (size_t c0 = 0; c0 < m; c0 += 16) {
        const int nv = m - c0 >= 16 ? 2 : 1;   /* m is a multiple of 8 */
        size_t j = 0;
        for (; j + 4 <= dim; j += 4) {
            if (nv == 2)
                dbwd_tile(X, ldx, nr, j, 4, R + c0, ldr, 2, G + c0, ldw);
            else
                dbwd_tile(X, ldx, nr, j, 4, R + c0, ldr, 1, G + c0, ldw);
        }
        for (; j < dim; j++)
            dbwd_tile(X, ldx, nr, j, 1, R + c0, ldr, nv, G + c0, ldw);
    }
}
