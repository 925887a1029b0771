/*
 * error.h - how the library reports failure.
 *
 * Every fallible library function returns an int status (PL_OK on success)
 * and, on failure, fills a caller-owned pl_error with a one-line message that
 * names the file, line or byte offset and what was expected.  The library never
 * prints and never exits; the CLI turns a status into a message and an exit code.
 */
#ifndef PARLOGIT_ERROR_H
#define PARLOGIT_ERROR_H

enum pl_status {
    PL_OK = 0,
    PL_EINPUT = 1,   /* bad input: a malformed file, config or argument      */
    PL_EIO = 2,      /* the system failed us: open/read/write/rename errors  */
    PL_ENOMEM = 3,   /* an allocation failed                                 */
    PL_EINTR = 4,    /* stopped by a signal; partial results are complete    */
};

typedef struct pl_error {
    int code;        /* one of enum pl_status */
    char msg[1024];  /* "file:line: message" or "file: offset N: message"  */
} pl_error;

/* Sets e->code and formats e->msg (printf style); returns code so callers can
 * write `return pl_errorf(e, PL_EINPUT, "%s: ...", path);`.  e may be NULL. */
int pl_errorf(pl_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with "prefix: " (used to add context on the way up). */
void pl_error_prefix(pl_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
