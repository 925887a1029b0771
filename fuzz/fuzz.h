/*
 * fuzz.h - what the libFuzzer harnesses share.  The readers under test take
 * paths, so each harness writes its input into a scratch directory of its
 * own (under $TMPDIR, else /dev/shm, a tmpfs: no disk I/O), made once per
 * process and removed at exit, and calls the reader on it.  Files are
 * rewritten in place each run, so nothing grows and nothing leaks.
 *
 * Each harness asserts only what every reader promises (error.h): it
 * returns PL_OK, or a status with a non-empty message; it never crashes,
 * reads out of bounds or leaks (ASan, UBSan and LeakSanitizer check that).
 */
#ifndef PARLOGIT_FUZZ_H
#define PARLOGIT_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parlogit/error.h"

static char fz_root[256];

static inline void fz_cleanup(void)
{
    char cmd[300];
    if (fz_root[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_root);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fz_root);
    }
}

/* The scratch directory, made on first use. */
static inline const char *fz_dir(void)
{
    if (!fz_root[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fz_root, sizeof fz_root, "%s/parlogit-fuzz-XXXXXX",
                 t && *t ? t : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(fz_root)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fz_cleanup);
    }
    return fz_root;
}

/* Writes n bytes to fz_dir()/name (sub-directories made as needed); the
 * path goes to path[PATH_MAX-ish]. */
static inline void fz_write(const char *name, const void *data, size_t n, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", fz_dir(), name);
    const char *slash = strrchr(name, '/');
    if (slash) {   /* one level: "models/x.json" */
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%.*s", fz_dir(), (int)(slash - name), name);
        mkdir(sub, 0700);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const uint8_t *p = data;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k <= 0) {
            perror(path);
            abort();
        }
        p += k;
        n -= (size_t)k;
    }
    close(fd);
}

/* Splits data at the first occurrence of sep (a few bytes no reader
 * needs): head before it, tail after it; without sep, all is head. */
static inline void fz_split(const uint8_t *data, size_t n, const char *sep, const uint8_t **tail,
                     size_t *nhead, size_t *ntail)
{
    size_t k = strlen(sep);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(data + i, sep, k)) {
            *nhead = i;
            *tail = data + i + k;
            *ntail = n - i - k;
            return;
        }
    *nhead = n;
    *tail = data + n;
    *ntail = 0;
}

/* The promise of error.h: success, or a known status with a message. */
static inline void fz_check(int rc, const pl_error *e)
{
    if (rc == PL_OK)
        return;
    if (rc < PL_OK || rc > PL_EINTR || e->code != rc || !e->msg[0]) {
        fprintf(stderr, "fuzz: status %d with message \"%s\"\n", rc, e->msg);
        abort();
    }
}

/* The separator of two files in one input. */
#define FZ_SEP "\n=====\n"

#endif
