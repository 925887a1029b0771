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
#include <string.h>

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
    ck_assert_ptr_eq(k.smlink, pl_smlink_ref);
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

/* Sparse forward and backward (a pair of rows), on tiles built by
 * pl_tiles_build from rows with 0..784 non-zero pixels; m in {8, ..., 112},
 * ldw > m.  Same float tolerance rule as above; spfwd2 bit for bit as spfwd
 * on the same two pairs. */
static void check_sparse(int level)
{
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(level, &k, &e), PL_OK);
    static const size_t ms[] = { 8, 16, 24, 32, 40, 56, 64, 72, 112 };
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
    ck_assert_int_eq(pl_tiles_build(&d, &r0, &n, 1, 1, 2, NULL, NULL, &tiles, &e), PL_OK);
    ck_assert_uint_eq(tiles.ntiles, 3);
    for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
        const size_t m = ms[mi], ldw = m + 16;
        float *W = malloc(dim * ldw * sizeof(float)), *G = malloc(dim * ldw * sizeof(float));
        float *Gref = malloc(dim * ldw * sizeof(float)), *R = malloc(PL_TILE_ROWS * m * sizeof(float));
        float *R8 = malloc(PL_TILE_ROWS * 8 * sizeof(float)), *G8 = malloc(dim * 8 * sizeof(float));
        float z[112], zref[112];
        for (size_t i = 0; i < dim * ldw; i++) {
            W[i] = tu_uniform(&s, -1, 1);
            G[i] = Gref[i] = tu_uniform(&s, -1, 1);
        }
        float *scratch = malloc(pl_tiles_scratch(&tiles) * sizeof(float));
        for (size_t ti = 0; ti < tiles.ntiles; ti++) {
            const size_t nrows = tiles.tile[ti].nrows;
            for (size_t r = 0, i = 0; r < nrows; r += 2, i++) {
                const uint16_t *idx;
                const uint32_t np = pl_tile_pair(&tiles, ti, i, &k, scratch, &idx);
                float z1[112], zref1[112];
                k.spfwd(idx, scratch, np, W, ldw, m, z, z1);
                pl_spfwd_ref(idx, scratch, np, W, ldw, m, zref, zref1);
                for (size_t c = 0; c < m; c++) {
                    double mag0 = 1e-6, mag1 = 1e-6;
                    for (uint32_t q = 0; q < np; q++) {
                        mag0 += fabs((double)scratch[2 * q] * W[idx[q] * ldw + c]);
                        mag1 += fabs((double)scratch[2 * q + 1] * W[idx[q] * ldw + c]);
                    }
                    const double eps = 8.0 * ldexp(1.0, -24) * (double)np;
                    ck_assert_msg(fabs((double)z[c] - zref[c]) <= eps * mag0 + 1e-6,
                                  "%s spfwd m %zu row %zu col %zu: %g vs %g", k.name, m, r, c,
                                  z[c], zref[c]);
                    ck_assert_msg(fabs((double)z1[c] - zref1[c]) <= eps * mag1 + 1e-6,
                                  "%s spfwd m %zu row %zu col %zu: %g vs %g", k.name, m, r + 1, c,
                                  z1[c], zref1[c]);
                    R[r * m + c] = tu_uniform(&s, -1, 1);
                    if (r + 1 < nrows)
                        R[(r + 1) * m + c] = tu_uniform(&s, -1, 1);
                }
            }
            /* two pairs in step: each row's bits as spfwd gives them (an odd
             * tile's last pair has no partner and goes through spfwd) */
            for (size_t i = 0; 2 * (i + 1) < nrows; i += 2) {
                const uint16_t *ia, *ib;
                const uint32_t na = pl_tile_pair(&tiles, ti, i, &k, scratch, &ia);
                const uint32_t nb = pl_tile_pair(&tiles, ti, i + 1, &k, scratch + 2 * na, &ib);
                float z4[4 * 112], zs[4 * 112];
                k.spfwd2(ia, scratch, na, ib, scratch + 2 * na, nb, W, ldw, m, z4, m);
                k.spfwd(ia, scratch, na, W, ldw, m, zs, zs + m);
                k.spfwd(ib, scratch + 2 * na, nb, W, ldw, m, zs + 2 * m, zs + 3 * m);
                ck_assert_msg(memcmp(z4, zs, 4 * m * sizeof(float)) == 0,
                              "%s spfwd2 m %zu tile %zu pairs %zu, %zu: not spfwd's bits", k.name,
                              m, ti, i, i + 1);
            }
            /* the backward by pairs of rows (spbwd, through pl_tile_backward
             * from pl_tile_values): against the reference; a column's bits
             * the same at m = 8 as in the m-wide batch (the first 8 columns
             * alone: a column's sum order may not depend on m); each pair's
             * values where pl_tile_pair puts them (the same bits pair by
             * pair); and on AVX-512 the AVX2 kernel's bits (both one FMA per
             * value) */
            for (size_t r = 0; r < nrows; r++)
                memcpy(R8 + r * 8, R + r * m, 8 * sizeof(float));
            for (size_t i = 0; i < dim * ldw; i++)
                Gref[i] = G[i];
            for (size_t j = 0; j < dim; j++)
                memcpy(G8 + j * 8, G + j * ldw, 8 * sizeof(float));
            float *Gp = malloc(dim * ldw * sizeof(float)), *Gx = malloc(dim * ldw * sizeof(float));
            memcpy(Gp, G, dim * ldw * sizeof(float));
            memcpy(Gx, G, dim * ldw * sizeof(float));
            pl_kernels kr = k;
            kr.spbwd = pl_spbwd_ref;
            float *tv = malloc(pl_tiles_scratch(&tiles) * sizeof(float));
            const float *v = pl_tile_values(&tiles, ti, &k, tv);
            pl_tile_backward(&tiles, ti, &k, v, R, m, m, G, ldw);
            pl_tile_backward(&tiles, ti, &k, v, R8, 8, 8, G8, 8);
            pl_tile_backward(&tiles, ti, &kr, v, R, m, m, Gref, ldw);
            for (size_t r = 0, i = 0; r < nrows; r += 2, i++) {
                const uint16_t *idx;
                const uint32_t np = pl_tile_pair(&tiles, ti, i, &k, scratch, &idx);
                k.spbwd(idx, scratch, np, R + r * m, r + 1 < nrows ? R + (r + 1) * m : R + r * m,
                        m, Gp, ldw);
            }
            ck_assert_msg(memcmp(G, Gp, dim * ldw * sizeof(float)) == 0,
                          "%s pl_tile_backward m %zu tile %zu: not spbwd's bits pair by pair",
                          k.name, m, ti);
            for (size_t j = 0; j < dim; j++)
                ck_assert_msg(memcmp(G8 + j * 8, G + j * ldw, 8 * sizeof(float)) == 0,
                              "%s spbwd: pixel %zu's first 8 columns differ between m = 8 and m = %zu",
                              k.name, j, m);
            for (size_t i = 0; i < dim * ldw; i++)
                ck_assert_msg(fabsf(G[i] - Gref[i]) <= 8.0f * 0x1p-24f * PL_TILE_ROWS * (2 + fabsf(Gref[i])),
                              "%s spbwd m %zu tile %zu at %zu: %g vs %g", k.name, m, ti, i, G[i], Gref[i]);
            if (level == PL_SIMD_AVX512) {
                pl_kernels k2;
                ck_assert_int_eq(pl_kernels_select(PL_SIMD_AVX2, &k2, &e), PL_OK);
                pl_tile_backward(&tiles, ti, &k2, v, R, m, m, Gx, ldw);
                ck_assert_msg(memcmp(G, Gx, dim * ldw * sizeof(float)) == 0,
                              "spbwd m %zu tile %zu: AVX-512 and AVX2 bits differ", m, ti);
            }
            free(tv);
            free(Gp);
            free(Gx);
        }
        free(W);
        free(G);
        free(Gref);
        free(R);
        free(R8);
        free(G8);
        free(scratch);
    }
    pl_tiles_free(&tiles);
    pl_dataset_free(&d);
    pl_raw_free(&raw);
}

/* The build's done callback: each range's rows are overwritten (the build
 * must not read them again), and each range is counted. */
typedef struct done_log {
    pl_dataset *d;
    int calls[2];
    size_t r0[2], n[2];
} done_log;

static void clobber_rows(void *ctx, size_t row0, size_t n)
{
    done_log *g = ctx;
    const int i = row0 == g->r0[0] ? 0 : 1;
    ck_assert(row0 == g->r0[i] && n == g->n[i]);
#pragma omp atomic
    g->calls[i]++;
    memset(g->d->pix + row0 * g->d->dim, 0xee, n * g->d->dim);
}

/* The tiled index holds exactly the non-zero pixels, by pairs of rows
 * (tiles of T, 6, T, T and 2 rows, T = PL_TILE_ROWS: odd and even pair
 * counts), in the rows' own order and chained; each range's rows are a
 * permutation of the range (in order when not chained).  Each range is
 * handed to done once, after which the build reads its rows no more (they
 * are overwritten then, and the index still holds the file's pixels). */
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
    size_t r0[2] = { 0, PL_TILE_ROWS + 6 }, n[2] = { PL_TILE_ROWS + 6, 2 * PL_TILE_ROWS + 2 };
    for (int chain = 0; chain < 2; chain++) {
        ck_assert_int_eq(pl_dataset_build(&raw, NULL, rows, 1, &d, &e), PL_OK);
        done_log g = { .d = &d, .r0 = { r0[0], r0[1] }, .n = { n[0], n[1] } };
        pl_tiles t;
        ck_assert_int_eq(pl_tiles_build(&d, r0, n, 2, chain, 3, clobber_rows, &g, &t, &e), PL_OK);
        ck_assert_int_eq(g.calls[0], 1);
        ck_assert_int_eq(g.calls[1], 1);
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
        static uint8_t dense[ROWS * 50];
        memset(dense, 0, sizeof dense);
        float *scratch = malloc(pl_tiles_scratch(&t) * sizeof(float));
        for (size_t ti = 0; ti < t.ntiles; ti++) {
            const pl_tile8 *tl = &t.tile[ti];
            ck_assert_uint_eq(tl->pptr[0], 0);
            /* each pair's values as the float v / 255, alone (pl_tile_pair)
             * and in the tile's (pl_tile_values, at 2 pptr[i]) */
            pl_kernels k;
            ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
            float *tv = malloc(pl_tiles_scratch(&t) * sizeof(float));
            pl_tile_values(&t, ti, &k, tv);
            const uint32_t npt = tl->pptr[(tl->nrows + 1) / 2];
            ck_assert_uint_le(npt, t.maxtile);
            for (uint32_t q = 0; q < 2 * npt; q++)
                ck_assert_float_eq(tv[q], (float)tl->pval[q] * (1.0f / 255.0f));
            free(tv);
            for (size_t i = 0; i < (tl->nrows + 1) / 2; i++) {
                const uint16_t *idx;
                const uint32_t np = pl_tile_pair(&t, ti, i, &k, scratch, &idx);
                ck_assert_uint_eq(np, tl->pptr[i + 1] - tl->pptr[i]);
                ck_assert_uint_le(np, t.maxpair);
                ck_assert(idx == tl->pidx + tl->pptr[i]);
                for (uint32_t q = 0; q < 2 * np; q++)
                    ck_assert_float_eq(scratch[q], (float)tl->pval[2 * tl->pptr[i] + q] * (1.0f / 255.0f));
            }
            for (size_t r = 0, i = 0; r < tl->nrows; r += 2, i++)
                for (uint32_t q = tl->pptr[i]; q < tl->pptr[i + 1]; q++) {
                    ck_assert(q == tl->pptr[i] || tl->pidx[q] > tl->pidx[q - 1]);
                    ck_assert(tl->pval[2 * q] != 0 || tl->pval[2 * q + 1] != 0);   /* the union only */
                    dense[t.order[t.first[ti] + r] * dim + tl->pidx[q]] = tl->pval[2 * q];
                    if (r + 1 < tl->nrows)
                        dense[t.order[t.first[ti] + r + 1] * dim + tl->pidx[q]] = tl->pval[2 * q + 1];
                    else
                        ck_assert(tl->pval[2 * q + 1] == 0);
                }
        }
        for (size_t i = 0; i < rows * dim; i++)
            ck_assert_uint_eq(dense[i], raw.pix[i]);   /* d's rows were overwritten */
        free(scratch);
        pl_tiles_free(&t);
        pl_dataset_free(&d);
    }
    pl_raw_free(&raw);
}
END_TEST

/* The chain as sparse.c's opening comment defines it, written plainly: rows
 * [r0, r0 + n) of raw in windows of PL_CHAIN_ROWS, each from its first row,
 * the next the unused row of the highest Jaccard similarity of signatures
 * (bit j 256 / dim of each non-zero pixel j) with the last, the first in
 * window order on ties, two blank rows alike. */
static void chain_reference(const pl_raw *raw, size_t r0, size_t n, size_t *out)
{
    const size_t dim = raw->dim;
    for (size_t w0 = 0; w0 < n; w0 += PL_CHAIN_ROWS) {
        const size_t len = n - w0 < PL_CHAIN_ROWS ? n - w0 : PL_CHAIN_ROWS;
        uint64_t(*sig)[4] = calloc(len, sizeof *sig);
        long *cnt = calloc(len, sizeof *cnt);
        unsigned char *used = calloc(len, 1);
        for (size_t i = 0; i < len; i++) {
            for (size_t j = 0; j < dim; j++)
                if (raw->pix[(r0 + w0 + i) * dim + j]) {
                    const size_t b = j * 256 / dim;
                    sig[i][b / 64] |= 1ull << (b % 64);
                }
            for (int q = 0; q < 4; q++)
                cnt[i] += __builtin_popcountll(sig[i][q]);
        }
        size_t cur = 0;
        used[0] = 1;
        out[w0] = r0 + w0;
        for (size_t k = 1; k < len; k++) {
            size_t best = len < 3 ? k : len;   /* under 3 rows: their own order */
            long bi = 0, bu = 1;
            for (size_t i = 0; i < len && len >= 3; i++) {
                if (used[i])
                    continue;
                long in = 0;
                for (int q = 0; q < 4; q++)
                    in += __builtin_popcountll(sig[cur][q] & sig[i][q]);
                long un = cnt[cur] + cnt[i] - in;
                if (un == 0)
                    in = un = 1;
                if (best == len || in * bu > bi * un) {
                    best = i;
                    bi = in;
                    bu = un;
                }
            }
            used[best] = 1;
            out[w0 + k] = r0 + w0 + best;
            cur = best;
        }
        free(sig);
        free(cnt);
        free(used);
    }
}

/* The chain's order is chain_reference's: 1100 rows of 100 pixels (two
 * ranges: windows of 512, 512 and 76 rows, then 2) drawn from a dozen
 * patterns with noise, blank rows among them, so that ties are many and
 * must go to the first row in window order. */
START_TEST(test_chain_is_the_nearest_neighbour_chain)
{
    enum { ROWS = 1102, DIM = 100, PATTERNS = 12 };
    uint64_t s = 11;
    pl_raw raw = { .n = ROWS, .height = 10, .width = 10, .dim = DIM, .pixel_max = 255 };
    raw.pix = calloc(ROWS * DIM, 1);
    raw.label = calloc(ROWS, 1);
    static uint8_t pat[PATTERNS][DIM];
    for (int p = 1; p < PATTERNS; p++)   /* pattern 0 blank */
        for (size_t j = 0; j < DIM; j++)
            pat[p][j] = tu_rand(&s) % 4 == 0 ? (uint8_t)(1 + tu_rand(&s) % 255) : 0;
    for (size_t i = 0; i < ROWS; i++) {
        memcpy(raw.pix + i * DIM, pat[tu_rand(&s) % PATTERNS], DIM);
        if (tu_rand(&s) % 3 == 0)   /* a third with a noise pixel: near ties */
            raw.pix[i * DIM + tu_rand(&s) % DIM] = 9;
    }
    pl_dataset d;
    pl_error e;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, ROWS, 1, &d, &e), PL_OK);
    size_t r0[2] = { 0, ROWS - 2 }, n[2] = { ROWS - 2, 2 };
    static size_t want[ROWS];
    chain_reference(&raw, r0[0], n[0], want);
    chain_reference(&raw, r0[1], n[1], want + n[0]);
    for (int threads = 1; threads <= 3; threads += 2) {
        pl_tiles t;
        ck_assert_int_eq(pl_tiles_build(&d, r0, n, 2, 1, threads, NULL, NULL, &t, &e), PL_OK);
        for (size_t i = 0; i < ROWS; i++)
            ck_assert_msg(t.order[i] == want[i], "%d threads: row %zu of the chain is %zu, "
                          "not %zu", threads, i, t.order[i], want[i]);
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
    pl_raw raw = { .n = ROWS, .height = 28, .width = 28, .dim = DIM, .pixel_max = 200 };
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
        ck_assert_int_eq(pl_tiles_build(&d, &r0, &n, 1, chain, 2, NULL, NULL, &t, &e), PL_OK);
        const pl_tile8 *tl = &t.tile[0];
        pl_kernels k;   /* values of a pixel_max = 200 set: byte / 200 */
        ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
        float *scratch = malloc(pl_tiles_scratch(&t) * sizeof(float));
        pl_tile_values(&t, 0, &k, scratch);
        for (uint32_t q = 0; q < 2 * tl->pptr[ROWS / 2]; q++)
            ck_assert_float_eq(scratch[q], (float)tl->pval[q] * (1.0f / 200.0f));
        free(scratch);
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
        static float h[M], hr[M], rs[M], rsr[M], h2[M];
        static double l[M], lr[M], l2[M];
        uint64_t s = 5;
        for (int i = 0; i < NR * LD; i++)
            z[i] = i < 8 ? (float[]){ 0.0f, -0.0f, 1e-8f, -1e-8f, 87.5f, -87.5f, 120, -120 }[i]
                         : tu_uniform(&s, -60, 60) * (i % 3 == 0 ? 2.0f : 0.05f);
        for (int i = 0; i < M; i++) {
            b[i] = i < 8 ? 0.0f : tu_uniform(&s, -1, 1);
            y[i] = (float)(tu_rand(&s) & 1);
            l[i] = lr[i] = l2[i] = (double)(i % 5);
            h[i] = hr[i] = h2[i] = (float)(i % 5);
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
        k.u8f(u, 797, 1.0f / 255.0f, f);
        pl_u8f_ref(u, 797, 1.0f / 255.0f, fref);
        for (size_t j = 0; j < 797; j++) {
            ck_assert_float_eq(f[j], fref[j]);
            ck_assert_float_eq(fref[j], (float)u[j] * (1.0f / 255.0f));
        }
        k.u8f(u, 797, 1.0f / 16.0f, f);   /* scikit-learn's digits: 0..16 */
        for (size_t j = 0; j < 797; j++)
            ck_assert_float_eq(f[j], (float)u[j] / 16.0f);
        for (size_t n = 0; n <= 40; n++) {   /* every tail; nothing written past n */
            for (size_t j = 0; j < 48; j++)
                f[j] = -1.0f;
            k.u8f(u + 3, n, 1.0f / 255.0f, f);
            for (size_t j = 0; j < 48; j++)
                ck_assert_float_eq(f[j], j < n ? (float)u[3 + j] * (1.0f / 255.0f) : -1.0f);
        }
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

/* ---- the softmax link ------------------------------------------------------
 * Each SIMD level against pl_smlink_ref for K = 1..16, nr in {1, 2, 3, 7, 8,
 * 17, 128} (every block tail of 8 and 16 rows), cls at 0, the middle and K - 1,
 * R separate (its own offset and stride) and R == Z, rsum NULL and not; Z rows
 * at float offsets 0..3 with ldz = K + 2 * offset (packed, and > K), b at an
 * odd offset.  Every float the kernel must not touch holds a NaN guard: Z's
 * and R's columns >= K, the cells around loss and hits, rsum[K..].  A guard
 * read by mistake poisons a result; one written is seen changed.  The sums
 * start from non-zero values.  Each call is made twice: the same bits.
 *
 * Tolerances, with du = 2^-24 max|u| (the kernels round u = z + b to float; the
 * reference adds in double):
 *   R:     2e-6 + 2 du absolute (p moves by at most du / 2 per du of u)
 *   loss:  1e-5 relative + nr (1e-6 + 4 du)
 *   rsum:  nr times R's bound + 1e-6
 *   hits:  exact, except one per row whose top two u differ, but by at most
 *          1e-6 + 2^-22 |u| (they may round to one float)
 * and in every case, for every level and the reference: R finite, p = R +
 * onehot in [0, 1], the loss finite and not below its start. */

static float sm_guard(void)
{
    const uint32_t bits = 0x7fc0beefu;   /* a quiet NaN */
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int sm_is_guard(float f)
{
    const float g = sm_guard();
    return memcmp(&f, &g, sizeof f) == 0;
}

/* The double guard around the loss sum. */
static double sm_dguard(void)
{
    const uint64_t bits = 0x7ff8beef0000beefu;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static int sm_is_dguard(double d)
{
    const double g = sm_dguard();
    return memcmp(&d, &g, sizeof d) == 0;
}

/* Largest differences from the reference seen: R absolute, loss relative to
 * 1 + its increment, rsum absolute. */
typedef struct sm_worst {
    double r, loss, rsum;
} sm_worst;

/* The outputs of one call, guards around loss and hits (index 1 is the value). */
typedef struct sm_out {
    float *zbuf, *rbuf, *R;   /* R inside rbuf, or inside zbuf when aliased */
    double loss[3];
    float hits[3], rsum[PL_SMAX_K + 2];
} sm_out;

enum { SM_MODERATE, SM_TIES, SM_EXTREME };

/* One call of fn on a fresh copy of Z (n floats, rows from zoff, ldz apart);
 * into a separate R (ldr apart, from roff) unless alias. */
static void sm_call(pl_smlink_fn fn, const float *Z, size_t n, size_t zoff, size_t nr, size_t K,
                    size_t ldz, const float *b, int cls, int alias, size_t roff, size_t ldr,
                    int sums, sm_out *o)
{
    const float g = sm_guard();
    o->zbuf = malloc(n * sizeof(float));
    memcpy(o->zbuf, Z, n * sizeof(float));
    o->rbuf = NULL;
    if (alias) {
        o->R = o->zbuf + zoff;
        ldr = ldz;
    } else {
        const size_t rn = roff + nr * ldr + 8;
        o->rbuf = malloc(rn * sizeof(float));
        for (size_t q = 0; q < rn; q++)
            o->rbuf[q] = g;
        o->R = o->rbuf + roff;
    }
    o->loss[0] = o->loss[2] = sm_dguard();
    o->hits[0] = o->hits[2] = g;
    o->loss[1] = 1.5;
    o->hits[1] = 2.0f;
    for (size_t k = 0; k < PL_SMAX_K + 2; k++)
        o->rsum[k] = k < K ? 0.25f * (float)k - 1.0f : g;
    fn(nr, K, o->zbuf + zoff, ldz, b, cls, o->R, ldr, &o->loss[1], &o->hits[1],
       sums ? o->rsum : NULL);
}

static void sm_free(sm_out *o)
{
    free(o->zbuf);
    free(o->rbuf);
}

/* Nothing written but columns [0, K) of R's rows and the sums; Z untouched
 * unless it is R. */
static void sm_check_guards(const char *name, const sm_out *o, const float *Z, size_t n,
                            size_t zoff, size_t nr, size_t K, size_t ldz, int alias, size_t roff,
                            size_t ldr)
{
    const size_t rn = roff + nr * ldr + 8;
    for (size_t q = 0; q < n; q++) {
        const int in_row = q >= zoff && q < zoff + nr * ldz && (q - zoff) % ldz < K;
        if (!(alias && in_row))
            ck_assert_msg(!memcmp(&o->zbuf[q], &Z[q], sizeof(float)),
                          "%s smlink K %zu nr %zu: Z[%zu] changed", name, K, nr, q);
    }
    if (!alias)
        for (size_t q = 0; q < rn; q++)
            if (!(q >= roff && q < roff + nr * ldr && (q - roff) % ldr < K))
                ck_assert_msg(sm_is_guard(o->rbuf[q]),
                              "%s smlink K %zu nr %zu: R guard %zu written", name, K, nr, q);
    ck_assert_msg(sm_is_dguard(o->loss[0]) && sm_is_dguard(o->loss[2]) && sm_is_guard(o->hits[0]) &&
                      sm_is_guard(o->hits[2]),
                  "%s smlink K %zu nr %zu: written beside loss or hits", name, K, nr);
    for (size_t k = K; k < PL_SMAX_K + 2; k++)
        ck_assert_msg(sm_is_guard(o->rsum[k]), "%s smlink K %zu nr %zu: rsum[%zu] written", name,
                      K, nr, k);
}

/* R finite, p in [0, 1], the loss finite and not below its start, hits whole. */
static void sm_check_sane(const char *name, const sm_out *o, size_t nr, size_t K, size_t ldr,
                          int cls, int sums)
{
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < K; k++) {
            const float r = o->R[i * ldr + k], p = r + (k == (size_t)cls);
            ck_assert_msg(isfinite(r) && p >= 0.0f && p <= 1.0f,
                          "%s smlink K %zu nr %zu cls %d: R[%zu][%zu] = %g", name, K, nr, cls, i,
                          k, r);
        }
    ck_assert_msg(isfinite(o->loss[1]) && o->loss[1] >= 1.5, "%s smlink K %zu nr %zu: loss %g",
                  name, K, nr, o->loss[1]);
    ck_assert_msg(o->hits[1] == floorf(o->hits[1]) && o->hits[1] >= 2.0f &&
                      o->hits[1] <= 2.0f + (float)nr,
                  "%s smlink K %zu nr %zu: hits %g", name, K, nr, o->hits[1]);
    if (sums)
        for (size_t k = 0; k < K; k++)
            ck_assert_msg(isfinite(o->rsum[k]), "%s smlink rsum[%zu] %g", name, k, o->rsum[k]);
}

/* One case of the softmax link for kernel fn (named name) against the
 * reference; mode picks the values: u in [-scale, scale], or small integers
 * with b constant (many exact ties, the maximum among them). */
static void check_smlink(const char *name, pl_smlink_fn fn, size_t K, size_t nr, int cls,
                         int alias, int sums, int mode, float scale, size_t zoff, uint64_t *s,
                         sm_worst *w)
{
    const size_t ldz = K + 2 * zoff, roff = 3 - zoff, ldr = K + 3;
    const size_t n = zoff + nr * ldz + 8;
    float *Z = malloc(n * sizeof(float)), bbuf[PL_SMAX_K + 2], *b = bbuf + 1;
    for (size_t q = 0; q < n; q++)
        Z[q] = sm_guard();
    for (size_t k = 0; k < PL_SMAX_K + 1; k++)
        b[k] = k >= K ? sm_guard()
               : mode == SM_TIES ? 0.25f
                                 : tu_uniform(s, -0.1f * scale, 0.1f * scale);
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < K; k++)
            Z[zoff + i * ldz + k] = mode == SM_TIES ? (float)((int)(tu_rand(s) % 5) - 2)
                                                    : tu_uniform(s, -0.9f * scale, 0.9f * scale);

    /* The reference from the same Z into a packed R; its bounds from u. */
    sm_out ref, got, again;
    sm_call(pl_smlink_ref, Z, n, zoff, nr, K, ldz, b, cls, 0, 0, K, sums, &ref);
    double umax = 0;
    size_t near_ties = 0;
    for (size_t i = 0; i < nr; i++) {
        double u[PL_SMAX_K], m = -HUGE_VAL;
        for (size_t k = 0; k < K; k++) {
            u[k] = (double)Z[zoff + i * ldz + k] + (double)b[k];
            m = fmax(m, u[k]);
            umax = fmax(umax, fabs(u[k]));
        }
        int near = 0;
        for (size_t k = 0; k < K; k++)
            near |= u[k] != m && m - u[k] <= 1e-6 + ldexp(fabs(m), -22);
        near_ties += (size_t)near;
    }
    const double du = ldexp(umax, -24), tol_r = 2e-6 + 2 * du;
    sm_check_sane("ref", &ref, nr, K, K, cls, sums);

    sm_call(fn, Z, n, zoff, nr, K, ldz, b, cls, alias, roff, ldr, sums, &got);
    const size_t ldo = alias ? ldz : ldr;
    sm_check_guards(name, &got, Z, n, zoff, nr, K, ldz, alias, roff, ldr);
    sm_check_sane(name, &got, nr, K, ldo, cls, sums);
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < K; k++) {
            const double d = fabs((double)got.R[i * ldo + k] - ref.R[i * K + k]);
            w->r = fmax(w->r, d);
            ck_assert_msg(d <= tol_r, "%s smlink K %zu nr %zu cls %d R[%zu][%zu]: %.9g vs %.9g",
                          name, K, nr, cls, i, k, got.R[i * ldo + k], ref.R[i * K + k]);
        }
    const double linc = ref.loss[1] - 1.5, dl = fabs(got.loss[1] - ref.loss[1]);
    w->loss = fmax(w->loss, dl / (1 + fabs(linc)));
    ck_assert_msg(dl <= 1e-5 * fabs(linc) + (double)nr * (1e-6 + 4 * du),
                  "%s smlink K %zu nr %zu cls %d loss: %.9g vs %.9g", name, K, nr, cls,
                  got.loss[1], ref.loss[1]);
    ck_assert_msg(fabs((double)got.hits[1] - ref.hits[1]) <= (double)near_ties,
                  "%s smlink K %zu nr %zu cls %d hits: %g vs %g (%zu near ties)", name, K, nr,
                  cls, got.hits[1], ref.hits[1], near_ties);
    if (mode == SM_TIES)
        ck_assert_uint_eq(near_ties, 0);
    if (sums)
        for (size_t k = 0; k < K; k++) {
            const double d = fabs((double)got.rsum[k] - ref.rsum[k]);
            w->rsum = fmax(w->rsum, d);
            ck_assert_msg(d <= (double)nr * tol_r + 1e-6,
                          "%s smlink K %zu nr %zu rsum[%zu]: %.9g vs %.9g", name, K, nr, k,
                          got.rsum[k], ref.rsum[k]);
        }

    /* The same call again: the same bits. */
    sm_call(fn, Z, n, zoff, nr, K, ldz, b, cls, alias, roff, ldr, sums, &again);
    for (size_t i = 0; i < nr; i++)
        ck_assert_msg(!memcmp(again.R + i * ldo, got.R + i * ldo, K * sizeof(float)),
                      "%s smlink K %zu nr %zu: R differs between calls", name, K, nr);
    ck_assert_msg(!memcmp(again.loss, got.loss, sizeof got.loss) &&
                      !memcmp(again.hits, got.hits, sizeof got.hits) &&
                      !memcmp(again.rsum, got.rsum, sizeof got.rsum),
                  "%s smlink K %zu nr %zu: sums differ between calls", name, K, nr);
    sm_free(&again);

    /* The reference in place gives the bits it gives into a separate R. */
    if (alias) {
        sm_out inplace;
        sm_call(pl_smlink_ref, Z, n, zoff, nr, K, ldz, b, cls, 1, 0, 0, sums, &inplace);
        sm_check_guards("ref", &inplace, Z, n, zoff, nr, K, ldz, 1, 0, 0);
        for (size_t i = 0; i < nr; i++)
            ck_assert(!memcmp(inplace.R + i * ldz, ref.R + i * K, K * sizeof(float)));
        ck_assert(!memcmp(inplace.loss, ref.loss, sizeof ref.loss) &&
                  !memcmp(inplace.hits, ref.hits, sizeof ref.hits) &&
                  !memcmp(inplace.rsum, ref.rsum, sizeof ref.rsum));
        sm_free(&inplace);
    }
    sm_free(&ref);
    sm_free(&got);
    free(Z);
}

/* Every K, nr, cls, aliasing and rsum choice, the Z offsets in turn, for each
 * SIMD level this CPU has (the table must hold that level's own kernel, unless
 * PARLOGIT_SIMD forces one). */
static void check_smlink_all(int mode, float scale, uint64_t seed)
{
    static const size_t nrs[] = { 1, 2, 3, 7, 8, 17, 128 };
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (!simd_kernels(level, &k))
            continue;
        const char *env = getenv("PARLOGIT_SIMD");
        if (!env || !*env)   /* (a forced level replaces the table) */
            ck_assert_ptr_eq(k.smlink, level == PL_SIMD_AVX2 ? pl_smlink_avx2 : pl_smlink_avx512);
        uint64_t s = seed;
        sm_worst w = { 0, 0, 0 };
        size_t turn = 0;
        for (size_t K = 1; K <= PL_SMAX_K; K++)
            for (size_t ni = 0; ni < sizeof nrs / sizeof *nrs; ni++)
                for (int ci = 0; ci < 3; ci++) {
                    const int cls = ci == 0 ? 0 : ci == 1 ? (int)K / 2 : (int)K - 1;
                    for (int alias = 0; alias < 2; alias++)
                        for (int sums = 0; sums < 2; sums++)
                            check_smlink(k.name, k.smlink, K, nrs[ni], cls, alias, sums, mode,
                                         scale, turn++ % 4, &s, &w);
                }
    }
}

START_TEST(test_smlink_matches_reference)
{
    check_smlink_all(SM_MODERATE, 10.0f, 31);
}
END_TEST

START_TEST(test_smlink_ties_first_maximum)
{
    check_smlink_all(SM_TIES, 2.0f, 37);
}
END_TEST

START_TEST(test_smlink_extreme_values)
{
    check_smlink_all(SM_EXTREME, 80.0f, 41);
    check_smlink_all(SM_EXTREME, 1e4f, 43);
}
END_TEST

/* The reference by hand (and each SIMD level on the same rows): K = 4, two
 * rows, u = (1, 2, 0, 2) (the maximum tied at 1 and 3) and (1.5, -3, 1.25, 0),
 * a NaN in the column past K; against p_k = exp(u_k) / sum_j exp(u_j) in
 * double, unshifted.  R within 1e-7 (2e-6 for SIMD), each row's p summing to 1
 * and R to 0 within 1e-6, loss = sum of -log p_cls within 1e-6 relative, hits
 * by the first maximum (cls 1: row 0 hits; cls 3: neither row), rsum the float
 * column sums of R. */
START_TEST(test_smlink_reference_by_hand)
{
    const float Z[2 * 5] = { 0.5f, 2.0f, -1.0f, 2.0f, NAN, 1.0f, -3.0f, 0.25f, 0.0f, NAN };
    const float b[4] = { 0.5f, 0.0f, 1.0f, 0.0f };
    pl_smlink_fn fns[3] = { pl_smlink_ref, NULL, NULL };
    double tol[3] = { 1e-7, 2e-6, 2e-6 };
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (simd_kernels(level, &k))
            fns[level - PL_SIMD_AVX2 + 1] = k.smlink;
    }
    for (int f = 0; f < 3; f++) {
        if (!fns[f])
            continue;
        for (int cls = 1; cls <= 3; cls += 2) {
            float R[8], hits = 0, rsum[4] = { 0 };
            double loss = 0;
            fns[f](2, 4, Z, 5, b, cls, R, 4, &loss, &hits, rsum);
            double want_loss = 0;
            for (size_t i = 0; i < 2; i++) {
                double u[4], den = 0, psum = 0, rrow = 0;
                for (size_t c = 0; c < 4; c++) {
                    u[c] = (double)Z[i * 5 + c] + b[c];
                    den += exp(u[c]);
                }
                for (size_t c = 0; c < 4; c++) {
                    const double p = exp(u[c]) / den, y = c == (size_t)cls;
                    ck_assert_msg(fabs(R[i * 4 + c] - (p - y)) <= tol[f],
                                  "fn %d cls %d R[%zu][%zu]: %.9g vs %.9g", f, cls, i, c,
                                  R[i * 4 + c], p - y);
                    psum += R[i * 4 + c] + y;
                    rrow += R[i * 4 + c];
                }
                ck_assert(fabs(psum - 1) <= 1e-6 && fabs(rrow) <= 1e-6);
                want_loss += -log(exp(u[cls]) / den);
            }
            ck_assert_msg(fabs(loss - want_loss) <= 1e-6 * want_loss,
                          "fn %d cls %d loss %.9g vs %.9g", f, cls, loss, want_loss);
            ck_assert_float_eq(hits, cls == 1 ? 1.0f : 0.0f);
            for (size_t c = 0; c < 4; c++)
                ck_assert_float_eq(rsum[c], R[c] + R[4 + c]);
        }
    }
}
END_TEST

/* Well-fitted rows keep their precision (kernels.h: precision of the links):
 * for the reference and each SIMD level, 128 rows whose logits agree with
 * their targets by 5 to 16 (losses and residuals from 7e-3 down to 1e-7),
 * on 24 columns (a 16-lane register and a masked half): every residual within
 * 1e-5 relative of p - y computed in double, and the loss sums, started from
 * 1000, grown by the rows' losses within 1e-5 relative.  A loss taken as
 * log1p(t) + z - z, a residual as q - 1, or a float sum from 1000 (its
 * spacing 6e-5) fails this by orders of magnitude. */
START_TEST(test_link_keeps_small_losses)
{
    enum { NR = 128, M = 24 };
    static float z[NR * M], r[NR * M];
    float b[M] = { 0 }, y[M], h[M], rs[M];
    double l[M];
    uint64_t s = 17;
    for (int k = 0; k < M; k++)
        y[k] = (float)(k & 1);
    for (int i = 0; i < NR * M; i++)
        z[i] = (y[i % M] > 0 ? 1.0f : -1.0f) * tu_uniform(&s, 5.0f, 16.0f);
    pl_link_fn fns[3] = { pl_link_ref, NULL, NULL };
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (simd_kernels(level, &k))
            fns[level - PL_SIMD_AVX2 + 1] = k.link;
    }
    for (int f = 0; f < 3; f++) {
        if (!fns[f])
            continue;
        for (int k = 0; k < M; k++) {
            l[k] = 1000.0;
            h[k] = rs[k] = 0.0f;
        }
        fns[f](NR, M, z, M, b, y, r, M, l, h, rs);
        for (int k = 0; k < M; k++) {
            double want = 0;
            for (int i = 0; i < NR; i++) {
                const double zz = z[i * M + k], t = exp(-fabs(zz)), p = zz >= 0 ? 1 / (1 + t)
                                                                               : t / (1 + t);
                const double rr = y[k] > 0 ? -t / (1 + t) : p;   /* p - y, no cancellation */
                want += log1p(t);
                ck_assert_msg(fabs(r[i * M + k] - rr) <= 1e-5 * fabs(rr),
                              "fn %d r[%d][%d] z %g: %.9g vs %.9g", f, i, k, zz, r[i * M + k], rr);
            }
            ck_assert_msg(fabs((l[k] - 1000.0) - want) <= 1e-5 * want,
                          "fn %d loss[%d]: %.12g vs %.12g", f, k, l[k] - 1000.0, want);
            ck_assert_float_eq(h[k], (float)NR);
        }
    }
}
END_TEST

/* The same for the softmax link: rows whose class leads every other output
 * by 6 to 16 (K = 3, 10, 16), the loss sums started from 1000 and the
 * residual of the class, -(sum of the others' exps) / s, within 1e-5
 * relative of double arithmetic; the other residuals as well. */
START_TEST(test_smlink_keeps_small_losses)
{
    enum { NR = 64 };
    static const size_t Ks[] = { 3, 10, 16 };
    pl_smlink_fn fns[3] = { pl_smlink_ref, NULL, NULL };
    for (int level = PL_SIMD_AVX2; level <= PL_SIMD_AVX512; level++) {
        pl_kernels k;
        if (simd_kernels(level, &k))
            fns[level - PL_SIMD_AVX2 + 1] = k.smlink;
    }
    for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
        const size_t K = Ks[ki];
        const int cls = (int)K / 2;
        float Z[NR * PL_SMAX_K], R[NR * PL_SMAX_K], b[PL_SMAX_K] = { 0 }, hits, rsum[PL_SMAX_K];
        uint64_t s = 23 + K;
        for (size_t i = 0; i < NR; i++)
            for (size_t c = 0; c < K; c++)
                Z[i * K + c] = (int)c == cls ? 3.0f : 3.0f - tu_uniform(&s, 6.0f, 16.0f);
        for (int f = 0; f < 3; f++) {
            if (!fns[f])
                continue;
            double loss = 1000.0, want = 0;
            hits = 0;
            memset(rsum, 0, sizeof rsum);
            fns[f](NR, K, Z, K, b, cls, R, K, &loss, &hits, rsum);
            for (size_t i = 0; i < NR; i++) {
                double s1 = 0;
                for (size_t c = 0; c < K; c++)
                    s1 += (int)c == cls ? 0.0 : exp((double)Z[i * K + c] - 3.0);
                want += log1p(s1);
                for (size_t c = 0; c < K; c++) {
                    const double rr = (int)c == cls ? -s1 / (1 + s1)
                                                    : exp((double)Z[i * K + c] - 3.0) / (1 + s1);
                    ck_assert_msg(fabs(R[i * K + c] - rr) <= 1e-5 * fabs(rr),
                                  "fn %d K %zu R[%zu][%zu]: %.9g vs %.9g", f, K, i, c,
                                  R[i * K + c], rr);
                }
            }
            ck_assert_msg(fabs((loss - 1000.0) - want) <= 1e-5 * want,
                          "fn %d K %zu loss: %.12g vs %.12g", f, K, loss - 1000.0, want);
            ck_assert_float_eq(hits, (float)NR);
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
    tcase_add_test(tc, test_link_keeps_small_losses);
    tcase_add_test(tc, test_vadd_matches_reference);
    tcase_add_test(tc, test_chain_pairs_alike_rows);
    tcase_add_test(tc, test_chain_is_the_nearest_neighbour_chain);
    suite_add_tcase(s, tc);
    TCase *sm = tcase_create("smlink");
    tcase_set_timeout(sm, 120);
    tcase_add_test(sm, test_smlink_reference_by_hand);
    tcase_add_test(sm, test_smlink_matches_reference);
    tcase_add_test(sm, test_smlink_ties_first_maximum);
    tcase_add_test(sm, test_smlink_extreme_values);
    tcase_add_test(sm, test_smlink_keeps_small_losses);
    suite_add_tcase(s, sm);
    return s;
}
