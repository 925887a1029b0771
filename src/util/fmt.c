/*
 * fmt.c - lossless, locale-free number text.  See util.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

static const char *nonfinite(char buf[32], double x)
{
    snprintf(buf, 32, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    return buf;
}

const char *pl_fmt_double(char buf[32], double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 32, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

const char *pl_fmt_double17(char buf[32], double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    snprintf(buf, 32, "%.17g", x);
    return buf;
}

const char *pl_fmt_float(char buf[32], float x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, 32, "%.*g", p, (double)x);
        if (strtof(buf, NULL) == x)
            break;
    }
    return buf;
}
