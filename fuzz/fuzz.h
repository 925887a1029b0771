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
 * The harnesses of one file (fz_one_file) and of an IDX pair (fz_idx_pair)
 * have their whole run here: they give only the names and the reader.
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

#include "data/fill.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/model.h"

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

/* What writes one file of an input: fz_write, or a harness's own (one that
 * compresses first, say); same arguments. */
typedef void fz_put_fn(const char *name, const void *data, size_t n, char *path, size_t len);

/* A reader under test on the file at path: it returns the reader's status and
 * frees what it read (touching it first, so that ASan checks the sizes). */
typedef int fz_read_fn(const char *path, pl_error *e);

/* A one-file harness's run: data to fz_dir()/name, reader on it, checked. */
static inline int fz_one_file(const uint8_t *data, size_t size, const char *name,
                              fz_read_fn *reader)
{
    char path[512];
    fz_write(name, data, size, path, sizeof path);
    pl_error e;
    fz_check(reader(path, &e), &e);
    return 0;
}

/* The same pair read as the training loader reads it (data/fill.h): rows
 * streamed into two sets (every third row; the second half); when the header
 * claims at most 16 MB, its result must be pl_idx_load's: the same error
 * message, or sets equal to pl_dataset_build's from raw. */
static inline void fz_idx_streamed(const char *images, const char *labels, int whole_rc,
                                   const pl_error *whole_e, const pl_raw *raw)
{
    pl_idx_stream st;
    pl_raw hdr;
    pl_error e;
    int rc = pl_idx_open(images, labels, &st, &hdr, &e);
    fz_check(rc, &e);
    if (rc == PL_OK && hdr.n * hdr.dim <= ((size_t)16 << 20)) {
        size_t *rows[2] = { malloc(hdr.n * sizeof(size_t) + 1), malloc(hdr.n * sizeof(size_t) + 1) };
        size_t n[2] = { 0, 0 }, *dest[2] = { NULL, NULL };
        pl_dataset sets[2];
        pl_fill fill[2];
        if (!rows[0] || !rows[1])
            abort();
        for (size_t i = 0; i < hdr.n; i++) {
            if (i % 3 == 0)
                rows[0][n[0]++] = i;
            if (2 * i >= hdr.n)
                rows[1][n[1]++] = i;
        }
        for (int k = 0; k < 2; k++) {
            if (pl_dataset_alloc(&hdr, rows[k], n[k], &sets[k], &dest[k], &e) != PL_OK)
                abort();   /* at most 16 MB */
            fill[k] = (pl_fill){ .d = &sets[k], .rows = rows[k], .dest = dest[k], .n = n[k] };
        }
        rc = pl_fill_sets(&st, images, 255, fill, 2, 2, &e);
        fz_check(rc, &e);
        if (rc != whole_rc || (rc && strcmp(e.msg, whole_e->msg) != 0)) {
            fprintf(stderr, "fuzz: streamed %d \"%s\", whole %d \"%s\"\n", rc, e.msg,
                    whole_rc, whole_e->msg);
            abort();
        }
        for (int k = 0; rc == PL_OK && k < 2; k++) {
            pl_dataset want;
            if (pl_dataset_build(raw, rows[k], n[k], 1, &want, &e) != PL_OK ||
                want.n != sets[k].n || memcmp(want.start, sets[k].start, sizeof want.start) ||
                (want.n && (memcmp(want.pix, sets[k].pix, want.n * want.dim) ||
                            memcmp(want.label, sets[k].label, want.n) ||
                            memcmp(want.orig, sets[k].orig, want.n * sizeof *want.orig)))) {
                fprintf(stderr, "fuzz: streamed set %d differs from the built one\n", k);
                abort();
            }
            pl_dataset_free(&want);
        }
        for (int k = 0; k < 2; k++) {
            pl_dataset_free(&sets[k]);
            free(dest[k]);
            free(rows[k]);
        }
    }
    pl_idx_close(&st);
    pl_raw_free(&hdr);
}

/* An IDX harness's run: data is IMAGES FZ_SEP LABELS, each part written by put
 * to fz_dir()/images_name and labels_name, pl_idx_load on the two, checked,
 * and the last pixel and label touched (ASan checks the sizes); then the
 * streamed reading of the same pair against it (fz_idx_streamed). */
static inline int fz_idx_pair(const uint8_t *data, size_t size, fz_put_fn *put,
                              const char *images_name, const char *labels_name)
{
    const uint8_t *tail;
    size_t nhead, ntail;
    fz_split(data, size, FZ_SEP, &tail, &nhead, &ntail);
    char images[512], labels[512];
    put(images_name, data, nhead, images, sizeof images);
    put(labels_name, tail, ntail, labels, sizeof labels);
    pl_raw raw;
    pl_error e;
    int rc = pl_idx_load(images, labels, &raw, &e);
    fz_check(rc, &e);
    fz_idx_streamed(images, labels, rc, &e, &raw);
    if (!rc && raw.n)
        raw.pix[raw.n * raw.dim - 1] ^= raw.label[raw.n - 1];
    pl_raw_free(&raw);
    return 0;
}

/* The model name a selector byte picks (fuzz_model, fuzz_npz): binary,
 * i-rest, softmax, a subset's ovr, L-BFGS softmax, an l1 pair; the corpus
 * (make_corpus.sh) holds models of these names. */
static inline const char *fz_model_name(uint8_t selector)
{
    static const char *const names[] = { "1-7_lr0.1_it100", "3-rest_lr0.5_it10",
                                          "softmax_lr0.5_it500", "ovr-012_lr1_it2",
                                          "softmax_lbfgs_C1", "1-7_lbfgs_l1_C0.5" };
    return names[selector % (sizeof names / sizeof *names)];
}

/* An array a reader returned, of shape[0..ndim): its last element written,
 * so that ASan checks the whole array is there. */
static inline void fz_touch(float *a, int ndim, const size_t *shape)
{
    size_t n = 1;
    for (int k = 0; k < ndim; k++)
        n *= shape[k];
    if (n)
        a[n - 1] = a[0];
}

/* A loaded model, checked and used: its shape agrees with its inputs, and it
 * predicts a row whose last pixel is ink (ASan checks its sizes); freed. */
static inline void fz_use_model(pl_model *m)
{
    if (m->height * m->width != m->dim || m->pixel_max < 1 || m->pixel_max > 255)
        __builtin_trap();
    uint8_t *x = calloc(m->dim, 1);
    double p[PL_CLASSES];
    if (x) {
        x[m->dim - 1] = 255;
        pl_model_predict(m, x, p);
        free(x);
    }
    pl_model_free(m);
}

#endif
