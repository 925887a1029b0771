/*
 * logloss.c - the log-loss objective over fixed row blocks.  See logloss.h.
 *
 * One block: for each register tile of up to PL_MR rows (tiles never cross a
 * segment, so each has one target y) z = x.w (kernel dot); then the link of the
 * block's rows (sigmoid, loss, residual r: the kernel set's link, float and
 * vectorized, or the double reference with simd = scalar); then g += r.x
 * (kernel axpy) tile by tile.  The rows are read from memory once; the
 * backward finds the block (128 to 512 rows, 100 to 400 KB) in L2.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/logloss.h"

int pl_logloss_plan(pl_logloss *o, const pl_kernels *k, size_t dim, size_t maxrows,
                    pl_error *e)
{
    memset(o, 0, sizeof *o);
    o->k = k;
    o->ldg = (dim + 15) / 16 * 16;
    o->maxblocks = (maxrows + PL_BLOCK_ROWS - 1) / PL_BLOCK_ROWS;
    if (o->maxblocks == 0)
        o->maxblocks = 1;
    size_t gbytes = o->maxblocks * o->ldg * sizeof(float);
    o->gpart = aligned_alloc(64, gbytes);
    o->st = aligned_alloc(64, o->maxblocks * sizeof(pl_blockstat));
    o->gacc = aligned_alloc(64, o->ldg * sizeof(double));
    o->claim = pl_claim_alloc(o->maxblocks);
    if (!o->gpart || !o->st || !o->gacc || !o->claim) {
        pl_logloss_free(o);
        return pl_errorf(e, PL_ENOMEM, "out of memory for gradient scratch (%zu bytes)", gbytes);
    }
    return PL_OK;
}

void pl_logloss_set_view(pl_logloss *o, const pl_view *v)
{
    o->v = *v;
    if (!o->xr)
        return;
    /* cross-rank: the view's blocks cut among the ranks, and the bytes each
     * one's partials take (checked against 2 GiB by pl_dense_distribute) */
    const pl_xrank *x = o->xr;
    const size_t n = v->n, brows = pl_block_rows(n), nblocks = (n + brows - 1) / brows;
    pl_xrank_cuts(x, nblocks, NULL, o->xcut);
    o->rb0 = o->xcut[x->rank];
    o->rb1 = o->xcut[x->rank + 1];
    size_t *at_g = o->xcut + x->size + 1, *at_st = at_g + x->size + 1;
    for (int r = 0; r <= x->size; r++) {
        at_g[r] = o->xcut[r] * o->ldg * sizeof(float);
        at_st[r] = o->xcut[r] * sizeof(pl_blockstat);
    }
    pl_error ignored;
    (void)pl_xgather_set(x, &o->xg_g, at_g, &ignored);
    (void)pl_xgather_set(x, &o->xg_st, at_st, &ignored);
}

void pl_logloss_free(pl_logloss *o)
{
    free(o->gpart);
    free(o->st);
    free(o->gacc);
    free(o->claim);
    free(o->xcut);
    pl_xgather_free(&o->xg_g);
    pl_xgather_free(&o->xg_st);
    o->xcut = NULL;
    o->claim = NULL;
    o->gpart = NULL;
    o->st = NULL;
    o->gacc = NULL;
}

/* The next block's rows, asked for into L2 while this block is computed:
 * a slice after each register tile, in the forward and in the backward.
 * The hardware prefetchers stop at every 4 KiB page, so beyond the caches
 * every line needs a request; spread over the whole block instead of 64 rows
 * ahead in the forward only, they made two threads' passes 7 % faster. */
typedef struct pf_cursor {
    const uint8_t *p;    /* the next block's first row */
    size_t off, end;     /* bytes asked for so far, bytes to ask for */
    size_t step;         /* bytes per slice, a multiple of 64 */
} pf_cursor;

static pf_cursor pf_plan(const pl_view *v, size_t r0, size_t r1)
{
    pf_cursor c = { NULL, 0, 0, 0 };
    size_t base = 0;
    for (int s = 0; s < v->nseg; base += v->seg[s].n, s++)
        if (r1 < base + v->seg[s].n) {
            const size_t rows = r1 - r0, left = base + v->seg[s].n - r1;
            const size_t slices = 2 * ((rows + PL_MR - 1) / PL_MR);
            c.p = v->pix + (v->seg[s].row0 + (r1 - base)) * v->dim;
            c.end = (rows < left ? rows : left) * v->dim;
            c.step = ((c.end + slices - 1) / slices + 63) / 64 * 64;
            break;
        }
    return c;
}

static inline void pf_slice(pf_cursor *c)
{
    for (size_t q = 0; q < c->step && c->off < c->end; q += 64, c->off += 64)
        __builtin_prefetch(c->p + c->off, 0, 2);
}

/* Virtual rows [r0, r1) of the view, all segments in order: the forward of
 * every register tile, the link of all the block's rows at once (the kernel
 * set's vector link), then the backward of every tile, whose rows the forward
 * just brought into L1/L2. */
static void block(const pl_logloss *o, size_t r0, size_t r1, int prefetch, const float *w,
                  float b, float *g, pl_blockstat *st)
{
    const pl_view *v = &o->v;
    const size_t dim = v->dim;
    const float xs = 1.0f / (float)v->pixel_max;   /* 1.0f / 255.0f for MNIST */
    float z[PL_BLOCK_ROWS_MAX] = { 0 }, y[PL_BLOCK_ROWS_MAX] = { 0 }, bb[PL_BLOCK_ROWS_MAX] = { 0 };
    float r[PL_BLOCK_ROWS_MAX], hits[PL_BLOCK_ROWS_MAX];
    double loss[PL_BLOCK_ROWS_MAX];
    const uint8_t *tile[PL_BLOCK_ROWS_MAX];   /* first row of each tile */
    size_t tn[PL_BLOCK_ROWS_MAX], ntiles = 0, n = 0, base = 0;
    pf_cursor pf = { NULL, 0, 0, 0 };
    if (prefetch)
        pf = pf_plan(v, r0, r1);

    for (int s = 0; s < v->nseg; base += v->seg[s].n, s++) {
        size_t lo = r0 > base ? r0 - base : 0;
        size_t hi = r1 - base < v->seg[s].n ? r1 - base : v->seg[s].n;
        if (r1 <= base || lo >= hi)
            continue;
        const uint8_t *x = v->pix + (v->seg[s].row0 + lo) * dim;
        for (size_t i = lo; i < hi; i += PL_MR, x += PL_MR * dim) {
            size_t nr = hi - i < PL_MR ? hi - i : PL_MR;
            o->k->dot(x, dim, nr, dim, w, z + n);
            pf_slice(&pf);
            if (!g)   /* no backward: the forward asks for it all */
                pf_slice(&pf);
            for (size_t t = 0; t < nr; t++)
                y[n + t] = v->seg[s].y;
            tile[ntiles] = x;
            tn[ntiles++] = nr;
            n += nr;
        }
    }
    const size_t m = (n + 7) / 8 * 8;   /* the link works on multiples of 8 */
    for (size_t i = 0; i < m; i++) {
        if (i < n)
            z[i] *= xs;
        else
            z[i] = y[i] = 0.0f;
        bb[i] = b;
        loss[i] = 0.0;
        hits[i] = 0.0f;
    }
    o->k->link(1, m, z, m, bb, y, r, m, loss, hits, NULL);
    double rsum = 0, lsum = 0, hsum = 0;
    for (size_t i = 0; i < n; i++) {
        rsum += r[i];
        lsum += loss[i];
        hsum += hits[i];
    }
    if (g)
        for (size_t t = 0, i = 0; t < ntiles; i += tn[t], t++) {
            o->k->axpy(tile[t], dim, tn[t], dim, r + i, g);
            pf_slice(&pf);
        }
    st->rsum = rsum;
    st->loss = lsum;
    st->correct = (size_t)hsum;
}

void pl_logloss_eval(pl_logloss *o, int ith, int nth, const float *w, float b, float *gw,
                     pl_eval *out)
{
    const size_t n = o->v.n, dim = o->v.dim;
    const size_t brows = pl_block_rows(n), nblocks = (n + brows - 1) / brows;
    size_t b0, b1;
    /* this rank's blocks: all of them, or its window (cross-rank) */
    const size_t w0 = o->xr ? o->rb0 : 0, nw = o->xr ? o->rb1 - o->rb0 : nblocks;

    /* Phase 1: blocks, each into its own partial: this thread's share
     * first, then what the others have not claimed yet. */
    for (int q = 0; q < nth; q++) {
        size_t lo, hi, bk;
        pl_share(nw, 1, (ith + q) % nth, nth, &lo, &hi);
        lo += w0;
        hi += w0;
        while ((bk = pl_claim_take(o->claim, lo, hi)) != SIZE_MAX) {
            float *g = NULL;
            if (gw) {
                g = o->gpart + bk * o->ldg;
                memset(g, 0, dim * sizeof *g);
            }
            size_t r1 = (bk + 1) * brows;
            /* the next block is this thread's next only inside a share */
            block(o, bk * brows, r1 < n ? r1 : n, bk + 1 < hi, w, b, g, &o->st[bk]);
            o->st[bk].thread = ith;
        }
    }
    PL_BARRIER(o->solo);
    /* cross-rank (src/dist/xrank.h): every rank's partials to every rank,
     * copied, before the block-order sums below */
    if (o->xr) {
        if (ith == 0) {
            if (gw)
                pl_xgather_run(o->xr, &o->xg_g, o->gpart);
            pl_xgather_run(o->xr, &o->xg_st, o->st);
        }
        PL_BARRIER(o->solo);
    }
    pl_share(nw, 1, ith, nth, &b0, &b1);
    pl_claim_reset(o->claim, b0 + w0, b1 + w0);   /* the final barrier orders it before the next eval */

    /* Phase 2: partials summed in block order, each thread a pixel range.
     * Block-outer, pixel-inner: rows of the partials are read contiguously
     * (and vectorized); each pixel still sees the blocks in order. */
    if (gw) {
        size_t j0, j1;
        pl_share(dim, 16, ith, nth, &j0, &j1);
        double *acc = o->gacc;
        for (size_t j = j0; j < j1; j++)
            acc[j] = 0.0;
        for (size_t bk = 0; bk < nblocks; bk++) {
            const float *p = o->gpart + bk * o->ldg;
            for (size_t j = j0; j < j1; j++)
                acc[j] += (double)p[j];
        }
        const double scale = n ? 1.0 / ((double)o->v.pixel_max * (double)n) : 0.0;
        for (size_t j = j0; j < j1; j++)
            gw[j] = (float)(acc[j] * scale);
    }
    if (ith == 0) {
        double rsum = 0, loss = 0;
        size_t correct = 0;
        for (size_t bk = 0; bk < nblocks; bk++) {
            rsum += o->st[bk].rsum;
            loss += o->st[bk].loss;
            correct += o->st[bk].correct;
        }
        out->n = n;
        out->loss = n ? loss / (double)n : NAN;
        out->acc = n ? (double)correct / (double)n : NAN;
        out->gb = n ? rsum / (double)n : 0.0;
    }
    PL_BARRIER(o->solo);
}

/* The dense objective's operations (objective.h). */
static void dense_eval(pl_objective *o, int set, int grad, pl_eval *ev, int ith, int nth)
{
    pl_dense *d = (pl_dense *)o;
    pl_logloss_eval(&d->set[set], ith, nth, d->w, d->b, grad ? d->gw : NULL, ev);
    if (grad && ith == 0)
        d->gb = ev->gb;
}

static void dense_step(pl_objective *o, const double *lr, int ith, int nth)
{
    pl_dense *d = (pl_dense *)o;
    size_t j0, j1;
    pl_share(d->set[0].v.dim, 16, ith, nth, &j0, &j1);
    for (size_t k = j0; k < j1; k++)
        d->w[k] -= (float)(lr[0] * (double)d->gw[k]);
    if (ith == 0)
        d->b -= (float)(lr[0] * d->gb);
}

static void dense_reset(pl_objective *o, int ith, int nth)
{
    pl_dense *d = (pl_dense *)o;
    size_t j0, j1;
    pl_share(d->set[0].v.dim, 16, ith, nth, &j0, &j1);
    memset(d->w + j0, 0, (j1 - j0) * sizeof *d->w);
    if (ith == 0)
        d->b = 0.0f;
}

static void dense_get(pl_objective *o, size_t m, float *W, float *b, int ith, int nth)
{
    (void)m;
    pl_dense *d = (pl_dense *)o;
    size_t j0, j1;
    pl_share(d->set[0].v.dim, 16, ith, nth, &j0, &j1);
    memcpy(W + j0, d->w + j0, (j1 - j0) * sizeof *W);
    if (ith == 0)
        b[0] = d->b;
}

static void dense_set(pl_objective *o, size_t m, const float *W, const float *b, int ith,
                      int nth)
{
    (void)m;
    pl_dense *d = (pl_dense *)o;
    size_t j0, j1;
    pl_share(d->set[0].v.dim, 16, ith, nth, &j0, &j1);
    memcpy(d->w + j0, W + j0, (j1 - j0) * sizeof *W);
    if (ith == 0)
        d->b = b[0];
}

static void dense_grad(pl_objective *o, size_t m, float *G, double *gb, int ith, int nth)
{
    (void)m;
    pl_dense *d = (pl_dense *)o;
    size_t j0, j1;
    pl_share(d->set[0].v.dim, 16, ith, nth, &j0, &j1);
    memcpy(G + j0, d->gw + j0, (j1 - j0) * sizeof *G);
    if (ith == 0)
        gb[0] = d->gb;
}

/* One model: the solver stops at its halt, nothing to freeze. */
static void dense_halt(pl_objective *o, size_t m)
{
    (void)o;
    (void)m;
}

static const pl_objective_ops dense_ops = {
    .eval = dense_eval, .step = dense_step, .reset = dense_reset, .get = dense_get,
    .set = dense_set, .grad = dense_grad, .halt = dense_halt,
};

int pl_dense_plan(pl_dense *d, const pl_kernels *k, size_t dim, const size_t max[3], int solo,
                  pl_error *e)
{
    memset(d, 0, sizeof *d);
    d->base = (pl_objective){ .ops = &dense_ops, .nmodels = 1, .has_val = max[1] > 0,
                              .has_test = max[2] > 0, .solo = solo };
    const size_t ld = (dim + 15) / 16 * 16;
    d->w = aligned_alloc(64, ld * sizeof(float));
    d->gw = aligned_alloc(64, ld * sizeof(float));
    if (!d->w || !d->gw)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    for (int s = 0; s < 3; s++) {
        if (s > 0 && !max[s])
            continue;
        int rc = pl_logloss_plan(&d->set[s], k, dim, max[s], e);
        if (rc)
            return rc;
        d->set[s].solo = solo;
    }
    return PL_OK;
}

int pl_dense_distribute(pl_dense *d, const pl_xrank *xr, pl_error *e)
{
    for (int s = 0; s < 3; s++) {
        pl_logloss *o = &d->set[s];
        if (!o->gpart)
            continue;
        if (o->maxblocks * o->ldg * sizeof(float) > INT_MAX)
            return pl_errorf(e, PL_EINPUT, "the partial gradients exceed what one MPI "
                             "exchange carries (2 GiB)");
        o->xr = xr;
        o->xcut = malloc(3 * ((size_t)xr->size + 1) * sizeof *o->xcut);   /* cut, 2 x at */
        if (!o->xcut)
            return pl_errorf(e, PL_ENOMEM, "out of memory for the ranks' shares");
        int rc = pl_xgather_alloc(xr, &o->xg_g, e);
        if (!rc)
            rc = pl_xgather_alloc(xr, &o->xg_st, e);
        if (rc)
            return rc;
    }
    return PL_OK;
}

void pl_dense_set_task(pl_dense *d, pl_task t, const pl_dataset *train, const pl_dataset *val,
                       const pl_dataset *test)
{
    const pl_dataset *ds[3] = { train, val, test };
    for (int s = 0; s < 3; s++)
        if (ds[s] && (s == 0 || (s == 1 ? d->base.has_val : d->base.has_test))) {
            pl_view v;
            pl_view_make(ds[s], t, &v);
            pl_logloss_set_view(&d->set[s], &v);
        }
}

void pl_dense_free(pl_dense *d)
{
    for (int s = 0; s < 3; s++)
        pl_logloss_free(&d->set[s]);
    free(d->w);
    free(d->gw);
    d->w = d->gw = NULL;
}
