/*
 * fused.c - the fused sweep: planning the digit groups and blocks, the pass,
 * the reduction and the checkpointed gradient descent.  See fused.h.
 *
 * Per iteration: the pass (each thread its share of the blocks by their
 * work, then what is left of the others' shares, pl_claim; each block into
 * its own partial gradient, loss, hits and residual sums; barrier; thread 0
 * sums each model's loss, hits and residuals in block order; barrier), then
 * the update (each thread a range of pixels: the digits' block partials
 * summed in block order, each model's copies combined in digit order, the
 * step written to every copy; thread 0 the biases; barrier).  Nothing is
 * allocated in the loop.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/fused.h"

_Static_assert(PL_DTILE <= PL_TILE_ROWS, "dense tiles use the sparse tiles' z and r buffers");

static int task_uses(pl_task t, int c)
{
    return t.pos == c || t.neg == c || t.neg == PL_REST;
}

static void *zalloc(size_t bytes)
{
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* A block's work: its non-zero pixels times its columns (digits differ: a 1
 * has half the ink of a 0), plus the link of each row. */
static double block_work(const pl_fused *f, const pl_fset *s, size_t k)
{
    const pl_fblock *B = &s->blk[k];
    if (f->dense)
        return (double)B->n * ((double)f->dim + 1.0) * (double)f->grp[B->g].ldw;
    const pl_tile *t0 = &s->tiles.tile[B->tile0], *t1 = &s->tiles.tile[B->tile0 + B->ntile - 1];
    const double nnz = (double)(t1->ptr[t1->npix] - t0->ptr[0]);
    return (nnz + (double)B->n) * (double)f->grp[B->g].ldw;
}

/* s->cut: each thread's own blocks, contiguous, cut where the running work
 * crosses i/nth of the total (a block goes where its middle is). */
static void share_blocks(const pl_fused *f, pl_fset *s, int nth)
{
    double total = 0, at = 0;
    for (size_t k = 0; k < s->nblk; k++)
        total += block_work(f, s, k);
    s->cut[0] = 0;
    size_t k = 0;
    for (int i = 1; i <= nth; i++) {
        const double hi = total * i / nth;
        while (k < s->nblk && (i == nth || at + block_work(f, s, k) / 2 < hi))
            at += block_work(f, s, k++);
        s->cut[i] = k;
    }
}

static int fset_plan(pl_fused *f, pl_fset *s, const pl_dataset *d, int grad, int nthreads,
                     const pl_config *cfg, pl_error *e)
{
    memset(s, 0, sizeof *s);
    if (!d || d->n == 0)
        return PL_OK;
    s->d = d;
    for (int c = 0; c < PL_CLASSES; c++)
        if (f->grp[c].m)
            s->nblk += (d->start[c + 1] - d->start[c] + PL_FBLOCK_ROWS - 1) / PL_FBLOCK_ROWS;
    s->blk = calloc(s->nblk ? s->nblk : 1, sizeof *s->blk);
    s->rows = calloc(f->njobs, sizeof *s->rows);
    size_t *r0 = calloc(s->nblk ? s->nblk : 1, sizeof *r0);
    size_t *rn = calloc(s->nblk ? s->nblk : 1, sizeof *rn);
    if (!s->blk || !s->rows || !r0 || !rn) {
        free(r0);
        free(rn);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the sweep plan");
    }
    size_t nb = 0, goff = 0, tile = 0;
    for (int c = 0; c < PL_CLASSES; c++) {
        if (!f->grp[c].m)
            continue;
        if (grad)
            f->grp[c].blk0 = nb;
        for (size_t r = d->start[c]; r < d->start[c + 1]; r += PL_FBLOCK_ROWS) {
            size_t n = d->start[c + 1] - r < PL_FBLOCK_ROWS ? d->start[c + 1] - r : PL_FBLOCK_ROWS;
            s->blk[nb] = (pl_fblock){ .g = c, .row0 = r, .n = n, .goff = goff, .tile0 = tile,
                                      .ntile = pl_tiles_in(n) };
            r0[nb] = r;
            rn[nb++] = n;
            tile += pl_tiles_in(n);
            if (grad)
                goff += f->dim * f->grp[c].ldw;
        }
        if (grad)
            f->grp[c].blk1 = nb;
    }
    int rc = f->dense ? PL_OK : pl_tiles_build(d, r0, rn, s->nblk, 1, nthreads, &s->tiles, e);
    free(r0);
    free(rn);
    if (rc)
        return rc;
    const size_t L = f->ldwmax;
    s->loss = zalloc(s->nblk * L * sizeof(float));
    s->hits = zalloc(s->nblk * L * sizeof(float));
    s->rsum = zalloc(s->nblk * L * sizeof(float));
    if (grad)
        s->G = zalloc(goff * sizeof(float));
    if (!s->loss || !s->hits || !s->rsum || (grad && !s->G))
        return pl_errorf(e, PL_ENOMEM, "out of memory for sweep scratch (%zu MB of partial "
                         "gradients)", goff * sizeof(float) >> 20);
    for (size_t jb = 0; jb < f->njobs; jb++) {
        pl_task t = cfg->task.tasks[jb / (size_t)cfg->train.nlr];
        for (int c = 0; c < PL_CLASSES; c++)
            if (task_uses(t, c))
                s->rows[jb] += d->start[c + 1] - d->start[c];
    }
    s->cut = malloc(((size_t)nthreads + 1) * sizeof *s->cut);
    s->claim = pl_claim_alloc(s->nblk);
    if (!s->cut || !s->claim)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the sweep plan");
    share_blocks(f, s, nthreads);
    return PL_OK;
}

static void fset_free(pl_fset *s)
{
    pl_tiles_free(&s->tiles);
    free(s->blk);
    free(s->G);
    free(s->loss);
    free(s->hits);
    free(s->rsum);
    free(s->rows);
    free(s->cut);
    free(s->claim);
    memset(s, 0, sizeof *s);
}

void pl_fused_free(pl_fused *f)
{
    for (int c = 0; c < PL_CLASSES; c++) {
        free(f->grp[c].job);
        free(f->grp[c].y);
        free(f->grp[c].W);
        free(f->grp[c].b);
    }
    free(f->col);
    free(f->copies);
    free(f->lr);
    free(f->lrf);
    free(f->inv);
    free(f->gb);
    free(f->stat);
    free(f->halt);
    free(f->zbuf);
    free(f->gbuf);
    free(f->xbuf);
    fset_free(&f->train);
    fset_free(&f->val);
    fset_free(&f->test);
    memset(f, 0, sizeof *f);
}

int pl_fused_plan(pl_fused *f, const pl_kernels *k, const pl_config *cfg,
                  const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                  int nthreads, pl_error *e)
{
    memset(f, 0, sizeof *f);
    f->k = k;
    f->dim = train->dim;
    f->njobs = (size_t)cfg->task.ntasks * (size_t)cfg->train.nlr;
    const size_t nj = f->njobs, dim = f->dim;
    f->col = malloc(nj * sizeof *f->col);
    f->ntasks = (size_t)cfg->task.ntasks;
    f->nlr = (size_t)cfg->train.nlr;
    f->copies = calloc(f->ntasks, sizeof *f->copies);
    f->lr = malloc(nj * sizeof *f->lr);
    f->lrf = malloc(nj * sizeof *f->lrf);
    f->inv = calloc(f->ntasks ? f->ntasks : 1, sizeof *f->inv);
    f->gb = calloc(nj, sizeof *f->gb);
    f->stat = calloc(2 * nj, sizeof *f->stat);
    f->halt = calloc(nj, sizeof *f->halt);
    if (!f->col || !f->copies || !f->lr || !f->lrf || !f->inv || !f->gb || !f->stat || !f->halt)
        goto nomem;
    for (size_t jb = 0; jb < nj; jb++) {
        f->lr[jb] = cfg->train.lr[jb % (size_t)cfg->train.nlr];
        f->lrf[jb] = (float)f->lr[jb];
        for (int c = 0; c < PL_CLASSES; c++)
            f->col[jb][c] = -1;
    }
    for (int c = 0; c < PL_CLASSES; c++) {
        pl_fgroup *g = &f->grp[c];
        for (size_t jb = 0; jb < nj; jb++)
            g->m += task_uses(cfg->task.tasks[jb / (size_t)cfg->train.nlr], c);
        if (!g->m)
            continue;
        g->ldw = (g->m + PL_MCOLS - 1) / PL_MCOLS * PL_MCOLS;
        g->job = malloc(g->m * sizeof *g->job);
        g->y = zalloc(g->ldw * sizeof *g->y);
        g->b = zalloc(g->ldw * sizeof *g->b);
        g->W = zalloc(dim * g->ldw * sizeof *g->W);
        if (!g->job || !g->y || !g->b || !g->W)
            goto nomem;
        size_t kcol = 0;
        for (size_t jb = 0; jb < nj; jb++) {
            pl_task t = cfg->task.tasks[jb / (size_t)cfg->train.nlr];
            if (!task_uses(t, c))
                continue;
            f->col[jb][c] = (int)kcol;
            if (jb % f->nlr == 0) {   /* a task's learning rates take adjacent columns */
                struct pl_fcopies *cp = &f->copies[jb / f->nlr];
                cp->g[cp->n] = c;
                cp->off[cp->n++] = kcol;
            }
            g->job[kcol] = (int)jb;
            g->y[kcol++] = t.pos == c ? 1.0f : 0.0f;
        }
        f->ldwmax = g->ldw > f->ldwmax ? g->ldw : f->ldwmax;
    }
    f->zbuf = zalloc((size_t)nthreads * PL_TILE_ROWS * f->ldwmax * sizeof(float));
    f->gbuf = zalloc((size_t)nthreads * PL_CLASSES * PL_UPDATE_PIXELS * f->ldwmax * sizeof(float));
    f->xbuf = zalloc((size_t)nthreads * PL_DTILE * dim * sizeof(float));
    if (!f->zbuf || !f->gbuf || !f->xbuf)
        goto nomem;
    size_t nz = 0;
    for (size_t q = 0; q < train->n * dim; q++)
        nz += train->pix[q] != 0;
    f->density = train->n ? (double)nz / ((double)train->n * (double)dim) : 0.0;
    f->dense = f->density >= PL_DENSE_AT;
    int rc = fset_plan(f, &f->train, train, 1, nthreads, cfg, e);
    for (size_t t = 0; !rc && t < f->ntasks; t++)
        f->inv[t] = f->train.rows[t * f->nlr] ? 1.0f / (float)f->train.rows[t * f->nlr] : 0.0f;
    if (!rc)
        rc = fset_plan(f, &f->val, val, 0, nthreads, cfg, e);
    if (!rc)
        rc = fset_plan(f, &f->test, test, 0, nthreads, cfg, e);
    if (rc)
        pl_fused_free(f);
    return rc;
nomem:
    pl_fused_free(f);
    return pl_errorf(e, PL_ENOMEM, "out of memory for the fused sweep");
}

/* A block of dense rows: PL_DTILE rows at a time converted to float (once for
 * all the block's models), the dense forward PL_DMR rows at a time, the link
 * of each row, the dense backward of the whole tile. */
static void dense_block(const pl_fused *f, const pl_fset *s, const pl_fblock *B, float *G,
                        float *loss, float *hits, float *rs, float *Z, int ith)
{
    const pl_kernels *k = f->k;
    const pl_fgroup *g = &f->grp[B->g];
    const size_t dim = f->dim, ldw = g->ldw;
    float *X = f->xbuf + (size_t)ith * PL_DTILE * dim;
    for (size_t r = 0; r < B->n; r += PL_DTILE) {
        const size_t nr = B->n - r < PL_DTILE ? B->n - r : PL_DTILE;
        const uint8_t *x = s->d->pix + (B->row0 + r) * dim;
        for (size_t i = 0; i < nr; i++)
            k->u8f(x + i * dim, dim, X + i * dim);
        /* the next tile's rows into L2 while this one is computed */
        for (size_t q = 0; r + nr < B->n && q < nr * dim; q += 64)
            __builtin_prefetch(x + nr * dim + q, 0, 2);
        for (size_t i = 0; i < nr; i += PL_DMR)
            k->dfwd(X + i * dim, dim, nr - i < PL_DMR ? nr - i : PL_DMR, dim, g->W, ldw, ldw,
                    Z + i * ldw, ldw);
        k->link(nr, ldw, Z, ldw, g->b, g->y, Z, ldw, loss, hits, G ? rs : NULL);
        if (G)
            k->dbwd(X, dim, nr, dim, Z, ldw, ldw, G, ldw);
    }
}

/* Block bk of set s at the current weights: its loss, hits and, when grad,
 * residual sums and partial gradient, into its own scratch.  Z is the
 * thread's tile buffer: z, then r in place. */
static void block(const pl_fused *f, const pl_fset *s, size_t bk, int grad, float *Z, int ith)
{
    const pl_kernels *k = f->k;
    const size_t dim = f->dim, L = f->ldwmax;
    const pl_fblock *B = &s->blk[bk];
    const pl_fgroup *g = &f->grp[B->g];
    const size_t ldw = g->ldw;
    float *loss = s->loss + bk * L, *hits = s->hits + bk * L, *rs = s->rsum + bk * L;
    memset(loss, 0, ldw * sizeof *loss);
    memset(hits, 0, ldw * sizeof *hits);
    memset(rs, 0, ldw * sizeof *rs);
    float *G = grad ? s->G + B->goff : NULL;
    if (G)
        memset(G, 0, dim * ldw * sizeof *G);
    if (f->dense) {
        dense_block(f, s, B, G, loss, hits, rs, Z, ith);
        return;
    }
    for (size_t ti = B->tile0; ti < B->tile0 + B->ntile; ti++) {
        const pl_tile *t = &s->tiles.tile[ti];
        /* an odd tile's last row has no partner: its z1 goes past the tile's
         * rows, still inside the buffer (an odd tile is short) */
        for (size_t r = 0, i = 0; r < t->nrows; r += 2, i++) {
            const uint32_t p0 = t->pptr[i], n = t->pptr[i + 1] - p0;
            k->spfwd(t->pidx + p0, t->pval + 2 * (size_t)p0, n, g->W, ldw, ldw, Z + r * ldw,
                     Z + (r + 1) * ldw);
        }
        k->link(t->nrows, ldw, Z, ldw, g->b, g->y, Z, ldw, loss, hits, G ? rs : NULL);
        if (G)
            k->tbwd(t, Z, ldw, G, ldw);
    }
}

/* One pass over set s at the current weights: every job's mean loss and
 * accuracy into f->stat and, when grad, the blocks' partial gradients (summed
 * by update) and f->gb. */
static void pass(pl_fused *f, const pl_fset *s, int grad, int ith, int nth)
{
    const size_t L = f->ldwmax;
    float *Z = f->zbuf + (size_t)ith * PL_TILE_ROWS * L;   /* a tile's z, then its r */

    /* its own blocks first, then what the others have not claimed yet */
    for (int o = 0; o < nth; o++) {
        const int q = (ith + o) % nth;
        size_t bk;
        while ((bk = pl_claim_take(s->claim, s->cut[q], s->cut[q + 1])) != SIZE_MAX)
            block(f, s, bk, grad, Z, ith);
    }
    pl_team_barrier();

    if (ith == 0)
        for (size_t jb = 0; jb < f->njobs; jb++) {
            double l = 0, h = 0, rsum = 0;
            for (size_t bk = 0; bk < s->nblk; bk++) {
                int col = f->col[jb][s->blk[bk].g];
                if (col < 0)
                    continue;
                l += s->loss[bk * L + (size_t)col];
                h += s->hits[bk * L + (size_t)col];
                rsum += s->rsum[bk * L + (size_t)col];
            }
            const double n = (double)s->rows[jb];
            f->stat[2 * jb] = s->rows[jb] ? l / n : NAN;
            f->stat[2 * jb + 1] = s->rows[jb] ? h / n : NAN;
            if (grad)
                f->gb[jb] = s->rows[jb] ? rsum / n : 0.0;
        }
    pl_claim_reset(s->claim, s->cut[ith], s->cut[ith + 1]);
    pl_team_barrier();
}

/* One pair task's nlr learning rates at one pixel: its gradient is the sum
 * of its two digits' parts (a then b, digit order), and both copies of its
 * weights take the step. */
static void step_pair(size_t nlr, const float *restrict a, const float *restrict b,
                      const float *restrict lr, float inv, float *restrict w0,
                      float *restrict w1)
{
    for (size_t l = 0; l < nlr; l++) {
        const float w = w0[l] - lr[l] * ((a[l] + b[l]) * inv);
        w0[l] = w;
        w1[l] = w;
    }
}

/* w <- w - lr * grad for every job, PL_UPDATE_PIXELS pixels at a time (each
 * thread its range): each digit's block partials of those pixels summed in
 * block order (the first copied; contiguous spans), then each task's
 * gradient, its copies' sums added in digit order, and the step written to
 * every copy (a pair's two copies in one loop).  A task's learning rates are
 * adjacent columns; what a chunk needs stays in L1. */
static void update(pl_fused *f, int ith, int nth)
{
    const size_t nlr = f->nlr, L = f->ldwmax, P = PL_UPDATE_PIXELS;
    const pl_fset *s = &f->train;
    float *gs = f->gbuf + (size_t)ith * PL_CLASSES * P * L;
    size_t j0, j1;
    pl_share(f->dim, P, ith, nth, &j0, &j1);
    for (size_t c0 = j0; c0 < j1; c0 += P) {
        const size_t np = j1 - c0 < P ? j1 - c0 : P;
        for (int c = 0; c < PL_CLASSES; c++) {
            const pl_fgroup *g = &f->grp[c];
            if (!g->m)
                continue;
            float *sum = gs + (size_t)c * P * L;
            const size_t span = np * g->ldw, at = c0 * g->ldw;
            memcpy(sum, s->G + s->blk[g->blk0].goff + at, span * sizeof *sum);
            for (size_t bk = g->blk0 + 1; bk < g->blk1; bk++)
                f->k->vadd(sum, s->G + s->blk[bk].goff + at, span);
        }
        for (size_t t = 0; t < f->ntasks; t++) {
            const struct pl_fcopies *cp = &f->copies[t];
            const float inv = f->inv[t], *lr = f->lrf + t * nlr;   /* halted: lr 0, w 0 */
            const float *part[PL_CLASSES];
            float *w[PL_CLASSES];
            size_t ldg[PL_CLASSES];
            for (int q = 0; q < cp->n; q++) {
                const pl_fgroup *g = &f->grp[cp->g[q]];
                part[q] = gs + (size_t)cp->g[q] * P * L + cp->off[q];
                w[q] = g->W + c0 * g->ldw + cp->off[q];
                ldg[q] = g->ldw;
            }
            if (cp->n == 2) {   /* the same arithmetic as below, in a loop that vectorises */
                for (size_t p = 0; p < np; p++)
                    step_pair(nlr, part[0] + p * ldg[0], part[1] + p * ldg[1], lr, inv,
                              w[0] + p * ldg[0], w[1] + p * ldg[1]);
                continue;
            }
            for (size_t p = 0; p < np; p++)
                for (size_t l = 0; l < nlr; l++) {
                    float sum = part[0][p * ldg[0] + l];
                    for (int q = 1; q < cp->n; q++)
                        sum += part[q][p * ldg[q] + l];
                    const float v = w[0][p * ldg[0] + l] - lr[l] * (sum * inv);
                    for (int q = 0; q < cp->n; q++)
                        w[q][p * ldg[q] + l] = v;
                }
        }
    }
    if (ith == 0)
        for (size_t jb = 0; jb < f->njobs; jb++) {
            const struct pl_fcopies *cp = &f->copies[jb / nlr];
            const size_t l = jb % nlr;
            float b = f->halt[jb] ? 0.0f
                                  : (float)(f->grp[cp->g[0]].b[cp->off[0] + l] - f->lr[jb] * f->gb[jb]);
            for (int q = 0; q < cp->n; q++)
                f->grp[cp->g[q]].b[cp->off[q] + l] = b;
        }
}

/* Saves every job's model and metrics at checkpoint cp (after the passes). */
static void save(pl_fused *f, pl_run *run, int niters, int cp, int ith, int nth)
{
    size_t j0, j1;
    pl_share(f->dim, 16, ith, nth, &j0, &j1);
    for (size_t jb = 0; jb < f->njobs; jb++) {
        const struct pl_fcopies *cps = &f->copies[jb / f->nlr];
        const pl_fgroup *g0 = &f->grp[cps->g[0]];
        const size_t col0 = cps->off[0] + jb % f->nlr;
        float *w = run->results[jb * (size_t)niters + (size_t)cp].w;
        for (size_t j = j0; j < j1; j++)
            w[j] = g0->W[j * g0->ldw + col0];
        if (ith == 0)
            run->results[jb * (size_t)niters + (size_t)cp].b = g0->b[col0];
    }
}

/* A diverged job stops: its weights become zero in every copy and its step
 * size zero, so the rest of the sweep neither moves nor reads it.  Thread 0,
 * between the pass and the update. */
static void halt_job(pl_fused *f, size_t jb)
{
    const struct pl_fcopies *cp = &f->copies[jb / f->nlr];
    const size_t l = jb % f->nlr;
    f->halt[jb] = 1;
    f->lrf[jb] = 0.0f;
    for (int q = 0; q < cp->n; q++) {
        pl_fgroup *g = &f->grp[cp->g[q]];
        for (size_t j = 0; j < f->dim; j++)
            g->W[j * g->ldw + cp->off[q] + l] = 0.0f;
    }
}

void pl_fused_run(pl_fused *f, const pl_config *cfg, pl_run *run, const pl_train_opts *o,
                  int ith, int nth, int *interrupted)
{
    const int niters = cfg->train.niters, last = cfg->train.iters[niters - 1];
    const size_t nj = f->njobs;
    double t0 = omp_get_wtime();
    int cp = 0;
    for (int t = 0; t <= last; t++) {
        pass(f, &f->train, t < last, ith, nth);
        if (ith == 0)
            for (size_t jb = 0; jb < nj; jb++) {
                if (f->halt[jb])
                    continue;
                if (!isfinite(f->stat[2 * jb]))
                    halt_job(f, jb);
                else
                    run->curves[jb].loss[run->curves[jb].len++] = f->stat[2 * jb];
            }
        if (t == cfg->train.iters[cp]) {
            if (ith == 0)
                for (size_t jb = 0; jb < nj; jb++) {
                    pl_result *r = &run->results[jb * (size_t)niters + (size_t)cp];
                    if (f->halt[jb]) {
                        r->status = PL_RUN_DIVERGED;
                        continue;
                    }
                    r->status = PL_RUN_OK;
                    r->train_loss = f->stat[2 * jb];
                    r->train_acc = f->stat[2 * jb + 1];
                }
            if (f->val.d) {
                pass(f, &f->val, 0, ith, nth);
                if (ith == 0)
                    for (size_t jb = 0; jb < nj; jb++) {
                        pl_result *r = &run->results[jb * (size_t)niters + (size_t)cp];
                        r->val_loss = f->halt[jb] ? NAN : f->stat[2 * jb];
                        r->val_acc = f->halt[jb] ? NAN : f->stat[2 * jb + 1];
                    }
            }
            if (f->test.d) {
                pass(f, &f->test, 0, ith, nth);
                if (ith == 0)
                    for (size_t jb = 0; jb < nj; jb++) {
                        pl_result *r = &run->results[jb * (size_t)niters + (size_t)cp];
                        r->test_loss = f->halt[jb] ? NAN : f->stat[2 * jb];
                        r->test_acc = f->halt[jb] ? NAN : f->stat[2 * jb + 1];
                    }
            }
            save(f, run, niters, cp, ith, nth);
            if (ith == 0)
                for (size_t jb = 0; jb < nj; jb++)
                    run->results[jb * (size_t)niters + (size_t)cp].seconds = omp_get_wtime() - t0;
            cp++;
        }
        if (t == last)
            break;
        pl_team_barrier();   /* halt flags and saved models are settled before the update */
        update(f, ith, nth);
        if (ith == 0) {
            if (o && o->progress)
                o->progress(o->progress_ctx, 0, 1, t + 1, last);
            if (o && o->stop && *o->stop)
                *interrupted = 1;
        }
        pl_team_barrier();
        if (*interrupted)
            break;
    }
    if (ith == 0)
        for (int c = cp; c < niters; c++)
            for (size_t jb = 0; jb < nj; jb++)
                run->results[jb * (size_t)niters + (size_t)c].status =
                    f->halt[jb] ? PL_RUN_DIVERGED : PL_RUN_INTERRUPTED;
    pl_team_barrier();
}
