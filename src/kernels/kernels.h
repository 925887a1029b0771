/*
 * kernels.h - the table of compute kernels and how it is chosen.
 *
 * The engine never contains an intrinsic: it calls the two micro-kernels of a
 * pl_kernels table on register tiles of up to PL_MR rows of uint8 pixels.
 *   dot:  z[i]  = sum_j x[i][j] * w[j]          (the forward product)
 *   axpy: g[j] += sum_i r[i] * x[i][j]          (the backward product)
 * Pixels are raw 0..255 (the 1/255 scale is folded in by the caller); the link
 * between the two (sigmoid, loss) is the caller's, per row.
 *
 * ref.c holds the scalar twin of every kernel: the fallback, the test oracle,
 * and selectable at run time.  avx2.c and avx512.c are the only files built
 * with instruction-set flags.  dispatch.c fills the table once: reference
 * entries first, then overridden by the best level the CPU and the OS support
 * (CPUID + XGETBV), or by the level the caller (config or PARLOGIT_SIMD) forces.
 *
 * Within a call the summation order is fixed by (nr, dim) alone, so a row's
 * result depends only on where the fixed row blocks put it, never on threads.
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

typedef struct pl_kernels {
    int level;          /* enum pl_simd of the chosen set */
    const char *name;   /* "scalar", "avx2", "avx512"     */
    pl_dot_fn dot;      /* nr in 1..PL_MR                  */
    pl_axpy_fn axpy;    /* nr in 1..PL_MR                  */
} pl_kernels;

/* Reference (scalar) kernels, always available. */
void pl_dot_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

void pl_dot_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_avx2(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

void pl_dot_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z);
void pl_axpy_avx512(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g);

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
