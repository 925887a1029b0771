/*
 * lbfgs.c - batched L-BFGS over the objective interface.  See lbfgs.h.
 *
 * A model's parameters x are its K x dim weights then its K biases, in
 * double; the objective sees them as floats (set).  Per model, after each
 * pass at its trial point xt:
 *   first pass: f, g at x = 0 (or the warm start given); direction -g,
 *               first step 1 / ||g||;
 *   searching:  Armijo holds (F(xt) <= F(x) + 1e-4 t g.d): accept xt, keep
 *               (s, y) when s.y > 0, test the stops, the next direction by
 *               the two-loop recursion, step 1; else a safeguarded quadratic
 *               step back along d, at most PL_LBFGS_MAXLS times.
 *               Where F(xt) is within PL_LBFGS_FNOISE of F(x) (float passes
 *               cannot tell the two apart), the step is accepted by the
 *               gradient's slope instead (Hager and Zhang's approximate
 *               Armijo condition), so the solver goes on to the tolerance
 *               the gradient allows.
 * Stops (scipy's L-BFGS-B as scikit-learn calls it): max |g| <= tol;
 * (F_prev - F) / max(|F_prev|, |F|, 1) <= 64 eps after a measured decrease;
 * max_iter iterations; a
 * line search that finds no decrease (F has reached the precision of the
 * float pass) also ends the model, converged when max |g| is within 10 tol.
 * After each pass the objective is told which models are still going (its
 * live op, where it has one): a model that has stopped is not evaluated
 * again until the end, and the fused objective skips the rows of the digits
 * no running model uses.
 * When every model has stopped each is set to its last accepted x and
 * evaluated on the training, validation and test rows for its result.
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/lbfgs.h"
#include "train/state.h"
#include "util/clones.h"

enum { LB_START, LB_SEARCH, LB_DONE };

struct pl_lbfgs_model {
    size_t k, n;             /* outputs; parameters k * dim + k                  */
    double lambda, l1;       /* the l2 and l1 coefficients on the weights         */
    double *x, *g, *d, *xt, *gt;   /* n each (g: the smooth part's gradient)    */
    double *pg;              /* n: the pseudo-gradient at x (= g without l1)      */
    float *S, *Y;            /* PL_LBFGS_MEM * n each: the pairs, as floats       */
    double rho[PL_LBFGS_MEM], yy[PL_LBFGS_MEM];   /* 1 / s.y and y.y of each pair */
    int mem, head;           /* pairs kept; the next slot                         */
    float *wf, *gf;          /* k * dim + k floats: the trial as set, a gradient */
    double gbf[PL_CLASSES];
    double f, gtd, step;
    int state, ls, iter, passes, converged;
    int warm;                /* started from another result's optimum            */
    int need;                /* accepted a step: its next direction is due       */
    int put;                 /* a new trial in wf for set_trials                  */
};

/* Chunks of PL_LBFGS_CHUNK parameters in n (direction). */
static inline size_t chunks(size_t n)
{
    return (n + PL_LBFGS_CHUNK - 1) / PL_LBFGS_CHUNK;
}

enum { LB_NVEC = 10 };   /* the vectors model_vecs lists */

/* Model i's vectors (its n set): what pl_lbfgs_plan allocates and
 * pl_lbfgs_free frees (a pl_vecs_fn). */
static void model_vecs(void *solver, size_t i, pl_vec v[PL_STATE_MAXVEC])
{
    pl_lbfgs_model *m = &((pl_lbfgs *)solver)->m[i];
    const size_t n = m->n, h = PL_LBFGS_MEM * m->n;
    const pl_vec t[] = {
        { &m->x, NULL, n },  { &m->g, NULL, n },  { &m->d, NULL, n }, { &m->xt, NULL, n },
        { &m->gt, NULL, n }, { &m->pg, NULL, n }, { NULL, &m->S, h }, { NULL, &m->Y, h },
        { NULL, &m->wf, n }, { NULL, &m->gf, n },
    };
    _Static_assert(sizeof t / sizeof t[0] == LB_NVEC, "LB_NVEC counts the table");
    memcpy(v, t, sizeof t);
}

int pl_lbfgs_plan(pl_lbfgs *s, size_t nmodels, size_t dim, pl_error *e)
{
    s->dim = dim;
    s->m = calloc(nmodels ? nmodels : 1, sizeof *s->m);
    s->alive = calloc(nmodels ? nmodels : 1, sizeof *s->alive);
    size_t nc = 1;   /* the most chunks of a model (direction's shared sums) */
    for (size_t i = 0; i < nmodels; i++) {
        const size_t n = (size_t)s->res[i]->k * dim + (size_t)s->res[i]->k;
        nc = chunks(n) > nc ? chunks(n) : nc;
    }
    s->part = malloc(2 * PL_LBFGS_MEM * nc * sizeof *s->part);
    if (pl_state_evals(&s->ev, &s->vev, &s->tev, nmodels) || !s->m || !s->alive ||
        !s->part)   /* all set */
        goto nomem;
    for (size_t i = 0; i < nmodels; i++) {
        s->m[i].k = (size_t)s->res[i]->k;
        s->m[i].n = s->m[i].k * dim + s->m[i].k;
    }
    if (pl_state_vecs(s, nmodels, LB_NVEC, model_vecs))
        goto nomem;
    return PL_OK;
nomem:
    pl_lbfgs_free(s, nmodels);
    return pl_errorf(e, PL_ENOMEM, "out of memory for the L-BFGS state");
}

void pl_lbfgs_free(pl_lbfgs *s, size_t nmodels)
{
    if (s->m)
        pl_state_vecs_free(s, nmodels, LB_NVEC, model_vecs);
    free(s->m);
    free(s->alive);
    free(s->part);
    s->m = NULL;
    s->alive = NULL;
    s->part = NULL;
    pl_state_evals_free(&s->ev, &s->vev, &s->tev);
}

/* Model i's trial point xt as the floats the objective will see (wf), for
 * set_trials to put there.  Its owner thread. */
static void put_trial(pl_lbfgs *s, size_t i)
{
    pl_lbfgs_model *m = &s->m[i];
    for (size_t q = 0; q < m->n; q++)
        m->wf[q] = (float)m->xt[q];
    /* F and g are taken at the float point the objective sees */
    for (size_t q = 0; q < m->n; q++)
        m->xt[q] = (double)m->wf[q];
    m->put = 1;
}

/* Every model's trial that put_trial made since the owners last cleared
 * their marks into the objective, by the whole team (each thread a range
 * of every model's pixels), after a barrier that follows the put_trials.
 * No barrier at the end. */
static void set_trials(pl_lbfgs *s, int ith, int nth)
{
    for (size_t i = 0; i < s->obj->nmodels; i++)
        if (s->m[i].put)
            s->obj->ops->set(s->obj, i, s->m[i].wf, s->m[i].wf + s->m[i].k * s->dim, ith, nth);
}

/* F at the trial and its gradient into gt (the penalty on the weights
 * only), from the pass's loss and the gradient in gf and gbf. */
static double trial_value(pl_lbfgs *s, size_t i)
{
    pl_lbfgs_model *m = &s->m[i];
    const size_t nw = m->k * s->dim;
    double pen = 0, abs1 = 0;   /* (gf, gbf: the team took the gradient out) */
    for (size_t q = 0; q < nw; q++) {
        m->gt[q] = (double)m->gf[q] + m->lambda * m->xt[q];
        pen += m->xt[q] * m->xt[q];
        abs1 += fabs(m->xt[q]);
    }
    for (size_t q = 0; q < m->k; q++)
        m->gt[nw + q] = m->gbf[q];
    return s->ev[i].loss + 0.5 * m->lambda * pen + (m->l1 > 0 ? m->l1 * abs1 : 0.0);
}

/* OWL-QN's pseudo-gradient of F at x into pg: the smooth gradient plus the
 * l1 term's one-sided derivative that points downhill, 0 where neither side
 * does (a weight at 0 that should stay there).  Biases have no l1 term. */
static void pseudo(const pl_lbfgs_model *m, size_t nw)
{
    for (size_t q = 0; q < m->n; q++) {
        const double g = m->g[q];
        if (q >= nw || m->l1 == 0)
            m->pg[q] = g;
        else if (m->x[q] > 0)
            m->pg[q] = g + m->l1;
        else if (m->x[q] < 0)
            m->pg[q] = g - m->l1;
        else
            m->pg[q] = g + m->l1 < 0 ? g + m->l1 : g - m->l1 > 0 ? g - m->l1 : 0.0;
    }
}

/* The vector work of the two-loop recursion, in chunks of PL_LBFGS_CHUNK
 * parameters: a dot product over a model's n parameters is the sum, in
 * chunk order, of each chunk's pl_dot-like sum (eight lanes, then the tail),
 * whichever thread computes a chunk, so the bits do not depend on how many
 * threads share a model's recursion.  The pairs are floats (half the memory
 * traffic: a ten-class softmax reads its 40 pairs twice an iteration, 5 MB
 * as floats), the sums and d double.  Built for AVX-512 and AVX2 too
 * (util/clones.h: the same bits). */
/* sum_q a[q] b[q] over chunk c of n (a float, b double). */
PL_CLONES("avx512f", "avx2", "default")
static double chunk_dot(const float *a, const double *b, size_t n, size_t c)
{
    const size_t q0 = c * PL_LBFGS_CHUNK, len = n - q0 < PL_LBFGS_CHUNK ? n - q0 : PL_LBFGS_CHUNK;
    a += q0;
    b += q0;
    double t[8] = { 0 }, tail = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        for (int k = 0; k < 8; k++)
            t[k] += (double)a[i + k] * b[i + k];
    for (; i < len; i++)
        tail += (double)a[i] * b[i];
    return (((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))) + tail;
}

/* d += alpha v over chunk c of n. */
PL_CLONES("avx512f", "avx2", "default")
static void chunk_axpy(double *d, double alpha, const float *v, size_t n, size_t c)
{
    const size_t q0 = c * PL_LBFGS_CHUNK, len = n - q0 < PL_LBFGS_CHUNK ? n - q0 : PL_LBFGS_CHUNK;
    for (size_t i = q0; i < q0 + len; i++)
        d[i] += alpha * (double)v[i];
}

/* chunk_axpy(d, alpha, v) and then chunk_dot(a, d) over chunk c, in one pass
 * over d: the recursion's step and its next step's dot product, the same
 * operations in the same order as the two calls (the same bits), d read
 * once instead of twice. */
PL_CLONES("avx512f", "avx2", "default")
static double chunk_axpy_dot(double *d, double alpha, const float *v, const float *a, size_t n,
                             size_t c)
{
    const size_t q0 = c * PL_LBFGS_CHUNK, len = n - q0 < PL_LBFGS_CHUNK ? n - q0 : PL_LBFGS_CHUNK;
    d += q0;
    v += q0;
    a += q0;
    double t[8] = { 0 }, tail = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        for (int k = 0; k < 8; k++) {
            d[i + k] += alpha * (double)v[i + k];
            t[k] += (double)a[i + k] * d[i + k];
        }
    for (; i < len; i++) {
        d[i] += alpha * (double)v[i];
        tail += (double)a[i] * d[i];
    }
    return (((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))) + tail;
}

/* The dot product of two float vectors of n as the recursion forms its
 * sums (chunk by chunk, in chunk order): a pair's s.y and y.y. */
PL_CLONES("avx512f", "avx2", "default")
static double dot_ff(const float *a, const float *b, size_t n)
{
    double sum = 0;
    for (size_t q0 = 0; q0 < n; q0 += PL_LBFGS_CHUNK) {
        const size_t len = n - q0 < PL_LBFGS_CHUNK ? n - q0 : PL_LBFGS_CHUNK;
        double t[8] = { 0 }, tail = 0;
        size_t i = 0;
        for (; i + 8 <= len; i += 8)
            for (int k = 0; k < 8; k++)
                t[k] += (double)a[q0 + i + k] * (double)b[q0 + i + k];
        for (; i < len; i++)
            tail += (double)a[q0 + i] * (double)b[q0 + i];
        sum += (((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]))) + tail;
    }
    return sum;
}

/* d = -H pg by the two-loop recursion over the kept pairs, newest first
 * (pg = g without an l1 term), by thread ith of the nth that share the
 * model: each its chunks c = ith, ith + nth, ... of d; a dot product's
 * chunk sums meet in part (2 x PL_LBFGS_MEM x chunks(n) doubles, shared by
 * the nth) behind a barrier, and every thread adds them up alike.  nth = 1:
 * one thread alone, no barrier, part unused. */
static void direction(pl_lbfgs_model *m, double *part, int ith, int nth)
{
    double a[PL_LBFGS_MEM];
    const size_t n = m->n, nc = chunks(n);
    for (size_t c = (size_t)ith; c < nc; c += (size_t)nth) {
        const size_t q0 = c * PL_LBFGS_CHUNK, q1 = q0 + PL_LBFGS_CHUNK < n ? q0 + PL_LBFGS_CHUNK : n;
        for (size_t q = q0; q < q1; q++)
            m->d[q] = -m->pg[q];
    }
    /* the dot product of v and d, step j's: chunk sums in chunk order; with
     * AX, each chunk first takes d += alpha u (the step before, fused) */
#define DOT_AX(AX, alpha, u, v, j, out)                                                   \
    do {                                                                                  \
        double t_ = 0;                                                                    \
        if (nth == 1) {                                                                   \
            for (size_t c = 0; c < nc; c++)                                               \
                t_ += AX ? chunk_axpy_dot(m->d, alpha, u, v, n, c) : chunk_dot(v, m->d, n, c); \
        } else {                                                                          \
            double *p_ = part + (size_t)(j) * nc;                                         \
            for (size_t c = (size_t)ith; c < nc; c += (size_t)nth)                        \
                p_[c] = AX ? chunk_axpy_dot(m->d, alpha, u, v, n, c) : chunk_dot(v, m->d, n, c); \
            pl_team_barrier();                                                            \
            for (size_t c = 0; c < nc; c++)                                               \
                t_ += p_[c];                                                              \
        }                                                                                 \
        (out) = t_;                                                                       \
    } while (0)
    /* loop one: a_j = rho_j s_j.d, then d -= a_j y_j, newest pair first; each
     * step's axpy runs inside the next step's dot product */
    const float *pend = NULL;   /* the pair vector whose axpy is still to come... */
    double pa = 0;              /* ...and its coefficient (loop one: -pa)         */
    for (int j = 0; j < m->mem; j++) {
        const int slot = (m->head - 1 - j + PL_LBFGS_MEM) % PL_LBFGS_MEM;
        double sd;
        DOT_AX(pend != NULL, -pa, pend, m->S + (size_t)slot * n, j, sd);
        a[j] = m->rho[slot] * sd;
        pend = m->Y + (size_t)slot * n;
        pa = a[j];
    }
    if (pend)
        for (size_t c = (size_t)ith; c < nc; c += (size_t)nth)
            chunk_axpy(m->d, -pa, pend, n, c);
    if (m->mem) {   /* H0 = (s.y / y.y) I from the newest pair */
        const int slot = (m->head - 1 + PL_LBFGS_MEM) % PL_LBFGS_MEM;
        const double gamma = 1.0 / (m->rho[slot] * m->yy[slot]);
        for (size_t c = (size_t)ith; c < nc; c += (size_t)nth) {
            const size_t q0 = c * PL_LBFGS_CHUNK, q1 = q0 + PL_LBFGS_CHUNK < n ? q0 + PL_LBFGS_CHUNK : n;
            for (size_t q = q0; q < q1; q++)
                m->d[q] *= gamma;
        }
    }
    /* loop two: b = rho_j y_j.d, then d += (a_j - b) s_j, oldest pair first;
     * fused as loop one */
    pend = NULL;
    for (int j = m->mem - 1; j >= 0; j--) {
        const int slot = (m->head - 1 - j + PL_LBFGS_MEM) % PL_LBFGS_MEM;
        double yd;
        DOT_AX(pend != NULL, pa, pend, m->Y + (size_t)slot * n, PL_LBFGS_MEM + j, yd);
        const double b = m->rho[slot] * yd;
        pend = m->S + (size_t)slot * n;
        pa = a[j] - b;
    }
    if (pend)
        for (size_t c = (size_t)ith; c < nc; c += (size_t)nth)
            chunk_axpy(m->d, pa, pend, n, c);
#undef DOT_AX
    if (nth > 1)
        pl_team_barrier();   /* d whole for its owner */
}

/* xt = x + step d; with an l1 term, projected on x's orthant (a weight at 0
 * takes the sign -pg gives it): a weight that would cross 0 stops at 0. */
static void trial_along(pl_lbfgs_model *m, size_t nw)
{
    for (size_t q = 0; q < m->n; q++)
        m->xt[q] = m->x[q] + m->step * m->d[q];
    if (m->l1 > 0)
        for (size_t q = 0; q < nw; q++) {
            const double xi = m->x[q] != 0 ? m->x[q] : -m->pg[q];
            if (m->xt[q] * xi <= 0)
                m->xt[q] = 0.0;
        }
}

/* OWL-QN keeps the direction in the orthant -pg points to. */
static void constrain(pl_lbfgs_model *m, size_t nw)
{
    if (m->l1 > 0)
        for (size_t q = 0; q < nw; q++)
            if (m->d[q] * m->pg[q] >= 0)
                m->d[q] = 0.0;
}

/* The slope of F at the trial xt along the step s = xt - x: gt.s, and with
 * an l1 term l1 xi.s on the weights, xi the signs of the orthant the step
 * stays in (a trial is projected into it: xt's sign, or x's where xt came
 * to 0), on which the l1 term is linear.  At x the same slope is the
 * predicted decrease's pg.s. */
static double slope_at_trial(const pl_lbfgs_model *m, size_t nw)
{
    double t = 0;
    for (size_t q = 0; q < m->n; q++) {
        const double sq = m->xt[q] - m->x[q];
        if (sq == 0)
            continue;
        double g = m->gt[q];
        if (q < nw && m->l1 > 0) {
            const double at = m->xt[q] != 0 ? m->xt[q] : m->x[q];
            g += at > 0 ? m->l1 : -m->l1;
        }
        t += g * sq;
    }
    return t;
}

/* Model i after a pass at its trial point: the state machine of the file's
 * opening comment.  Its owner thread alone. */
static void advance(pl_lbfgs *s, size_t i)
{
    pl_lbfgs_model *m = &s->m[i];
    const pl_hyper *h = &s->res[i]->h;
    pl_curve *cv = s->curves[i];
    const size_t nw = m->k * s->dim;
    m->passes++;
    const double ft = trial_value(s, i);
    if (m->state == LB_START) {
        m->f = ft;
        memcpy(m->g, m->gt, m->n * sizeof *m->g);
        pseudo(m, nw);
        cv->loss[cv->len++] = s->ev[i].loss;
        const double gmax = pl_max_abs(m->pg, m->n);
        if (!isfinite(ft) || gmax <= h->tol) {
            m->converged = isfinite(ft);
            m->state = LB_DONE;
            return;
        }
        for (size_t q = 0; q < m->n; q++)
            m->d[q] = -m->pg[q];
        m->gtd = -pl_dot(m->pg, m->pg, m->n);
        /* from zero, a step of length 1; from a warm start (a neighbour's
         * optimum, where the gradient is small) no longer than 1 / ||g|| */
        m->step = m->warm ? fmin(1.0, 1.0 / sqrt(-m->gtd)) : 1.0 / sqrt(-m->gtd);
        m->state = LB_SEARCH;
        m->ls = 0;
        trial_along(m, nw);
        put_trial(s, i);
        return;
    }
    /* Armijo along the (projected) step: the predicted decrease is pg.(xt - x),
     * which is step * pg.d when nothing was projected */
    double pred = m->step * m->gtd;
    if (m->l1 > 0) {
        pred = 0;
        for (size_t q = 0; q < m->n; q++)
            pred += m->pg[q] * (m->xt[q] - m->x[q]);
    }
    /* (a step the float rounding of the trial undid predicts no decrease:
     * not an iteration).  Where F moved by less than the float passes
     * resolve, Hager and Zhang's approximate Armijo condition instead: the
     * slope at the trial along the step <= (1 - 2e-4) |the slope at x|,
     * which is Armijo's on a quadratic, read from the gradient, which keeps
     * its precision there (slope_at_trial: with an l1 term, F on the
     * orthant the step stays in, where it is smooth) */
    const int armijo = isfinite(ft) && ft <= m->f + 1e-4 * pred && pred < 0;
    const int approx = !armijo && isfinite(ft) && pred < 0 &&
                       fabs(ft - m->f) <= PL_LBFGS_FNOISE * fabs(m->f) &&
                       slope_at_trial(m, nw) <= (1.0 - 2e-4) * -pred;
    if (armijo || approx) {
        /* accepted: the pair, the stops, the next direction */
        float *sv = m->S + (size_t)m->head * m->n, *yv = m->Y + (size_t)m->head * m->n;
        for (size_t q = 0; q < m->n; q++) {
            sv[q] = (float)(m->xt[q] - m->x[q]);
            yv[q] = (float)(m->gt[q] - m->g[q]);
        }
        /* s.y and y.y of the pair as kept (floats), which the recursion uses */
        const double sy = dot_ff(sv, yv, m->n), yy = dot_ff(yv, yv, m->n);
        if (sy > DBL_EPSILON * yy) {
            m->rho[m->head] = 1.0 / sy;
            m->yy[m->head] = yy;
            m->head = (m->head + 1) % PL_LBFGS_MEM;
            m->mem += m->mem < PL_LBFGS_MEM;
        }
        const double fprev = m->f;
        memcpy(m->x, m->xt, m->n * sizeof *m->x);
        memcpy(m->g, m->gt, m->n * sizeof *m->g);
        m->f = ft;
        m->iter++;
        pseudo(m, nw);
        cv->loss[cv->len++] = s->ev[i].loss;
        const double gmax = pl_max_abs(m->pg, m->n);
        const double scale = fmax(fmax(fabs(fprev), fabs(ft)), 1.0);
        if (gmax <= h->tol || (armijo && (fprev - ft) / scale <= 64 * DBL_EPSILON)) {
            m->converged = 1;
            m->state = LB_DONE;
            return;
        }
        if (m->iter >= h->max_iter) {
            m->state = LB_DONE;
            return;
        }
        m->need = 1;   /* the direction next (pl_lbfgs_run), then head_off */
        return;
    } else {
        if (++m->ls >= PL_LBFGS_MAXLS) {   /* no decrease left to find in float */
            m->converged = pl_max_abs(m->pg, m->n) <= 10 * h->tol;
            m->state = LB_DONE;
            return;
        }
        /* the minimum of the quadratic through F(x), its slope and F(xt),
         * kept within [0.1, 0.5] of the step */
        double t = m->step;
        double q = isfinite(ft) ? -m->gtd * t * t / (2.0 * (ft - m->f - m->gtd * t)) : 0.1 * t;
        m->step = q < 0.1 * t ? 0.1 * t : q > 0.5 * t ? 0.5 * t : q;
    }
    trial_along(m, nw);
    put_trial(s, i);
}

/* Model i once its direction d is made (advance left need set): kept in the
 * orthant, checked for descent, the first trial along it into the
 * objective.  Its owner thread alone. */
static void head_off(pl_lbfgs *s, size_t i)
{
    pl_lbfgs_model *m = &s->m[i];
    const size_t nw = m->k * s->dim;
    constrain(m, nw);
    m->gtd = pl_dot(m->pg, m->d, m->n);
    if (!(m->gtd < 0)) {   /* not a descent direction: start the memory again */
        m->mem = 0;
        for (size_t q = 0; q < m->n; q++)
            m->d[q] = -m->pg[q];
        m->gtd = -pl_dot(m->pg, m->pg, m->n);
    }
    m->step = 1.0;
    m->ls = 0;
    trial_along(m, nw);
    put_trial(s, i);
}

void pl_lbfgs_run(pl_lbfgs *s, int ith, int nth)
{
    pl_objective *o = s->obj;
    const size_t nm = o->nmodels;
    o->ops->reset(o, ith, nth);
    if (ith == 0) {
        for (size_t i = 0; i < nm; i++) {
            pl_lbfgs_model *m = &s->m[i];
            const pl_hyper *h = &s->res[i]->h;
            const double lam = h->penalty == PL_PENALTY_NONE ? 0.0
                                                             : 1.0 / (h->C * (double)s->res[i]->train_rows);
            const double a = h->penalty == PL_PENALTY_L1 ? 1.0
                             : h->penalty == PL_PENALTY_ELASTICNET ? h->l1_ratio : 0.0;
            m->lambda = (1.0 - a) * lam;
            m->l1 = a * lam;
            memset(m->x, 0, m->n * sizeof *m->x);
            memset(m->pg, 0, m->n * sizeof *m->pg);
            memset(m->xt, 0, m->n * sizeof *m->xt);
            m->state = LB_START;
            m->mem = m->head = m->iter = m->passes = m->converged = m->warm = m->need = m->put = 0;
            s->curves[i]->len = 0;
        }
        s->live = nm;
        s->interrupted = 0;
        s->t0 = omp_get_wtime();
        if (o->ops->live)
            o->ops->live(o, NULL);
    }
    pl_team_barrier();
    /* warm starts: the first pass at the start given, as if a trial */
    for (size_t i = (size_t)ith; s->init && i < nm; i += (size_t)nth) {
        const pl_result *r0 = s->init[i];
        pl_lbfgs_model *m = &s->m[i];
        if (!r0 || (size_t)r0->k != m->k)
            continue;
        const size_t nw = m->k * s->dim;
        for (size_t q = 0; q < nw; q++)
            m->xt[q] = r0->w[q];
        for (size_t q = 0; q < m->k; q++)
            m->xt[nw + q] = r0->b[q];
        put_trial(s, i);
        memcpy(m->x, m->xt, m->n * sizeof *m->x);
        m->warm = 1;
    }
    pl_team_barrier();
    set_trials(s, ith, nth);
    pl_team_barrier();
    int it = 0;
    while (s->live) {
        o->ops->eval(o, PL_SET_TRAIN, 1, s->ev, ith, nth);
        /* the running models' gradients out of the objective, by the team */
        for (size_t i = 0; i < nm; i++)
            if (s->m[i].state != LB_DONE)
                o->ops->grad(o, i, s->m[i].gf, s->m[i].gbf, ith, nth);
        pl_team_barrier();
        for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
            /* every thread read the marks before the eval: a mark cleared
             * earlier could change another thread's count of the due */
            s->m[i].put = s->m[i].need = 0;
            if (s->m[i].state != LB_DONE)
                advance(s, i);
        }
        /* the directions due: where fewer models need one than there are
         * threads (a ten-class softmax alone), the team shares each model's
         * recursion, chunk by chunk, one model after another; else each
         * owner makes its own (the same bits either way: direction) */
        pl_team_barrier();
        size_t due = 0;
        for (size_t i = 0; i < nm; i++)
            due += s->m[i].need && chunks(s->m[i].n) > 1;
        const int team = nth > 1 && due > 0 && due < (size_t)nth;
        for (size_t i = 0; team && i < nm; i++)
            if (s->m[i].need && chunks(s->m[i].n) > 1)
                direction(&s->m[i], s->part, ith, nth);
        for (size_t i = (size_t)ith; i < nm; i += (size_t)nth)
            if (s->m[i].need) {
                if (!team || chunks(s->m[i].n) == 1)
                    direction(&s->m[i], NULL, 0, 1);
                head_off(s, i);
            }
        pl_team_barrier();
        set_trials(s, ith, nth);
        if (ith == 0) {
            if (s->progress)
                s->progress(s->progress_ctx, 0, 1, ++it, 0);
            /* over ranks, every rank stops at the same pass (xrank.h) */
            s->interrupted = pl_xrank_any(s->xr, s->stop && *s->stop);
        }
        pl_team_barrier();
        if (ith == 0) {
            size_t live = 0;
            for (size_t i = 0; i < nm; i++) {
                s->alive[i] = s->m[i].state != LB_DONE;
                live += s->alive[i];
            }
            s->live = s->interrupted ? 0 : live;
            /* the next passes need only the models still going (the fused
             * objective skips the rows of digits none of them uses) */
            if (o->ops->live)
                o->ops->live(o, s->live ? s->alive : NULL);
        }
        pl_team_barrier();
    }

    /* every model at its last accepted point, evaluated for its result */
    for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
        pl_lbfgs_model *m = &s->m[i];
        m->put = 0;
        memcpy(m->xt, m->x, m->n * sizeof *m->x);
        put_trial(s, i);
    }
    pl_team_barrier();
    set_trials(s, ith, nth);
    pl_team_barrier();
    o->ops->eval(o, PL_SET_TRAIN, 0, s->ev, ith, nth);
    if (o->has_val)
        o->ops->eval(o, PL_SET_VAL, 0, s->vev, ith, nth);
    if (o->has_test)
        o->ops->eval(o, PL_SET_TEST, 0, s->tev, ith, nth);
    for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
        pl_lbfgs_model *m = &s->m[i];
        pl_result *r = s->res[i];
        const size_t nw = m->k * s->dim;
        for (size_t q = 0; q < nw; q++)
            r->w[q] = m->wf[q];
        for (size_t q = 0; q < m->k; q++)
            r->b[q] = m->wf[nw + q];
        const int ok = m->state == LB_DONE && isfinite(m->f);
        r->status = ok ? PL_RUN_OK : s->interrupted ? PL_RUN_INTERRUPTED : PL_RUN_DIVERGED;
        r->iterations = m->iter;
        r->passes = m->passes;
        r->converged = m->converged;
        r->objective = m->f;
        r->grad_norm = pl_max_abs(m->pg, m->n);
        r->nonzero = 0;
        for (size_t q = 0; q < nw; q++)
            r->nonzero += m->wf[q] != 0.0f;
        pl_state_figures(r, ok, o, s->ev, s->vev, s->tev, i);
        r->seconds = omp_get_wtime() - s->t0;
    }
    pl_team_barrier();
}
