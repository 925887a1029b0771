/*
 * model.h - a trained model as a value: loaded back from a run directory, or
 * taken from a training result, and asked for class probabilities.
 *
 * A model has dim inputs and K outputs: K = 1 for a binary task (a pair
 * "i-j" or "i-rest"), K = the number of classes for ovr and softmax.  Its
 * arrays are RUN_DIR/models.npz's members NAME.w.npy (float32, shape (dim,)
 * for a binary model, (K, dim) otherwise, row k the weights of output k in
 * pixel order) and NAME.b.npy (shape () or (K,)), its JSON sidecar
 * RUN_DIR/models.json's "models"[NAME] (output.h); numpy.load reads them.
 * pl_model_load reads those, or, in a run without models.json, the
 * per-model files models/NAME.w.npy, NAME.b.npy and NAME.json.  NAME is "<task>_lr<lr>_it<iterations>" for gradient descent,
 * e.g. "softmax_lr0.5_it500", and "<task>_lbfgs_C<C>" (l2), "_lbfgs_l1_C<C>",
 * "_lbfgs_en<a>_C<C>" (elasticnet) or "<task>_lbfgs" for L-BFGS, e.g.
 * "1-7_lbfgs_C1".
 *
 * Probabilities, from z_k = (x / 255) . w_k + b_k computed in double from the
 * float weights:
 *   binary:  p_pos = sigmoid(z), p_neg = 1 - p_pos; class pos when z > 0;
 *   ovr:     q_k = sigmoid(z_k), p_k = q_k / sum_j q_j (as scikit-learn's
 *            one-vs-rest); the class of the largest z_k;
 *   softmax: p = softmax(z), computed stably; the class of the largest z_k.
 * Ties go to the smaller class.
 */
#ifndef PARLOGIT_MODEL_H
#define PARLOGIT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/config.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"

typedef struct pl_model {
    pl_task task;
    int k;                    /* outputs                                        */
    size_t dim;               /* inputs (pixels)                                */
    size_t height, width;     /* the images' shape: height * width = dim        */
    unsigned pixel_max;       /* full ink: the inputs are pix / pixel_max       */
    float *w;                 /* k * dim, output-major; owned (pl_model_free)   */
    float b[PL_CLASSES];
    double lr;                /* how it was trained (gradient descent; 0 for     */
    int iterations;           /* L-BFGS, whose name has no count)               */
} pl_model;

/* Loads model NAME of run directory dir.  The task comes from the name; the
 * shapes of the files must agree with it (PL_EINPUT naming the file and the
 * shape expected).  The image shape and pixel_max come from the sidecar
 * models/NAME.json ("image": [height, width], "pixel_max"); a sidecar without
 * them (or no sidecar) means MNIST's scale, 255, and a square image (else one
 * row of dim pixels).  On error *m owns nothing. */
int pl_model_load(const char *dir, const char *name, pl_model *m, pl_error *e);

/* A model that borrows a training result's weights (free nothing), with the
 * run's image shape and scale. */
struct pl_result;
struct pl_run;
pl_model pl_model_of_result(const struct pl_result *r, const struct pl_run *run);

void pl_model_free(pl_model *m);

/* The classes of a model's probabilities: K for ovr and softmax (ascending);
 * 2 for a binary model (its negative class first: the neg digit, or -1 for
 * "not pos" of an i-rest task, then pos).  Fills cls[0..n) and returns n. */
int pl_model_classes(const pl_model *m, int cls[PL_CLASSES]);

/* Probabilities of one row of m->dim pixels into p[0..n) in the order of
 * pl_model_classes; returns the predicted class. */
int pl_model_predict(const pl_model *m, const uint8_t *x, double *p);

#endif
