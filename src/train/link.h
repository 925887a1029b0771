/*
 * link.h - the per-row link between the two products: sigmoid, log-loss and
 * residual, computed stably in double (never exp of a large positive number,
 * never log(0)), as liblinear's l2r_lr_fun does by branching on the sign.
 */
#ifndef PARLOGIT_LINK_H
#define PARLOGIT_LINK_H

#include <math.h>

/* For logit z and target y in {0,1}: returns r = sigmoid(z) - y and adds the
 * row's log-loss softplus(z) - y*z to *loss. */
static inline double pl_link_logistic(double z, double y, double *loss)
{
    double p;
    if (z >= 0) {
        double t = exp(-z);
        p = 1.0 / (1.0 + t);
        *loss += log1p(t) + (1.0 - y) * z;
    } else {
        double t = exp(z);
        p = t / (1.0 + t);
        *loss += log1p(t) - y * z;
    }
    return p - y;
}

/* sigmoid(z) without overflow. */
static inline double pl_sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double t = exp(z);
    return t / (1.0 + t);
}

#endif
