/*
 * testutil.h - small helpers shared by the test files: scratch directories and
 * files the tests write themselves, and a deterministic random generator.
 */
#ifndef PARLOGIT_TESTUTIL_H
#define PARLOGIT_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); path written to buf. */
static inline void tu_tmpdir(char *buf, size_t len)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, len, "%s/parlogit-test-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Writes len bytes to dir/name; the full path goes to out (PATH_MAX-ish). */
static inline void tu_write(const char *dir, const char *name, const void *data,
                            size_t len, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Removes a directory tree made by tu_tmpdir. */
static inline void tu_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* splitmix64: a deterministic generator for test data. */
static inline uint64_t tu_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline float tu_uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((tu_rand(s) >> 40) * (1.0 / 16777216.0));
}

/* Path of the repository's MNIST 10k copy, fetched by `make test`. */
#define TU_MNIST_DIR "data/mnist"

#endif
