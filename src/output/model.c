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
 * The image shape and pixel scale of model name in dir, from its sidecar's
 * "image" and "pixel_max" (written since models of any shape are trained):
 * without a sidecar, or without those members, MNIST's 255 and a square
 * image of m->dim pixels (else 1 x dim).  A sidecar that says otherwise than
 * the weights (height * width != dim, pixel_max outside 1..255) is PL_EINPUT.
 */
static int load_image_shape(const char *dir, const char *name, pl_model *m, pl_error *e)
{
    size_t s = 1;
    while (s * s < m->dim)
        s++;
    m->height = s * s == m->dim ? s : 1;
    m->width = s * s == m->dim ? s : m->dim;
    m->pixel_max = PL_PIXEL_MAX;
    char path[PL_PATH_MAX + 160];
    snprintf(path, sizeof path, "%s/models/%s.json", dir, name);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return PL_OK;   /* no sidecar (or none readable): the weights alone decide */
    const json_t *img = json_object_get(root, "image"), *pm = json_object_get(root, "pixel_max");
    int rc = PL_OK;
    if (img) {
        const json_t *h = json_array_get(img, 0), *w = json_array_get(img, 1);
        if (!json_is_array(img) || json_array_size(img) != 2 || !json_is_integer(h) ||
            !json_is_integer(w) || json_integer_value(h) < 1 || json_integer_value(w) < 1 ||
            json_integer_value(h) > PL_MAX_DIM || json_integer_value(w) > PL_MAX_DIM ||
            (size_t)json_integer_value(h) * (size_t)json_integer_value(w) != m->dim)
            rc = pl_errorf(e, PL_EINPUT, "%s: \"image\" is not [height, width] of the "
                           "%zu pixels of the model's weights", path, m->dim);
        else {
            m->height = (size_t)json_integer_value(h);
            m->width = (size_t)json_integer_value(w);
        }
    }
    if (!rc && pm) {
        if (!json_is_integer(pm) || json_integer_value(pm) < 1 || json_integer_value(pm) > 255)
            rc = pl_errorf(e, PL_EINPUT, "%s: \"pixel_max\" is not a whole number in 1..255",
                           path);
        else
            m->pixel_max = (unsigned)json_integer_value(pm);
    }
    json_decref(root);
    return rc;
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
    char path[PL_PATH_MAX + 160];
    int ndim;
    size_t shape[4];
    float *bias = NULL;
    snprintf(path, sizeof path, "%s/models/%s.w.npy", dir, name);
    int rc = pl_npy_read(path, &m->w, &ndim, shape, e);
    if (!rc && multi && (ndim != 2 || shape[0] != (size_t)m->k || shape[1] == 0))
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape (%d, pixels) for a %d-class model",
                       path, m->k, m->k);
    if (!rc && !multi && (ndim != 1 || shape[0] == 0))
        rc = pl_errorf(e, PL_EINPUT, "%s: expected shape (pixels,) for a binary model", path);
    if (!rc)
        m->dim = multi ? shape[1] : shape[0];
    if (!rc)
        rc = load_image_shape(dir, name, m, e);
    snprintf(path, sizeof path, "%s/models/%s.b.npy", dir, name);
    if (!rc)
        rc = pl_npy_read(path, &bias, &ndim, shape, e);
    if (!rc && (multi ? ndim != 1 || shape[0] != (size_t)m->k : ndim != 0))
        rc = multi ? pl_errorf(e, PL_EINPUT, "%s: expected shape (%d,)", path, m->k)
                   : pl_errorf(e, PL_EINPUT, "%s: expected shape ()", path);
    if (!rc)
        memcpy(m->b, bias, (size_t)m->k * sizeof *bias);
    free(bias);
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
     * sum over them in ascending pixel order (a zero pixel adds exactly 0) */
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
        for (int k = 0; k < m->k; k++) {
            const float *w = m->w + (size_t)k * m->dim;
            double s = z[k];
            for (size_t t = 0; t < nz; t++)
                s += (double)x[idx[t]] * (double)w[idx[t]];
            z[k] = s;
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
