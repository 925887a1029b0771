/*
 * config_parse.c - strict parsers for config values: numbers, paths, enums,
 * row ranges and the comma-separated lists of learning rates, iteration counts
 * and digit pairs.
 *
 * Strict means the whole text must be the value: no empty values, no trailing
 * junk, no hex, no "nan" or "inf", no signs on counts.  Numbers are read the
 * same way whatever the process locale is: a decimal number is first matched
 * against a fixed grammar ([+-]digits[.digits][e[+-]digits]) and then converted
 * with strtod_l in the "C" locale, so "0.5" means one half even under a locale
 * whose decimal point is ','.  Whole numbers are plain decimal digits.
 *
 * Every parser writes its outputs only when the whole value is good, and on
 * error puts a one-line reason into msg (the caller adds file:line and key).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_impl.h"
#include "parlogit/dataset.h"

#define ITEM_MAX 48   /* longest list item: "0.30000000000000004e-100" fits */

/* Formats the reason into msg and returns -1, so parsers can `return say(...)`. */
static int say(char *msg, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int say(char *msg, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* 1 if s is one or more decimal digits and nothing else. */
static int all_digits(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* 1 if s matches [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
static int decimal_grammar(const char *s)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    for (; is_digit(*p); p++)
        digits++;
    if (*p == '.')
        for (p++; is_digit(*p); p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return 0;
        while (is_digit(*p))
            p++;
    }
    return *p == '\0';
}

int plc_parse_double(const char *s, double *out, char *msg, size_t n)
{
    if (!*s)
        return say(msg, n, "empty value, expected a number");
    if (!decimal_grammar(s))
        return say(msg, n, "'%.100s' is not a number (expected e.g. 0.1 or 1e-3)", s);
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return say(msg, n, "cannot create the \"C\" locale to read '%.100s'", s);
    char *end;
    errno = 0;
    double v = strtod_l(s, &end, c);
    int range = errno == ERANGE;
    freelocale(c);
    /* The grammar already matched, so strtod_l must consume everything. */
    if (*end != '\0')
        return say(msg, n, "'%.100s' is not a number", s);
    if (range || !isfinite(v))
        return say(msg, n, "'%.100s' is out of range for a double", s);
    *out = v;
    return 0;
}

int plc_parse_uint(const char *s, uint64_t max, uint64_t *out, char *msg, size_t n)
{
    if (!*s)
        return say(msg, n, "empty value, expected a whole number");
    if (!all_digits(s, strlen(s)))
        return say(msg, n, "'%.100s' is not a whole number (digits 0-9 only)", s);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v > max)
        return say(msg, n, "'%.100s' is out of range (at most %llu)", s,
                   (unsigned long long)max);
    *out = v;
    return 0;
}

int plc_parse_fraction(const char *s, double *out, char *msg, size_t n)
{
    double v;
    if (plc_parse_double(s, &v, msg, n))
        return -1;
    if (!(v > 0.0 && v < 1.0))
        return say(msg, n, "'%.100s' is not between 0 and 1 (both excluded)", s);
    *out = v;
    return 0;
}

int plc_parse_path(const char *s, int empty_ok, char out[PL_PATH_MAX], char *msg,
                   size_t n)
{
    size_t len = strlen(s);
    if (len == 0 && !empty_ok)
        return say(msg, n, "empty path");
    if (len >= PL_PATH_MAX)
        return say(msg, n, "path is longer than %d characters", PL_PATH_MAX - 1);
    memcpy(out, s, len + 1);
    return 0;
}

int plc_parse_enum(const char *s, const plc_name *names, int *out, char *msg,
                   size_t n)
{
    for (const plc_name *p = names; p->name; p++)
        if (strcmp(s, p->name) == 0) {
            *out = p->value;
            return 0;
        }
    char list[128] = "";
    for (const plc_name *p = names; p->name; p++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", p == names ? "" : ", ",
                 p->name);
    }
    return say(msg, n, "'%.100s' is not one of %s", s, list);
}

int plc_parse_threads(const char *s, int *out, char *msg, size_t n)
{
    if (strcmp(s, "auto") == 0) {
        *out = 0;
        return 0;
    }
    uint64_t v;
    char why[PLC_MSG];
    if (plc_parse_uint(s, PLC_MAX_THREADS, &v, why, sizeof why) || v < 1)
        return say(msg, n, "'%.100s' is not 'auto' or a thread count 1..%d", s,
                   PLC_MAX_THREADS);
    *out = (int)v;
    return 0;
}

/* The text of [b, e) without blanks at either end, as a NUL-terminated copy in
 * buf[ITEM_MAX]; returns -1 if it does not fit. */
static int trim_copy(const char *b, const char *e, char buf[ITEM_MAX])
{
    while (b < e && is_blank(*b))
        b++;
    while (e > b && is_blank(e[-1]))
        e--;
    if ((size_t)(e - b) >= ITEM_MAX)
        return -1;
    memcpy(buf, b, (size_t)(e - b));
    buf[e - b] = '\0';
    return 0;
}

/* Splits a comma-separated list into at most max trimmed items.  An empty
 * list, an empty item (",," or a comma at either end) and too many items are
 * errors. */
static int split_list(const char *s, char (*items)[ITEM_MAX], int max, int *count,
                      char *msg, size_t n)
{
    const char *p = s;
    while (is_blank(*p))
        p++;
    if (!*p)
        return say(msg, n, "empty list");
    int k = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        if (k == max)
            return say(msg, n, "more than %d values", max);
        if (trim_copy(p, end, items[k]))
            return say(msg, n, "'%.20s...' is too long for a list item", p);
        if (!items[k][0])
            return say(msg, n, "empty item %d in '%.100s' (two commas, or a comma at "
                       "an end)", k + 1, s);
        k++;
        if (!comma)
            break;
        p = comma + 1;
    }
    *count = k;
    return 0;
}

int plc_parse_rates(const char *s, const char *what, double out[PL_MAX_LIST], int *count,
                    char *msg, size_t n)
{
    char items[PL_MAX_LIST][ITEM_MAX];
    double v[PL_MAX_LIST];
    int k = 0;
    if (split_list(s, items, PL_MAX_LIST, &k, msg, n))
        return -1;
    for (int i = 0; i < k; i++) {
        if (plc_parse_double(items[i], &v[i], msg, n))
            return -1;
        if (!(v[i] > 0.0))
            return say(msg, n, "%s '%.100s' must be greater than 0", what, items[i]);
        for (int j = 0; j < i; j++)
            if (v[j] == v[i])
                return say(msg, n, "%s %s appears twice ('%.100s' and '%.100s')", what,
                           items[i], items[j], items[i]);
    }
    memcpy(out, v, (size_t)k * sizeof v[0]);
    *count = k;
    return 0;
}

int plc_parse_iters(const char *s, int out[PL_MAX_LIST], int *count, char *msg,
                    size_t n)
{
    char items[PL_MAX_LIST][ITEM_MAX];
    int v[PL_MAX_LIST];
    int k = 0;
    if (split_list(s, items, PL_MAX_LIST, &k, msg, n))
        return -1;
    for (int i = 0; i < k; i++) {
        uint64_t x;
        if (plc_parse_uint(items[i], PLC_MAX_ITERS, &x, msg, n))
            return -1;
        if (x < 1)
            return say(msg, n, "iterations must be at least 1, not '%.100s'", items[i]);
        /* Insertion into the sorted prefix v[0..i), rejecting repeats. */
        int j = i;
        for (; j > 0 && v[j - 1] >= (int)x; j--) {
            if (v[j - 1] == (int)x)
                return say(msg, n, "iteration count %d appears twice", (int)x);
            v[j] = v[j - 1];
        }
        v[j] = (int)x;
    }
    memcpy(out, v, (size_t)k * sizeof v[0]);
    *count = k;
    return 0;
}

int plc_parse_range(const char *s, size_t *lo, size_t *hi, char *msg, size_t n)
{
    const char *p = s;
    while (is_blank(*p))
        p++;
    if (!*p) {              /* empty: the range is not set (what defaults hold) */
        *lo = *hi = 0;
        return 0;
    }
    const char *colon = strchr(s, ':');
    char a[ITEM_MAX], b[ITEM_MAX];
    if (!colon || trim_copy(s, colon, a) || trim_copy(colon + 1, s + strlen(s), b) ||
        !all_digits(a, strlen(a)) || !all_digits(b, strlen(b)))
        return say(msg, n, "'%.100s' is not a row range: expected A:B, rows A to B-1 "
                   "(e.g. 0:8000; 'A-B' is not accepted)", s);
    uint64_t x, y;
    if (plc_parse_uint(a, SIZE_MAX, &x, msg, n) || plc_parse_uint(b, SIZE_MAX, &y, msg, n))
        return -1;
    if (x >= y)
        return say(msg, n, "'%.100s' is an empty row range: A must be less than B", s);
    *lo = (size_t)x;
    *hi = (size_t)y;
    return 0;
}

int plc_parse_shape(const char *s, size_t *h, size_t *w, char *msg, size_t n)
{
    char t[ITEM_MAX];
    if (trim_copy(s, s + strlen(s), t))
        return say(msg, n, "'%.100s' is not an image shape: expected auto or HEIGHTxWIDTH "
                   "(e.g. 8x8)", s);
    if (!strcmp(t, "auto")) {
        *h = *w = 0;
        return 0;
    }
    char *x = strchr(t, 'x');
    if (!x)
        x = strchr(t, 'X');
    if (!x || x == t || !x[1] || !all_digits(t, (size_t)(x - t)) ||
        !all_digits(x + 1, strlen(x + 1)))
        return say(msg, n, "'%.100s' is not an image shape: expected auto or HEIGHTxWIDTH "
                   "(e.g. 8x8)", s);
    *x = '\0';
    uint64_t a, b;
    if (plc_parse_uint(t, PL_MAX_DIM, &a, msg, n) || plc_parse_uint(x + 1, PL_MAX_DIM, &b, msg, n))
        return -1;
    if (a < 1 || b < 1 || a * b > PL_MAX_DIM)
        return say(msg, n, "'%.100s': an image of %llu x %llu pixels; expected 1 to %d pixels",
                   s, (unsigned long long)a, (unsigned long long)b, PL_MAX_DIM);
    *h = (size_t)a;
    *w = (size_t)b;
    return 0;
}

int plc_all_pairs(pl_task out[PLC_NPAIRS_ALL])
{
    int k = 0;
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++)
            out[k++] = (pl_task){.pos = j, .neg = i};
    return k;
}

/* Reads one digit 0..9 from [b, b+len); -1 with a reason if it is not one. */
static int digit(const char *item, const char *b, size_t len, int *d, char *msg,
                 size_t n)
{
    if (len > 1 || !is_digit(b[0]))
        return say(msg, n, "'%.100s': %.*s is not a digit 0..9", item, (int)len, b);
    *d = b[0] - '0';
    return 0;
}

/* One list item: "i-j" (neg i, pos j) or "i-rest" (pos i, neg PL_REST). */
static int parse_pair(const char *item, pl_task *t, char *msg, size_t n)
{
    const char *dash = strchr(item, '-');
    if (!dash || dash == item || !dash[1] || !all_digits(item, (size_t)(dash - item)) ||
        (strcmp(dash + 1, "rest") != 0 && !all_digits(dash + 1, strlen(dash + 1))))
        return say(msg, n, "'%.100s' is not a pair: expected i-j or i-rest with digits "
                   "0..9 (or pairs = all)", item);
    int i = 0, j = 0;
    if (digit(item, item, (size_t)(dash - item), &i, msg, n))
        return -1;
    if (strcmp(dash + 1, "rest") == 0) {
        *t = (pl_task){.pos = i, .neg = PL_REST};
        return 0;
    }
    if (digit(item, dash + 1, strlen(dash + 1), &j, msg, n))
        return -1;
    if (i == j)
        return say(msg, n, "'%.100s': a pair needs two different digits", item);
    *t = (pl_task){.pos = j, .neg = i};
    return 0;
}

int plc_parse_pairs(const char *s, pl_task out[PL_MAX_TASKS], int *count, char *msg,
                    size_t n)
{
    char items[PL_MAX_TASKS][ITEM_MAX];
    pl_task t[PL_MAX_TASKS];
    int k = 0;
    if (split_list(s, items, PL_MAX_TASKS, &k, msg, n))
        return -1;
    if (k == 1 && strcmp(items[0], "none") == 0) {   /* multiclass models only */
        *count = 0;
        return 0;
    }
    for (int i = 0; i < k; i++)
        if (strcmp(items[i], "all") == 0) {
            if (k > 1)
                return say(msg, n, "'all' cannot be combined with other pairs");
            *count = plc_all_pairs(out);
            return 0;
        }
    for (int i = 0; i < k; i++) {
        if (parse_pair(items[i], &t[i], msg, n))
            return -1;
        /* Repeats, and i-j after j-i: the same two digits with the classes
         * swapped train the same model with its sign flipped. */
        for (int j = 0; j < i; j++) {
            if (t[j].pos == t[i].pos && t[j].neg == t[i].neg)
                return say(msg, n, "pair '%.100s' appears twice", items[i]);
            if (t[i].neg != PL_REST && t[j].pos == t[i].neg && t[j].neg == t[i].pos)
                return say(msg, n, "pair '%.100s' repeats '%.100s' with the classes "
                           "swapped", items[i], items[j]);
        }
    }
    memcpy(out, t, (size_t)k * sizeof t[0]);
    *count = k;
    return 0;
}

int plc_parse_classes(const char *s, unsigned *mask, char *msg, size_t n)
{
    char items[PL_MAX_LIST][ITEM_MAX];
    int k = 0;
    unsigned m = 0;
    if (split_list(s, items, PL_MAX_LIST, &k, msg, n))
        return -1;
    for (int i = 0; i < k; i++) {
        const char *it = items[i];
        int a, b;
        if (is_digit(it[0]) && it[1] == '\0') {
            a = b = it[0] - '0';
        } else if (is_digit(it[0]) && it[1] == '-' && is_digit(it[2]) && it[3] == '\0' &&
                   it[0] < it[2]) {
            a = it[0] - '0';
            b = it[2] - '0';
        } else {
            return say(msg, n, "'%.100s' is not a class: expected a digit 0..9 or a range "
                       "a-b (e.g. classes = 0-9, or 0,1,2)", it);
        }
        for (int c = a; c <= b; c++) {
            if ((m >> c) & 1)
                return say(msg, n, "class %d appears twice in '%.100s'", c, s);
            m |= 1u << c;
        }
    }
    if (__builtin_popcount(m) < 2)
        return say(msg, n, "'%.100s': a multiclass model needs at least two classes", s);
    *mask = m;
    return 0;
}

int plc_parse_names(const char *s, const plc_name *names, const char *what, int none_ok,
                    int max, int *out, int *count, char *msg, size_t n)
{
    char items[PL_MAX_LIST][ITEM_MAX];
    int k = 0, v[PL_MAX_LIST];
    if (split_list(s, items, PL_MAX_LIST, &k, msg, n))
        return -1;
    if (none_ok && k == 1 && strcmp(items[0], "none") == 0) {
        *count = 0;
        return 0;
    }
    char all[128] = "";
    for (const plc_name *p = names; p->name; p++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", p == names ? "" : ", ",
                 p->name);
    if (k > max)
        return say(msg, n, "'%.100s': at most %d of %s, each once", s, max, all);
    for (int i = 0; i < k; i++) {
        const plc_name *p = names;
        while (p->name && strcmp(p->name, items[i]) != 0)
            p++;
        if (!p->name)
            return say(msg, n, "'%.100s' is not %s: expected %s", items[i], what, all);
        v[i] = p->value;
        for (int j = 0; j < i; j++)
            if (v[j] == v[i])
                return say(msg, n, "'%.100s' appears twice", items[i]);
    }
    memcpy(out, v, (size_t)k * sizeof v[0]);
    *count = k;
    return 0;
}
