/*
 * npy.c - NumPy .npy files, format version 1.0: the 6-byte magic "\x93NUMPY",
 * version 1.0, a little-endian uint16 header length, then an ASCII dict
 * {'descr': '<f4', 'fortran_order': False, 'shape': (...), } padded with spaces
 * and a final '\n' so the data starts at a multiple of 64 bytes, then the data.
 * A file is read whole and parsed from memory, as an archive's member is
 * (npz.c).
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

size_t pl_npy_header(unsigned char head[PL_NPY_HEADER_MAX], int ndim, const size_t *shape,
                     size_t *count)
{
    char dict[256];
    int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    *count = 1;
    for (int i = 0; i < ndim; i++) {
        len += snprintf(dict + len, sizeof dict - (size_t)len, "%zu,%s", shape[i],
                        i + 1 < ndim ? " " : "");
        *count *= shape[i];
    }
    if (ndim > 1)   /* (3,) for one axis, (28, 28) for two: as numpy writes them */
        len--;
    len += snprintf(dict + len, sizeof dict - (size_t)len, "), }");
    const size_t total = 10 + (size_t)len + 1;
    const size_t pad = (64 - total % 64) % 64;
    const size_t hlen = (size_t)len + pad + 1;
    static const unsigned char magic[8] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
    memcpy(head, magic, 8);
    head[8] = (unsigned char)(hlen & 0xff);
    head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + 10, dict, (size_t)len);
    memset(head + 10 + len, ' ', pad);
    head[10 + hlen - 1] = '\n';
    return 10 + hlen;
}

int pl_npy_stage(const char *path, const float *a, int ndim, const size_t *shape,
                 const pl_sdir *dir, pl_error *e)
{
    if (ndim < 0 || ndim > 4)
        return pl_errorf(e, PL_EINPUT, "%s: npy rank %d not supported", path, ndim);
    unsigned char head[PL_NPY_HEADER_MAX];
    size_t count;
    const size_t hn = pl_npy_header(head, ndim, shape, &count);
    pl_afile f;
    int rc = dir ? pl_afile_open_staged(&f, dir, path, e) : pl_afile_open(&f, path, e);
    if (rc)
        return rc;
    fwrite(head, 1, hn, f.f);
    /* x86-64 is little-endian: floats go out as they are in memory. */
    if (count && fwrite(a, sizeof *a, count, f.f) != count) {
        pl_afile_abort(&f);
        return pl_errorf(e, PL_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    return pl_afile_commit(&f, e);
}

int pl_npy_parse(const unsigned char *buf, size_t len, const char *what, float **data,
                 int *ndim, size_t shape[4], pl_error *e)
{
    *data = NULL;
    *ndim = 0;
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return pl_errorf(e, PL_EINPUT, "%s: offset 0: not a .npy file (no \\x93NUMPY magic)",
                         what);
    if (buf[6] != 1)
        return pl_errorf(e, PL_EINPUT, "%s: offset 6: npy version %d.%d, expected 1.0", what,
                         buf[6], buf[7]);
    const size_t hlen = buf[8] | (size_t)buf[9] << 8;
    if (hlen > len - 10)
        return pl_errorf(e, PL_EINPUT, "%s: offset 10: header truncated", what);
    char dict[65536];
    memcpy(dict, buf + 10, hlen);
    dict[hlen] = '\0';
    if (!strstr(dict, "'descr': '<f4'") || !strstr(dict, "'fortran_order': False"))
        return pl_errorf(e, PL_EINPUT, "%s: offset 10: expected little-endian float32 in C "
                         "order, header is %.200s", what, dict);
    const char *s = strstr(dict, "'shape': (");
    if (!s)
        return pl_errorf(e, PL_EINPUT, "%s: offset 10: header has no shape", what);
    s += strlen("'shape': (");
    size_t count = 1;
    while (*s != ')') {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || *ndim == 4 || v > (1u << 30))
            return pl_errorf(e, PL_EINPUT, "%s: offset 10: bad shape in header %.200s", what,
                             dict);
        /* the product checked as it grows: (2^30)^4 would wrap size_t */
        if (v && count > ((size_t)1 << 30) / v)
            return pl_errorf(e, PL_EINPUT, "%s: offset 10: shape in header %.200s holds more "
                             "than 2^30 floats", what, dict);
        shape[(*ndim)++] = (size_t)v;
        count *= (size_t)v;
        s = end;
        while (*s == ',' || *s == ' ')
            s++;
    }
    /* the data must be there before it is allocated for: a header alone may
     * claim 2^30 floats (4 GiB) */
    const size_t have = len - 10 - hlen;
    if ((uint64_t)count * sizeof(float) > have)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: data truncated, expected %zu floats, "
                         "the file holds %zu bytes after its header", what, 10 + hlen, count,
                         have);
    *data = malloc(count ? count * sizeof(float) : 1);
    if (!*data)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", what);
    memcpy(*data, buf + 10 + hlen, count * sizeof(float));
    return PL_OK;
}

int pl_npy_read(const char *path, float **data, int *ndim, size_t shape[4], pl_error *e)
{
    *data = NULL;
    *ndim = 0;
    unsigned char *buf;
    size_t len;
    int rc = pl_read_file(path, &buf, &len, e);
    if (rc)
        return rc;
    rc = pl_npy_parse(buf, len, path, data, ndim, shape, e);
    free(buf);
    return rc;
}
