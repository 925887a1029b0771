/*
 * avx512.c - AVX-512F kernels (16 floats per register).  Built with -mavx512f
 * (and BW/VL); called only when dispatch.c found AVX512F/BW/VL and OS support
 * for the opmask and ZMM state.  Same structure as avx2.c: 16 bytes ->
 * vpmovzxbd -> vcvtdq2ps, two accumulators per row in dot, one load/store of g
 * per 16-float slice and tile in axpy, scalar code for the last few pixels.
 */
#include <float.h>
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

/* ---- fused sweep kernels: as in avx2.c, 16 floats per register, chunks of at
 * most 64 columns: nz full registers and, when the chunk holds 8 more columns,
 * one 8-float (ymm) register.  The forward accumulates both rows of its pair
 * (each weight row loaded once for the two); the backward takes entries in
 * pairs into two sets of accumulators. */

/* Columns [c0, m) of a product, at most 64 of them (m a multiple of 8): CALL(nz,
 * half) with nz registers of 16 and half = 1 for 8 more, both constants, so
 * each chunk width gets its own unrolled code. */
#define CHUNK64(cols, CALL)                                                           \
    switch (((cols) < 64 ? (cols) : 64) / 8) {                                        \
    case 8: CALL(4, 0); break;                                                        \
    case 7: CALL(3, 1); break;                                                        \
    case 6: CALL(3, 0); break;                                                        \
    case 5: CALL(2, 1); break;                                                        \
    case 4: CALL(2, 0); break;                                                        \
    case 3: CALL(1, 1); break;                                                        \
    case 2: CALL(1, 0); break;                                                        \
    case 1: CALL(0, 1); break;                                                        \
    default: break;   /* m is a multiple of 8 */                                      \
    }

static inline __attribute__((always_inline)) void
spfwd_chunk(const uint16_t *idx, const float *v2, size_t n, const float *W, size_t ldw,
            const int nz, const int half, float *z0, float *z1)
{
    __m512 a[4], c[4];
    __m256 ha = _mm256_setzero_ps(), hc = _mm256_setzero_ps();
    for (int q = 0; q < nz; q++)
        a[q] = c[q] = _mm512_setzero_ps();
    for (size_t t = 0; t < n; t++) {
        const __m512 u0 = _mm512_set1_ps(v2[2 * t]), u1 = _mm512_set1_ps(v2[2 * t + 1]);
        const float *w = W + (size_t)idx[t] * ldw;
        for (int q = 0; q < nz; q++) {
            __m512 wq = _mm512_loadu_ps(w + 16 * q);
            __asm__("" : "+v"(wq));   /* one load for both rows, not one folded into each FMA */
            a[q] = _mm512_fmadd_ps(u0, wq, a[q]);
            c[q] = _mm512_fmadd_ps(u1, wq, c[q]);
        }
        if (half) {
            __m256 wh = _mm256_loadu_ps(w + 16 * nz);
            __asm__("" : "+v"(wh));
            ha = _mm256_fmadd_ps(_mm512_castps512_ps256(u0), wh, ha);
            hc = _mm256_fmadd_ps(_mm512_castps512_ps256(u1), wh, hc);
        }
    }
    for (int q = 0; q < nz; q++) {
        _mm512_storeu_ps(z0 + 16 * q, a[q]);
        _mm512_storeu_ps(z1 + 16 * q, c[q]);
    }
    if (half) {
        _mm256_storeu_ps(z0 + 16 * nz, ha);
        _mm256_storeu_ps(z1 + 16 * nz, hc);
    }
}

void pl_spfwd_avx512(const uint16_t *idx, const float *v2, size_t n, const float *W,
                     size_t ldw, size_t m, float *z0, float *z1)
{
    for (size_t c0 = 0; c0 < m; c0 += 64) {
        const float *w = W + c0;
        float *y0 = z0 + c0, *y1 = z1 + c0;
#define SPFWD(nz, half) spfwd_chunk(idx, v2, n, w, ldw, nz, half, y0, y1)
        CHUNK64(m - c0, SPFWD)
#undef SPFWD
    }
}

/* Two pairs in step (see avx2.c's spfwd2_chunk): 16 columns in one register
 * a row, or 8 in a ymm; each row summed in its own pair's pixel order. */
#define SPFWD2_REST(V, SET1, LOAD, FMA, idx, v2, n, a, c)                             \
    for (size_t u = t; u < (n); u++) {                                                \
        V x = LOAD(W + (size_t)(idx)[u] * ldw);                                       \
        __asm__("" : "+v"(x));                                                        \
        a = FMA(SET1((v2)[2 * u]), x, a);                                             \
        c = FMA(SET1((v2)[2 * u + 1]), x, c);                                         \
    }
#define SPFWD2_BODY(V, SET1, LOAD, FMA, STORE, ZERO)                                  \
    V a = ZERO, c = ZERO, p = ZERO, q = ZERO;                                         \
    const size_t n = na < nb ? na : nb;                                               \
    size_t t = 0;                                                                     \
    for (; t < n; t++) {                                                              \
        V x = LOAD(W + (size_t)ia[t] * ldw), y = LOAD(W + (size_t)ib[t] * ldw);       \
        __asm__("" : "+v"(x), "+v"(y));   /* one load for both rows of a pair */      \
        a = FMA(SET1(va[2 * t]), x, a);                                               \
        c = FMA(SET1(va[2 * t + 1]), x, c);                                           \
        p = FMA(SET1(vb[2 * t]), y, p);                                               \
        q = FMA(SET1(vb[2 * t + 1]), y, q);                                           \
    }                                                                                 \
    SPFWD2_REST(V, SET1, LOAD, FMA, ia, va, na, a, c);   /* the longer one's rest */  \
    SPFWD2_REST(V, SET1, LOAD, FMA, ib, vb, nb, p, q);                                \
    STORE(Z, a);                                                                      \
    STORE(Z + ldz, c);                                                                \
    STORE(Z + 2 * ldz, p);                                                            \
    STORE(Z + 3 * ldz, q)

static void spfwd2_w16(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                       const float *vb, size_t nb, const float *W, size_t ldw, float *Z,
                       size_t ldz)
{
    SPFWD2_BODY(__m512, _mm512_set1_ps, _mm512_loadu_ps, _mm512_fmadd_ps, _mm512_storeu_ps,
                _mm512_setzero_ps());
}

static void spfwd2_w8(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                      const float *vb, size_t nb, const float *W, size_t ldw, float *Z, size_t ldz)
{
    SPFWD2_BODY(__m256, _mm256_set1_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_storeu_ps,
                _mm256_setzero_ps());
}
#undef SPFWD2_BODY
#undef SPFWD2_REST

/* One pixel of a pair at 32 columns: its weight row w (two registers,
 * loaded once for both rows) times the pair's two values into the rows'
 * sums, acc[0..1] the first row's, acc[2..3] the second's. */
static inline __attribute__((always_inline)) void
spfwd_px32(const float *w, float v0, float v1, __m512 acc[4])
{
    __m512 x0 = _mm512_loadu_ps(w), x1 = _mm512_loadu_ps(w + 16);
    __asm__("" : "+v"(x0), "+v"(x1));   /* one load for both rows */
    const __m512 u0 = _mm512_set1_ps(v0), u1 = _mm512_set1_ps(v1);
    acc[0] = _mm512_fmadd_ps(u0, x0, acc[0]);
    acc[1] = _mm512_fmadd_ps(u0, x1, acc[1]);
    acc[2] = _mm512_fmadd_ps(u1, x0, acc[2]);
    acc[3] = _mm512_fmadd_ps(u1, x1, acc[3]);
}

/* Two pairs in step at 32 columns, two registers a row: eight chains of
 * FMAs where spfwd has four, which at this width run at the FMA's latency
 * (three ten-class models side by side: the softmax sweep).  Each row's
 * columns summed in its own pair's pixel order, as spfwd does. */
static void spfwd2_w32(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                       const float *vb, size_t nb, const float *W, size_t ldw, float *Z,
                       size_t ldz)
{
    __m512 A[4], B[4];
    for (int q = 0; q < 4; q++)
        A[q] = B[q] = _mm512_setzero_ps();
    const size_t n = na < nb ? na : nb;
    for (size_t t = 0; t < n; t++) {
        spfwd_px32(W + (size_t)ia[t] * ldw, va[2 * t], va[2 * t + 1], A);
        spfwd_px32(W + (size_t)ib[t] * ldw, vb[2 * t], vb[2 * t + 1], B);
    }
    for (size_t t = n; t < na; t++)   /* the longer one's rest */
        spfwd_px32(W + (size_t)ia[t] * ldw, va[2 * t], va[2 * t + 1], A);
    for (size_t t = n; t < nb; t++)
        spfwd_px32(W + (size_t)ib[t] * ldw, vb[2 * t], vb[2 * t + 1], B);
    for (int r = 0; r < 2; r++) {
        _mm512_storeu_ps(Z + r * ldz, A[2 * r]);
        _mm512_storeu_ps(Z + r * ldz + 16, A[2 * r + 1]);
        _mm512_storeu_ps(Z + (2 + r) * ldz, B[2 * r]);
        _mm512_storeu_ps(Z + (2 + r) * ldz + 16, B[2 * r + 1]);
    }
}

void pl_spfwd2_avx512(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                      const float *vb, size_t nb, const float *W, size_t ldw, size_t m, float *Z,
                      size_t ldz)
{
    if (m == 16)
        spfwd2_w16(ia, va, na, ib, vb, nb, W, ldw, Z, ldz);
    else if (m == 32)
        spfwd2_w32(ia, va, na, ib, vb, nb, W, ldw, Z, ldz);
    else if (m == 8)
        spfwd2_w8(ia, va, na, ib, vb, nb, W, ldw, Z, ldz);
    else {   /* wide enough for one pair's chains */
        pl_spfwd_avx512(ia, va, na, W, ldw, m, Z, Z + ldz);
        pl_spfwd_avx512(ib, vb, nb, W, ldw, m, Z + 2 * ldz, Z + 3 * ldz);
    }
}

/* The backward of a pair of rows (kernels.h, spbwd): both rows' residuals
 * stay in registers (up to 64 columns at a time) and each of the pair's
 * pixels is one read-modify-write of its G row: no chain of dependent FMAs
 * longer than two, whatever the pixel. */
static inline __attribute__((always_inline)) void
spbwd_chunk(const uint16_t *idx, const float *v2, size_t n, const float *r0, const float *r1,
            const int nz, const int half, float *G, size_t ldw)
{
    __m512 a[4], c[4];
    __m256 ha = _mm256_setzero_ps(), hc = _mm256_setzero_ps();
    for (int q = 0; q < nz; q++) {
        a[q] = _mm512_loadu_ps(r0 + 16 * q);
        c[q] = _mm512_loadu_ps(r1 + 16 * q);
    }
    if (half) {
        ha = _mm256_loadu_ps(r0 + 16 * nz);
        hc = _mm256_loadu_ps(r1 + 16 * nz);
    }
    for (size_t t = 0; t < n; t++) {
        const __m512 u0 = _mm512_set1_ps(v2[2 * t]), u1 = _mm512_set1_ps(v2[2 * t + 1]);
        float *g = G + (size_t)idx[t] * ldw;
        for (int q = 0; q < nz; q++)
            _mm512_storeu_ps(g + 16 * q,
                             _mm512_fmadd_ps(u1, c[q], _mm512_fmadd_ps(u0, a[q],
                                                                       _mm512_loadu_ps(g + 16 * q))));
        if (half)
            _mm256_storeu_ps(g + 16 * nz,
                             _mm256_fmadd_ps(_mm512_castps512_ps256(u1), hc,
                                             _mm256_fmadd_ps(_mm512_castps512_ps256(u0), ha,
                                                             _mm256_loadu_ps(g + 16 * nz))));
    }
}

void pl_spbwd_avx512(const uint16_t *idx, const float *v2, size_t n, const float *r0,
                     const float *r1, size_t m, float *G, size_t ldw)
{
    for (size_t c0 = 0; c0 < m; c0 += 64) {
#define SPBWD(nz, half) spbwd_chunk(idx, v2, n, r0 + c0, r1 + c0, nz, half, G + c0, ldw)
        CHUNK64(m - c0, SPBWD)
#undef SPBWD
    }
}

/* ---- the link, 16 lanes: the same exp, reciprocal and log1p as avx2.c (see
 * there for the error bounds), with mask registers for the branches. */

static inline __m512 exp_neg(__m512 a)
{
    const __m512 x = _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n),
                                                         _mm512_set1_epi32(127)), 23);
    const __m512 y = _mm512_mul_ps(p, _mm512_castsi512_ps(e));
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(87.0f), _CMP_LE_OQ), y);
}

static inline __m512 recip(__m512 d)
{
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

static inline __m512 log1p_unit(__m512 t)
{
    const __m512 s = _mm512_mul_ps(t, recip(_mm512_add_ps(t, _mm512_set1_ps(2.0f))));
    const __m512 s2 = _mm512_mul_ps(s, s);
    __m512 p = _mm512_set1_ps(1.0f / 13);
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f / 11));
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f / 9));
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f / 7));
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f / 5));
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f / 3));
    p = _mm512_fmadd_ps(p, s2, _mm512_set1_ps(1.0f));
    return _mm512_mul_ps(_mm512_add_ps(s, s), p);
}

/* Columns [k, k + 16) under mask mk, down all the rows: the sums stay in
 * registers, the loss's in two of doubles (kernels.h: precision).  With
 * t = exp(-|z|) and q = 1 / (1 + t): p = q for z >= 0, t q below, and 1 - p
 * the other one; the residual p where y = 0, -(1 - p) where y = 1; the loss
 * log1p(t) + max(z, 0) where y = 0, log1p(t) + max(-z, 0) where y = 1. */
static inline __attribute__((always_inline)) void
link_cols(__mmask16 mk, size_t nr, const float *Z, size_t ldz, const float *b, const float *y,
          float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    const __m512 bk = _mm512_maskz_loadu_ps(mk, b), yk = _mm512_maskz_loadu_ps(mk, y);
    const __mmask16 ypos = _mm512_cmp_ps_mask(yk, _mm512_set1_ps(0.5f), _CMP_GT_OQ);
    const __mmask8 m0 = (__mmask8)mk, m1 = (__mmask8)(mk >> 8);
    __m512d l0 = _mm512_maskz_loadu_pd(m0, loss), l1 = _mm512_maskz_loadu_pd(m1, loss + 8);
    __m512 hs = _mm512_maskz_loadu_ps(mk, hits);
    __m512 rs = rsum ? _mm512_maskz_loadu_ps(mk, rsum) : zero;
    for (size_t i = 0; i < nr; i++) {
        const __m512 zz = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, Z + i * ldz), bk);
        const __m512 t = exp_neg(_mm512_abs_ps(zz));                    /* exp(-|z|) */
        const __m512 q = recip(_mm512_add_ps(one, t));                  /* 1/(1+t)   */
        const __m512 tq = _mm512_mul_ps(t, q);
        const __mmask16 ge = _mm512_cmp_ps_mask(zz, zero, _CMP_GE_OQ);
        const __m512 p = _mm512_mask_blend_ps(ge, tq, q), omp = _mm512_mask_blend_ps(ge, q, tq);
        const __m512 r = _mm512_mask_sub_ps(p, ypos, zero, omp);
        _mm512_mask_storeu_ps(R + i * ldr, mk, r);
        rs = _mm512_add_ps(rs, r);
        const __m512 sz = _mm512_mask_sub_ps(zz, ypos, zero, zz);
        const __m512 l = _mm512_add_ps(log1p_unit(t), _mm512_max_ps(sz, zero));
        l0 = _mm512_add_pd(l0, _mm512_cvtps_pd(_mm512_castps512_ps256(l)));
        l1 = _mm512_add_pd(l1, _mm512_cvtps_pd(_mm256_castpd_ps(
                                   _mm512_extractf64x4_pd(_mm512_castps_pd(l), 1))));
        const __mmask16 right = _kxnor_mask16(_mm512_cmp_ps_mask(zz, zero, _CMP_GT_OQ), ypos);
        hs = _mm512_mask_add_ps(hs, right, hs, one);
    }
    _mm512_mask_storeu_pd(loss, m0, l0);
    _mm512_mask_storeu_pd(loss + 8, m1, l1);
    _mm512_mask_storeu_ps(hits, mk, hs);
    if (rsum)
        _mm512_mask_storeu_ps(rsum, mk, rs);
}

void pl_link_avx512(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,
                    const float *y, float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    size_t k = 0;
    for (; k + 16 <= m; k += 16)
        link_cols(0xffff, nr, Z + k, ldz, b + k, y + k, R + k, ldr, loss + k, hits + k,
                  rsum ? rsum + k : NULL);
    if (k < m)   /* m is a multiple of 8: at most one half register left */
        link_cols(0x00ff, nr, Z + k, ldz, b + k, y + k, R + k, ldr, loss + k, hits + k,
                  rsum ? rsum + k : NULL);
}

/* ---- the softmax link: as in avx2.c, one row at a time, but its K <= 16
 * outputs in one register under the lane mask mk (zero-masked loads, masked
 * stores, masked compare): masked-out lanes of u hold -FLT_MAX, their exp is
 * 0.  The same exp_neg and log1p_unit; the maximum and the sum by the fixed
 * _mm512_reduce_* trees, the sum s1 without the first maximum's exp (1);
 * log(s) = log1p(s1) 16 rows at a time (above s1 = 1 from getexp and getmant
 * of 1 + s1, f in [1, 2)); the residual of cls at the maximum -s1 / s.  rsum
 * in a register, hits in a scalar, the loss in a double, from the outputs'
 * values, in row order. */

/* log(s) for s >= 1. */
static inline __m512 log_ge1(__m512 s)
{
    const __m512 f = _mm512_getmant_ps(s, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    return _mm512_fmadd_ps(_mm512_getexp_ps(s), _mm512_set1_ps(0.693147180559945309f),
                           log1p_unit(_mm512_sub_ps(f, _mm512_set1_ps(1.0f))));
}

/* log1p(x) for x >= 0: log1p_unit up to 1, log(1 + x) above. */
static inline __m512 log1p_pos(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __mmask16 small = _mm512_cmp_ps_mask(x, one, _CMP_LE_OQ);
    return _mm512_mask_blend_ps(small, log_ge1(_mm512_add_ps(x, one)),
                                log1p_unit(_mm512_min_ps(x, one)));
}

void pl_smlink_avx512(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                      float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    const __mmask16 mk = (__mmask16)((1u << K) - 1), mcls = (__mmask16)(1u << cls);
    const __m512 bk = _mm512_maskz_loadu_ps(mk, b), lowest = _mm512_set1_ps(-FLT_MAX);
    const __m512 hot = _mm512_maskz_mov_ps(mcls, _mm512_set1_ps(1.0f));
    __m512 rs = rsum ? _mm512_maskz_loadu_ps(mk, rsum) : _mm512_setzero_ps();
    double ls = loss[0];
    float hs = hits[0];
    for (size_t i0 = 0; i0 < nr; i0 += 16) {
        const size_t nb = nr - i0 < 16 ? nr - i0 : 16;
        float sb[16], db[16], lb[16];   /* each row's s - 1, and max - u_cls */
        for (size_t j = 0; j < nb; j++) {
            const float *z = Z + (i0 + j) * ldz;
            const float ucls = z[cls] + b[cls];   /* read before R (maybe Z) is written */
            const __m512 u = _mm512_mask_add_ps(lowest, mk, _mm512_maskz_loadu_ps(mk, z), bk);
            const float m = _mm512_reduce_max_ps(u);
            const __m512 mx = _mm512_set1_ps(m);
            const __mmask16 at = _mm512_mask_cmp_ps_mask(mk, u, mx, _CMP_EQ_OQ);
            const __mmask16 first = (__mmask16)(at & -at);   /* the first maximum: exp 1 */
            const __m512 e = _mm512_maskz_mov_ps(mk, exp_neg(_mm512_sub_ps(mx, u)));
            const float s1 = _mm512_mask_reduce_add_ps((__mmask16)(mk & ~first), e);
            const float inv = 1.0f / (1.0f + s1);
            __m512 r = _mm512_fmsub_ps(e, _mm512_set1_ps(inv), hot);
            r = _mm512_mask_mov_ps(r, (__mmask16)(first & mcls), _mm512_set1_ps(-s1 * inv));
            _mm512_mask_storeu_ps(R + (i0 + j) * ldr, mk, r);
            rs = _mm512_add_ps(rs, r);
            hs += (float)(first == mcls);
            sb[j] = s1;
            db[j] = m - ucls;
        }
        for (size_t j = nb; j < 16; j++) {
            sb[j] = 0.0f;
            db[j] = 0.0f;
        }
        _mm512_storeu_ps(lb, _mm512_add_ps(log1p_pos(_mm512_loadu_ps(sb)), _mm512_loadu_ps(db)));
        for (size_t j = 0; j < nb; j++)
            ls += (double)lb[j];
    }
    loss[0] = ls;
    hits[0] = hs;
    if (rsum)
        _mm512_mask_storeu_ps(rsum, mk, rs);
}

/* ---- dense fused kernels: as in avx2.c, in chunks of at most 64 columns
 * (nz registers of 16 and, for 8 more columns, one ymm register), so the
 * weight and residual rows of the usual 40 models are read in one sweep:
 * the forward holds 4 rows x 40 columns of Z, the backward 4 pixels x 40
 * columns of G, in registers. */

static inline __attribute__((always_inline)) void
dfwd_tile(const float *X, size_t ldx, const size_t nr, size_t dim, const float *W, size_t ldw,
          const int nz, const int half, float *Z, size_t ldz)
{
    __m512 acc[PL_DMR][4];
    __m256 hacc[PL_DMR];
    for (size_t i = 0; i < nr; i++) {
        for (int q = 0; q < nz; q++)
            acc[i][q] = _mm512_setzero_ps();
        hacc[i] = _mm256_setzero_ps();
    }
    for (size_t j = 0; j < dim; j++) {
        const float *w = W + j * ldw;
        __m512 wv[4];
        for (int q = 0; q < nz; q++)
            wv[q] = _mm512_loadu_ps(w + 16 * q);
        const __m256 wh = half ? _mm256_loadu_ps(w + 16 * nz) : _mm256_setzero_ps();
        for (size_t i = 0; i < nr; i++) {
            const __m512 x = _mm512_set1_ps(X[i * ldx + j]);
            for (int q = 0; q < nz; q++)
                acc[i][q] = _mm512_fmadd_ps(x, wv[q], acc[i][q]);
            if (half)
                hacc[i] = _mm256_fmadd_ps(_mm512_castps512_ps256(x), wh, hacc[i]);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        for (int q = 0; q < nz; q++)
            _mm512_storeu_ps(Z + i * ldz + 16 * q, acc[i][q]);
        if (half)
            _mm256_storeu_ps(Z + i * ldz + 16 * nz, hacc[i]);
    }
}

#define DFWD_ROWS(nz, half)                                                               \
    switch (nr) {                                                                         \
    case 4: dfwd_tile(X, ldx, 4, dim, W + c0, ldw, nz, half, Z + c0, ldz); break;        \
    case 3: dfwd_tile(X, ldx, 3, dim, W + c0, ldw, nz, half, Z + c0, ldz); break;        \
    case 2: dfwd_tile(X, ldx, 2, dim, W + c0, ldw, nz, half, Z + c0, ldz); break;        \
    case 1: dfwd_tile(X, ldx, 1, dim, W + c0, ldw, nz, half, Z + c0, ldz); break;        \
    default: break;                                                                       \
    }

void pl_dfwd_avx512(const float *X, size_t ldx, size_t nr, size_t dim, const float *W,
                    size_t ldw, size_t m, float *Z, size_t ldz)
{
    for (size_t c0 = 0; c0 < m; c0 += 64) {
        CHUNK64(m - c0, DFWD_ROWS)
    }
}

static inline __attribute__((always_inline)) void
dbwd_tile(const float *X, size_t ldx, size_t nr, size_t j0, const size_t np, const float *R,
          size_t ldr, const int nz, const int half, float *G, size_t ldw)
{
    __m512 acc[4][4];
    __m256 hacc[4];
    for (size_t p = 0; p < np; p++) {
        for (int q = 0; q < nz; q++)
            acc[p][q] = _mm512_setzero_ps();
        hacc[p] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < nr; i++) {
        const float *r = R + i * ldr;
        __m512 rv[4];
        for (int q = 0; q < nz; q++)
            rv[q] = _mm512_loadu_ps(r + 16 * q);
        const __m256 rh = half ? _mm256_loadu_ps(r + 16 * nz) : _mm256_setzero_ps();
        for (size_t p = 0; p < np; p++) {
            const __m512 x = _mm512_set1_ps(X[i * ldx + j0 + p]);
            for (int q = 0; q < nz; q++)
                acc[p][q] = _mm512_fmadd_ps(x, rv[q], acc[p][q]);
            if (half)
                hacc[p] = _mm256_fmadd_ps(_mm512_castps512_ps256(x), rh, hacc[p]);
        }
    }
    for (size_t p = 0; p < np; p++) {
        float *g = G + (j0 + p) * ldw;
        for (int q = 0; q < nz; q++)
            _mm512_storeu_ps(g + 16 * q, _mm512_add_ps(_mm512_loadu_ps(g + 16 * q), acc[p][q]));
        if (half)
            _mm256_storeu_ps(g + 16 * nz, _mm256_add_ps(_mm256_loadu_ps(g + 16 * nz), hacc[p]));
    }
}

#define DBWD_PIXELS(nz, half)                                                             \
    do {                                                                                  \
        size_t j = 0;                                                                     \
        for (; j + 4 <= dim; j += 4)                                                      \
            dbwd_tile(X, ldx, nr, j, 4, R + c0, ldr, nz, half, G + c0, ldw);              \
        for (; j < dim; j++)                                                              \
            dbwd_tile(X, ldx, nr, j, 1, R + c0, ldr, nz, half, G + c0, ldw);              \
    } while (0)

void pl_dbwd_avx512(const float *X, size_t ldx, size_t nr, size_t dim, const float *R,
                    size_t ldr, size_t m, float *G, size_t ldw)
{
    for (size_t c0 = 0; c0 < m; c0 += 64) {
        CHUNK64(m - c0, DBWD_PIXELS)
    }
}

/* u8f, 16 lanes: the same floats as the reference (an exact conversion, then
 * one rounding of the product); the tail by a masked load and store, which
 * touch no byte past n. */
void pl_u8f_avx512(const uint8_t *x, size_t n, float s, float *out)
{
    const __m512 vs = _mm512_set1_ps(s);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        const __m128i b = _mm_loadu_si128((const __m128i *)(x + j));
        _mm512_storeu_ps(out + j, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b)), vs));
    }
    if (j < n) {
        const __mmask16 m = (__mmask16)((1u << (n - j)) - 1);
        const __m128i b = _mm_maskz_loadu_epi8(m, x + j);
        _mm512_mask_storeu_ps(out + j, m,
                              _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b)), vs));
    }
}
