/*
 * npy.c - NumPy .npy files, format version 1.0: the 6-byte magic "\x93NUMPY",
 * version 1.0, a little-endian uint16 header length, then an ASCII dict
 * {'descr': '<f4', 'fortran_order': False, 'shape': (...), } padded with spaces
 * and a final '\n' so the data starts at a multiple of 64 bytes, then the data.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output/npy.h"
#include "parlogit/output.h"
#include "util/util.h"

int pl_npy_write(const char *path, const float *a, int ndim, const size_t *shape,
                 pl_error *e)
{
    return pl_npy_stage(path, a, ndim, shape, NULL, e);
}

int pl_npy_stage(const char *path, const float *a, int ndim, const size_t *shape,
                 const pl_sdir *dir, pl_error *e)
{
    if (ndim < 0 || ndim > 4)
        return pl_errorf(e, PL_EINPUT, "%s: npy rank %d not supported", path, ndim);
    char dict[256];
    int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        len += snprintf(dict + len, sizeof dict - (size_t)len, "%zu,%s", shape[i],
                        i + 1 < ndim ? " " : "");
        count *= shape[i];
    }
    if (ndim > 1)   /* (3,) for one axis, (28, 28) for two: as numpy writes them */
        len--;
    len += snprintf(dict + len, sizeof dict - (size_t)len, "), }");
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned char head[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };
    size_t hlen = (size_t)len + pad + 1;
    head[8] = (unsigned char)(hlen & 0xff);
    head[9] = (unsigned char)(hlen >> 8);

    pl_afile f;
    int rc = dir ? pl_afile_open_staged(&f, dir, path, e) : pl_afile_open(&f, path, e);
    if (rc)
        return rc;
    fwrite(head, 1, sizeof head, f.f);
    fwrite(dict, 1, (size_t)len, f.f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f.f);
    fputc('\n', f.f);
    /* x86-64 is little-endian: floats go out as they are in memory. */
    if (count && fwrite(a, sizeof *a, count, f.f) != count) {
        pl_afile_abort(&f);
        return pl_errorf(e, PL_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    return pl_afile_commit(&f, e);
}

int pl_npy_read(const char *path, float **data, int *ndim, size_t shape[4], pl_error *e)
{
    *data = NULL;
    *ndim = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_errorf(e, PL_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[10];
    char dict[65536];
    int rc = PL_OK;
    if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY", 6) != 0) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 0: not a .npy file (no \\x93NUMPY magic)", path);
        goto out;
    }
    if (head[6] != 1) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 6: npy version %d.%d, expected 1.0", path,
                       head[6], head[7]);
        goto out;
    }
    size_t hlen = head[8] | (size_t)head[9] << 8;
    if (fread(dict, 1, hlen, f) != hlen) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 10: header truncated", path);
        goto out;
    }
    dict[hlen] = '\0';
    if (!strstr(dict, "'descr': '<f4'") || !strstr(dict, "'fortran_order': False")) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 10: expected little-endian float32 in C order, "
                       "header is %s", path, dict);
        goto out;
    }
    const char *s = strstr(dict, "'shape': (");
    if (!s) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 10: header has no shape", path);
        goto out;
    }
    s += strlen("'shape': (");
    size_t count = 1;
    while (*s != ')') {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || *ndim == 4 || v > (1u << 30)) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset 10: bad shape in header %s", path, dict);
            goto out;
        }
        /* the product checked as it grows: (2^30)^4 would wrap size_t */
        if (v && count > ((size_t)1 << 30) / v) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset 10: shape in header %s holds more than "
                           "2^30 floats", path, dict);
            goto out;
        }
        shape[(*ndim)++] = (size_t)v;
        count *= (size_t)v;
        s = end;
        while (*s == ',' || *s == ' ')
            s++;
    }
    if (count > (1u << 30)) {
        rc = pl_errorf(e, PL_EINPUT, "%s: array too large", path);
        goto out;
    }
    /* the data must be in the file before it is allocated for: a header
     * alone may claim 2^30 floats (4 GiB) */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)count * sizeof(float) > (uint64_t)st.st_size - (uint64_t)(10 + hlen)) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: data truncated, expected %zu floats, "
                       "the file holds %llu bytes after its header", path, 10 + hlen, count,
                       (unsigned long long)st.st_size - (unsigned long long)(10 + hlen));
        goto out;
    }
    *data = malloc(count ? count * sizeof(float) : 1);
    if (!*data) {
        rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (fread(*data, sizeof(float), count, f) != count) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: data truncated, expected %zu floats", path,
                       10 + hlen, count);
        free(*data);
        *data = NULL;
    }
out:
    fclose(f);
    return rc;
}
