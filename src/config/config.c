/*
 * config.c - defaults, --set overrides, where each key got its value, and task
 * names.  The INI file itself is read in config_load.c.
 *
 * A pl_config is a plain value: no pointers, nothing to free, copyable with =.
 * Next to the values it keeps, per key, where the value came from ("file:line",
 * "--set", or the config file's name for the output dir derived from it) so
 * that later messages (pl_config_check, data loading) can point at the line to
 * fix.  Keys never set have no origin entry and report "default".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_impl.h"
#include "parlogit/data.h"
#include "parlogit/dataset.h"

/* snprintf into a fixed-size field; callers only pass strings that fit. */
#define SET_STR(field, text) snprintf((field), sizeof(field), "%s", (text))

void pl_config_defaults(pl_config *c)
{
    memset(c, 0, sizeof *c);
    pl_default_data_dir(c->data.dir, sizeof c->data.dir);   /* per user; data.h */
    SET_STR(c->data.train_images, "train-images-idx3-ubyte.gz");
    SET_STR(c->data.train_labels, "train-labels-idx1-ubyte.gz");
    SET_STR(c->data.test_images, "t10k-images-idx3-ubyte.gz");
    SET_STR(c->data.test_labels, "t10k-labels-idx1-ubyte.gz");
    c->data.format = PL_FORMAT_AUTO;
    c->data.csv_label = PL_CSV_LABEL_FIRST;
    c->data.csv_header = PL_CSV_HEADER_AUTO;
    c->data.pixel_max = PL_PIXEL_MAX;
    c->data.split = PL_SPLIT_FILES;
    c->data.test_fraction = 0.2;
    c->data.seed = 42;
    c->task.tasks[0] = (pl_task){.pos = 7, .neg = 1};
    c->task.ntasks = 1;
    c->task.classes = PL_ALL_CLASSES;
    c->train.lr[0] = 0.1;
    c->train.nlr = 1;
    c->train.iters[0] = 100;
    c->train.niters = 1;
    c->train.nsolvers = 1;   /* gd */
    c->train.npenalties = 1; /* none */
    c->train.C[0] = 1.0;
    c->train.nC = 1;
    c->train.tol = 1e-4;
    c->train.l1_ratio = 0.5;
    c->train.max_iter = 100;
    c->train.batch_size = 32;
    c->train.epochs = 10;
    c->train.shuffle_seed = 0;
    c->train.lr_schedule = 0;   /* constant */
    c->train.power_t = 0.5;
    c->train.eval_every = 0;
    c->train.warm_start = 1;
    c->engine.threads = 0;
    c->engine.bind = PL_BIND_CORE;
    c->engine.simd = PL_SIMD_AUTO;
    c->engine.wait = PL_WAIT_AUTO;
    SET_STR(c->output.dir, "runs/default");
    pl_prep_defaults(&c->preprocess);
}

/* Index of section.key's origin entry, or c->norigin if it has none. */
static int origin_index(const pl_config *c, const char *section, const char *key)
{
    int i = 0;
    while (i < c->norigin && !(strcmp(c->origin[i].section, section) == 0 &&
                               strcmp(c->origin[i].key, key) == 0))
        i++;
    return i;
}

void plc_origin_set(pl_config *c, const char *section, const char *key,
                    const char *where)
{
    int i = origin_index(c, section, key);
    /* The table has PLC_NKEYS (< 64) keys, so a new entry always fits. */
    if (i == c->norigin) {
        if (c->norigin == (int)(sizeof c->origin / sizeof c->origin[0]))
            return;
        SET_STR(c->origin[i].section, section);
        SET_STR(c->origin[i].key, key);
        c->norigin++;
    }
    SET_STR(c->origin[i].where, where);
}

const char *pl_config_where(const pl_config *c, const char *section, const char *key)
{
    int i = origin_index(c, section, key);
    return i < c->norigin ? c->origin[i].where : "default";
}

/* Copies [b, e) without surrounding blanks into a fresh string (NULL: no memory). */
static char *trimmed(const char *b, const char *e)
{
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return strndup(b, (size_t)(e - b));
}

int pl_config_set(pl_config *c, const char *arg, pl_error *e)
{
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    if (!dot || !eq || dot > eq)
        return pl_errorf(e, PL_EINPUT, "--set %.200s: expected section.key=value", arg);
    char *section = trimmed(arg, dot), *key = trimmed(dot + 1, eq);
    char *value = trimmed(eq + 1, eq + strlen(eq));
    int rc = PL_OK;
    char msg[PLC_MSG];
    const plc_key *k;
    if (!section || !key || !value) {
        rc = pl_errorf(e, PL_ENOMEM, "--set %.200s: out of memory", arg);
    } else if (!*section || !*key) {
        rc = pl_errorf(e, PL_EINPUT, "--set %.200s: expected section.key=value", arg);
    } else if (!(k = plc_key_find(section, key))) {
        if (plc_section_known(section, strlen(section)))
            rc = pl_errorf(e, PL_EINPUT, "--set %.200s: unknown key '%.64s' in [%.64s]",
                           arg, key, section);
        else
            rc = pl_errorf(e, PL_EINPUT, "--set %.200s: unknown section [%.64s] "
                           "(expected %s)", arg, section, PLC_SECTIONS);
    } else if (plc_key_apply(c, k, value, msg, sizeof msg)) {
        rc = pl_errorf(e, PL_EINPUT, "--set %.200s: %s", arg, msg);
    } else {
        plc_origin_set(c, k->section, k->key, "--set");
    }
    free(section);
    free(key);
    free(value);
    return rc;
}

int pl_task_outputs(pl_task t)
{
    return t.kind == PL_KIND_BINARY ? 1 : __builtin_popcount(t.classes & PL_ALL_CLASSES);
}

int pl_task_uses(pl_task t, int c)
{
    if (t.kind != PL_KIND_BINARY)
        return (int)(t.classes >> c) & 1;
    return t.pos == c || t.neg == c || t.neg == PL_REST;
}

int pl_task_output_class(pl_task t, int k)
{
    if (t.kind == PL_KIND_BINARY)
        return t.pos;
    for (int c = 0; c < PL_CLASSES; c++)
        if (((t.classes >> c) & 1) && k-- == 0)
            return c;
    return -1;
}

int pl_task_output_of(pl_task t, int c)
{
    if (t.kind == PL_KIND_BINARY || c < 0 || c >= PL_CLASSES || !((t.classes >> c) & 1))
        return -1;
    return __builtin_popcount(t.classes & ((1u << c) - 1));
}

int pl_task_equal(pl_task a, pl_task b)
{
    if (a.kind != b.kind)
        return 0;
    return a.kind == PL_KIND_BINARY ? a.pos == b.pos && a.neg == b.neg
                                    : a.classes == b.classes;
}

const char *pl_task_name(pl_task t, char buf[PL_TASK_NAME_MAX])
{
    if (t.kind != PL_KIND_BINARY) {
        int n = snprintf(buf, PL_TASK_NAME_MAX, "%s", t.kind == PL_KIND_OVR ? "ovr" : "softmax");
        if ((t.classes & PL_ALL_CLASSES) != PL_ALL_CLASSES) {
            buf[n++] = '-';
            for (int c = 0; c < PL_CLASSES; c++)
                if ((t.classes >> c) & 1)
                    buf[n++] = (char)('0' + c);
            buf[n] = '\0';
        }
    } else if (t.neg == PL_REST) {
        snprintf(buf, PL_TASK_NAME_MAX, "%d-rest", t.pos);
    } else {
        snprintf(buf, PL_TASK_NAME_MAX, "%d-%d", t.neg, t.pos);
    }
    return buf;
}

int pl_task_from_name(const char *s, pl_task *t)
{
    *t = (pl_task){ 0 };
    const char *rest = NULL;
    if (strncmp(s, "ovr", 3) == 0) {
        t->kind = PL_KIND_OVR;
        rest = s + 3;
    } else if (strncmp(s, "softmax", 7) == 0) {
        t->kind = PL_KIND_SOFTMAX;
        rest = s + 7;
    }
    if (rest) {
        if (!*rest) {
            t->classes = PL_ALL_CLASSES;
            return 0;
        }
        if (*rest++ != '-' || !*rest)
            return -1;
        for (; *rest; rest++) {
            if (*rest < '0' || *rest > '9' || ((t->classes >> (*rest - '0')) & 1))
                return -1;
            t->classes |= 1u << (*rest - '0');
        }
        return __builtin_popcount(t->classes) >= 2 ? 0 : -1;
    }
    if (s[0] < '0' || s[0] > '9' || s[1] != '-')
        return -1;
    if (strcmp(s + 2, "rest") == 0) {
        *t = (pl_task){ .pos = s[0] - '0', .neg = PL_REST };
        return 0;
    }
    if (s[2] < '0' || s[2] > '9' || s[3] || s[2] == s[0])
        return -1;
    *t = (pl_task){ .pos = s[2] - '0', .neg = s[0] - '0' };
    return 0;
}
