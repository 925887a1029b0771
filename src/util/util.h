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
    struct pl_abatch *batch;   /* NULL: commit on its own */
} pl_afile;

/*
 * Many files that appear together (a sweep's models): each one's commit only
 * flushes and closes it; pl_abatch_commit then makes them all durable with one
 * file-system sync and renames them in order.  Until then none is visible
 * under its name.  pl_abatch_abort removes the staged temporary files.
 */
typedef struct pl_abatch {
    size_t n, cap;
    char **tmp, **path;
} pl_abatch;

int pl_afile_open(pl_afile *a, const char *path, pl_error *e);
/* As pl_afile_open, committed later with the batch b (b may be NULL). */
int pl_afile_open_in(pl_afile *a, const char *path, pl_abatch *b, pl_error *e);
int pl_afile_commit(pl_afile *a, pl_error *e);
void pl_afile_abort(pl_afile *a);
int pl_abatch_commit(pl_abatch *b, pl_error *e);
void pl_abatch_abort(pl_abatch *b);

/* mkdir -p. */
int pl_mkdirs(const char *path, pl_error *e);

#endif
