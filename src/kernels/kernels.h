/*
 * kernels.h - the table of compute kernels and how it is chosen.
 *
 * The engine never contains an intrinsic: it calls the two micro-kernels of a
 * pl_kernels table on register tiles of up to PL_MR rows of uint8 pixels.
 *   dot:  z[i]  = sum_j x[i][j] * w[j]          (the forward product)
 *   axpy: g[j] += sum_i r[i] * x[i][j]          (the backward product)
 * Pixels are raw 0..pixel_max (the 1/pixel_max scale is the caller's); the link
 * between the two (sigmoid, loss) is the caller's, per row.
 *
 * The fused sweep (many models per pass) has its own kernels.  Weights are
 * stored model-minor (row j holds every model's weight of pixel j side by
 * side, ldw floats apart; m columns, m a multiple of PL_MCOLS).  Rows come in
 * tiles of up to PL_TILE_ROWS rows stored by pairs of rows (train/sparse.h:
 * each pair's pixels non-zero in either row, with both rows' values, scaled
 * by 1/pixel_max: the index keeps bytes, and u8f makes a tile's floats into
 * the thread's scratch once a pass), so each weight row the forward loads
 * from L2, and each gradient row the backward updates, serves both rows:
 *   spfwd: z0[k] = sum over the pair's pixels (j, v0, v1) of v0 * W[j][k],
 *          z1[k] the same with v1                                   (forward)
 *   spfwd2: two pairs, in step (narrow batches; the same bits as spfwd)
 *   link:  for each row i of a tile, r[i][k] = sigmoid(z[i][k] + b[k]) - y[k]
 *          (targets y[k] in {0, 1});
 *          loss[k] += its log-loss, hits[k] += 1 when the prediction
 *          (z + b > 0) matches y, rsum[k] += r[i][k]; rows in order, so the
 *          sums are those of one row at a time (R may overwrite Z)
 *   smlink: the softmax twin of link for one K-output model (K <= 16): per row
 *          r = softmax(z + b) - onehot(cls), loss += its cross-entropy,
 *          hits += 1 when the first maximum is cls, rsum += r
 *   spbwd: G[j][k] += v0 * r0[k] + v1 * r1[k] over the pair's pixels
 *          (j, v0, v1), r0 and r1 the two rows' residuals           (backward)
 * On dense data the fused sweep uses register-tiled dense products instead,
 * on rows converted to float once (u8f) and shared by every model:
 *   dfwd:  Z[i][k]  = sum_j X[i][j] * W[j][k]      (up to PL_DMR rows)
 *   dbwd:  G[j][k] += sum_i X[i][j] * R[i][k]      (up to PL_DTILE rows)
 * and one for the block reduction:
 *   vadd:  dst[i] += src[i]
 *
 * ref.c holds the scalar twin of every kernel: the fallback, the test oracle,
 * and selectable at run time.  avx2.c and avx512.c are the only files built
 * with instruction-set flags.  dispatch.c fills the table once: reference
 * entries first, then overridden by the best level the CPU and the OS support
 * (CPUID + XGETBV), or by the level the caller (config or PARLOGIT_SIMD) forces.
 *
 * Within a call the summation order is fixed by (nr, dim) alone, so a row's
 * result depends only on where the fixed row blocks put it, never on threads.
 *
 * Precision of the links.  A row's loss and residual are float, but neither
 * is taken as a difference of nearly equal numbers: the log-loss is
 * log1p(exp(-|z|)) + max(+-z, 0), the residual of a row whose target is 1 is
 * -(1 - p) with 1 - p formed directly, and the softmax's log-sum is
 * log1p of the sum without the maximum's exp (which is 1), so a well-fitted
 * row's tiny loss and residual keep float's relative precision.  The loss
 * sums are double: a float sum over a block's 512 rows loses about 1e-6 of
 * the total, and the line searches of L-BFGS compare objective values that
 * differ by less than that near the optimum.
 */
#ifndef PARLOGIT_KERNELS_H
#define PARLOGIT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/error.h"

#define PL_MR 4   /* rows per register tile */

typedef void (*pl_dot_fn)(const uint8_t *x, size_t ldx, size_t nr, size_t dim,
                          const float *w, float *z);
typedef void (*pl_axpy_fn)(const uint8_t *x, size_t ldx, size_t nr, size_t dim,
                           const float *r, float *g);

#define PL_TILE_ROWS 128


/* A pair of rows' n pixels: idx[t] the t-th pixel non-zero in either row,
 * v2[2t] and v2[2t + 1] its value / pixel_max in each (0 where the row has
 * no ink there, or for the second of an odd tile's last row, none);
 * z0[0..m), z1[0..m) overwritten. */
typedef void (*pl_spfwd_fn)(const uint16_t *idx, const float *v2, size_t n, const float *W,
                            size_t ldw, size_t m, float *z0, float *z1);
/* Two pairs at once, each exactly as spfwd computes it (the same bits): pair
 * a (ia, va, na) into Z's rows 0 and 1, pair b (ib, vb, nb) into rows 2 and
 * 3 (rows ldz apart), m columns.  At m <= 16 one pair alone is two chains of
 * dependent FMAs, one register wide, and runs at the FMA's latency: there
 * the two pairs go in step, four chains; wider, one after the other (a
 * pair's own registers are chains enough). */
typedef void (*pl_spfwd2_fn)(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                             const float *vb, size_t nb, const float *W, size_t ldw, size_t m,
                             float *Z, size_t ldz);
/* The backward of a pair of rows (spfwd's idx, v2, n) with residual rows r0
 * and r1 (m columns; r1 may be r0 where v2's second values are all 0): for
 * each t in order, G[idx[t]][k] = fma(v2[2t + 1], r1[k], fma(v2[2t], r0[k],
 * G[idx[t]][k])) (scalar: two multiply-adds), column by column alike for any
 * m (a column's bits do not depend on its neighbours). */
typedef void (*pl_spbwd_fn)(const uint16_t *idx, const float *v2, size_t n, const float *r0,
                            const float *r1, size_t m, float *G, size_t ldw);
/* nr rows of m columns (m a multiple of 8): Z ldz apart, R ldr apart (R == Z
 * with ldr == ldz allowed); rsum may be NULL. */
typedef void (*pl_link_fn)(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,
                           const float *y, float *R, size_t ldr, double *loss, float *hits,
                           float *rsum);
#define PL_SMAX_K 16   /* most outputs a softmax link handles */
/* Softmax link of one model's K outputs (1 <= K <= PL_SMAX_K) on nr rows whose
 * class is cls (0 <= cls < K, the same for every row of the call):
 * for each row i, in order: u_k = Z[i*ldz + k] + b[k]; p = softmax(u), computed
 * stably (the row's maximum subtracted before exp); R[i*ldr + k] = p_k - (k == cls);
 * loss[0] += log(sum_k exp(u_k)) - u_cls  (>= 0, finite for any finite u);
 * hits[0] += 1 when the first index of the maximum of u is cls, else 0;
 * rsum[k] += R[i*ldr + k] when rsum != NULL.
 * Z and R rows may start at any float offset (no alignment); R may be Z
 * (ldr == ldz).  Only columns [0, K) of each row are read or written. */
typedef void (*pl_smlink_fn)(size_t nr, size_t K, const float *Z, size_t ldz,
                             const float *b, int cls, float *R, size_t ldr,
                             double *loss, float *hits, float *rsum);
typedef void (*pl_vadd_fn)(float *dst, const float *src, size_t n);

#define PL_DMR 4      /* rows per dense forward call  */
#define PL_DTILE 16    /* rows per dense backward call */

/* out[j] = x[j] * s for j < n (s = 1/pixel_max: 1.0f / 255.0f for MNIST). */
typedef void (*pl_u8f_fn)(const uint8_t *x, size_t n, float s, float *out);
/* X: nr rows of dim floats, ldx apart; Z: nr rows, ldz apart; m a multiple of 8. */
typedef void (*pl_dfwd_fn)(const float *X, size_t ldx, size_t nr, size_t dim, const float *W,
                           size_t ldw, size_t m, float *Z, size_t ldz);
/* R: nr rows, ldr apart. */
typedef void (*pl_dbwd_fn)(const float *X, size_t ldx, size_t nr, size_t dim, const float *R,
                           size_t ldr, size_t m, float *G, size_t ldw);

#define PL_MCOLS 8    /* fused column counts are multiples of this */

typedef struct pl_kernels {
    int level;          /* enum pl_simd of the chosen set */
    const char *name;   /* "scalar", "avx2", "avx512"     */
    pl_dot_fn dot;      /* nr in 1..PL_MR                  */
    pl_axpy_fn axpy;    /* nr in 1..PL_MR                  */
    pl_spfwd_fn spfwd;
    pl_spfwd2_fn spfwd2;
    pl_spbwd_fn spbwd;
    pl_link_fn link;
    pl_smlink_fn smlink;
    pl_vadd_fn vadd;
    pl_u8f_fn u8f;
    pl_dfwd_fn dfwd;
    pl_dbwd_fn dbwd;
} pl_kernels;

/* Reference (scalar) kernels, always available. */
void pl_dot_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

void pl_dot_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

void pl_dot_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

#define PL_KERNEL_SET(isa)                                                              \
    void pl_spfwd_##isa(const uint16_t *idx, const float *v2, size_t n, const float *W,       \
                        size_t ldw, size_t m, float *z0, float *z1);                          \
    void pl_spfwd2_##isa(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,  \
                         const float *vb, size_t nb, const float *W, size_t ldw, size_t m,    \
                         float *Z, size_t ldz);                                               \
    void pl_spbwd_##isa(const uint16_t *idx, const float *v2, size_t n, const float *r0,      \
                        const float *r1, size_t m, float *G, size_t ldw);                     \
    void pl_link_##isa(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,       \
                       const float *y, float *R, size_t ldr, double *loss, float *hits,       \
                       float *rsum);                                                          \
    void pl_vadd_##isa(float *dst, const float *src, size_t n);                               \
    void pl_u8f_##isa(const uint8_t *x, size_t n, float s, float *out);                       \
    void pl_dfwd_##isa(const float *X, size_t ldx, size_t nr, size_t dim, const float *W,     \
                       size_t ldw, size_t m, float *Z, size_t ldz);                           \
    void pl_dbwd_##isa(const float *X, size_t ldx, size_t nr, size_t dim, const float *R,     \
                       size_t ldr, size_t m, float *G, size_t ldw);
PL_KERNEL_SET(ref)
PL_KERNEL_SET(avx2)
#undef PL_KERNEL_SET
/* AVX-512: the products, the link (a last half register masked) and u8f. */
void pl_link_avx512(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,
                    const float *y, float *R, size_t ldr, double *loss, float *hits, float *rsum);
void pl_dfwd_avx512(const float *X, size_t ldx, size_t nr, size_t dim, const float *W,
                    size_t ldw, size_t m, float *Z, size_t ldz);
void pl_dbwd_avx512(const float *X, size_t ldx, size_t nr, size_t dim, const float *R,
                    size_t ldr, size_t m, float *G, size_t ldw);
void pl_spfwd_avx512(const uint16_t *idx, const float *v2, size_t n, const float *W,
                     size_t ldw, size_t m, float *z0, float *z1);
void pl_spfwd2_avx512(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                      const float *vb, size_t nb, const float *W, size_t ldw, size_t m, float *Z,
                      size_t ldz);
void pl_spbwd_avx512(const uint16_t *idx, const float *v2, size_t n, const float *r0,
                     const float *r1, size_t m, float *G, size_t ldw);
void pl_u8f_avx512(const uint8_t *x, size_t n, float s, float *out);

/* The softmax link: the double reference and one per instruction set. */
void pl_smlink_ref(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                   float *R, size_t ldr, double *loss, float *hits, float *rsum);
void pl_smlink_avx2(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                    float *R, size_t ldr, double *loss, float *hits, float *rsum);
void pl_smlink_avx512(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                      float *R, size_t ldr, double *loss, float *hits, float *rsum);

/* The best enum pl_simd level this CPU and OS support. */
int pl_simd_best(void);

/* Whether a level (enum pl_simd, not AUTO) is supported here. */
int pl_simd_supported(int level);

/* Name of a level: "auto", "scalar", "avx2", "avx512". */
const char *pl_simd_name(int level);

/* Parses a level name; returns -1 if unknown. */
int pl_simd_parse(const char *s);

/*
 * Fills *k for the requested level (enum pl_simd).  PL_SIMD_AUTO picks the best
 * supported one.  The environment variable PARLOGIT_SIMD, when set and
 * non-empty, overrides the request; an unknown value or an unsupported level is
 * a PL_EINPUT error, never a silent fallback.
 */
int pl_kernels_select(int level, pl_kernels *k, pl_error *e);

#endif
