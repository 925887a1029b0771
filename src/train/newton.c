/*
 * newton.c - trust-region Newton-CG over the objective interface.  See
 * newton.h.
 *
 * A model's parameters are its K x dim weights then its K biases, in double;
 * the objective sees floats (set, dir).  Per model, a state:
 *   NT_CG     in its conjugate gradients: after each hv pass, one CG step;
 *   NT_TRIAL  its step s is ready: waits for the evaluation pass at W + s;
 *   NT_DONE   stopped.
 * The loop: while a model is in NT_CG, hv passes; else every live model's
 * trial point goes into the objective and one eval pass (with the gradient)
 * decides each one (accept or not, the new delta, the stops, a new CG).
 * Between passes every model's parameters in the objective are its accepted
 * point W (the Hessian is taken there): a rejected trial is put back.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "train/newton.h"
#include "train/state.h"

enum { NT_CG, NT_TRIAL, NT_DONE };

/* liblinear's trust-region constants (newton.cpp) */
#define ETA0 1e-4
#define ETA1 0.25
#define ETA2 0.75
#define SIGMA1 0.25
#define SIGMA2 0.5
#define SIGMA3 4.0
#define CG_EPS 0.1

struct pl_newton_model {
    size_t k, n, nw;         /* outputs; parameters; weights among them           */
    double lambda;           /* the l2 coefficient on the weights                 */
    double *w, *g, *s, *r, *d, *hd;   /* n each                                  */
    float *wf, *df, *hf;     /* n floats: what the objective is given / gives    */
    double hb[PL_CLASSES];
    double f, delta, rtr, cgtol, gs;
    int state, iter, passes, cg, converged, first;
};

enum { NT_NVEC = 9 };   /* the vectors model_vecs lists */

/* Model i's vectors (its n set): what pl_newton_plan allocates and
 * pl_newton_free frees (a pl_vecs_fn). */
static void model_vecs(void *solver, size_t i, pl_vec v[PL_STATE_MAXVEC])
{
    pl_newton_model *m = &((pl_newton *)solver)->m[i];
    const size_t n = m->n;
    const pl_vec t[] = {
        { &m->w, NULL, n },  { &m->g, NULL, n },  { &m->s, NULL, n },  { &m->r, NULL, n },
        { &m->d, NULL, n },  { &m->hd, NULL, n }, { NULL, &m->wf, n }, { NULL, &m->df, n },
        { NULL, &m->hf, n },
    };
    _Static_assert(sizeof t / sizeof t[0] == NT_NVEC, "NT_NVEC counts the table");
    memcpy(v, t, sizeof t);
}

int pl_newton_plan(pl_newton *s, size_t nmodels, size_t dim, pl_error *e)
{
    s->dim = dim;
    s->m = calloc(nmodels ? nmodels : 1, sizeof *s->m);
    if (pl_state_evals(&s->ev, &s->vev, &s->tev, nmodels) || !s->m)   /* both set */
        goto nomem;
    for (size_t i = 0; i < nmodels; i++) {
        pl_newton_model *m = &s->m[i];
        m->k = (size_t)s->res[i]->k;
        m->nw = m->k * dim;
        m->n = m->nw + m->k;
    }
    if (pl_state_vecs(s, nmodels, NT_NVEC, model_vecs))
        goto nomem;
    return PL_OK;
nomem:
    pl_newton_free(s, nmodels);
    return pl_errorf(e, PL_ENOMEM, "out of memory for the Newton state");
}

void pl_newton_free(pl_newton *s, size_t nmodels)
{
    if (s->m)
        pl_state_vecs_free(s, nmodels, NT_NVEC, model_vecs);
    free(s->m);
    s->m = NULL;
    pl_state_evals_free(&s->ev, &s->vev, &s->tev);
}

/* Model i's point x (n doubles) into the objective, as floats; x becomes
 * the float point the objective sees. */
static void put(pl_newton *s, size_t i, double *x)
{
    pl_newton_model *m = &s->m[i];
    for (size_t q = 0; q < m->n; q++) {
        m->wf[q] = (float)x[q];
        x[q] = (double)m->wf[q];
    }
    s->obj->ops->set(s->obj, i, m->wf, m->wf + m->nw, 0, 1);
}

/* Model i's CG direction d into the objective. */
static void put_dir(pl_newton *s, size_t i)
{
    pl_newton_model *m = &s->m[i];
    for (size_t q = 0; q < m->n; q++)
        m->df[q] = (float)m->d[q];
    s->obj->ops->dir(s->obj, i, m->df, m->df + m->nw, 0, 1);
}

/* F at model i's point x and its gradient into g, from the last eval with
 * the gradient (L, its gradient) and the penalty. */
static double value(pl_newton *s, size_t i, const double *x, double *g)
{
    pl_newton_model *m = &s->m[i];
    float *gf = m->hf;   /* free between hv passes */
    double gb[PL_CLASSES];
    s->obj->ops->grad(s->obj, i, gf, gb, 0, 1);
    double pen = 0;
    for (size_t q = 0; q < m->nw; q++) {
        g[q] = (double)gf[q] + m->lambda * x[q];
        pen += x[q] * x[q];
    }
    for (size_t q = 0; q < m->k; q++)
        g[m->nw + q] = gb[q];
    return s->ev[i].loss + 0.5 * m->lambda * pen;
}

/* A new CG from s = 0 at the accepted point. */
static void cg_start(pl_newton *s, size_t i)
{
    pl_newton_model *m = &s->m[i];
    for (size_t q = 0; q < m->n; q++) {
        m->s[q] = 0;
        m->r[q] = -m->g[q];
        m->d[q] = m->r[q];
    }
    m->rtr = pl_dot(m->r, m->r, m->n);
    m->cgtol = CG_EPS * sqrt(m->rtr);
    m->cg = 0;
    m->state = NT_CG;
    put_dir(s, i);
}

/* One CG step of model i with hd = H d (from the hv pass). */
static void cg_step(pl_newton *s, size_t i)
{
    pl_newton_model *m = &s->m[i];
    s->obj->ops->hvget(s->obj, i, m->hf, m->hb, 0, 1);
    for (size_t q = 0; q < m->nw; q++)
        m->hd[q] = (double)m->hf[q] + m->lambda * m->d[q];
    for (size_t q = 0; q < m->k; q++)
        m->hd[m->nw + q] = m->hb[q];
    const double dhd = pl_dot(m->d, m->hd, m->n);
    double alpha = dhd > 0 ? m->rtr / dhd : INFINITY;
    /* the step to the boundary when the full step leaves the region (or the
     * curvature is not positive) */
    double ss = 0, sd = 0, dd = 0;
    for (size_t q = 0; q < m->n; q++) {
        const double t = m->s[q] + (isfinite(alpha) ? alpha : 0) * m->d[q];
        ss += t * t;
    }
    m->cg++;
    if (!isfinite(alpha) || sqrt(ss) > m->delta) {
        ss = pl_dot(m->s, m->s, m->n);
        sd = pl_dot(m->s, m->d, m->n);
        dd = pl_dot(m->d, m->d, m->n);
        const double rad = sqrt(sd * sd + dd * (m->delta * m->delta - ss));
        const double tau = sd >= 0 ? (m->delta * m->delta - ss) / (sd + rad) : (rad - sd) / dd;
        for (size_t q = 0; q < m->n; q++) {
            m->s[q] += tau * m->d[q];
            m->r[q] -= tau * m->hd[q];
        }
        m->state = NT_TRIAL;
        return;
    }
    for (size_t q = 0; q < m->n; q++) {
        m->s[q] += alpha * m->d[q];
        m->r[q] -= alpha * m->hd[q];
    }
    const double rnew = pl_dot(m->r, m->r, m->n);
    if (sqrt(rnew) <= m->cgtol || m->cg >= (int)m->n) {
        m->state = NT_TRIAL;
        return;
    }
    const double beta = rnew / m->rtr;
    for (size_t q = 0; q < m->n; q++)
        m->d[q] = m->r[q] + beta * m->d[q];
    m->rtr = rnew;
    put_dir(s, i);
}

/* Model i after the pass at its trial point w + s (now in the objective):
 * the ratio test, the new radius, the stops.  Owner thread alone. */
static void decide(pl_newton *s, size_t i)
{
    pl_newton_model *m = &s->m[i];
    const pl_hyper *h = &s->res[i]->h;
    const double *wt = m->d;   /* the trial point as the objective has it (run) */
    double *gt = m->hd;
    const double fnew = value(s, i, wt, gt);
    const double gs = pl_dot(m->g, m->s, m->n);
    const double prered = -0.5 * (gs - pl_dot(m->s, m->r, m->n));
    const double actred = m->f - fnew, snorm = sqrt(pl_dot(m->s, m->s, m->n));
    if (m->first)   /* until the first step is accepted, as tron's iter == 1 */
        m->delta = fmin(m->delta, snorm);
    const double den = fnew - m->f - gs;
    const double alpha = den <= 0 ? SIGMA3 : fmax(SIGMA1, -0.5 * (gs / den));
    if (!isfinite(fnew) || actred < ETA0 * prered)
        m->delta = fmin(alpha * snorm, SIGMA2 * m->delta);
    else if (actred < ETA1 * prered)
        m->delta = fmax(SIGMA1 * m->delta, fmin(alpha * snorm, SIGMA2 * m->delta));
    else if (actred < ETA2 * prered)
        m->delta = fmax(SIGMA1 * m->delta, fmin(alpha * snorm, SIGMA3 * m->delta));
    else
        m->delta = fmax(m->delta, fmin(alpha * snorm, SIGMA3 * m->delta));
    if (!(prered > 0)) {   /* no decrease predicted (the float products' limit): tron
                            * stops; unlike tron, the step is not taken */
        put(s, i, m->w);
        m->converged = pl_max_abs(m->g, m->n) <= 10 * h->tol;
        m->state = NT_DONE;
        return;
    }
    if (isfinite(fnew) && actred > ETA0 * prered) {   /* accepted */
        m->first = 0;
        memcpy(m->w, wt, m->n * sizeof *m->w);
        memcpy(m->g, gt, m->n * sizeof *m->g);
        m->f = fnew;
        m->iter++;
        pl_curve *cv = s->curves[i];
        cv->loss[cv->len++] = s->ev[i].loss;
        const double gmax = pl_max_abs(m->g, m->n);
        if (gmax <= h->tol) {
            m->converged = 1;
            m->state = NT_DONE;
            return;
        }
        if (m->iter >= h->max_iter) {
            m->state = NT_DONE;
            return;
        }
    } else {
        put(s, i, m->w);   /* the Hessian is taken at the accepted point */
    }
    if ((fabs(actred) <= 1e-12 * fabs(m->f) && fabs(prered) <= 1e-12 * fabs(m->f)) ||
        !(m->delta > 0)) {
        m->converged = pl_max_abs(m->g, m->n) <= 10 * h->tol;
        m->state = NT_DONE;
        return;
    }
    cg_start(s, i);
}

/* The first pass's figures at W = 0: F, g, the radius, the first CG. */
static void begin(pl_newton *s, size_t i)
{
    pl_newton_model *m = &s->m[i];
    const pl_hyper *h = &s->res[i]->h;
    m->f = value(s, i, m->w, m->g);
    pl_curve *cv = s->curves[i];
    cv->loss[cv->len++] = s->ev[i].loss;
    m->delta = sqrt(pl_dot(m->g, m->g, m->n));
    m->first = 1;
    if (!isfinite(m->f) || pl_max_abs(m->g, m->n) <= h->tol) {
        m->converged = isfinite(m->f);
        m->state = NT_DONE;
        return;
    }
    cg_start(s, i);
}

void pl_newton_run(pl_newton *s, int ith, int nth)
{
    pl_objective *o = s->obj;
    const pl_objective_ops *op = o->ops;
    const size_t nm = o->nmodels;
    op->reset(o, ith, nth);
    if (ith == 0) {
        for (size_t i = 0; i < nm; i++) {
            pl_newton_model *m = &s->m[i];
            const pl_hyper *h = &s->res[i]->h;
            m->lambda = h->penalty == PL_PENALTY_L2
                            ? 1.0 / (h->C * (double)s->res[i]->train_rows) : 0.0;
            memset(m->w, 0, m->n * sizeof *m->w);
            m->iter = m->passes = m->converged = 0;
            s->curves[i]->len = 0;
        }
        s->interrupted = 0;
        s->t0 = omp_get_wtime();
    }
    pl_team_barrier();
    op->eval(o, PL_SET_TRAIN, 1, s->ev, ith, nth);
    for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
        s->m[i].passes++;
        begin(s, i);
    }
    int pass = 0;
    for (;;) {
        pl_team_barrier();
        if (ith == 0) {
            int live = 0, cg = 0;
            for (size_t i = 0; i < nm; i++) {
                live += s->m[i].state != NT_DONE;
                cg += s->m[i].state == NT_CG;
            }
            s->live = s->interrupted ? 0 : live;
            s->any_cg = cg;
        }
        pl_team_barrier();
        if (!s->live)
            break;
        if (s->any_cg) {
            op->hv(o, ith, nth);
            for (size_t i = (size_t)ith; i < nm; i += (size_t)nth)
                if (s->m[i].state == NT_CG) {
                    s->m[i].passes++;
                    cg_step(s, i);
                }
        } else {
            /* every live model's trial point, then one pass for all */
            for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
                pl_newton_model *m = &s->m[i];
                if (m->state != NT_TRIAL)
                    continue;
                for (size_t q = 0; q < m->n; q++)
                    m->d[q] = m->w[q] + m->s[q];
                put(s, i, m->d);
            }
            pl_team_barrier();
            op->eval(o, PL_SET_TRAIN, 1, s->ev, ith, nth);
            for (size_t i = (size_t)ith; i < nm; i += (size_t)nth)
                if (s->m[i].state == NT_TRIAL) {
                    s->m[i].passes++;
                    decide(s, i);
                }
        }
        if (ith == 0) {
            ++pass;
            if (s->progress)
                s->progress(s->progress_ctx, s->job, s->njobs, pass, 0);
            s->interrupted = s->stop && *s->stop;
        }
    }

    /* every model at its accepted point, evaluated for its result */
    for (size_t i = (size_t)ith; i < nm; i += (size_t)nth)
        put(s, i, s->m[i].w);
    pl_team_barrier();
    op->eval(o, PL_SET_TRAIN, 0, s->ev, ith, nth);
    if (o->has_val)
        op->eval(o, PL_SET_VAL, 0, s->vev, ith, nth);
    if (o->has_test)
        op->eval(o, PL_SET_TEST, 0, s->tev, ith, nth);
    for (size_t i = (size_t)ith; i < nm; i += (size_t)nth) {
        pl_newton_model *m = &s->m[i];
        pl_result *r = s->res[i];
        for (size_t q = 0; q < m->nw; q++)
            r->w[q] = (float)m->w[q];
        for (size_t q = 0; q < m->k; q++)
            r->b[q] = (float)m->w[m->nw + q];
        const int ok = m->state == NT_DONE && isfinite(m->f);
        r->status = ok ? PL_RUN_OK : s->interrupted ? PL_RUN_INTERRUPTED : PL_RUN_DIVERGED;
        r->iterations = m->iter;
        r->passes = m->passes;
        r->converged = m->converged;
        r->objective = m->f;
        r->grad_norm = pl_max_abs(m->g, m->n);
        pl_state_figures(r, ok, o, s->ev, s->vev, s->tev, i);
        r->seconds = omp_get_wtime() - s->t0;
    }
    pl_team_barrier();
}
