/*
 * minibatch.c - the mini-batch objective.  See minibatch.h.
 *
 * A pass over a list of rows works chunk by chunk.  In a chunk every thread
 * takes its share of the pieces: gathers their rows as floats, the forward
 * product (calls of PL_DMR rows), each row's model hits (from z + b, before
 * the link turns Z into residuals) and the link, into the piece's own loss
 * and hit slots.  After a barrier, with a gradient, every thread adds the
 * chunk's backward product to its share of the pixel runs of G, and thread 0
 * the residuals to the bias sums; thread 0 also adds the pieces' slots, in
 * piece order, to the pass's sums.  A second barrier ends the chunk (the
 * next one overwrites X and Z).  Shares depend on the team, what a piece or a
 * run computes does not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/minibatch.h"

#define NPIECE ((PL_MB_CHUNK + PL_DTILE - 1) / PL_DTILE)

static void *zalloc(size_t bytes)
{
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes ? bytes : 64);
    return p;
}

void pl_mbatch_free(pl_mbatch *o)
{
    free(o->W);
    free(o->b);
    free(o->G);
    free(o->gb);
    free(o->y);
    free(o->out);
    free(o->X);
    free(o->Z);
    free(o->ploss);
    free(o->phits);
    free(o->pjunk);
    free(o->loss);
    free(o->hits);
    free(o->halted);
    free(o->D);
    free(o->db);
    free(o->U);
    free(o->GH);
    free(o->ghb);
    for (int s = 0; s < 3; s++)
        free(o->set[s].rows);
    memset(o, 0, sizeof *o);
}

/* The task's rows of d, in dataset order. */
static int set_rows(pl_mbset *s, const pl_dataset *d, pl_task t, pl_error *e)
{
    s->d = d;
    s->n = 0;
    s->rows = malloc((d->n ? d->n : 1) * sizeof *s->rows);
    if (!s->rows)
        return pl_errorf(e, PL_ENOMEM, "out of memory for the mini-batch rows");
    for (size_t r = 0; r < d->n; r++)
        if (pl_task_uses(t, d->label[r]))
            s->rows[s->n++] = (unsigned)r;
    return PL_OK;
}

/* One row's hits of every model, from z + b (before the link). */
static void row_hits(const pl_mbatch *o, const float *z, int c, float *hit)
{
    for (size_t j = 0; j < o->J; j++) {
        const float *zj = z + j * o->K, *bj = o->b + j * o->K;
        if (o->task.kind == PL_KIND_BINARY) {
            const double u = (double)zj[0] + (double)bj[0];
            hit[j] += (float)((u > 0) == (c == o->task.pos));
            continue;
        }
        size_t top = 0;
        double best = (double)zj[0] + (double)bj[0];
        for (size_t k = 1; k < o->K; k++) {
            const double u = (double)zj[k] + (double)bj[k];
            if (u > best) {
                best = u;
                top = k;
            }
        }
        hit[j] += (float)((int)top == o->out[c]);
    }
}

/* What a pass computes. */
enum { MB_EVAL, MB_GRAD, MB_HV };

/* One row's Hessian-times-direction residuals into r (= z on entry):
 * u = x.D + db per column (u on entry), p the link at z + b; per sigmoid
 * column r = p (1 - p) u, per softmax model r_k = p_k (u_k - sum_l p_l u_l). */
static void curvature(const pl_mbatch *o, float *z, const float *u)
{
    for (size_t j = 0; j < o->J; j++) {
        float *zj = z + j * o->K;
        const float *uj = u + j * o->K, *bj = o->b + j * o->K, *dj = o->db + j * o->K;
        double p[PL_SMAX_K], top = -INFINITY, sum = 0.0, pu = 0.0;
        if (o->task.kind != PL_KIND_SOFTMAX) {
            for (size_t k = 0; k < o->K; k++) {
                const double v = (double)zj[k] + (double)bj[k], q = 1.0 / (1.0 + exp(-v));
                zj[k] = (float)(q * (1.0 - q) * ((double)uj[k] + (double)dj[k]));
            }
            continue;
        }
        for (size_t k = 0; k < o->K; k++) {
            p[k] = (double)zj[k] + (double)bj[k];
            top = p[k] > top ? p[k] : top;
        }
        for (size_t k = 0; k < o->K; k++) {
            p[k] = exp(p[k] - top);
            sum += p[k];
        }
        for (size_t k = 0; k < o->K; k++) {
            p[k] /= sum;
            pu += p[k] * ((double)uj[k] + (double)dj[k]);
        }
        for (size_t k = 0; k < o->K; k++)
            zj[k] = (float)(p[k] * ((double)uj[k] + (double)dj[k] - pu));
    }
}

/* Piece p of a chunk: rows idx[r0 .. r0 + nr) of the set. */
static void piece(pl_mbatch *o, const pl_mbset *s, const unsigned *idx, size_t r0, size_t nr,
                  size_t p, int mode)
{
    const pl_kernels *k = o->k;
    const size_t ldw = o->ldw, ldx = o->ldx, i0 = p * PL_DTILE;
    float *X = o->X + i0 * ldx, *Z = o->Z + i0 * ldw;
    double *loss = o->ploss + p * ldw;
    float *hit = o->phits + p * ldw;
    float *junk = o->pjunk + p * ldw;   /* the links' own hits: not used */
    memset(loss, 0, ldw * sizeof *loss);
    memset(hit, 0, ldw * sizeof *hit);
    const float xs = 1.0f / (float)pl_pixel_max(s->d->pixel_max);
    for (size_t i = 0; i < nr; i++) {
        const size_t q = idx ? idx[r0 + i] : r0 + i;
        k->u8f(s->d->pix + (size_t)s->rows[q] * o->dim, o->dim, xs, X + i * ldx);
    }
    for (size_t i = 0; i < nr; i += PL_DMR) {
        const size_t n = nr - i < PL_DMR ? nr - i : PL_DMR;
        k->dfwd(X + i * ldx, ldx, n, o->dim, o->W, ldw, ldw, Z + i * ldw, ldw);
        if (mode == MB_HV)
            k->dfwd(X + i * ldx, ldx, n, o->dim, o->D, ldw, ldw, o->U + (i0 + i) * ldw, ldw);
    }
    if (mode == MB_HV) {
        for (size_t i = 0; i < nr; i++)
            curvature(o, Z + i * ldw, o->U + (i0 + i) * ldw);
        return;
    }
    for (size_t i = 0; i < nr; i++) {
        const size_t q = idx ? idx[r0 + i] : r0 + i;
        const int c = s->d->label[s->rows[q]];
        float *z = Z + i * ldw;
        row_hits(o, z, c, hit);
        if (o->task.kind == PL_KIND_SOFTMAX)
            for (size_t j = 0; j < o->J; j++)
                k->smlink(1, o->K, z + j * o->K, ldw, o->b + j * o->K, o->out[c],
                          z + j * o->K, ldw, loss + j * o->K, junk, NULL);
        else
            k->link(1, ldw, z, ldw, o->b, o->y + (size_t)c * ldw, z, ldw, loss, junk, NULL);
    }
}

/* A pass over rows idx[0..n) of set s (idx NULL: all of them): loss and
 * hit sums into o->loss, o->hits (model j's at j), with grad the gradient
 * sums into G and gb.  Every thread; ends with a barrier. */
static void pass(pl_mbatch *o, const pl_mbset *s, const unsigned *idx, size_t n, int mode,
                 int ith, int nth)
{
    const size_t ldw = o->ldw, ldx = o->ldx, dim = o->dim;
    const int grad = mode != MB_EVAL;
    float *G = mode == MB_HV ? o->GH : o->G;
    double *gb = mode == MB_HV ? o->ghb : o->gb;
    const size_t nruns = (dim + PL_MB_PIXELS - 1) / PL_MB_PIXELS;
    size_t q0, q1;
    pl_share(nruns, 1, ith, nth, &q0, &q1);
    if (grad) {
        const size_t j0 = q0 * PL_MB_PIXELS, j1 = q1 * PL_MB_PIXELS < dim ? q1 * PL_MB_PIXELS : dim;
        memset(G + j0 * ldw, 0, (j1 - j0) * ldw * sizeof *G);
    }
    if (ith == 0) {
        memset(o->loss, 0, ldw * sizeof *o->loss);
        memset(o->hits, 0, ldw * sizeof *o->hits);
        if (grad)
            memset(gb, 0, ldw * sizeof *gb);
        if (mode == MB_GRAD)   /* read by step, pstep and grad, after the pass's barriers */
            o->inv = n ? 1.0 / (double)n : 0.0;
    }
    for (size_t c0 = 0; c0 < n; c0 += PL_MB_CHUNK) {
        const size_t nc = n - c0 < PL_MB_CHUNK ? n - c0 : PL_MB_CHUNK;
        const size_t np = (nc + PL_DTILE - 1) / PL_DTILE;
        size_t p0, p1;
        pl_share(np, 1, ith, nth, &p0, &p1);
        for (size_t p = p0; p < p1; p++) {
            const size_t r = p * PL_DTILE, nr = nc - r < PL_DTILE ? nc - r : PL_DTILE;
            piece(o, s, idx, c0 + r, nr, p, mode);
        }
        pl_team_barrier();
        if (grad)
            for (size_t q = q0; q < q1; q++) {
                const size_t j = q * PL_MB_PIXELS, nj = dim - j < PL_MB_PIXELS ? dim - j
                                                                                : PL_MB_PIXELS;
                for (size_t i = 0; i < nc; i += PL_DTILE) {
                    const size_t nr = nc - i < PL_DTILE ? nc - i : PL_DTILE;
                    o->k->dbwd(o->X + i * ldx + j, ldx, nr, nj, o->Z + i * ldw, ldw, ldw,
                               G + j * ldw, ldw);
                }
            }
        if (ith == 0) {
            for (size_t p = 0; p < np && mode != MB_HV; p++)
                for (size_t j = 0; j < o->J; j++) {
                    double l = 0.0;
                    for (size_t q = 0; q < o->K; q++)
                        l += o->ploss[p * ldw + j * o->K + q];
                    o->loss[j] += l;
                    o->hits[j] += (double)o->phits[p * ldw + j];
                }
            if (grad)
                for (size_t i = 0; i < nc; i++)
                    for (size_t q = 0; q < o->m; q++)
                        gb[q] += (double)o->Z[i * ldw + q];
        }
        pl_team_barrier();
    }
}

static void mb_eval(pl_objective *base, int set, int grad, pl_eval *ev, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    const pl_mbset *s = &o->set[set];
    pass(o, s, NULL, s->n, grad && set == PL_SET_TRAIN ? MB_GRAD : MB_EVAL, ith, nth);
    for (size_t j = 0; ith == 0 && j < o->J; j++) {   /* ev is shared: thread 0 writes it */
        const double n = (double)s->n;   /* no row of the task in the set: NaN, as fused */
        ev[j] = (pl_eval){ .loss = s->n ? o->loss[j] / n : NAN,
                           .acc = s->n ? o->hits[j] / n : NAN, .n = s->n };
    }
    pl_team_barrier();   /* written before anyone reads it */
}

static void mb_batch(pl_objective *base, const unsigned *rows, size_t n, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    pass(o, &o->set[PL_SET_TRAIN], rows, n, MB_GRAD, ith, nth);
}

/*
 * One model's K x dim block copied for this thread's share of the pixels j:
 * element (output k, pixel j) from from[k * fk + j * fj] to
 * to[k * tk + j * tj].  With scale (not NULL) each value is widened to
 * double, multiplied by *scale and rounded back to float; without, copied as
 * is.  The objective's matrices (W, G, D, GH) hold model m's block at
 * A + m * K with strides (1, ldw), model-major; the interface's arrays at U
 * with strides (dim, 1), output-major.  The biases are the caller's.
 */
static void copy_block(const pl_mbatch *o, const float *from, size_t fk, size_t fj, float *to,
                       size_t tk, size_t tj, const double *scale, int ith, int nth)
{
    size_t j0, j1;
    pl_share(o->dim, 16, ith, nth, &j0, &j1);
    for (size_t k = 0; k < o->K; k++)
        for (size_t j = j0; j < j1; j++)
            to[k * tk + j * tj] = scale ? (float)((double)from[k * fk + j * fj] * *scale)
                                        : from[k * fk + j * fj];
}

/* Model m's weights W (K x dim, output-major) and biases b into the
 * objective's A and a (laid out as its W and b): this thread's pixels,
 * thread 0 the biases. */
static void model_in(const pl_mbatch *o, size_t m, const float *W, const float *b, float *A,
                     float *a, int ith, int nth)
{
    copy_block(o, W, o->dim, 1, A + m * o->K, 1, o->ldw, NULL, ith, nth);
    for (size_t k = 0; ith == 0 && k < o->K; k++)
        a[m * o->K + k] = b[k];
}

/* Model m's sums A and a of the objective (laid out as its G and gb) times
 * scale, out to G (K x dim, output-major, as floats) and gb: this thread's
 * pixels, thread 0 the biases. */
static void sums_out(const pl_mbatch *o, size_t m, const float *A, const double *a,
                     double scale, float *G, double *gb, int ith, int nth)
{
    copy_block(o, A + m * o->K, 1, o->ldw, G, o->dim, 1, &scale, ith, nth);
    for (size_t k = 0; ith == 0 && k < o->K; k++)
        gb[k] = a[m * o->K + k] * scale;
}

/* Model m's direction (K x dim, output-major, and K biases) for hv. */
static void mb_dir(pl_objective *base, size_t m, const float *D, const float *db, int ith,
                   int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    model_in(o, m, D, db, o->D, o->db, ith, nth);
}

/* Every model's Hessian of the mean loss at its parameters times its
 * direction, over the training rows. */
static void mb_hv(pl_objective *base, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    const pl_mbset *s = &o->set[PL_SET_TRAIN];
    pass(o, s, NULL, s->n, MB_HV, ith, nth);
}

/* Model m's product from the last hv: HD (K x dim) and hb (K), divided by
 * the rows. */
static void mb_hvget(pl_objective *base, size_t m, float *HD, double *hb, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    const pl_mbset *s = &o->set[PL_SET_TRAIN];
    const double inv = s->n ? 1.0 / (double)s->n : 0.0;
    sums_out(o, m, o->GH, o->ghb, inv, HD, hb, ith, nth);
}

/* Model j's weights and biases, W <- prox(W - lr (G inv + l2 W)), over this
 * thread's pixels (thread 0: the biases too). */
static void update(pl_mbatch *o, const double *lr, const double *l2, const double *l1,
                   int ith, int nth)
{
    size_t j0, j1;
    pl_share(o->dim, 16, ith, nth, &j0, &j1);
    for (size_t m = 0; m < o->J; m++) {
        if (o->halted[m] || lr[m] == 0.0)
            continue;
        const double a = lr[m], c2 = l2 ? l2[m] : 0.0, t = l1 ? lr[m] * l1[m] : 0.0;
        for (size_t j = j0; j < j1; j++) {
            float *w = o->W + j * o->ldw + m * o->K;
            const float *g = o->G + j * o->ldw + m * o->K;
            for (size_t k = 0; k < o->K; k++) {
                double v = (double)w[k] - a * ((double)g[k] * o->inv + c2 * (double)w[k]);
                if (t > 0.0)
                    v = v > t ? v - t : v < -t ? v + t : 0.0;
                w[k] = (float)v;
            }
        }
        if (ith == 0)
            for (size_t k = 0; k < o->K; k++)
                o->b[m * o->K + k] = (float)((double)o->b[m * o->K + k] -
                                             a * o->gb[m * o->K + k] * o->inv);
    }
}

static void mb_step(pl_objective *base, const double *lr, int ith, int nth)
{
    update((pl_mbatch *)base, lr, NULL, NULL, ith, nth);
}

static void mb_pstep(pl_objective *base, const double *lr, const double *l2, const double *l1,
                     int ith, int nth)
{
    update((pl_mbatch *)base, lr, l2, l1, ith, nth);
}

static void mb_reset(pl_objective *base, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    size_t j0, j1;
    pl_share(o->dim, 16, ith, nth, &j0, &j1);
    memset(o->W + j0 * o->ldw, 0, (j1 - j0) * o->ldw * sizeof *o->W);
    if (ith == 0) {
        memset(o->b, 0, o->ldw * sizeof *o->b);
        memset(o->halted, 0, o->J * sizeof *o->halted);
    }
}

static void mb_get(pl_objective *base, size_t m, float *W, float *b, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    copy_block(o, o->W + m * o->K, 1, o->ldw, W, o->dim, 1, NULL, ith, nth);
    for (size_t k = 0; ith == 0 && k < o->K; k++)
        b[k] = o->b[m * o->K + k];
}

static void mb_set(pl_objective *base, size_t m, const float *W, const float *b, int ith,
                   int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    model_in(o, m, W, b, o->W, o->b, ith, nth);
}

static void mb_grad(pl_objective *base, size_t m, float *G, double *gb, int ith, int nth)
{
    pl_mbatch *o = (pl_mbatch *)base;
    sums_out(o, m, o->G, o->gb, o->inv, G, gb, ith, nth);
}

static void mb_halt(pl_objective *base, size_t m)
{
    pl_mbatch *o = (pl_mbatch *)base;
    o->halted[m] = 1;
    for (size_t j = 0; j < o->dim; j++)
        memset(o->W + j * o->ldw + m * o->K, 0, o->K * sizeof *o->W);
    memset(o->b + m * o->K, 0, o->K * sizeof *o->b);
}

static const pl_objective_ops mb_ops = {
    .eval = mb_eval, .step = mb_step, .reset = mb_reset, .get = mb_get, .set = mb_set,
    .grad = mb_grad, .halt = mb_halt, .batch = mb_batch, .pstep = mb_pstep,
    .dir = mb_dir, .hv = mb_hv, .hvget = mb_hvget,
};

int pl_mbatch_plan(pl_mbatch *o, const pl_kernels *k, pl_task t, size_t J,
                   const pl_dataset *train, const pl_dataset *val, const pl_dataset *test,
                   pl_error *e)
{
    memset(o, 0, sizeof *o);
    o->k = k;
    o->task = t;
    o->dim = train->dim;
    o->K = (size_t)pl_task_outputs(t);
    o->J = J;
    if (t.kind == PL_KIND_SOFTMAX && o->K > PL_SMAX_K)
        return pl_errorf(e, PL_EINPUT, "softmax over %zu classes: at most %d", o->K, PL_SMAX_K);
    o->m = J * o->K;
    o->ldw = (o->m + PL_MCOLS - 1) / PL_MCOLS * PL_MCOLS;
    o->ldx = (o->dim + 15) / 16 * 16;
    const size_t ldw = o->ldw;
    o->W = zalloc(o->dim * ldw * sizeof *o->W);
    o->b = zalloc(ldw * sizeof *o->b);
    o->G = zalloc(o->dim * ldw * sizeof *o->G);
    o->gb = zalloc(ldw * sizeof *o->gb);
    o->y = zalloc(PL_CLASSES * ldw * sizeof *o->y);
    o->out = zalloc(PL_CLASSES * sizeof *o->out);
    o->X = zalloc(PL_MB_CHUNK * o->ldx * sizeof *o->X);
    o->Z = zalloc(PL_MB_CHUNK * ldw * sizeof *o->Z);
    o->ploss = zalloc(NPIECE * ldw * sizeof *o->ploss);
    o->phits = zalloc(NPIECE * ldw * sizeof *o->phits);
    o->pjunk = zalloc(NPIECE * ldw * sizeof *o->pjunk);
    o->loss = zalloc(ldw * sizeof *o->loss);
    o->hits = zalloc(ldw * sizeof *o->hits);
    o->halted = zalloc(J * sizeof *o->halted);
    o->D = zalloc(o->dim * ldw * sizeof *o->D);
    o->db = zalloc(ldw * sizeof *o->db);
    o->U = zalloc(PL_MB_CHUNK * ldw * sizeof *o->U);
    o->GH = zalloc(o->dim * ldw * sizeof *o->GH);
    o->ghb = zalloc(ldw * sizeof *o->ghb);
    if (!o->D || !o->db || !o->U || !o->GH || !o->ghb || !o->W || !o->b || !o->G || !o->gb || !o->y || !o->out || !o->X || !o->Z ||
        !o->ploss || !o->phits || !o->pjunk || !o->loss || !o->hits || !o->halted) {
        pl_mbatch_free(o);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the mini-batch objective");
    }
    for (int c = 0; c < PL_CLASSES; c++) {
        o->out[c] = t.kind == PL_KIND_BINARY ? (c == t.pos ? 0 : -1)
                                             : pl_task_output_of(t, c);
        for (size_t j = 0; j < J; j++)
            for (size_t q = 0; q < o->K; q++)
                o->y[(size_t)c * ldw + j * o->K + q] =
                    t.kind == PL_KIND_BINARY ? (float)(c == t.pos)
                                             : (float)((int)q == o->out[c]);
    }
    const pl_dataset *sets[3] = { train, val, test };
    for (int s = 0; s < 3; s++) {
        if (!sets[s] || sets[s]->n == 0)
            continue;
        int rc = set_rows(&o->set[s], sets[s], t, e);
        if (rc) {
            pl_mbatch_free(o);
            return rc;
        }
    }
    o->base = (pl_objective){ .ops = &mb_ops, .nmodels = J, .has_val = o->set[1].d != NULL,
                              .has_test = o->set[2].d != NULL };
    return PL_OK;
}
