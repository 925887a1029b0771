/*
 * model.c - models loaded back and asked for probabilities.  See
 * include/parlogit/model.h.
 *
 * Plain scalar code in double: predicting is a few thousand rows times K
 * outputs, once per model, and its numbers must not depend on the kernel set
 * the training used.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/store.h"
#include "parlogit/model.h"
#include "parlogit/output.h"
#include "parlogit/train.h"

void pl_model_free(pl_model *m)
{
    free(m->w);
    m->w = NULL;
}

pl_model pl_model_of_result(const struct pl_result *r, const struct pl_run *run)
{
    pl_model m = { .task = r->task, .k = r->k, .dim = run->dim, .height = run->height,
                   .width = run->width, .pixel_max = run->pixel_max, .w = r->w, .lr = r->lr,
                   .iterations = r->iterations };
    memcpy(m.b, r->b, sizeof m.b);
    return m;
}

/* A penalty's part of a name at p: "" (none), "_C<C>", "_l1_C<C>" or
 * "_en<a>_C<C>"; *end after it.  -1 when malformed. */
static int parse_penalty(const char *p, double *C, const char **end)
{
    char *e;
    *C = 0;
    *end = p;
    if (strncmp(p, "_C", 2) != 0 && strncmp(p, "_l1_C", 5) != 0 && strncmp(p, "_en", 3) != 0)
        return 0;
    if (!strncmp(p, "_l1", 3))
        p += 3;
    else if (!strncmp(p, "_en", 3)) {   /* _en<l1_ratio> */
        const double r = strtod(p + 3, &e);
        if (e == p + 3 || !(r > 0 && r < 1))
            return -1;
        p = e;
    }
    if (strncmp(p, "_C", 2) != 0)
        return -1;
    *C = strtod(p + 2, &e);
    if (e == p + 2 || !(*C > 0))
        return -1;
    *end = e;
    return 0;
}

/* "<task>_lr<lr>_it<n>", "<task>_lbfgs[penalty]", "<task>_newton[penalty]"
 * or "<task>_sgd_lr<lr>[penalty]_ep<n>" split into its parts. */
static int parse_name(const char *name, pl_task *t, double *lr, int *it, double *C)
{
    const char *nt = strstr(name, "_newton");
    const char *lb = nt ? nt : strstr(name, "_lbfgs"), *sg = lb ? NULL : strstr(name, "_sgd_lr");
    const char *a = lb ? lb : sg ? sg : strstr(name, "_lr");
    const char *b = a && !lb && !sg ? strstr(a, "_it") : NULL;
    char task[PL_TASK_NAME_MAX], *end;
    const char *rest;
    if (!a || (!lb && !sg && !b) || (size_t)(a - name) >= sizeof task)
        return -1;
    memcpy(task, name, (size_t)(a - name));
    task[a - name] = '\0';
    if (pl_task_from_name(task, t))
        return -1;
    *lr = 0;
    *it = 0;
    *C = 0;
    if (lb)
        return parse_penalty(lb + (nt ? 7 : 6), C, &rest) || *rest ? -1 : 0;
    if (sg) {
        *lr = strtod(sg + 7, &end);
        if (end == sg + 7 || !(*lr > 0) || parse_penalty(end, C, &rest) ||
            strncmp(rest, "_ep", 3) != 0)
            return -1;
        long n = strtol(rest + 3, &end, 10);
        return *end || end == rest + 3 || n < 1 || n > 1000000000L ? -1 : 0;
    }
    *lr = strtod(a + 3, &end);
    if (end != b || !(*lr > 0))
        return -1;
    long n = strtol(b + 3, &end, 10);
    if (*end || n < 0 || n > 1000000000L)
        return -1;
    *it = (int)n;
    return 0;
}

/*
 * The image shape and pixel scale of a model from its sidecar's "image" and
 * "pixel_max" (written since models of any shape are trained): without a
 * sidecar (side NULL), or without those members, MNIST's 255 and a square
 * image of m->dim pixels (else 1 x dim).  A sidecar that says otherwise than
 * the weights (height * width != dim, pixel_max outside 1..255) is PL_EINPUT
 * naming what.
 */
static int image_shape(const json_t *side, const char *what, pl_model *m, pl_error *e)
{
    size_t s = 1;
    while (s * s < m->dim)
        s++;
    m->height = s * s == m->dim ? s : 1;
    m->width = s * s == m->dim ? s : m->dim;
    m->pixel_max = PL_PIXEL_MAX;
    const json_t *img = json_object_get(side, "image"), *pm = json_object_get(side, "pixel_max");
    if (img) {
        const json_t *h = json_array_get(img, 0), *w = json_array_get(img, 1);
        if (!json_is_array(img) || json_array_size(img) != 2 || !json_is_integer(h) ||
            !json_is_integer(w) || json_integer_value(h) < 1 || json_integer_value(w) < 1 ||
            json_integer_value(h) > PL_MAX_DIM || json_integer_value(w) > PL_MAX_DIM ||
            (size_t)json_integer_value(h) * (size_t)json_integer_value(w) != m->dim)
            return pl_errorf(e, PL_EINPUT, "%s: \"image\" is not [height, width] of the "
                             "%zu pixels of the model's weights", what, m->dim);
        m->height = (size_t)json_integer_value(h);
        m->width = (size_t)json_integer_value(w);
    }
    if (pm) {
        if (!json_is_integer(pm) || json_integer_value(pm) < 1 || json_integer_value(pm) > 255)
            return pl_errorf(e, PL_EINPUT, "%s: \"pixel_max\" is not a whole number in 1..255",
                             what);
        m->pixel_max = (unsigned)json_integer_value(pm);
    }
    return PL_OK;
}

int pl_model_load(const char *dir, const char *name, pl_model *m, pl_error *e)
{
    memset(m, 0, sizeof *m);
    double C;
    if (parse_name(name, &m->task, &m->lr, &m->iterations, &C))
        return pl_errorf(e, PL_EINPUT, "'%s' is not a model name: expected TASK_lrX_itN "
                         "(gradient descent, e.g. softmax_lr0.5_it500 or 1-7_lr0.1_it100), "
                         "TASK_lbfgs_CX (e.g. softmax_lbfgs_C1) or TASK_sgd_lrX_epN (e.g. "
                         "0-1_sgd_lr0.1_ep10)", name);
    m->k = pl_task_outputs(m->task);
    const int multi = m->task.kind != PL_KIND_BINARY;
    pl_stored st;
    int rc = pl_store_model(dir, name, &st, e);
    if (!rc && multi && (st.wnd != 2 || st.wshape[0] != (size_t)m->k || st.wshape[1] == 0))
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape (%d, pixels) for a %d-class model",
                       st.wwhat, m->k, m->k);
    if (!rc && !multi && (st.wnd != 1 || st.wshape[0] == 0))
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape (pixels,) for a binary model",
                       st.wwhat);
    if (!rc) {
        m->dim = multi ? st.wshape[1] : st.wshape[0];
        rc = image_shape(st.sidecar, st.swhat, m, e);
    }
    if (!rc && (multi ? st.bnd != 1 || st.bshape[0] != (size_t)m->k : st.bnd != 0))
        rc = multi ? pl_errorf(e, PL_EINPUT, "%s: expected shape (%d,)", st.bwhat, m->k)
                   : pl_errorf(e, PL_EINPUT, "%s: expected shape ()", st.bwhat);
    if (!rc) {
        memcpy(m->b, st.b, (size_t)m->k * sizeof *st.b);
        m->w = st.w;   /* taken over */
        st.w = NULL;
    }
    pl_stored_free(&st);
    if (rc)
        pl_model_free(m);
    return rc;
}

int pl_model_classes(const pl_model *m, int cls[PL_CLASSES])
{
    if (m->task.kind == PL_KIND_BINARY) {
        cls[0] = m->task.neg == PL_REST ? -1 : m->task.neg;
        cls[1] = m->task.pos;
        return 2;
    }
    for (int k = 0; k < m->k; k++)
        cls[k] = pl_task_output_class(m->task, k);
    return m->k;
}

static double sigmoid(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

int pl_model_predict(const pl_model *m, const uint8_t *x, double *p)
{
    /* the row's non-zero pixels listed a chunk at a time, then every output's
     * sum over them in ascending pixel order (a zero pixel adds exactly 0):
     * pixel by pixel, every output's sum a step, so the K sums are K
     * independent chains (each one's order is still its pixels') */
    double z[PL_CLASSES] = { 0 };
    enum { CHUNK = 1024 };
    uint32_t idx[CHUNK];
    for (size_t j0 = 0; j0 < m->dim; j0 += CHUNK) {
        const size_t j1 = m->dim - j0 < CHUNK ? m->dim : j0 + CHUNK;
        size_t nz = 0;
        for (size_t j = j0; j < j1; j++) {
            idx[nz] = (uint32_t)j;
            nz += x[j] != 0;
        }
        for (size_t t = 0; t < nz; t++) {
            const double v = (double)x[idx[t]];
            const float *w = m->w + idx[t];
            for (int k = 0; k < m->k; k++)
                z[k] += v * (double)w[(size_t)k * m->dim];
        }
    }
    for (int k = 0; k < m->k; k++)
        z[k] = z[k] / (double)pl_pixel_max(m->pixel_max) + (double)m->b[k];
    if (m->task.kind == PL_KIND_BINARY) {
        p[1] = sigmoid(z[0]);
        p[0] = 1.0 - p[1];
        return z[0] > 0 ? m->task.pos : (m->task.neg == PL_REST ? -1 : m->task.neg);
    }
    int best = 0;
    for (int k = 1; k < m->k; k++)
        if (z[k] > z[best])
            best = k;
    double sum = 0;
    for (int k = 0; k < m->k; k++) {
        /* softmax: exp(z_k - max) (max subtracted: no overflow); ovr: the sigmoids */
        p[k] = m->task.kind == PL_KIND_SOFTMAX ? exp(z[k] - z[best]) : sigmoid(z[k]);
        sum += p[k];
    }
    for (int k = 0; k < m->k; k++)
        p[k] /= sum;
    return pl_task_output_class(m->task, best);
}
