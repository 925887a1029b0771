/*
 * config_dump.c - the effective config as text: pl_config_foreach and the
 * canonical form of each kind of value.
 *
 * The text of every value is what the parser reads back to the same value, so
 * writing "key = value" lines under their sections gives an INI file that
 * loads into the same config (paths excepted when they contain " ;", which
 * inih would take for a comment).  Numbers are lossless and locale-free:
 * doubles use the shortest of %.15g/%.16g/%.17g that reads back exactly,
 * printed under the "C" locale (uselocale is per thread, so this does not
 * disturb the rest of the process).  Lists are joined with ", "; the 45 pairs
 * of "all", in their order, print as "all"; an unset row range prints empty.
 */
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_impl.h"
#include "parlogit/dataset.h"

#define VALUE_MAX 4096   /* longest text: 128 pairs, 64 doubles, or a path */

void plc_format_double(double v, char *buf, size_t n)
{
    /* If the "C" locale cannot be made (out of memory) the process locale is
     * used; it is "C" unless the program called setlocale. */
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (c) {
        uselocale(old);
        freelocale(c);
    }
}

/* Appends s to buf (length *len, capacity n), after ", " unless first. */
static void append(char *buf, size_t n, size_t *len, int first, const char *s)
{
    int w = snprintf(buf + *len, n - *len, "%s%s", first ? "" : ", ", s);
    if (w > 0)
        *len = *len + (size_t)w < n ? *len + (size_t)w : n - 1;
}

static void format_pairs(const pl_config *c, char *buf, size_t n)
{
    if (c->task.ntasks == 0) {
        snprintf(buf, n, "none");
        return;
    }
    pl_task all[PLC_NPAIRS_ALL];
    int nall = plc_all_pairs(all);
    if (c->task.ntasks == nall &&
        memcmp(c->task.tasks, all, sizeof all) == 0) {
        snprintf(buf, n, "all");
        return;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->task.ntasks && i < PL_MAX_TASKS; i++) {
        char name[PL_TASK_NAME_MAX];
        append(buf, n, &len, i == 0, pl_task_name(c->task.tasks[i], name));
    }
}

static void format_enum(const plc_name *names, int v, char *buf, size_t n)
{
    for (const plc_name *p = names; p->name; p++)
        if (p->value == v) {
            snprintf(buf, n, "%s", p->name);
            return;
        }
    snprintf(buf, n, "%d", v);   /* not a valid value: pl_config_check says so */
}

void plc_key_format(const pl_config *c, const plc_key *k, char *buf, size_t n)
{
    const char *at = (const char *)c + k->off, *at2 = (const char *)c + k->off2;
    size_t len = 0;
    char num[32];
    buf[0] = '\0';
    switch (k->kind) {
    case PLC_PATH:
        snprintf(buf, n, "%s", at);
        break;
    case PLC_ENUM:
        format_enum(k->names, *(const int *)at, buf, n);
        break;
    case PLC_RANGE:
        if (*(const size_t *)at || *(const size_t *)at2)
            snprintf(buf, n, "%zu:%zu", *(const size_t *)at, *(const size_t *)at2);
        break;
    case PLC_SHAPE:
        if (*(const size_t *)at)
            snprintf(buf, n, "%zux%zu", *(const size_t *)at, *(const size_t *)at2);
        else
            snprintf(buf, n, "auto");
        break;
    case PLC_FRACTION:
        plc_format_double(*(const double *)at, buf, n);
        break;
    case PLC_SIZE:
        snprintf(buf, n, "%zu", *(const size_t *)at);
        break;
    case PLC_U64:
        snprintf(buf, n, "%" PRIu64, *(const uint64_t *)at);
        break;
    case PLC_THREADS:
        if (*(const int *)at == 0)
            snprintf(buf, n, "auto");
        else
            snprintf(buf, n, "%d", *(const int *)at);
        break;
    case PLC_PAIRS:
        format_pairs(c, buf, n);
        break;
    case PLC_RATES:
        for (int i = 0; i < *(const int *)at2 && i < PL_MAX_LIST; i++) {
            plc_format_double(((const double *)at)[i], num, sizeof num);
            append(buf, n, &len, i == 0, num);
        }
        break;
    case PLC_NAMES:
        for (int i = 0; i < *(const int *)at2; i++) {
            char name[32];
            format_enum(k->names, ((const int *)at)[i], name, sizeof name);
            append(buf, n, &len, i == 0, name);
        }
        break;
    case PLC_POS:
        plc_format_double(*(const double *)at, buf, n);
        break;
    case PLC_COUNT:
    case PLC_INT:
        snprintf(buf, n, "%d", *(const int *)at);
        break;
    case PLC_NUM:
        plc_format_double(*(const double *)at, buf, n);
        break;
    case PLC_ITERS:
        for (int i = 0; i < c->train.niters && i < PL_MAX_LIST; i++) {
            snprintf(num, sizeof num, "%d", c->train.iters[i]);
            append(buf, n, &len, i == 0, num);
        }
        break;
    case PLC_MULTI:
        if (c->task.nmulti == 0)
            snprintf(buf, n, "none");
        for (int i = 0; i < c->task.nmulti && i < 2; i++)
            append(buf, n, &len, i == 0, c->task.multiclass[i] == PL_KIND_OVR ? "ovr" : "softmax");
        break;
    case PLC_CLASSES:
        if ((c->task.classes & PL_ALL_CLASSES) == PL_ALL_CLASSES) {
            snprintf(buf, n, "0-9");
            break;
        }
        for (int d = 0; d < PL_CLASSES; d++)
            if ((c->task.classes >> d) & 1) {
                snprintf(num, sizeof num, "%d", d);
                append(buf, n, &len, len == 0, num);
            }
        break;
    }
}

int pl_config_key_text(const pl_config *c, const char *section, const char *key, char *buf,
                       size_t n)
{
    const plc_key *k = plc_key_find(section, key);
    if (!k)
        return -1;
    plc_key_format(c, k, buf, n);
    return 0;
}

void pl_config_foreach(const pl_config *c,
                       void (*fn)(void *ctx, const char *section, const char *key,
                                  const char *value),
                       void *ctx)
{
    char value[VALUE_MAX];
    for (int i = 0; i < PLC_NKEYS; i++) {
        plc_key_format(c, &plc_keys[i], value, sizeof value);
        fn(ctx, plc_keys[i].section, plc_keys[i].key, value);
    }
}
