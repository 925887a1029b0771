/*
 * sparse.c - building the tiled index of non-zero pixels.  See sparse.h.
 *
 * The chain: each row's ink as a 256-bit signature (bit j * 256 / dim set
 * when pixel j is non-zero: cells of about 3 pixels on a 28 x 28 image);
 * from the window's first row, the next row is always the unused one most
 * like the last (Jaccard similarity of signatures, the first on ties).
 * O(window^2) popcounts, each step over the rows not yet chained only:
 * on 7,500 MNIST rows about 4 ms of CPU time, and 3 ms for the signatures
 * (perf, of a whole process's 150 ms on 2 threads).
 *
 * Then two passes over the pairs of rows' pixels (listed by nonzeros, without
 * a branch per pixel): the first counts each tile's entries and the pixels
 * of its pairs; after prefix sums the second fills each pair's pixels and
 * values.  Tiles are independent, so both passes are shared by the threads.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "train/sparse.h"
#include "util/clones.h"

_Static_assert(PL_TILE_ROWS <= 255, "a tile's row numbers and per-pixel counts are bytes");
_Static_assert(PL_CHAIN_ROWS <= 65536, "a chain window's row numbers are uint16_t");

enum { SIG_WORDS = 4 };   /* 256-bit ink signatures */

static inline int popcount4(const uint64_t *a, const uint64_t *b)
{
    int c = 0;
    for (int w = 0; w < SIG_WORDS; w++)
        c += __builtin_popcountll(a[w] & b[w]);
    return c;
}

/* The indices of x's non-zero bytes (or, with y, of x's or y's) into idx, in
 * order; returns their count.  Without branches on the pixels, which are
 * unpredictable (a digit's edge). */
static size_t nonzeros(const uint8_t *x, const uint8_t *y, size_t dim, uint16_t *idx)
{
    size_t n = 0;
    if (y)
        for (size_t j = 0; j < dim; j++) {
            idx[n] = (uint16_t)j;
            n += (x[j] | y[j]) != 0;
        }
    else
        for (size_t j = 0; j < dim; j++) {
            idx[n] = (uint16_t)j;
            n += x[j] != 0;
        }
    return n;
}

/* Row x's ink signature into g: bit cell[j] (= j 256 / dim) set for each
 * non-zero pixel j, eight pixels at a time, a blank eight skipped (most
 * are: the margins). */
static void signature(const uint8_t *x, size_t dim, const uint8_t *cell, uint64_t *g)
{
    memset(g, 0, SIG_WORDS * sizeof *g);
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        uint64_t w;
        memcpy(&w, x + j, sizeof w);
        if (!w)
            continue;
        for (size_t b = j; b < j + 8; b++)
            g[cell[b] / 64] |= (uint64_t)(x[b] != 0) << (cell[b] % 64);
    }
    for (; j < dim; j++)
        g[cell[j] / 64] |= (uint64_t)(x[j] != 0) << (cell[j] % 64);
}

/* Orders rows[0..n) (n <= PL_CHAIN_ROWS) into a nearest-neighbour chain;
 * sig, cnt and orig are scratch for n rows, cell each pixel's signature bit
 * (signature).  The rows not yet chained are kept packed at the front of
 * sig, cnt and orig (the one taken is replaced by the last), so each step
 * scans only those, without a branch per used row; a tie goes to the lowest
 * window index (orig), the first in window order, whatever their packed
 * order.  Cloned for CPUs with popcnt, which popcount4 then inlines. */
PL_CLONES("popcnt", "default") static void
chain_rows(const pl_dataset *d, size_t *rows, size_t n, uint64_t *sig, int *cnt,
           uint16_t *orig, size_t *tmp, const uint8_t *cell)
{
    const size_t dim = d->dim;
    if (n < 3)   /* nothing to choose */
        return;
    for (size_t i = 0; i < n; i++) {
        uint64_t *g = sig + i * SIG_WORDS;
        signature(d->pix + rows[i] * dim, dim, cell, g);
        cnt[i] = popcount4(g, g);
        orig[i] = (uint16_t)i;
    }
    uint64_t cs[SIG_WORDS];   /* the last row chained: its signature and count */
    size_t left = n, take = 0;
    for (size_t k = 0;; k++) {
        tmp[k] = rows[orig[take]];
        memcpy(cs, sig + take * SIG_WORDS, sizeof cs);
        const long cc = cnt[take];
        left--;   /* the last candidate into the taken one's place */
        memcpy(sig + take * SIG_WORDS, sig + left * SIG_WORDS, sizeof cs);
        cnt[take] = cnt[left];
        orig[take] = orig[left];
        if (left == 0)
            break;
        size_t best = 0;
        long bi = 0, bu = 1;   /* best similarity so far, bi / bu */
        unsigned bo = 0;       /* its window index */
        for (size_t i = 0; i < left; i++) {
            long in = popcount4(cs, sig + i * SIG_WORDS);
            long un = cc + cnt[i] - in;
            if (un == 0)   /* two blank rows are alike */
                in = un = 1;
            const long lhs = in * bu, rhs = bi * un;
            if (i == 0 || lhs > rhs || (lhs == rhs && orig[i] < bo)) {
                best = i;
                bi = in;
                bu = un;
                bo = orig[i];
            }
        }
        take = best;
    }
    memcpy(rows, tmp, n * sizeof *rows);
}

float *pl_tile_values(const pl_tiles *t, size_t ti, const pl_kernels *k, float *v)
{
    const pl_tile8 *s = &t->tile[ti];
    k->u8f(s->pval, 2 * (size_t)s->pptr[(s->nrows + 1) / 2], t->xs, v);
    return v;
}

void pl_tile_forward(const pl_tiles *t, size_t ti, const pl_kernels *k, const float *v,
                     const float *W, size_t ldw, size_t m, float *Z, size_t ldz)
{
    const pl_tile8 *s = &t->tile[ti];
    const size_t nrows = s->nrows;
    size_t r = 0, i = 0;
    for (; r + 2 < nrows; r += 4, i += 2) {
        const uint32_t a = s->pptr[i], b = s->pptr[i + 1], c = s->pptr[i + 2];
        k->spfwd2(s->pidx + a, v + 2 * (size_t)a, b - a, s->pidx + b, v + 2 * (size_t)b, c - b,
                  W, ldw, m, Z + r * ldz, ldz);
    }
    if (r < nrows) {
        const uint32_t a = s->pptr[i], b = s->pptr[i + 1];
        k->spfwd(s->pidx + a, v + 2 * (size_t)a, b - a, W, ldw, m, Z + r * ldz,
                 Z + (r + 1) * ldz);
    }
}

void pl_tile_backward(const pl_tiles *t, size_t ti, const pl_kernels *k, const float *v,
                      const float *R, size_t ldr, size_t m, float *G, size_t ldw)
{
    const pl_tile8 *s = &t->tile[ti];
    for (size_t i = 0, r = 0; r < s->nrows; i++, r += 2) {
        const uint32_t a = s->pptr[i], b = s->pptr[i + 1];
        const float *r0 = R + r * ldr, *r1 = r + 1 < s->nrows ? r0 + ldr : r0;
        k->spbwd(s->pidx + a, v + 2 * (size_t)a, b - a, r0, r1, m, G, ldw);
    }
}

void pl_tiles_free(pl_tiles *t)
{
    free(t->tile);
    free(t->order);
    free(t->first);
    free(t->pptr);
    free(t->pidx);
    free(t->pval);
    memset(t, 0, sizeof *t);
}

int pl_tiles_build(const pl_dataset *d, const size_t *r0, const size_t *n, size_t nranges,
                   int chain, int nthreads, pl_rows_fn done, void *done_ctx, pl_tiles *out,
                   pl_error *e)
{
    memset(out, 0, sizeof *out);
    const size_t dim = d->dim;
    out->xs = 1.0f / (float)pl_pixel_max(d->pixel_max);   /* 1.0f / 255.0f for MNIST */
    if (dim > 65536)
        return pl_errorf(e, PL_EINPUT, "images of %zu pixels: the sparse index holds at most 65536",
                         dim);
    for (size_t i = 0; i < nranges; i++) {
        out->ntiles += pl_tiles_in(n[i]);
        out->rows += n[i];
    }
    const size_t nt = out->ntiles;
    out->tile = calloc(nt ? nt : 1, sizeof *out->tile);
    out->first = calloc(nt ? nt : 1, sizeof *out->first);
    out->order = malloc((out->rows ? out->rows : 1) * sizeof *out->order);
    /* each tile's first pair pixel, entry (non-zero of a row) and pair */
    size_t *pixoff = calloc(nt + 1, sizeof *pixoff), *entoff = calloc(nt + 1, sizeof *entoff);
    size_t *pairoff = calloc(nt + 1, sizeof *pairoff);
    size_t *win = malloc((nranges ? nranges : 1) * sizeof *win);   /* each range's first row */
    size_t *trange = malloc((nt ? nt : 1) * sizeof *trange);       /* each tile's range */
    size_t *left = malloc((nranges ? nranges : 1) * sizeof *left); /* tiles not yet filled */
    int rc = PL_OK;
    if (!out->tile || !out->first || !out->order || !pixoff || !entoff || !pairoff || !win ||
        !trange || !left) {
        free(win);
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index");
        goto done;
    }
    for (size_t i = 0, t = 0, at = 0; i < nranges; i++) {
        win[i] = at;
        left[i] = pl_tiles_in(n[i]);
        for (size_t r = 0; r < n[i]; r++)
            out->order[at + r] = r0[i] + r;
        for (size_t r = 0; r < n[i]; r += PL_TILE_ROWS, t++) {
            out->first[t] = at + r;
            out->tile[t].nrows = n[i] - r < PL_TILE_ROWS ? n[i] - r : PL_TILE_ROWS;
            trange[t] = i;
        }
        at += n[i];
    }

    int failed = 0;
    if (chain) {   /* each range in windows of PL_CHAIN_ROWS rows */
#pragma omp parallel num_threads(nthreads)
        {
            uint64_t *sig = malloc(PL_CHAIN_ROWS * SIG_WORDS * sizeof *sig);
            int *cnt = malloc(PL_CHAIN_ROWS * sizeof *cnt);
            uint16_t *orig = malloc(PL_CHAIN_ROWS * sizeof *orig);
            size_t *tmp = malloc(PL_CHAIN_ROWS * sizeof *tmp);
            uint8_t *cell = malloc(dim ? dim : 1);   /* each pixel's signature bit */
            for (size_t j = 0; cell && j < dim; j++)
                cell[j] = (uint8_t)(j * 64 * SIG_WORDS / dim);
            if (!sig || !cnt || !orig || !tmp || !cell) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp for schedule(dynamic)
            for (size_t i = 0; i < nranges; i++)
                for (size_t r = 0; sig && cnt && orig && tmp && cell && r < n[i]; r += PL_CHAIN_ROWS)
                    chain_rows(d, out->order + win[i] + r,
                               n[i] - r < PL_CHAIN_ROWS ? n[i] - r : PL_CHAIN_ROWS, sig, cnt,
                               orig, tmp, cell);
            free(cell);
            free(sig);
            free(cnt);
            free(orig);
            free(tmp);
        }
    }
    free(win);
    if (failed) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index");
        goto done;
    }

    /* Pass 1: each tile's entries and its pairs' pixels. */
#pragma omp parallel num_threads(nthreads)
    {
        uint16_t *idx = malloc(dim * sizeof *idx);
        if (!idx) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (size_t t = 0; t < nt; t++) {
            const size_t *rows = out->order + out->first[t];
            const size_t nr = out->tile[t].nrows;
            size_t ent = 0, pu = 0;
            for (size_t r = 0; idx && r < nr; r += 2) {
                const uint8_t *a = d->pix + rows[r] * dim;
                const uint8_t *b = r + 1 < nr ? d->pix + rows[r + 1] * dim : NULL;
                ent += d->nnz ? d->nnz[rows[r]] : pl_row_nnz(a, dim);
                if (b)
                    ent += d->nnz ? d->nnz[rows[r + 1]] : pl_row_nnz(b, dim);
                pu += nonzeros(a, b, dim, idx);
            }
            entoff[t + 1] = ent;
            pixoff[t + 1] = pu;
        }
        free(idx);
    }
    if (failed) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index");
        goto done;
    }
    for (size_t t = 0; t < nt; t++) {
        out->maxtile = pixoff[t + 1] > out->maxtile ? pixoff[t + 1] : out->maxtile;
        pixoff[t + 1] += pixoff[t];
        entoff[t + 1] += entoff[t];
        pairoff[t + 1] = pairoff[t] + (out->tile[t].nrows + 1) / 2;
    }
    out->nnz = entoff[nt];
    if (pixoff[nt] >= UINT32_MAX) {
        rc = pl_errorf(e, PL_EINPUT, "%zu pixels in pairs of rows: the sparse index holds fewer "
                       "than 2^32", pixoff[nt]);
        goto done;
    }
    out->pptr = malloc((pairoff[nt] + nt + 1) * sizeof *out->pptr);
    out->pidx = malloc((pixoff[nt] ? pixoff[nt] : 1) * sizeof *out->pidx);
    out->pval = malloc((pixoff[nt] ? 2 * pixoff[nt] : 2) * sizeof *out->pval);
    if (!out->pptr || !out->pidx || !out->pval) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index (%zu non-zeros)",
                       out->nnz);
        goto done;
    }

    /* Pass 2: each pair's pixels (non-zero in either row) and both values. */
#pragma omp parallel num_threads(nthreads)
    {
        uint16_t *idx = malloc(dim * sizeof *idx);
        if (!idx) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (size_t t = 0; t < nt; t++) {
            if (!idx)
                continue;
            pl_tile8 *tl = &out->tile[t];
            const size_t *rows = out->order + out->first[t];
            uint16_t *pidx = out->pidx + pixoff[t];
            uint8_t *pval = out->pval + 2 * pixoff[t];
            uint32_t *pptr = out->pptr + pairoff[t] + t, q = 0;   /* from the tile's first */
            for (size_t r = 0, i = 0; r < tl->nrows; r += 2, i++) {
                const uint8_t *a = d->pix + rows[r] * dim;
                const uint8_t *b = r + 1 < tl->nrows ? d->pix + rows[r + 1] * dim : NULL;
                pptr[i] = q;
                for (size_t k = 0, nz = nonzeros(a, b, dim, idx); k < nz; k++, q++) {
                    const size_t j = idx[k];
                    pidx[q] = (uint16_t)j;
                    pval[2 * q] = a[j];
                    pval[2 * q + 1] = b ? b[j] : 0;
                }
            }
            pptr[(tl->nrows + 1) / 2] = q;
            if (done) {   /* the range's last tile: its rows are read no more */
                size_t l;
#pragma omp atomic capture
                l = --left[trange[t]];
                if (l == 0)
                    done(done_ctx, r0[trange[t]], n[trange[t]]);
            }
            tl->pptr = pptr;
            tl->pidx = pidx;
            tl->pval = pval;
        }
        free(idx);
    }
    if (failed)
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sparse index");
    for (size_t t = 0; !rc && t < nt; t++)
        for (size_t i = 0; i < (out->tile[t].nrows + 1) / 2; i++) {
            const size_t np = out->tile[t].pptr[i + 1] - out->tile[t].pptr[i];
            out->maxpair = np > out->maxpair ? np : out->maxpair;
        }
done:
    free(trange);
    free(left);
    free(pixoff);
    free(entoff);
    free(pairoff);
    if (rc)
        pl_tiles_free(out);
    return rc;
}
