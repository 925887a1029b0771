/*
 * csvline.h - private: the plain CSV parsing the run-directory readers share
 * (parlogit's CSV files have no quoting): reading a line, splitting it into
 * fields and reading numbers with checks.
 */
#ifndef PARLOGIT_REPORT_CSVLINE_H
#define PARLOGIT_REPORT_CSVLINE_H

#include <stdio.h>

#include "parlogit/error.h"

#define PL_CSV_MAXF 24

/* A line being read: file, path and line number for messages. */
typedef struct pl_csvline {
    FILE *f;
    const char *path;
    int line;
    char buf[4096];
    char *field[PL_CSV_MAXF];
    int nfields;
} pl_csvline;

/* Opens path: PL_EIO when it cannot. */
int pl_csvline_open(pl_csvline *c, const char *path, pl_error *e);
void pl_csvline_close(pl_csvline *c);

/* Reads and splits the next line.  Returns 1 for a line, 0 at the end, -1 on
 * an error (a line too long or with too many fields: PL_EINPUT in e). */
int pl_csvline_next(pl_csvline *c, pl_error *e);

/* Field k as a number: an empty field is NaN when empty_ok, "nan"/"inf" are
 * accepted; anything else is PL_EINPUT "path:line: column NAME: ...". */
int pl_csvline_num(pl_csvline *c, int k, const char *name, int empty_ok, double *out,
                   pl_error *e);

/* Field k as an integer in [lo, hi]. */
int pl_csvline_int(pl_csvline *c, int k, const char *name, long lo, long hi, long *out,
                   pl_error *e);

#endif
