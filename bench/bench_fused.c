/*
 * bench_fused.c - the fused sweep's products on one core, against peak FMA:
 * the dense kernels (dfwd, dbwd: rows already converted to float, weights
 * and gradient of 40 model columns in L2, as in the default sweep) and the
 * sparse ones (pl_tile_forward: spfwd2 on two pairs of rows at a time;
 * pl_tile_backward: spbwd a pair of rows at a time; each after the tile's
 * values are made floats, as the sweep does) over MNIST's digit 3.
 *
 * GFLOP/s counts 2 flops per multiply-add actually done: for the sparse
 * kernels, over the union of each pair's pixels (both rows' values, a 0
 * where one row has no ink).  Output: a table and "fused key=value" lines.
 *
 * usage: bench_fused [CEILINGS_FILE]   (env BENCH_SIMD limits the levels;
 *        BENCH_M, a multiple of 8 up to 128, sets the model columns: 40 by
 *        default, 16 is one ten-class softmax)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceiling.h"
#include "kernels/kernels.h"
#include "parlogit/config.h"
#include "parlogit/dataset.h"
#include "train/sparse.h"

/* Best of 5 of fn(arg), seconds. */
static double best_of(void (*fn)(void *), void *arg)
{
    double best = INFINITY;
    fn(arg);
    for (int r = 0; r < 5; r++) {
        double t0 = ceil_now();
        fn(arg);
        double t = ceil_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

enum { DIM = PL_PIXELS, M_MAX = 128, REPS = 400 };
static size_t M = 40;   /* model columns (BENCH_M) */

struct job {
    const pl_kernels *k;
    const pl_tiles *t;
    float *X, *W, *G, *Z, *R;
    float *scratch;   /* a tile's values as floats (pl_tile_values), as in the sweep */
};

static void dense_fwd(void *a)
{
    struct job *j = a;
    for (int r = 0; r < REPS; r++)
        for (size_t i = 0; i < PL_DTILE; i += PL_DMR)
            j->k->dfwd(j->X + i * DIM, DIM, PL_DMR, DIM, j->W, M, M, j->Z + i * M, M);
}

static void dense_bwd(void *a)
{
    struct job *j = a;
    for (int r = 0; r < REPS; r++)
        j->k->dbwd(j->X, DIM, PL_DTILE, DIM, j->R, M, M, j->G, M);
}

static void sparse_fwd(void *a)
{
    struct job *j = a;
    for (int r = 0; r < REPS / 100; r++)
        for (size_t ti = 0; ti < j->t->ntiles; ti++)
            pl_tile_forward(j->t, ti, j->k, pl_tile_values(j->t, ti, j->k, j->scratch), j->W, M,
                            M, j->Z, M);
}

static void sparse_bwd(void *a)
{
    struct job *j = a;
    for (int r = 0; r < REPS / 100; r++)
        for (size_t ti = 0; ti < j->t->ntiles; ti++)
            pl_tile_backward(j->t, ti, j->k, pl_tile_values(j->t, ti, j->k, j->scratch), j->R, M,
                             M, j->G, M);
}

int main(int argc, char **argv)
{
    ceil_file_read(argc > 1 ? argv[1] : "build/bench/ceilings.txt");   /* missing: NAN peaks */
    const char *mc = getenv("BENCH_M");
    if (mc && *mc) {
        char *end;
        const long v = strtol(mc, &end, 10);
        if (*end || v < 8 || v > M_MAX || v % 8) {
            fprintf(stderr, "bench_fused: BENCH_M=%s: expected a multiple of 8 from 8 to %d\n",
                    mc, M_MAX);
            return 2;
        }
        M = (size_t)v;
    }
    pl_raw raw;
    pl_error e;
    if (pl_idx_load("data/mnist/t10k-images-idx3-ubyte.gz", "data/mnist/t10k-labels-idx1-ubyte.gz",
                    &raw, &e)) {
        fprintf(stderr, "bench_fused: %s (run `make data` first)\n", e.msg);
        return 1;
    }
    pl_dataset d;
    if (pl_dataset_build(&raw, NULL, 8000, 1, &d, &e))
        return 1;
    pl_raw_free(&raw);
    size_t r0 = d.start[3], n = d.start[4] - d.start[3];
    pl_tiles t;
    if (pl_tiles_build(&d, &r0, &n, 1, 1, 1, NULL, NULL, &t, &e)) {
        fprintf(stderr, "bench_fused: %s\n", e.msg);
        return 1;
    }
    size_t pairs_union = 0;
    for (size_t ti = 0; ti < t.ntiles; ti++)
        pairs_union += t.tile[ti].pptr[(t.tile[ti].nrows + 1) / 2];

    struct job j = { .t = &t };
    j.scratch = malloc((pl_tiles_scratch(&t) + 1) * sizeof(float));
    j.X = aligned_alloc(64, PL_DTILE * DIM * sizeof(float));
    j.W = aligned_alloc(64, DIM * M * sizeof(float));
    j.G = aligned_alloc(64, DIM * M * sizeof(float));
    j.Z = aligned_alloc(64, PL_TILE_ROWS * M * sizeof(float));
    j.R = aligned_alloc(64, PL_TILE_ROWS * M * sizeof(float));
    if (!j.scratch || !j.X || !j.W || !j.G || !j.Z || !j.R) {
        fprintf(stderr, "bench_fused: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < PL_DTILE * DIM; i++)
        j.X[i] = (float)(i % 251) / 255.0f;
    for (size_t i = 0; i < DIM * M; i++) {
        j.W[i] = 0.001f * (float)(i % 13) - 0.006f;
        j.G[i] = 0.0f;
    }
    for (size_t i = 0; i < PL_TILE_ROWS * M; i++)
        j.R[i] = 0.01f * (float)(i % 7) - 0.03f;

    printf("fused products, 1 core, %zu model columns; sparse: digit 3 of MNIST (%zu rows, %zu "
           "non-zeros, %zu pair pixels)\n", M, n, t.nnz, pairs_union);
    printf("%-8s %10s %10s %10s %10s   (GFLOP/s, %% of peak FMA)\n", "kernels", "dense fwd",
           "dense bwd", "sparse fwd", "sparse bwd");
    const char *levels[] = { "scalar", "avx2", "avx512" };
    const char *only = getenv("BENCH_SIMD");
    for (int l = 0; l < 3; l++) {
        int level = pl_simd_parse(levels[l]);
        if (!pl_simd_supported(level) || (only && strcmp(only, levels[l])))
            continue;
        pl_kernels k;
        pl_kernels_select(level, &k, &e);
        j.k = &k;
        const double dflop = 2.0 * PL_DTILE * DIM * M * REPS;
        const double sf = 2.0 * 2.0 * (double)pairs_union * M * (REPS / 100);
        const double sb = sf;
        double g[4] = { dflop / best_of(dense_fwd, &j) * 1e-9, dflop / best_of(dense_bwd, &j) * 1e-9,
                        sf / best_of(sparse_fwd, &j) * 1e-9, sb / best_of(sparse_bwd, &j) * 1e-9 };
        char name[48];
        snprintf(name, sizeof name, "fma_peak_%s", level == PL_SIMD_SCALAR ? "avx2" : levels[l]);
        const double pk = ceil_file_value(name, 1);
        printf("%-8s", levels[l]);
        for (int q = 0; q < 4; q++)
            printf(" %5.1f (%2.0f%%)", g[q], 100 * g[q] / pk);
        printf("\n");
        printf("fused simd=%s m=%zu dense_fwd=%.2f dense_bwd=%.2f sparse_fwd=%.2f sparse_bwd=%.2f "
               "peak=%.2f\n", levels[l], M, g[0], g[1], g[2], g[3], pk);
    }
    free(j.scratch);
    free(j.X);
    free(j.W);
    free(j.G);
    free(j.Z);
    free(j.R);
    pl_tiles_free(&t);
    pl_dataset_free(&d);
    return 0;
}
