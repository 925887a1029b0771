/*
 * objective.h - the objective interface: what a solver sees of a loss.
 *
 * An objective is a batch of nmodels models over one training set (and,
 * optionally, a validation and a test set), each model with its own
 * parameters.  Its operations evaluate every model's mean loss and accuracy
 * on a set and, on the training set, its gradient; and move the parameters.
 * The solver (gd.h) knows nothing about the loss, the kernels or the layout
 * of the parameters; the objective knows nothing about the solver: this is
 * liblinear's `function` (fun / grad / Hv) made batched, so that many models
 * share each pass over the data.
 *
 * The parameters live inside the objective, in its own layout, because the
 * layout is what makes the pass fast (the fused sweep keeps every model of a
 * digit side by side, model-minor, and a pair's weights in two copies).  So
 * the objective also provides the few vector operations a first-order solver
 * needs on them (step, reset, halt), and copies a model and its gradient out,
 * and a model in, in the canonical layout (get, grad, set: K x dim
 * output-major, and K biases) for solvers that keep their own vectors.  A second-order or
 * quasi-Newton solver will add Hv and get/set of a whole parameter vector.
 *
 * Implementations: the dense data-parallel log-loss of one binary model
 * (logloss.h, strategies data and jobs), the fused batch of any models,
 * binary, ovr and softmax (fused.h), and the mini-batch objective of one
 * task's models over any list of its rows (minibatch.h, for sgd).
 *
 * Threads: every operation is called by every thread ith of the nth of the
 * current team (or by one thread alone with nth = 1 when the objective is
 * solo), except halt and live, which thread 0 calls alone between barriers.
 */
#ifndef PARLOGIT_OBJECTIVE_H
#define PARLOGIT_OBJECTIVE_H

#include <stddef.h>

enum pl_objset { PL_SET_TRAIN = 0, PL_SET_VAL = 1, PL_SET_TEST = 2 };

/* One model's figures on one set. */
typedef struct pl_eval {
    double loss;    /* the model's mean loss (ovr: sum of its outputs' mean log-losses) */
    double acc;     /* fraction of rows predicted right                              */
    double gb;      /* binary dense objective: d loss / d b (its own use)             */
    size_t n;       /* rows                                                           */
} pl_eval;

typedef struct pl_objective pl_objective;

typedef struct pl_objective_ops {
    /* Every model's loss and accuracy at its current parameters on set (enum
     * pl_objset) into ev[0..nmodels); with grad (training set only) also its
     * gradient, kept inside for step.  Contains barriers: on return ev is
     * complete for every thread. */
    void (*eval)(pl_objective *o, int set, int grad, pl_eval *ev, int ith, int nth);
    /* params_m <- params_m - lr[m] * grad_m for every model, with the gradient
     * of the last eval (lr[m] = 0 leaves model m).  No barrier at the end. */
    void (*step)(pl_objective *o, const double *lr, int ith, int nth);
    /* Every model's parameters to zero.  No barrier at the end. */
    void (*reset)(pl_objective *o, int ith, int nth);
    /* Model m's weights into W (K x dim, output-major) and biases into b (K):
     * each thread a range of pixels, thread 0 the biases.  No barrier. */
    void (*get)(pl_objective *o, size_t m, float *W, float *b, int ith, int nth);
    /* Model m's parameters from W (K x dim, output-major) and b (K), into
     * every copy: each thread a range of pixels, thread 0 the biases.  No
     * barrier.  (For solvers that move the parameters themselves.) */
    void (*set)(pl_objective *o, size_t m, const float *W, const float *b, int ith, int nth);
    /* Model m's gradient from the last eval with grad into G (K x dim,
     * output-major) and gb (K): the very numbers step applies.  Each thread a
     * range of pixels, thread 0 gb.  No barrier.  (For solvers that need the
     * gradient itself, and for tests.) */
    void (*grad)(pl_objective *o, size_t m, float *G, double *gb, int ith, int nth);
    /* Model m stops for good (it diverged): its parameters become zero and
     * stay so, so it neither moves nor disturbs the others.  Thread 0 alone,
     * after an eval and before the next step. */
    void (*halt)(pl_objective *o, size_t m);
    /* Optional (NULL where the objective has none; the mini-batch objective,
     * minibatch.h, has both).  batch: every model's gradient of its mean loss
     * over training rows rows[0..n) (indices among the task's training rows,
     * 0 .. its rows - 1), kept for step and pstep; loss and accuracy are not
     * computed.  Contains barriers, like eval. */
    void (*batch)(pl_objective *o, const unsigned *rows, size_t n, int ith, int nth);
    /* The penalized (proximal) step with the last gradient, model m:
     * W <- prox(W - lr[m] (G + l2[m] W)), prox the soft threshold at
     * lr[m] l1[m] (l1[m] = 0: none); biases b <- b - lr[m] gb, never
     * penalized.  No barrier at the end. */
    void (*pstep)(pl_objective *o, const double *lr, const double *l2, const double *l1,
                  int ith, int nth);
    /* Optional, for Newton's method (minibatch.h has them): model m's
     * direction D (K x dim, output-major) and db (K), as set does (no
     * barrier); hv: every model's Hessian of its mean loss, at its
     * parameters, times its direction (the training rows; barriers, like
     * eval); hvget: model m's product HD and hb, as grad does (no barrier). */
    void (*dir)(pl_objective *o, size_t m, const float *D, const float *db, int ith, int nth);
    void (*hv)(pl_objective *o, int ith, int nth);
    void (*hvget)(pl_objective *o, size_t m, float *HD, double *hb, int ith, int nth);
    /* Optional (the fused objective has it): which models the next evals
     * need (live[m] != 0; live NULL: all of them, as at the start).  The
     * others' figures and gradients are then left unspecified (an
     * objective may skip the rows only they use), a live model's are what
     * they would be.  Thread 0 alone, between barriers, like halt. */
    void (*live)(pl_objective *o, const unsigned char *live);
} pl_objective_ops;

struct pl_objective {
    const pl_objective_ops *ops;
    size_t nmodels;
    int has_val, has_test;   /* sets eval may be asked for besides the training set */
    int solo;                /* 1: one thread alone, no barriers                    */
};

#endif
