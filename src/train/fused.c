/*
 * fused.c - the batched objective of fused.h: planning the digit groups and
 * blocks, the pass, the reduction and the step.
 *
 * eval: the pass (each thread its share of the blocks by their work, then
 * what is left of the others' shares, pl_claim; each block into its own
 * partial gradient, loss, hits and residual sums; barrier; thread 0 sums
 * each model's loss, hits and residuals in block order, every thread resets
 * its shares' claim counters; barrier).  step: chunks of PL_UPDATE_PIXELS
 * pixels, each thread its share of them first, then what is left of the
 * others' (so a thread that lost its core to another process holds up only
 * the chunk it is in): the digits' block partials summed in block order,
 * each task's copies combined in digit order, the step written to every
 * copy; thread 0 the biases.  A chunk's result does not depend on who
 * computes it.  The step's counters are reset in the next eval (every step
 * follows an eval, and the barrier after the step and eval's first barrier
 * stand between the claims and the reset).  Nothing is allocated in the
 * loop.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/fused.h"
#include "train/view.h"

_Static_assert(PL_DTILE <= PL_TILE_ROWS, "dense tiles use the sparse tiles' z and r buffers");

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
    return ((double)B->nnz + (double)B->n) * (double)f->grp[B->g].ldw;
}

/* s->cut: each thread's own blocks, contiguous, cut where the running work
 * crosses i/nth of the total (a block goes where its middle is); only the
 * rank's window [rb0, rb1) of the blocks (all of them on one rank). */
static void share_blocks(const pl_fused *f, pl_fset *s, int nth)
{
    double total = 0, at = 0;
    for (size_t k = s->rb0; k < s->rb1; k++)
        total += block_work(f, s, k);
    s->cut[0] = s->rb0;
    size_t k = s->rb0;
    for (int i = 1; i <= nth; i++) {
        const double hi = total * i / nth;
        while (k < s->rb1 && (i == nth || at + block_work(f, s, k) / 2 < hi))
            at += block_work(f, s, k++);
        s->cut[i] = k;
    }
}

/* Each block's non-zero pixels, counted in d's rows (or taken from the
 * counts of a deferred set, whose rows are not read yet): its work
 * (block_work), known before the blocks are indexed. */
static void count_nnz(const pl_fused *f, pl_fset *s, const pl_dataset *d, int nthreads)
{
    const size_t dim = f->dim;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic) if (nthreads > 1)
    for (size_t k = 0; k < s->nblk; k++) {
        size_t nz = 0;
        for (size_t r = s->blk[k].row0; r < s->blk[k].row0 + s->blk[k].n; r++)
            nz += d->nnz ? d->nnz[r] : pl_row_nnz(d->pix + r * dim, dim);
        s->blk[k].nnz = nz;
    }
}

/* A deferred training set's rows (dataset.h), read through rows->fill before
 * they are indexed: the window's blocks only, when the caller reads no
 * training row after this plan (keep), else every row. */
static int fill_rows(const pl_fset *s, const pl_fused_rows *rows, int keep, pl_error *e)
{
    if (!rows || !rows->fill)
        return pl_errorf(e, PL_EINPUT, "the training rows were not read (a deferred set "
                         "needs pl_train_opts.rows_fill)");
    if (!keep) {
        const size_t r0 = 0, n = s->d->n;
        return rows->fill(rows->ctx, &r0, &n, 1, e);
    }
    const size_t nb = s->rb1 - s->rb0;
    size_t *r0 = malloc((nb ? nb : 1) * sizeof *r0), *rn = malloc((nb ? nb : 1) * sizeof *rn);
    if (!r0 || !rn) {
        free(r0);
        free(rn);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the rank's rows");
    }
    size_t nr = 0;   /* adjacent blocks as one range */
    for (size_t k = s->rb0; k < s->rb1; k++) {
        const pl_fblock *B = &s->blk[k];
        if (nr && r0[nr - 1] + rn[nr - 1] == B->row0) {
            rn[nr - 1] += B->n;
        } else {
            r0[nr] = B->row0;
            rn[nr++] = B->n;
        }
    }
    int rc = nr ? rows->fill(rows->ctx, r0, rn, nr, e) : PL_OK;   /* an empty window: none */
    free(r0);
    free(rn);
    return rc;
}

/* Every rank's window of s's blocks (s->xcut, s->rb0, s->rb1), cut by their
 * work. */
static int cut_windows(const pl_fused *f, pl_fset *s, const pl_xrank *xr, pl_error *e)
{
    double *work = malloc((s->nblk ? s->nblk : 1) * sizeof *work);
    s->xcut = malloc(((size_t)xr->size + 1) * sizeof *s->xcut);
    if (!work || !s->xcut) {
        free(work);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the ranks' shares");
    }
    for (size_t k = 0; k < s->nblk; k++)
        work[k] = block_work(f, s, k);
    pl_xrank_cuts(xr, s->nblk, work, s->xcut);
    free(work);
    s->rb0 = s->xcut[xr->rank];
    s->rb1 = s->xcut[xr->rank + 1];
    return PL_OK;
}

static int fset_plan(pl_fused *f, pl_fset *s, const pl_dataset *d, int grad, int nthreads,
                     const pl_plan *plan, const pl_xrank *xr, const pl_fused_rows *give,
                     pl_error *e)
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
    size_t nb = 0, goff = 0;
    for (int c = 0; c < PL_CLASSES; c++) {
        if (!f->grp[c].m)
            continue;
        if (grad)
            f->grp[c].blk0 = nb;
        for (size_t r = d->start[c]; r < d->start[c + 1]; r += PL_FBLOCK_ROWS) {
            size_t n = d->start[c + 1] - r < PL_FBLOCK_ROWS ? d->start[c + 1] - r : PL_FBLOCK_ROWS;
            s->blk[nb] = (pl_fblock){ .g = c, .row0 = r, .n = n, .goff = goff };
            r0[nb] = r;
            rn[nb++] = n;
            if (grad)
                goff += f->dim * f->grp[c].ldw;
        }
        if (grad)
            f->grp[c].blk1 = nb;
    }
    /* the blocks' work, the rank's window, then its blocks' tiles (tile
     * indices in window order) */
    if (!f->dense)
        count_nnz(f, s, d, nthreads);
    s->rb0 = 0;
    s->rb1 = s->nblk;
    int rc = xr ? cut_windows(f, s, xr, e) : PL_OK;
    for (size_t k = 0, t = 0; k < s->nblk; k++) {
        pl_fblock *B = &s->blk[k];
        B->tile0 = t;
        B->ntile = k >= s->rb0 && k < s->rb1 ? pl_tiles_in(B->n) : 0;
        t += B->ntile;
    }
    /* the caller may take the rows back as they are indexed, and those of
     * other ranks' blocks at once; a deferred set's rows are read now: the
     * window's alone when nothing reads the others */
    const int keep = !rc && give && !f->dense && give->commit(give->ctx, s->nblk);
    const int hand = keep && give->done;
    if (!rc && d->deferred)
        rc = fill_rows(s, give, keep, e);
    for (size_t k = 0; hand && k < s->nblk; k++)
        if (k < s->rb0 || k >= s->rb1)
            give->done(give->ctx, s->blk[k].row0, s->blk[k].n);
    if (!rc && !f->dense)
        rc = pl_tiles_build(d, r0 + s->rb0, rn + s->rb0, s->rb1 - s->rb0, 1, nthreads,
                            hand ? give->done : NULL, hand ? give->ctx : NULL, &s->tiles, e);
    free(r0);
    free(rn);
    if (rc)
        return rc;
    const size_t L = f->ldwmax;
    s->loss = zalloc(s->nblk * L * sizeof(double));
    s->hits = zalloc(s->nblk * L * sizeof(float));
    s->rsum = zalloc(s->nblk * L * sizeof(float));
    if (grad)
        s->G = zalloc(goff * sizeof(float));
    if (!s->loss || !s->hits || !s->rsum || (grad && !s->G))
        return pl_errorf(e, PL_ENOMEM, "out of memory for sweep scratch (%zu MB of partial "
                         "gradients)", goff * sizeof(float) >> 20);
    for (size_t jb = 0; jb < f->njobs; jb++)
        s->rows[jb] = pl_task_rows(d, plan->jobs[jb].task);
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
    free(s->xcut);
    free(s->claim);
    pl_xgather_free(&s->xg_G);
    pl_xgather_free(&s->xg_blk);
    pl_xgather_free(&s->xg_loss);
    memset(s, 0, sizeof *s);
}

void pl_fused_free(pl_fused *f)
{
    for (int c = 0; c < PL_CLASSES; c++) {
        free(f->grp[c].y);
        free(f->grp[c].W);
        free(f->grp[c].b);
        free(f->grp[c].sm);
        free(f->grp[c].ovr);
    }
    free(f->task);
    free(f->jtask);
    free(f->out0);
    free(f->col);
    free(f->gb);
    free(f->halt);
    free(f->zbuf);
    free(f->gbuf);
    free(f->xbuf);
    free(f->vbuf);
    free(f->sclaim);
    for (int s = 0; s < 3; s++)
        fset_free(&f->set[s]);
    memset(f, 0, sizeof *f);
}

double pl_density(const pl_dataset *d)
{
    size_t nz = 0;
    for (size_t r = 0; d->nnz && r < d->n; r++)
        nz += d->nnz[r];
    for (size_t r = 0; !d->nnz && r < d->n; r++)   /* a row's count in 32 bits: 4x faster */
        nz += pl_row_nnz(d->pix + r * d->dim, d->dim);
    return d->n ? (double)nz / ((double)d->n * (double)d->dim) : 0.0;
}

/* The plan's jobs as tasks: runs of adjacent jobs with one task. */
static int plan_tasks(pl_fused *f, const pl_plan *plan)
{
    f->task = calloc(plan->njobs ? plan->njobs : 1, sizeof *f->task);
    f->jtask = malloc((plan->njobs ? plan->njobs : 1) * sizeof *f->jtask);
    f->out0 = malloc((plan->njobs + 1) * sizeof *f->out0);
    if (!f->task || !f->jtask || !f->out0)
        return -1;
    f->out0[0] = 0;
    for (size_t jb = 0; jb < plan->njobs; jb++) {
        const pl_task t = plan->jobs[jb].task;
        if (jb == 0 || !pl_task_equal(t, f->task[f->ntasks - 1].task))
            f->task[f->ntasks++] = (pl_ftask){ .task = t, .kind = t.kind, .job0 = jb,
                                               .k = (size_t)pl_task_outputs(t) };
        pl_ftask *ft = &f->task[f->ntasks - 1];
        ft->njob++;
        f->jtask[jb] = f->ntasks - 1;
        f->out0[jb + 1] = f->out0[jb] + ft->k;
    }
    return 0;
}

/* Group c's columns: every task using c, sigmoid-linked ones (binary, ovr)
 * first, then the softmax ones from column sig on; each task's jobs take
 * adjacent runs of k columns.  The targets, and the softmax and ovr models
 * the links need. */
static int plan_group(pl_fused *f, int c)
{
    pl_fgroup *g = &f->grp[c];
    size_t col = 0, nsm = 0, novr = 0;
    for (size_t t = 0; t < f->ntasks; t++)
        if (pl_task_uses(f->task[t].task, c)) {
            nsm += f->task[t].kind == PL_KIND_SOFTMAX ? f->task[t].njob : 0;
            novr += f->task[t].kind == PL_KIND_OVR ? f->task[t].njob : 0;
        }
    for (int pass = 0; pass < 2; pass++) {   /* 0: sigmoid-linked, 1: softmax */
        for (size_t t = 0; t < f->ntasks; t++) {
            pl_ftask *ft = &f->task[t];
            if (!pl_task_uses(ft->task, c) || (ft->kind == PL_KIND_SOFTMAX) != pass)
                continue;
            ft->g[ft->n] = c;
            ft->off[ft->n++] = col;
            for (size_t l = 0; l < ft->njob; l++)
                f->col[ft->job0 + l][c] = (int)(col + l * ft->k);
            col += ft->njob * ft->k;
        }
        if (pass == 0 && nsm)
            g->sig = col = (col + 7) / 8 * 8;
    }
    g->m = col;
    if (!col)
        return 0;
    g->ldw = (col + PL_MCOLS - 1) / PL_MCOLS * PL_MCOLS;
    if (nsm == 0)
        g->sig = g->ldw;   /* the sigmoid link takes every column, padding too */
    const size_t dim = f->dim;
    g->y = zalloc(g->ldw * sizeof *g->y);
    g->b = zalloc(g->ldw * sizeof *g->b);
    g->W = zalloc(dim * g->ldw * sizeof *g->W);
    g->sm = calloc(nsm ? nsm : 1, sizeof *g->sm);
    g->ovr = calloc(novr ? novr : 1, sizeof *g->ovr);
    if (!g->y || !g->b || !g->W || !g->sm || !g->ovr)
        return -1;
    for (size_t t = 0; t < f->ntasks; t++) {
        const pl_ftask *ft = &f->task[t];
        if (!pl_task_uses(ft->task, c))
            continue;
        const int cls = ft->kind == PL_KIND_BINARY ? 0 : pl_task_output_of(ft->task, c);
        for (size_t l = 0; l < ft->njob; l++) {
            const size_t off = (size_t)f->col[ft->job0 + l][c];
            const pl_fmodel md = { off, ft->k, cls };
            if (ft->kind == PL_KIND_BINARY) {
                g->y[off] = ft->task.pos == c ? 1.0f : 0.0f;
            } else if (ft->kind == PL_KIND_OVR) {
                g->y[off + (size_t)cls] = 1.0f;
                g->ovr[g->novr++] = md;
            } else {
                g->sm[g->nsm++] = md;
            }
        }
    }
    f->ldwmax = g->ldw > f->ldwmax ? g->ldw : f->ldwmax;
    return 0;
}

static const pl_objective_ops fused_ops;

int pl_fused_plan(pl_fused *f, const pl_kernels *k, const pl_plan *plan,
                  const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                  int nthreads, pl_error *e)
{
    return pl_fused_plan_rows(f, k, plan, train, val, test, nthreads, NULL, NULL, e);
}

int pl_fused_plan_rows(pl_fused *f, const pl_kernels *k, const pl_plan *plan,
                       const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                       int nthreads, const pl_xrank *xr, const pl_fused_rows *give,
                       pl_error *e)
{
    memset(f, 0, sizeof *f);
    f->xplan = xr;
    f->k = k;
    f->dim = train->dim;
    f->nshares = nthreads > 0 ? nthreads : 1;
    f->njobs = plan->njobs;
    const size_t nj = f->njobs, dim = f->dim;
    f->col = malloc((nj ? nj : 1) * sizeof *f->col);
    f->halt = calloc(nj ? nj : 1, sizeof *f->halt);
    if (!f->col || !f->halt || plan_tasks(f, plan))
        goto nomem;
    /* the step's per-column rates and the links' ovr hits have fixed room */
    size_t novr = 0;
    for (size_t t = 0; t < f->ntasks; t++)
        novr += f->task[t].kind == PL_KIND_OVR ? f->task[t].njob : 0;
    for (size_t t = 0; t < f->ntasks; t++)
        if (f->task[t].njob > PL_MAX_LIST || novr > PL_FOVR_MAX) {
            char name[PL_TASK_NAME_MAX];
            pl_task_name(f->task[t].task, name);
            pl_fused_free(f);
            return pl_errorf(e, PL_EINPUT, "task %s: more than %d learning rates of one task, "
                             "or %d ovr models, in one fused run", name, PL_MAX_LIST,
                             PL_FOVR_MAX);
        }
    f->gb = calloc(f->out0[nj] ? f->out0[nj] : 1, sizeof *f->gb);
    if (!f->gb)
        goto nomem;
    for (size_t jb = 0; jb < nj; jb++)
        for (int c = 0; c < PL_CLASSES; c++)
            f->col[jb][c] = -1;
    for (int c = 0; c < PL_CLASSES; c++) {
        f->grp[c].live = 1;
        if (plan_group(f, c))
            goto nomem;
    }
    f->zbuf = zalloc((size_t)nthreads * PL_TILE_ROWS * f->ldwmax * sizeof(float));
    f->gbuf = zalloc((size_t)nthreads * PL_CLASSES * PL_UPDATE_PIXELS * f->ldwmax * sizeof(float));
    f->xbuf = zalloc((size_t)nthreads * PL_DTILE * dim * sizeof(float));
    f->sclaim = pl_claim_alloc((dim + PL_UPDATE_PIXELS - 1) / PL_UPDATE_PIXELS);
    if (!f->zbuf || !f->gbuf || !f->xbuf || !f->sclaim)
        goto nomem;
    f->density = pl_density(train);
    f->dense = f->density >= PL_DENSE_AT;
    int rc = fset_plan(f, &f->set[PL_SET_TRAIN], train, 1, nthreads, plan, xr, give, e);
    for (size_t t = 0; !rc && t < f->ntasks; t++) {
        const size_t rows = f->set[PL_SET_TRAIN].rows[f->task[t].job0];
        f->task[t].inv = rows ? 1.0f / (float)rows : 0.0f;
    }
    if (!rc)
        rc = fset_plan(f, &f->set[PL_SET_VAL], val, 0, nthreads, plan, xr, NULL, e);
    if (!rc)
        rc = fset_plan(f, &f->set[PL_SET_TEST], test, 0, nthreads, plan, xr, NULL, e);
    for (int q = 0; !rc && !f->dense && q < 3; q++)
        if (f->set[q].d && pl_tiles_scratch(&f->set[q].tiles) > f->vlen)
            f->vlen = pl_tiles_scratch(&f->set[q].tiles);
    if (!rc && !f->dense &&
        !(f->vbuf = zalloc((size_t)nthreads * (f->vlen ? f->vlen : 1) * sizeof(float))))
        rc = pl_errorf(e, PL_ENOMEM, "out of memory for the sweep's tile values");
    if (rc) {
        pl_fused_free(f);
        return rc;
    }
    f->base = (pl_objective){ .ops = &fused_ops, .nmodels = nj,
                              .has_val = f->set[PL_SET_VAL].d != NULL,
                              .has_test = f->set[PL_SET_TEST].d != NULL };
    return PL_OK;
nomem:
    pl_fused_free(f);
    return pl_errorf(e, PL_ENOMEM, "out of memory for the fused sweep");
}

/* The links of nr rows of group g (Z: nr rows, ldw apart, overwritten by the
 * residuals): the sigmoid link on columns [0, sig), each ovr model's
 * ten-class hit (its outputs' largest sigmoid, sigma = r + y, at its class)
 * in place of its first column's binary hit, the softmax link on each
 * softmax model. */
static void links(const pl_kernels *k, const pl_fgroup *g, size_t nr, float *Z, double *loss,
                  float *hits, float *rs)
{
    const size_t ldw = g->ldw;
    float h0[PL_FOVR_MAX];
    for (size_t q = 0; q < g->novr; q++)
        h0[q] = hits[g->ovr[q].off];
    if (g->sig)
        k->link(nr, g->sig, Z, ldw, g->b, g->y, Z, ldw, loss, hits, rs);
    for (size_t q = 0; q < g->novr; q++) {
        const pl_fmodel *md = &g->ovr[q];
        const float *y = g->y + md->off;
        float h = 0.0f;
        for (size_t i = 0; i < nr; i++) {
            const float *r = Z + i * ldw + md->off;
            size_t best = 0;
            for (size_t c = 1; c < md->k; c++)
                if (r[c] + y[c] > r[best] + y[best])
                    best = c;
            h += best == (size_t)md->cls;
        }
        hits[md->off] = h0[q] + h;
    }
    for (size_t q = 0; q < g->nsm; q++) {
        const pl_fmodel *md = &g->sm[q];
        k->smlink(nr, md->k, Z + md->off, ldw, g->b + md->off, md->cls, Z + md->off, ldw,
                  loss + md->off, hits + md->off, rs ? rs + md->off : NULL);
    }
}

/* A block of dense rows: PL_DTILE rows at a time converted to float (once for
 * all the block's models), the dense forward PL_DMR rows at a time, the link
 * of each row, the dense backward of the whole tile. */
static void dense_block(const pl_fused *f, const pl_fset *s, const pl_fblock *B, float *G,
                        double *loss, float *hits, float *rs, float *Z, int ith)
{
    const pl_kernels *k = f->k;
    const pl_fgroup *g = &f->grp[B->g];
    const size_t dim = f->dim, ldw = g->ldw;
    float *X = f->xbuf + (size_t)ith * PL_DTILE * dim;
    for (size_t r = 0; r < B->n; r += PL_DTILE) {
        const size_t nr = B->n - r < PL_DTILE ? B->n - r : PL_DTILE;
        const uint8_t *x = s->d->pix + (B->row0 + r) * dim;
        const float xs = 1.0f / (float)pl_pixel_max(s->d->pixel_max);
        for (size_t i = 0; i < nr; i++)
            k->u8f(x + i * dim, dim, xs, X + i * dim);
        /* the next tile's rows into L2 while this one is computed */
        for (size_t q = 0; r + nr < B->n && q < nr * dim; q += 64)
            __builtin_prefetch(x + nr * dim + q, 0, 2);
        for (size_t i = 0; i < nr; i += PL_DMR)
            k->dfwd(X + i * dim, dim, nr - i < PL_DMR ? nr - i : PL_DMR, dim, g->W, ldw, ldw,
                    Z + i * ldw, ldw);
        links(k, g, nr, Z, loss, hits, G ? rs : NULL);
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
    double *loss = s->loss + bk * L;
    float *hits = s->hits + bk * L, *rs = s->rsum + bk * L;
    if (!g->live)   /* no model the solver still needs has a column here */
        return;
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
        const size_t nrows = s->tiles.tile[ti].nrows;
        const float *v = pl_tile_values(&s->tiles, ti, k, f->vbuf + (size_t)ith * f->vlen);
        pl_tile_forward(&s->tiles, ti, k, v, g->W, ldw, ldw, Z, ldw);
        links(k, g, nrows, Z, loss, hits, G ? rs : NULL);
        if (G)
            pl_tile_backward(&s->tiles, ti, k, v, Z, ldw, ldw, G, ldw);
    }
}

/* eval: one pass over set s at the current weights, every job's mean loss
 * and accuracy into ev and, when grad, the blocks' partial gradients (summed
 * by step) and f->gb. */
static void fused_eval(pl_objective *o, int set, int grad, pl_eval *ev, int ith, int nth)
{
    pl_fused *f = (pl_fused *)o;
    const pl_fset *s = &f->set[set];
    const size_t L = f->ldwmax;
    float *Z = f->zbuf + (size_t)ith * PL_TILE_ROWS * L;   /* a tile's z, then its r */

    /* its own blocks first, then what the others have not claimed yet (of
     * every share: the team may be narrower than planned) */
    const int P = f->nshares;
    for (int q0 = 0; q0 < P; q0++) {
        const int q = (ith + q0) % P;
        size_t bk;
        while ((bk = pl_claim_take(s->claim, s->cut[q], s->cut[q + 1])) != SIZE_MAX)
            block(f, s, bk, grad, Z, ith);
    }
    pl_team_barrier();
    /* cross-rank (engine.distribute = rows, src/dist/xrank.h): every rank's
     * blocks to every rank, copied; the sums below are then the same on all */
    if (ith == 0 && f->xr) {
        if (grad)
            pl_xgather_run(f->xr, &s->xg_G, s->G);
        pl_xgather_run(f->xr, &s->xg_loss, s->loss);
        pl_xgather_run(f->xr, &s->xg_blk, s->hits);
        if (grad)
            pl_xgather_run(f->xr, &s->xg_blk, s->rsum);
    }

    /* a job's loss: its column's (ovr: the sum of its outputs'); its hits and
     * residual sums: its first column's (ovr, softmax: the ten-class hit) and
     * every output's */
    if (ith == 0)
        for (size_t jb = 0; jb < f->njobs; jb++) {
            const pl_ftask *ft = &f->task[f->jtask[jb]];
            const size_t nl = ft->kind == PL_KIND_OVR ? ft->k : 1;
            const size_t nr = grad ? ft->k : 0;
            double l = 0, h = 0, rsum[PL_CLASSES] = { 0 };
            for (size_t bk = 0; bk < s->nblk; bk++) {
                int col = f->col[jb][s->blk[bk].g];
                if (col < 0)
                    continue;
                const size_t at = bk * L + (size_t)col;
                for (size_t q = 0; q < nl; q++)
                    l += s->loss[at + q];
                h += s->hits[at];
                for (size_t q = 0; q < nr; q++)
                    rsum[q] += s->rsum[at + q];
            }
            const double n = (double)s->rows[jb];
            ev[jb].n = s->rows[jb];
            ev[jb].loss = s->rows[jb] ? l / n : NAN;
            ev[jb].acc = s->rows[jb] ? h / n : NAN;
            for (size_t q = 0; q < nr; q++)
                f->gb[f->out0[jb] + q] = s->rows[jb] ? rsum[q] / n : 0.0;
        }
    /* every share's counters, the step's chunks' too (see the top of the file) */
    const size_t nchunks = (f->dim + PL_UPDATE_PIXELS - 1) / PL_UPDATE_PIXELS;
    for (int q = ith; q < P; q += nth) {
        size_t c0, c1;
        pl_claim_reset(s->claim, s->cut[q], s->cut[q + 1]);
        pl_share(nchunks, 1, q, P, &c0, &c1);
        pl_claim_reset(f->sclaim, c0, c1);
    }
    pl_team_barrier();
}

/* One pair task's columns at one pixel: its gradient is the sum of its two
 * digits' parts (a then b, digit order), and both copies of its weights take
 * the step. */
static void step_pair(size_t ncol, const float *restrict a, const float *restrict b,
                      const float *restrict lr, float inv, float *restrict w0,
                      float *restrict w1)
{
    for (size_t l = 0; l < ncol; l++) {
        const float w = w0[l] - lr[l] * ((a[l] + b[l]) * inv);
        w0[l] = w;
        w1[l] = w;
    }
}

/* The step of pixels [c0, c0 + np), one chunk (gs: the thread's scratch):
 * each digit's block partials of those pixels summed in block order (the
 * first copied; contiguous spans), then each task's gradient, its copies'
 * sums added in digit order, and the step written to every copy (a pair's
 * two copies in one loop).  A task's columns are adjacent; what a chunk needs
 * stays in L1. */
static void step_chunk(const pl_fused *f, const double *lrm, float *gs, size_t c0, size_t np)
{
    const size_t L = f->ldwmax, P = PL_UPDATE_PIXELS;
    const pl_fset *s = &f->set[PL_SET_TRAIN];
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
        const pl_ftask *ft = &f->task[t];
        const size_t ncol = ft->njob * ft->k;
        const float inv = ft->inv;
        float lr[PL_MAX_LIST * PL_CLASSES];   /* per column; halted: lr 0, w 0 */
        for (size_t l = 0; l < ft->njob; l++)
            for (size_t q = 0; q < ft->k; q++)
                lr[l * ft->k + q] = (float)lrm[ft->job0 + l];
        const float *part[PL_CLASSES];
        float *w[PL_CLASSES];
        size_t ldg[PL_CLASSES];
        for (int q = 0; q < ft->n; q++) {
            const pl_fgroup *g = &f->grp[ft->g[q]];
            part[q] = gs + (size_t)ft->g[q] * P * L + ft->off[q];
            w[q] = g->W + c0 * g->ldw + ft->off[q];
            ldg[q] = g->ldw;
        }
        if (ft->n == 2) {   /* the same arithmetic as below, in a loop that vectorises */
            for (size_t p = 0; p < np; p++)
                step_pair(ncol, part[0] + p * ldg[0], part[1] + p * ldg[1], lr, inv,
                          w[0] + p * ldg[0], w[1] + p * ldg[1]);
            continue;
        }
        /* a pixel's columns side by side, copy after copy (each column's sum
         * still in copy order): loops over the columns, which vectorise */
        for (size_t p = 0; p < np; p++) {
            float v[PL_MAX_LIST * PL_CLASSES];
            memcpy(v, part[0] + p * ldg[0], ncol * sizeof *v);
            for (int q = 1; q < ft->n; q++) {
                const float *pq = part[q] + p * ldg[q];
                for (size_t l = 0; l < ncol; l++)
                    v[l] += pq[l];
            }
            const float *w0 = w[0] + p * ldg[0];
            for (size_t l = 0; l < ncol; l++)
                v[l] = w0[l] - lr[l] * (v[l] * inv);
            for (int q = 0; q < ft->n; q++)
                memcpy(w[q] + p * ldg[q], v, ncol * sizeof *v);
        }
    }
}

/* step: w <- w - lr * grad for every job, PL_UPDATE_PIXELS pixels at a time:
 * the chunks are claimed, each thread its share first, then what is left of
 * the others'; thread 0 the biases. */
static void fused_step(pl_objective *o, const double *lrm, int ith, int nth)
{
    pl_fused *f = (pl_fused *)o;
    float *gs = f->gbuf + (size_t)ith * PL_CLASSES * PL_UPDATE_PIXELS * f->ldwmax;
    const size_t P = PL_UPDATE_PIXELS, nchunks = (f->dim + P - 1) / P;
    const int S = f->nshares;
    (void)nth;
    for (int q0 = 0; q0 < S; q0++) {
        size_t lo, hi, ck;
        pl_share(nchunks, 1, (ith + q0) % S, S, &lo, &hi);
        while ((ck = pl_claim_take(f->sclaim, lo, hi)) != SIZE_MAX)
            step_chunk(f, lrm, gs, ck * P, f->dim - ck * P < P ? f->dim - ck * P : P);
    }
    if (ith == 0)
        for (size_t jb = 0; jb < f->njobs; jb++) {
            const pl_ftask *ft = &f->task[f->jtask[jb]];
            const size_t c0 = ft->off[0] + (jb - ft->job0) * ft->k;
            for (size_t q = 0; q < ft->k; q++) {
                const size_t col = c0 + q;
                float b = f->halt[jb] ? 0.0f
                                      : (float)(f->grp[ft->g[0]].b[col] -
                                                lrm[jb] * f->gb[f->out0[jb] + q]);
                for (int g = 0; g < ft->n; g++)
                    f->grp[ft->g[g]].b[ft->off[g] + (jb - ft->job0) * ft->k + q] = b;
            }
        }
}

/* reset: every weight and bias to zero, each thread its range of pixels. */
static void fused_reset(pl_objective *o, int ith, int nth)
{
    pl_fused *f = (pl_fused *)o;
    size_t j0, j1;
    pl_share(f->dim, 16, ith, nth, &j0, &j1);
    for (int c = 0; c < PL_CLASSES; c++) {
        pl_fgroup *g = &f->grp[c];
        if (!g->m)
            continue;
        memset(g->W + j0 * g->ldw, 0, (j1 - j0) * g->ldw * sizeof *g->W);
        if (ith == 0)
            memset(g->b, 0, g->ldw * sizeof *g->b);
    }
    if (ith == 0)
        memset(f->halt, 0, f->njobs * sizeof *f->halt);
}

/* get: job m's weights from its first copy, output-major. */
static void fused_get(pl_objective *o, size_t m, float *W, float *b, int ith, int nth)
{
    pl_fused *f = (pl_fused *)o;
    const pl_ftask *ft = &f->task[f->jtask[m]];
    const pl_fgroup *g0 = &f->grp[ft->g[0]];
    const size_t col0 = ft->off[0] + (m - ft->job0) * ft->k;
    size_t j0, j1;
    pl_share(f->dim, 16, ith, nth, &j0, &j1);
    for (size_t q = 0; q < ft->k; q++) {
        float *w = W + q * f->dim;
        for (size_t j = j0; j < j1; j++)
            w[j] = g0->W[j * g0->ldw + col0 + q];
        if (ith == 0)
            b[q] = g0->b[col0 + q];
    }
}

/* set: job m's weights into every copy. */
static void fused_set(pl_objective *o, size_t m, const float *W, const float *b, int ith,
                      int nth)
{
    pl_fused *f = (pl_fused *)o;
    const pl_ftask *ft = &f->task[f->jtask[m]];
    size_t j0, j1;
    pl_share(f->dim, 16, ith, nth, &j0, &j1);
    for (int c = 0; c < ft->n; c++) {
        pl_fgroup *g = &f->grp[ft->g[c]];
        const size_t col0 = ft->off[c] + (m - ft->job0) * ft->k;
        for (size_t q = 0; q < ft->k; q++) {
            const float *w = W + q * f->dim;
            for (size_t j = j0; j < j1; j++)
                g->W[j * g->ldw + col0 + q] = w[j];
            if (ith == 0)
                g->b[col0 + q] = b[q];
        }
    }
}

/* grad: job m's gradient as step computes it: each digit's block partials
 * summed in block order (float, as vadd), its copies added in digit order,
 * times 1 / its rows. */
static void fused_grad(pl_objective *o, size_t m, float *G, double *gb, int ith, int nth)
{
    pl_fused *f = (pl_fused *)o;
    const pl_ftask *ft = &f->task[f->jtask[m]];
    const pl_fset *s = &f->set[PL_SET_TRAIN];
    size_t j0, j1;
    pl_share(f->dim, 16, ith, nth, &j0, &j1);
    const size_t K = ft->k;
    /* pixel by pixel, its K outputs side by side (adjacent floats of each
     * block's row): every cache line of the partials read once.  Each
     * output's sum goes over the groups, then their blocks, in that order */
    for (size_t j = j0; j < j1; j++) {
        float sum[PL_CLASSES], part[PL_CLASSES];
        for (int c = 0; c < ft->n; c++) {
            const pl_fgroup *g = &f->grp[ft->g[c]];
            const size_t at = j * g->ldw + ft->off[c] + (m - ft->job0) * K;
            const float *p0 = s->G + s->blk[g->blk0].goff + at;
            for (size_t q = 0; q < K; q++)
                part[q] = p0[q];
            for (size_t bk = g->blk0 + 1; bk < g->blk1; bk++) {
                const float *pb = s->G + s->blk[bk].goff + at;
                for (size_t q = 0; q < K; q++)
                    part[q] += pb[q];
            }
            for (size_t q = 0; q < K; q++)
                sum[q] = c == 0 ? part[q] : sum[q] + part[q];
        }
        for (size_t q = 0; q < K; q++)
            G[q * f->dim + j] = sum[q] * ft->inv;
    }
    if (ith == 0)
        for (size_t q = 0; q < ft->k; q++)
            gb[q] = f->gb[f->out0[m] + q];
}

/* halt: a diverged job's weights become zero in every copy (its step size is
 * zero from now on, and the step keeps its biases at zero), so the rest of
 * the sweep neither moves nor reads it. */
static void fused_halt(pl_objective *o, size_t m)
{
    pl_fused *f = (pl_fused *)o;
    const pl_ftask *ft = &f->task[f->jtask[m]];
    f->halt[m] = 1;
    for (int q = 0; q < ft->n; q++) {
        pl_fgroup *g = &f->grp[ft->g[q]];
        const size_t c0 = ft->off[q] + (m - ft->job0) * ft->k;
        for (size_t j = 0; j < f->dim; j++)
            memset(g->W + j * g->ldw + c0, 0, ft->k * sizeof *g->W);
    }
}

/* live: a digit group's blocks are computed while a live job has a column in
 * it; the others' partials, loss, hits and residual sums keep what the last
 * pass that computed them left (read for no live job).  The blocks and tiles
 * stay as planned, so a live job's numbers do not change. */
static void fused_live(pl_objective *o, const unsigned char *live)
{
    pl_fused *f = (pl_fused *)o;
    for (int c = 0; c < PL_CLASSES; c++) {
        f->grp[c].live = live == NULL;
        for (size_t jb = 0; live && jb < f->njobs; jb++)
            f->grp[c].live |= live[jb] && f->col[jb][c] >= 0;
    }
}

/* Cross-rank: what each exchange moves, from the windows the plan cut
 * (pl_fused_plan_rows with xr). */
int pl_fused_distribute(pl_fused *f, const pl_xrank *xr, pl_error *e)
{
    if (!xr || f->xplan != xr)
        return pl_errorf(e, PL_EINPUT, "the sweep was planned for other ranks than it is "
                         "shared over");
    f->xr = xr;
    for (int si = 0; si < 3; si++) {
        pl_fset *s = &f->set[si];
        if (!s->d)
            continue;
        const size_t *cut = s->xcut;
        size_t *at = malloc(((size_t)xr->size + 1) * sizeof *at);
        int rc = at ? PL_OK : pl_errorf(e, PL_ENOMEM, "out of memory for the ranks' shares");
        if (!rc)
            rc = pl_xgather_alloc(xr, &s->xg_blk, e);
        if (!rc)
            rc = pl_xgather_alloc(xr, &s->xg_loss, e);
        if (!rc && si == PL_SET_TRAIN)
            rc = pl_xgather_alloc(xr, &s->xg_G, e);
        if (!rc) {
            for (int r = 0; r <= xr->size; r++)
                at[r] = cut[r] * f->ldwmax * sizeof(float);
            rc = pl_xgather_set(xr, &s->xg_blk, at, e);
            for (int r = 0; !rc && r <= xr->size; r++)
                at[r] = cut[r] * f->ldwmax * sizeof(double);
            if (!rc)
                rc = pl_xgather_set(xr, &s->xg_loss, at, e);
        }
        if (!rc && si == PL_SET_TRAIN) {
            size_t end = 0;
            if (s->nblk) {
                const pl_fblock *last = &s->blk[s->nblk - 1];
                end = last->goff + f->dim * f->grp[last->g].ldw;
            }
            for (int r = 0; r <= xr->size; r++)
                at[r] = (cut[r] < s->nblk ? s->blk[cut[r]].goff : end) * sizeof(float);
            rc = pl_xgather_set(xr, &s->xg_G, at, e);
        }
        free(at);
        if (rc)
            return rc;
    }
    return PL_OK;
}

static const pl_objective_ops fused_ops = {
    .eval = fused_eval, .step = fused_step, .reset = fused_reset, .get = fused_get,
    .set = fused_set, .grad = fused_grad, .halt = fused_halt, .live = fused_live,
};
