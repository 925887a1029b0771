/*
 * ref.c - scalar reference kernels: the portable fallback and the oracle the
 * SIMD kernels are tested against.  Plain loops, one float accumulator per row,
 * left-to-right order.  See kernels.h for the contracts.
 */
#include <math.h>

#include "kernels/kernels.h"

void pl_dot_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *w, float *z)
{
    for (size_t i = 0; i < nr; i++) {
        const uint8_t *xi = x + i * ldx;
        float s = 0.0f;
        for (size_t j = 0; j < dim; j++)
            s += (float)xi[j] * w[j];
        z[i] = s;
    }
}

void pl_axpy_ref(const uint8_t *x, size_t ldx, size_t nr, size_t dim, const float *r, float *g)
{
    for (size_t i = 0; i < nr; i++) {
        const uint8_t *xi = x + i * ldx;
        for (size_t j = 0; j < dim; j++)
            g[j] += r[i] * (float)xi[j];
    }
}

void pl_spfwd_ref(const uint16_t *idx, const float *v2, size_t n, const float *W, size_t ldw,
                  size_t m, float *z0, float *z1)
{
    for (size_t k = 0; k < m; k++)
        z0[k] = z1[k] = 0.0f;
    for (size_t t = 0; t < n; t++) {
        const float *w = W + (size_t)idx[t] * ldw;
        for (size_t k = 0; k < m; k++) {
            z0[k] += v2[2 * t] * w[k];
            z1[k] += v2[2 * t + 1] * w[k];
        }
    }
}

void pl_spfwd2_ref(const uint16_t *ia, const float *va, size_t na, const uint16_t *ib,
                   const float *vb, size_t nb, const float *W, size_t ldw, size_t m, float *Z,
                   size_t ldz)
{
    pl_spfwd_ref(ia, va, na, W, ldw, m, Z, Z + ldz);
    pl_spfwd_ref(ib, vb, nb, W, ldw, m, Z + 2 * ldz, Z + 3 * ldz);
}

void pl_spbwd_ref(const uint16_t *idx, const float *v2, size_t n, const float *r0,
                  const float *r1, size_t m, float *G, size_t ldw)
{
    for (size_t t = 0; t < n; t++) {
        float *g = G + (size_t)idx[t] * ldw;
        for (size_t k = 0; k < m; k++) {
            g[k] += v2[2 * t] * r0[k];
            g[k] += v2[2 * t + 1] * r1[k];
        }
    }
}

/* In double, branching on the sign of the logit (liblinear's l2r_lr_fun):
 * exp of a non-positive number only, never log(0). */
void pl_link_ref(size_t nr, size_t m, const float *Z, size_t ldz, const float *b,
                 const float *y, float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < m; k++) {
            double zz = (double)Z[i * ldz + k] + (double)b[k], t, p, yk = y[k];
            if (zz >= 0) {
                t = exp(-zz);
                p = 1.0 / (1.0 + t);
                loss[k] += log1p(t) + (1.0 - yk) * zz;
            } else {
                t = exp(zz);
                p = t / (1.0 + t);
                loss[k] += log1p(t) - yk * zz;
            }
            const float r = (float)(p - yk);
            R[i * ldr + k] = r;
            hits[k] += (float)((zz > 0) == (yk > 0.5));
            if (rsum)
                rsum[k] += r;
        }
}

/* The softmax link in double: u read whole before R is written (R may be Z);
 * the row's maximum m subtracted, so every exp is of a number <= 0; the sum
 * of the others' exps s1 = s - 1 kept apart from the maximum's 1, the loss as
 * log1p(s1) + (m - u_cls), two terms >= 0, never log(0), and the residual of
 * cls when it is the maximum as -s1 / s (not 1 / s - 1).  The first index of
 * the maximum is kept (strict >).  Like pl_link_ref, rsum is float and takes
 * each row's float residual in turn; the loss sum is double. */
void pl_smlink_ref(size_t nr, size_t K, const float *Z, size_t ldz, const float *b, int cls,
                   float *R, size_t ldr, double *loss, float *hits, float *rsum)
{
    const size_t c = (size_t)cls;
    for (size_t i = 0; i < nr; i++) {
        double u[PL_SMAX_K] = { 0 }, e[PL_SMAX_K], s1 = 0.0;   /* zeroed for -Wmaybe-uninitialized */
        size_t top = 0;
        for (size_t k = 0; k < K; k++) {
            u[k] = (double)Z[i * ldz + k] + (double)b[k];
            if (u[k] > u[top])
                top = k;
        }
        const double m = u[top];
        for (size_t k = 0; k < K; k++) {
            e[k] = exp(u[k] - m);
            s1 += k == top ? 0.0 : e[k];
        }
        const double s = 1.0 + s1;
        for (size_t k = 0; k < K; k++) {
            const double r = k != c ? e[k] / s : k == top ? -s1 / s : e[k] / s - 1.0;
            R[i * ldr + k] = (float)r;
            if (rsum)
                rsum[k] += (float)r;
        }
        loss[0] += log1p(s1) + (m - u[c]);
        hits[0] += (float)(top == c);
    }
}

void pl_vadd_ref(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] += src[i];
}

void pl_u8f_ref(const uint8_t *x, size_t n, float s, float *out)
{
    for (size_t j = 0; j < n; j++)
        out[j] = (float)x[j] * s;
}

void pl_dfwd_ref(const float *X, size_t ldx, size_t nr, size_t dim, const float *W, size_t ldw,
                 size_t m, float *Z, size_t ldz)
{
    for (size_t i = 0; i < nr; i++) {
        float *z = Z + i * ldz;
        for (size_t k = 0; k < m; k++)
            z[k] = 0.0f;
        for (size_t j = 0; j < dim; j++)
            for (size_t k = 0; k < m; k++)
                z[k] += X[i * ldx + j] * W[j * ldw + k];
    }
}

void pl_dbwd_ref(const float *X, size_t ldx, size_t nr, size_t dim, const float *R, size_t ldr,
                 size_t m, float *G, size_t ldw)
{
    for (size_t j = 0; j < dim; j++)
        for (size_t k = 0; k < m; k++) {
            float acc = 0.0f;
            for (size_t i = 0; i < nr; i++)
                acc += X[i * ldx + j] * R[i * ldr + k];
            G[j * ldw + k] += acc;
        }
}
