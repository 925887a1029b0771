/*
 * fmt.c - lossless, locale-free number text.  See util.h.
 *
 * pl_fmt_double17 is written here, not left to printf, for its bulk use: a
 * ten-class model's predictions.csv is ten probabilities a row, and glibc's
 * exact %.17g (multi-precision digits) costs about 300 ns a number, 7.5 ms
 * of CPU for seed 004's 2,500 test rows; this one 75 ns.  Its digits are
 * those of glibc's: for x in [1e-16, 1e17) the 17 significant digits are
 * x * 10^k (k = 16 - the decimal exponent) rounded to an integer half to
 * even, computed exactly in 128-bit integers (x = m 2^e, m < 2^53, times
 * 5^k < 2^75); other magnitudes, zero and non-finite values go to snprintf.
 * check_sweep compares the two on random bit patterns, ties and powers of
 * ten.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* q (10^16 <= q < 10^17) as 17 digits into d. */
static void digits17(uint64_t q, char d[17])
{
    for (int i = 16; i >= 0; i--) {
        d[i] = (char)('0' + q % 10);
        q /= 10;
    }
}

/* The 17 significant digits of x > 0 (normal, in [1e-16, 1e17)) rounded half
 * to even, into d, and their decimal exponent into *E; 0 when x is outside
 * that range (the caller then uses snprintf). */
static int sig17(double x, char d[17], int *E)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const int be = (int)(bits >> 52 & 0x7ff);
    if (be == 0)   /* zero or subnormal */
        return 0;
    const uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
    const int e = be - 1075;   /* x = m 2^e */
    const uint64_t lo = UINT64_C(10000000000000000), hi = UINT64_C(100000000000000000);
    int ex = (int)floor(log10(x));   /* may be one off near a power of ten */
    for (int tries = 0; tries < 3; tries++) {
        const int k = 16 - ex;
        if (k < 0 || k > 32)
            return 0;
        unsigned __int128 M = m;
        for (int i = 0; i < k; i++)   /* m 5^k < 2^53 5^32 < 2^128 */
            M *= 5;
        const int s = -(e + k);   /* x 10^k = M 2^-s */
        unsigned __int128 q = M, r = 0, half = 0;
        if (s > 0) {
            if (s >= 128)
                return 0;
            q = M >> s;
            r = M & (((unsigned __int128)1 << s) - 1);
            half = (unsigned __int128)1 << (s - 1);
        } else {
            if (-s > 10)   /* beyond 10^17 anyway */
                return 0;
            q = M << -s;
        }
        if (q < lo) {
            ex--;
            continue;
        }
        if (q >= hi) {
            ex++;
            continue;
        }
        if (r > half || (r == half && s > 0 && (q & 1)))
            q++;
        if (q == hi) {   /* rounded up to the next power of ten */
            q = lo;
            ex++;
        }
        digits17((uint64_t)q, d);
        *E = ex;
        return 1;
    }
    return 0;
}

const char *pl_fmt_double17(char buf[32], double x)
{
    if (!isfinite(x))
        return nonfinite(buf, x);
    char d[17];
    int E;
    if (!sig17(fabs(x), d, &E)) {
        snprintf(buf, 32, "%.17g", x);
        return buf;
    }
    int nd = 17;   /* %g drops trailing zeros */
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    char *o = buf;
    if (signbit(x))
        *o++ = '-';
    if (E < -4 || E >= 17) {   /* d.ddde-XX */
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = E < 0 ? '-' : '+';
        const int a = E < 0 ? -E : E;
        *o++ = (char)('0' + a / 10);
        *o++ = (char)('0' + a % 10);
    } else if (E >= 0) {   /* ddd.ddd */
        memcpy(o, d, (size_t)E + 1);
        o += E + 1;
        if (nd > E + 1) {
            *o++ = '.';
            memcpy(o, d + E + 1, (size_t)(nd - E - 1));
            o += nd - E - 1;
        }
    } else {   /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -E - 1; i++)
            *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    }
    *o = '\0';
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
