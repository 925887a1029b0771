/*
 * util.h - small private helpers: lossless number text, atomic file writes,
 * directories.
 */
#ifndef PARLOGIT_UTIL_H
#define PARLOGIT_UTIL_H

#include <stdio.h>

#include "parlogit/error.h"

/* The shortest "%.{15,16,17}g" text that reads back as exactly x ("nan",
 * "inf", "-inf" for non-finite values).  "C" locale: parlogit never calls
 * setlocale, so '.' is the decimal point.  Returns buf. */
const char *pl_fmt_double(char buf[32], double x);

/* As pl_fmt_double for a float: the shortest of %.6g .. %.9g that round-trips. */
const char *pl_fmt_float(char buf[32], float x);

/*
 * An output file written atomically: data goes to a temporary file in the same
 * directory; commit flushes, fsyncs, closes (checking every step) and renames
 * it over the target, so readers see the old file or the whole new one.
 * abort removes the temporary file.  Both release the handle.
 */
typedef struct pl_afile {
    FILE *f;
    char path[4096];
    char tmp[4096 + 16];
} pl_afile;

int pl_afile_open(pl_afile *a, const char *path, pl_error *e);
int pl_afile_commit(pl_afile *a, pl_error *e);
void pl_afile_abort(pl_afile *a);

/* mkdir -p. */
int pl_mkdirs(const char *path, pl_error *e);

#endif
