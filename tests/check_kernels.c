/*
 * check_kernels.c - every SIMD kernel against its scalar reference, and the
 * dispatch rules.
 *
 * Data: random pixels 0..255, weights and residuals in [-1, 1], lengths that
 * hit every tail (1..33, 783..800), rows at odd byte offsets (unaligned), all
 * tile heights 1..PL_MR.  Tolerance, float32: |simd - ref| <= 8 * 2^-24 *
 * dim * sum|terms| (the bound for two different summation orders) + 1e-6.
 */
#include <math.h>
#include <stdlib.h>

#include "kernels/kernels.h"
#include "train/sparse.h"
#include "parlogit/config.h"
#include "testutil.h"

static const size_t dims[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65,
                               100, 783, 784, 785, 800 };

static void check_level(int level)
{
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(level, &k, &e), PL_OK);
    uint64_t s = 42 + (uint64_t)level;
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++) {
        const size_t dim = dims[di];
        for (size_t off = 0; off < 4; off++) {
            const size_t ldx = dim + off;           /* rows start at odd offsets */
            uint8_t *buf = malloc(PL_MR * ldx + 8);
            float *wbuf = malloc((dim + 1) * sizeof(float));
            float *g = malloc(dim * sizeof(float)), *gref = malloc(dim * sizeof(float));
            uint8_t *x = buf + off;                 /* unaligned start */
            float *w = wbuf + (off & 1);            /* unaligned weights */
            for (size_t i = 0; i < PL_MR * ldx; i++)
                x[i] = (uint8_t)(tu_rand(&s) & 0xff);
            for (size_t j = 0; j < dim; j++)
                w[j] = tu_uniform(&s, -1, 1);
            for (size_t nr = 1; nr <= PL_MR; nr++) {
                float z[PL_MR], zref[PL_MR], r[PL_MR];
                k.dot(x, ldx, nr, dim, w, z);
                pl_dot_ref(x, ldx, nr, dim, w, zref);
                for (size_t i = 0; i < nr; i++) {
                    double mag = 0;
                    for (size_t j = 0; j < dim; j++)
                        mag += fabs((double)x[i * ldx + j] * w[j]);
                    double tol = 8.0 * ldexp(1.0, -24) * (double)dim * mag + 1e-6;
                    ck_assert_msg(fabs((double)z[i] - zref[i]) <= tol,
                                  "%s dot dim %zu off %zu nr %zu row %zu: %g vs %g", k.name,
                                  dim, off, nr, i, z[i], zref[i]);
                    r[i] = tu_uniform(&s, -1, 1);
                }
                for (size_t j = 0; j < dim; j++)
                    g[j] = gref[j] = tu_uniform(&s, -10, 10);
                k.axpy(x, ldx, nr, dim, r, g);
                pl_axpy_ref(x, ldx, nr, dim, r, gref);
                for (size_t j = 0; j < dim; j++) {
                    double mag = 10;
                    for (size_t i = 0; i < nr; i++)
                        mag += fabs((double)r[i] * x[i * ldx + j]);
                    double tol = 8.0 * ldexp(1.0, -24) * (double)PL_MR * mag + 1e-6;
                    ck_assert_msg(fabs((double)g[j] - gref[j]) <= tol,
                                  "%s axpy dim %zu off %zu nr %zu col %zu: %g vs %g", k.name,
                                  dim, off, nr, j, g[j], gref[j]);
                }
            }
            free(buf);
            free(wbuf);
            free(g);
            free(gref);
        }
    }
}

START_TEST(test_scalar_selects_reference)
{
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_SCALAR, &k, &e), PL_OK);
    ck_assert_ptr_eq(k.dot, pl_dot_ref);
    ck_assert_ptr_eq(k.axpy, pl_axpy_ref);
    ck_assert_str_eq(k.name, "scalar");
}
END_TEST

START_TEST(test_avx2_matches_reference)
{
    /* parlogit targets x86-64 machines with AVX2; the kernel must be tested. */
    ck_assert_msg(pl_simd_supported(PL_SIMD_AVX2), "this CPU has no AVX2: kernel untested");
    check_level(PL_SIMD_AVX2);
}
END_TEST

START_TEST(test_avx512_matches_reference_or_is_refused)
{
    if (pl_simd_supported(PL_SIMD_AVX512)) {
        check_level(PL_SIMD_AVX512);
    } else {
        pl_kernels k;
        pl_error e;
        ck_assert_int_eq(pl_kernels_select(PL_SIMD_AVX512, &k, &e), PL_EINPUT);
        ck_assert_ptr_nonnull(strstr(e.msg, "not supported"));
    }
}
END_TEST

START_TEST(test_auto_picks_best)
{
    pl_kernels k;
    pl_error e;
    unsetenv("PARLOGIT_SIMD");
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
    ck_assert_int_eq(k.level, pl_simd_best());
    ck_assert_str_eq(k.name, pl_simd_name(pl_simd_best()));
}
END_TEST

START_TEST(test_env_forces_and_rejects)
{
    pl_kernels k;
    pl_error e;
    setenv("PARLOGIT_SIMD", "scalar", 1);
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
    ck_assert_str_eq(k.name, "scalar");
    setenv("PARLOGIT_SIMD", "sse9", 1);
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "PARLOGIT_SIMD=sse9"));
    unsetenv("PARLOGIT_SIMD");
}
END_TEST

START_TEST(test_level_names_round_trip)
{
    for (int l = PL_SIMD_AUTO; l <= PL_SIMD_AVX512; l++)
        ck_assert_int_eq(pl_simd_parse(pl_simd_name(l)), l);
    ck_assert_int_eq(pl_simd_parse("avx"), -1);
}
END_TEST

/* Sparse forward (a pair of rows) and tiled backward, on tiles built by
 * pl_tiles_build from rows with 0..784 non-zero pixels; m in {8, ..., 112},
 * ldw > m.  Same float tolerance rule as above. */
static void check_sparse(int level)
{
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(level, &k, &e), PL_OK);
    static const size_t ms[] = { 8, 16, 24, 40, 56, 64, 72, 112 };
    uint64_t s = 77;
    const size_t dim = 784, rows = 2 * PL_TILE_ROWS + 22;   /* three tiles, the last of 22 rows */
    pl_raw raw = { .n = rows, .height = 28, .width = 28, .dim = dim };
    raw.pix = calloc(rows * dim, 1);
    raw.label = calloc(rows, 1);
    for (size_t i = 0; i < rows; i++) {
        unsigned keep = (unsigned)(i % 7);   /* row i keeps ~ i%7/7 of its pixels; row 0 none */
        for (size_t j = 0; j < dim; j++)
            if (tu_rand(&s) % 7 < keep)
                raw.pix[i * dim + j] = (uint8_t)(1 + tu_rand(&s) % 255);
    }
    pl_dataset d;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, rows, 1, &d, &e), PL_OK);
    pl_tiles tiles;
    size_t r0 = 0, n = rows;
    ck_assert_int_eq(pl_tiles_build(&d, &r0, &n, 1, 1, 2, &tiles, &e), PL_OK);
    ck_assert_uint_eq(tiles.ntiles, 3);
    for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
        const size_t m = ms[mi], ldw = m + 16;
        float *W = malloc(dim * ldw * sizeof(float)), *G = malloc(dim * ldw * sizeof(float));
        float *Gref = malloc(dim * ldw * sizeof(float)), *R = malloc(PL_TILE_ROWS * m * sizeof(float));
        float z[112], zref[112];
        for (size_t i = 0; i < dim * ldw; i++) {
            W[i] = tu_uniform(&s, -1, 1);
            G[i] = Gref[i] = tu_uniform(&s, -1, 1);
        }
        for (size_t ti = 0; ti < tiles.ntiles; ti++) {
            const pl_tile *t = &tiles.tile[ti];
            for (size_t r = 0, i = 0; r < t->nrows; r += 2, i++) {
                const uint32_t p0 = t->pptr[i], np = t->pptr[i + 1] - p0;
                float z1[112], zref1[112];
                k.spfwd(t->pidx + p0, t->pval + 2 * (size_t)p0, np, W, ldw, m, z, z1);
                pl_spfwd_ref(t->pidx + p0, t->pval + 2 * (size_t)p0, np, W, ldw, m, zref, zref1);
                for (size_t c = 0; c < m; c++) {
                    double mag0 = 1e-6, mag1 = 1e-6;
                    for (uint32_t q = p0; q < p0 + np; q++) {
                        mag0 += fabs((double)t->pval[2 * q] * W[t->pidx[q] * ldw + c]);
                        mag1 += fabs((double)t->pval[2 * q + 1] * W[t->pidx[q] * ldw + c]);
                    }
                    const double eps = 8.0 * ldexp(1.0, -24) * (double)np;
                    ck_assert_msg(fabs((double)z[c] - zref[c]) <= eps * mag0 + 1e-6,
                                  "%s spfwd m %zu row %zu col %zu: %g vs %g", k.name, m, r, c,
                                  z[c], zref[c]);
                    ck_assert_msg(fabs((double)z1[c] - zref1[c]) <= eps * mag1 + 1e-6,
                                  "%s spfwd m %zu row %zu col %zu: %g vs %g", k.name, m, r + 1, c,
                                  z1[c], zref1[c]);
                    R[r * m + c] = tu_uniform(&s, -1, 1);
                    if (r + 1 < t->nrows)
                        R[(r + 1) * m + c] = tu_uniform(&s, -1, 1);
                }
            }
            k.tbwd(t, R, m, G, ldw);
            pl_tbwd_ref(t, R, m, Gref, ldw);
            for (size_t i = 0; i < dim * ldw; i++)
                ck_assert_msg(fabsf(G[i] - Gref[i]) <= 8.0f * 0x1p-24f * PL_TILE_ROWS * (2 + fabsf(Gref[i])),
                              "%s tbwd m %zu tile %zu at %zu: %g vs %g", k.name, m, ti, i, G[i], Gref[i]);
        }
        free(W);
        free(G);
        free(Gref);
        free(R);
    }
    pl_tiles_free(&tiles);
    pl_dataset_free(&d);
    pl_raw_free(&raw);
}

/* The tiled index holds exactly the non-zero pixels, by pixel and by pairs of
 * rows (tiles of T, 6, T, T and 2 rows, T = PL_TILE_ROWS: odd and even pair
 * counts), in the rows' own order and chained; each range's rows are a
 * permutation of the range (in order when not chained). */
START_TEST(test_tiles_hold_every_nonzero)
{
    uint64_t s = 3;
    enum { ROWS = 3 * PL_TILE_ROWS + 8 };
    const size_t dim = 50, rows = ROWS;
    pl_raw raw = { .n = rows, .height = 5, .width = 10, .dim = dim };
    raw.pix = calloc(rows * dim, 1);
    raw.label = calloc(rows, 1);
    size_t nnz = 0;
    for (size_t i = 0; i < rows * dim; i++)
        if (tu_rand(&s) % 5 == 0) {
            raw.pix[i] = (uint8_t)(1 + tu_rand(&s) % 255);
            nnz++;
        }
    pl_dataset d;
    pl_error e;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, rows, 1, &d, &e), PL_OK);
    size_t r0[2] = { 0, PL_TILE_ROWS + 6 }, n[2] = { PL_TILE_ROWS + 6, 2 * PL_TILE_ROWS + 2 };
    for (int chain = 0; chain < 2; chain++) {
        pl_tiles t;
        ck_assert_int_eq(pl_tiles_build(&d, r0, n, 2, chain, 3, &t, &e), PL_OK);
        ck_assert_uint_eq(t.ntiles, 5);
        ck_assert_uint_eq(t.nnz, nnz);
        ck_assert_uint_eq(t.rows, rows);
        static unsigned char seen[ROWS];
        memset(seen, 0, sizeof seen);
        for (size_t i = 0; i < rows; i++) {
            const size_t range = i >= n[0];
            ck_assert(t.order[i] >= r0[range] && t.order[i] < r0[range] + n[range]);
            ck_assert(!seen[t.order[i]]++);
            if (!chain)
                ck_assert_uint_eq(t.order[i], i);
        }
        static float dense[ROWS * 50], dense2[ROWS * 50];
        memset(dense, 0, sizeof dense);
        memset(dense2, 0, sizeof dense2);
        for (size_t ti = 0; ti < t.ntiles; ti++) {
            const pl_tile *tl = &t.tile[ti];
            for (size_t p = 0; p < tl->npix; p++) {
                ck_assert(p == 0 || tl->pix[p] > tl->pix[p - 1]);
                for (uint32_t q = tl->ptr[p]; q < tl->ptr[p + 1]; q++) {
                    ck_assert(q == tl->ptr[p] || tl->row[q] > tl->row[q - 1]);
                    dense[(t.order[t.first[ti] + tl->row[q]]) * dim + tl->pix[p]] = tl->val[q];
                }
            }
            for (size_t r = 0, i = 0; r < tl->nrows; r += 2, i++)
                for (uint32_t q = tl->pptr[i]; q < tl->pptr[i + 1]; q++) {
                    ck_assert(q == tl->pptr[i] || tl->pidx[q] > tl->pidx[q - 1]);
                    ck_assert(tl->pval[2 * q] != 0 || tl->pval[2 * q + 1] != 0);   /* the union only */
                    dense2[t.order[t.first[ti] + r] * dim + tl->pidx[q]] = tl->pval[2 * q];
                    if (r + 1 < tl->nrows)
                        dense2[t.order[t.first[ti] + r + 1] * dim + tl->pidx[q]] = tl->pval[2 * q + 1];
                    else
                        ck_assert(tl->pval[2 * q + 1] == 0);
                }
        }
        for (size_t i = 0; i < rows * dim; i++) {
            ck_assert_float_eq(dense[i], (float)d.pix[i] * (1.0f / 255.0f));
            ck_assert_float_eq(dense2[i], dense[i]);
        }
        pl_tiles_free(&t);
    }
    pl_dataset_free(&d);
    pl_raw_free(&raw);
}
END_TEST

/* The chain pairs rows that look alike: rows alternate between two disjoint
 * strokes (with a pixel of noise each), so pairs in the rows' own order hold
 * both strokes, chained pairs one stroke each: a pair's pixels are then at
 * most one stroke plus two noise pixels. */
START_TEST(test_chain_pairs_alike_rows)
{
    enum { ROWS = 40, DIM = 784 };
    pl_raw raw = { .n = ROWS, .height = 28, .width = 28, .dim = DIM };
    raw.pix = calloc(ROWS * DIM, 1);
    raw.label = calloc(ROWS, 1);
    for (size_t i = 0; i < ROWS; i++) {
        const size_t at = i % 2 ? 500 : 100;   /* stroke A at 100..159, B at 500..559 */
        for (size_t j = at; j < at + 60; j++)
            raw.pix[i * DIM + j] = 200;
        raw.pix[i * DIM + 300 + i] = 50;      /* a different noise pixel per row */
    }
    pl_dataset d;
    pl_error e;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, ROWS, 1, &d, &e), PL_OK);
    size_t r0 = 0, n = ROWS;
    for (int chain = 0; chain < 2; chain++) {
        pl_tiles t;
        ck_assert_int_eq(pl_tiles_build(&d, &r0, &n, 1, chain, 2, &t, &e), PL_OK);
        const pl_tile *tl = &t.tile[0];
        for (size_t i = 0; i < ROWS / 2; i++) {
            const uint32_t np = tl->pptr[i + 1] - tl->pptr[i];
            if (chain)
                ck_assert_msg(np <= 62, "chained pair %zu: %u pixels", i, np);
            else
                ck_assert_uint_eq(np, 122);
        }
        pl_tiles_free(&t);
    }
    pl_dataset_free(&d);
    pl_raw_free(&raw);
}
END_TEST

START_TEST(test_sparse_kernels_match_reference)
{
    ck_assert(pl_simd_supported(PL_SIMD_AVX2));
    check_sparse(PL_SIMD_AVX2);
    if (pl_simd_supported(PL_SIMD_AVX512))
        check_sparse(PL_SIMD_AVX512);
}
END_TEST

/* The kernel set of a SIMD level into *k; 0 when this CPU lacks the level. */
static int simd_kernels(int level, pl_kernels *k)
{
    pl_error e;
    if (!pl_simd_supported(level))
        return 0;
    ck_assert_int_eq(pl_kernels_select(level, k, &e), PL_OK);
    return 1;
}

/* The SIMD link (float exp and log1p polynomials) against the double
 * reference, over NR rows of M columns (a multiple of 8, not of 16) whose sums
 * start from non-zero values: r within 2e-7 absolute, the loss and residual
 * sums within 1e-6 relative + 1e-6 per row, hits exact; logits from -120 to
 * 120 including 0, +-1e-8 and the clamps.  Once into a separate R, once in
 * place (R == Z) without rsum; both must give the same r, loss and hits. */
START_TEST(test_link_matches_reference)
{
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (!simd_kernels(level, &k))
            continue;
        enum { NR = 3, M = 1368, LD = M + 8 };
        static float z[NR * LD], zin[NR * LD], b[M], y[M], r[NR * LD], rr[NR * LD];
        static float l[M], lr[M], h[M], hr[M], rs[M], rsr[M], l2[M], h2[M];
        uint64_t s = 5;
        for (int i = 0; i < NR * LD; i++)
            z[i] = i < 8 ? (float[]){ 0.0f, -0.0f, 1e-8f, -1e-8f, 87.5f, -87.5f, 120, -120 }[i]
                         : tu_uniform(&s, -60, 60) * (i % 3 == 0 ? 2.0f : 0.05f);
        for (int i = 0; i < M; i++) {
            b[i] = i < 8 ? 0.0f : tu_uniform(&s, -1, 1);
            y[i] = (float)(tu_rand(&s) & 1);
            l[i] = lr[i] = l2[i] = h[i] = hr[i] = h2[i] = (float)(i % 5);
            rs[i] = rsr[i] = (float)(i % 7) - 3.0f;
        }
        memcpy(zin, z, sizeof z);
        k.link(NR, M, z, LD, b, y, r, LD, l, h, rs);
        pl_link_ref(NR, M, z, LD, b, y, rr, LD, lr, hr, rsr);
        for (int i = 0; i < NR; i++)
            for (int j = 0; j < M; j++) {
                const int q = i * LD + j;
                ck_assert_msg(fabsf(r[q] - rr[q]) <= 2e-7f, "%s r[%d][%d] z %g: %g vs %g", k.name,
                              i, j, z[q], r[q], rr[q]);
            }
        for (int i = 0; i < M; i++) {
            double loss = l[i] - (i % 5), ref = lr[i] - (i % 5);
            ck_assert_msg(fabs(loss - ref) <= 1e-6 * fabs(ref) + NR * 1e-6, "%s loss[%d]: %.9g vs %.9g",
                          k.name, i, loss, ref);
            ck_assert_msg(h[i] == hr[i], "%s hits[%d] y %g", k.name, i, y[i]);
            ck_assert_msg(fabsf(rs[i] - rsr[i]) <= NR * 1e-6f, "%s rsum[%d]: %.9g vs %.9g", k.name,
                          i, rs[i], rsr[i]);
        }
        k.link(NR, M, zin, LD, b, y, zin, LD, l2, h2, NULL);   /* in place */
        for (int i = 0; i < NR; i++)
            for (int j = 0; j < M; j++)
                ck_assert_msg(zin[i * LD + j] == r[i * LD + j], "%s in place r[%d][%d]", k.name, i, j);
        ck_assert_msg(!memcmp(l2, l, sizeof l) && !memcmp(h2, h, sizeof h), "%s in place sums", k.name);
    }
}
END_TEST

/* Dense fused kernels against their references: u8f exactly; dfwd for 1..4
 * rows and dbwd for 1..8 rows, dims 1..785 (pixel tails), m a multiple of 8
 * from 8 to 72 (every chunk tail).  Float tolerance as above. */
START_TEST(test_dense_kernels_match_reference)
{
    static const size_t ms[] = { 8, 16, 24, 32, 40, 48, 56, 72 };
    static const size_t ddims[] = { 1, 3, 4, 5, 33, 784, 785 };
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (!simd_kernels(level, &k))
            continue;
        uint64_t s = 11;
        uint8_t u[800];
        float f[800], fref[800];
        for (size_t j = 0; j < 800; j++)
            u[j] = (uint8_t)(tu_rand(&s) & 0xff);
        k.u8f(u, 797, f);
        pl_u8f_ref(u, 797, fref);
        for (size_t j = 0; j < 797; j++)
            ck_assert_float_eq(f[j], fref[j]);
        for (size_t di = 0; di < sizeof ddims / sizeof *ddims; di++)
            for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
                const size_t dim = ddims[di], m = ms[mi], ldw = m + 8, ldx = dim + 3, ldz = m + 16;
                float *X = malloc(PL_DTILE * ldx * sizeof(float));
                float *W = malloc(dim * ldw * sizeof(float)), *G = malloc(dim * ldw * sizeof(float));
                float *Gr = malloc(dim * ldw * sizeof(float)), *R = malloc(PL_DTILE * ldz * sizeof(float));
                float *Z = malloc(PL_DMR * ldz * sizeof(float)), *Zr = malloc(PL_DMR * ldz * sizeof(float));
                for (size_t q = 0; q < PL_DTILE * ldx; q++)
                    X[q] = (float)(tu_rand(&s) % 256) / 255.0f;
                for (size_t q = 0; q < dim * ldw; q++) {
                    W[q] = tu_uniform(&s, -1, 1);
                    G[q] = Gr[q] = tu_uniform(&s, -1, 1);
                }
                for (size_t q = 0; q < PL_DTILE * ldz; q++)
                    R[q] = tu_uniform(&s, -1, 1);
                const double eps = 8.0 * ldexp(1.0, -24);
                for (size_t nr = 1; nr <= PL_DMR; nr++) {
                    k.dfwd(X, ldx, nr, dim, W, ldw, m, Z, ldz);
                    pl_dfwd_ref(X, ldx, nr, dim, W, ldw, m, Zr, ldz);
                    for (size_t i = 0; i < nr; i++)
                        for (size_t c = 0; c < m; c++) {
                            double mag = 1e-6;
                            for (size_t j = 0; j < dim; j++)
                                mag += fabs((double)X[i * ldx + j] * W[j * ldw + c]);
                            ck_assert_msg(fabs((double)Z[i * ldz + c] - Zr[i * ldz + c]) <= eps * (double)dim * mag,
                                          "%s dfwd dim %zu m %zu nr %zu (%zu,%zu): %g vs %g", k.name, dim,
                                          m, nr, i, c, Z[i * ldz + c], Zr[i * ldz + c]);
                        }
                }
                for (size_t nr = 1; nr <= PL_DTILE; nr += 3) {
                    k.dbwd(X, ldx, nr, dim, R, ldz, m, G, ldw);
                    pl_dbwd_ref(X, ldx, nr, dim, R, ldz, m, Gr, ldw);
                    for (size_t q = 0; q < dim * ldw; q++)
                        ck_assert_msg(fabsf(G[q] - Gr[q]) <= 1e-5f * (1 + fabsf(Gr[q])),
                                      "%s dbwd dim %zu m %zu nr %zu at %zu: %g vs %g", k.name, dim, m,
                                      nr, q, G[q], Gr[q]);
                }
                free(X);
                free(W);
                free(G);
                free(Gr);
                free(R);
                free(Z);
                free(Zr);
            }
    }
}
END_TEST

/* vadd against its reference: bit-equal sums for every length 0..130 and
 * 1000, at unaligned offsets, and nothing written outside dst[0, n). */
START_TEST(test_vadd_matches_reference)
{
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (!simd_kernels(level, &k))
            continue;
        uint64_t s = 21;
        float src[1010], dst[1010], ref[1010];
        for (size_t t = 0; t <= 131; t++)
            for (size_t off = 0, n = t < 131 ? t : 1000; off < 4; off++) {
                for (size_t i = 0; i < 1010; i++) {
                    src[i] = tu_uniform(&s, -1e3f, 1e3f);
                    dst[i] = ref[i] = tu_uniform(&s, -1e3f, 1e3f);
                }
                k.vadd(dst + off, src + 3 - off, n);
                pl_vadd_ref(ref + off, src + 3 - off, n);
                ck_assert_msg(memcmp(dst, ref, sizeof dst) == 0, "%s vadd n %zu offset %zu",
                              k.name, n, off);
            }
    }
}
END_TEST

Suite *suite_kernels(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_scalar_selects_reference);
    tcase_add_test(tc, test_avx2_matches_reference);
    tcase_add_test(tc, test_avx512_matches_reference_or_is_refused);
    tcase_add_test(tc, test_auto_picks_best);
    tcase_add_test(tc, test_env_forces_and_rejects);
    tcase_add_test(tc, test_level_names_round_trip);
    tcase_add_test(tc, test_sparse_kernels_match_reference);
    tcase_add_test(tc, test_tiles_hold_every_nonzero);
    tcase_add_test(tc, test_dense_kernels_match_reference);
    tcase_add_test(tc, test_link_matches_reference);
    tcase_add_test(tc, test_vadd_matches_reference);
    tcase_add_test(tc, test_chain_pairs_alike_rows);
    suite_add_tcase(s, tc);
    return s;
}
