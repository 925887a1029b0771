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

/* "%.17g": also reads back as exactly x, but not always the shortest text.  For
 * bulk output (a sweep's loss curves: 180,000 values), at a third of the
 * cost of pl_fmt_double's search. */
const char *pl_fmt_double17(char buf[32], double x);

/* As pl_fmt_double for a float: the shortest of %.6g .. %.9g that round-trips. */
const char *pl_fmt_float(char buf[32], float x);

/*
 * An output file written atomically: data goes to a temporary file in the same
 * directory; commit flushes, fsyncs, closes (checking every step) and renames
 * it over the target, so readers see the old file or the whole new one.
 * abort removes the temporary file.  Both release the handle.
 */
/*
 * A directory replaced as a whole (a sweep's hundreds of model files): its
 * files are written into a fresh staging directory beside it, where nothing
 * else looks; pl_sdir_commit makes them durable with one file-system sync,
 * swaps the staging directory in for the old one (two renames) and removes
 * the old one.  Readers see the old set or the new set, never a mix, and no
 * stale file of an earlier run survives.  pl_sdir_abort removes the staging
 * directory.
 */
typedef struct pl_sdir {
    char path[4096];          /* the directory                     */
    char stage[4096 + 32];    /* where its new files are written   */
} pl_sdir;

int pl_sdir_open(pl_sdir *d, const char *path, pl_error *e);
int pl_sdir_commit(pl_sdir *d, pl_error *e);
void pl_sdir_abort(pl_sdir *d);

typedef struct pl_afile {
    FILE *f;
    char path[4096];
    char tmp[4096 + 16];
    int staged;               /* in a pl_sdir: written in place, no rename */
} pl_afile;

int pl_afile_open(pl_afile *a, const char *path, pl_error *e);
/* The same for the file name in directory dir. */
int pl_afile_open_in(pl_afile *a, const char *dir, const char *name, pl_error *e);
/* A file of a staging directory: path is its name inside d->stage. */
int pl_afile_open_staged(pl_afile *a, const pl_sdir *d, const char *name, pl_error *e);
int pl_afile_commit(pl_afile *a, pl_error *e);
void pl_afile_abort(pl_afile *a);

/* The whole regular file path (at most PL_READ_FILE_MAX bytes) into *buf
 * (malloc'ed, *len bytes).  PL_EIO when it is missing, cannot be opened or read,
 * PL_EINPUT when it is not a regular file or too large, PL_ENOMEM. */
#define PL_READ_FILE_MAX ((size_t)4 << 30)
int pl_read_file(const char *path, unsigned char **buf, size_t *len, pl_error *e);

/* The same for size bytes of the open file fd (named path in messages). */
int pl_read_fd(int fd, const char *path, size_t size, unsigned char **buf, size_t *len,
               pl_error *e);

/* Opens path read-only, without blocking on a FIFO, as a regular file: *fd
 * and its *st.  missing (the caller's status) when it does not exist,
 * PL_EIO when it cannot be opened, PL_EINPUT when it is not a regular file
 * (closed then). */
struct stat;
int pl_open_regular(const char *path, int missing, int *fd, struct stat *st, pl_error *e);

/* rm -r: removes a directory tree (PL_EIO on failure). */
int pl_rmtree(const char *path, pl_error *e);

/* mkdir -p. */
int pl_mkdirs(const char *path, pl_error *e);

#endif
