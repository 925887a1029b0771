/*
 * share.c - pl_fill_share: one MPI rank's part of reading a plain IDX
 * training file (fill.h), so that no rank reads the whole file: the file's
 * size is checked against its header without reading it, the rows of the
 * sets every rank holds whole (validation, test) are read where they are,
 * by pread, and the rank's share of the file's rows, a contiguous run in
 * file order, is read a chunk at a time to check its pixels and count the
 * training rows' non-zero pixels.  Over the ranks every row of the file is
 * checked once and every training row counted once; the caller sums the
 * counts (they are integers, so any order of summing gives the same).  The
 * training rows themselves are read later, each rank its own
 * (pl_data_fill_train).  A gzip stream cannot be seeked: it is read
 * through by pl_fill_sets instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/fill.h"

#define SHARE_CHUNK_BYTES ((size_t)1 << 20)

/* Reads exactly n bytes at offset off of fd into dst (retrying short reads
 * and EINTR): 0, an errno, or -1 when the file ends first. */
static int read_at(int fd, uint8_t *dst, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        const ssize_t r = pread(fd, dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : -1;
        got += (size_t)r;
    }
    return 0;
}

int pl_read_rows(int fd, const char *path, uint64_t off, size_t dim, const pl_fill *f,
                 int nthreads, pl_error *e)
{
    int err = 0;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && f->n > 64)
    for (size_t i = 0; i < f->n; i++) {
        int r;
#pragma omp atomic read
        r = err;
        if (r)
            continue;
        r = read_at(fd, f->d->pix + f->dest[i] * dim, dim, off + (uint64_t)f->rows[i] * dim);
        if (r) {
#pragma omp critical(share_err)
            if (!err) {
#pragma omp atomic write
                err = r;
            }
        }
    }
    if (err > 0)
        return pl_errorf(e, PL_EIO, "%s: %s", path, strerror(err));
    if (err < 0)   /* the size was checked: the file shrank meanwhile */
        return pl_errorf(e, PL_EIO, "%s: the file became shorter while it was read", path);
    return PL_OK;
}

int pl_fill_share(pl_idx_stream *s, const char *path, unsigned pixel_max, pl_fill *sets,
                  int nsets, int rank, int size, int nthreads, pl_error *e)
{
    const size_t dim = s->dim, n = s->n;
    const uint64_t off = pl_reader_offset(&s->img) - (uint64_t)s->next * dim;
    const int fd = pl_data_open(path, e);
    if (fd < 0)
        return e->code;
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? PL_OK : pl_errorf(e, PL_EIO, "%s: %s", path, strerror(errno));
    if (rc == PL_OK)
        rc = pl_idx_check_size(s, (uint64_t)st.st_size, e);
    if (nthreads < 1)
        nthreads = 1;
    for (int q = 0; rc == PL_OK && q < nsets; q++)   /* the sets held whole */
        if (!sets[q].count_only)
            rc = pl_read_rows(fd, path, off, dim, &sets[q], nthreads, e);
    /* the share: rows [lo, hi) of the file, checked, their training rows counted */
    const size_t lo = (size_t)rank * n / (size_t)size, hi = (size_t)(rank + 1) * n / (size_t)size;
    const size_t chunk = dim ? (SHARE_CHUNK_BYTES / dim > 0 ? SHARE_CHUNK_BYTES / dim : 1) : 1;
    uint8_t *buf = rc == PL_OK ? malloc((hi - lo < chunk ? (hi > lo ? hi - lo : 1) : chunk) *
                                        (dim ? dim : 1)) : NULL;
    if (rc == PL_OK && !buf)
        rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory for reading its rows", path);
    size_t at[3] = { 0, 0, 0 };   /* each count_only set's cursor (nsets <= 3) */
    for (int q = 0; rc == PL_OK && q < nsets && q < 3; q++)
        while (at[q] < sets[q].n && sets[q].rows[at[q]] < lo)
            at[q]++;
    for (size_t c0 = lo; rc == PL_OK && c0 < hi; c0 += chunk) {
        const size_t c1 = hi - c0 < chunk ? hi : c0 + chunk;
        const int r = read_at(fd, buf, (c1 - c0) * dim, off + (uint64_t)c0 * dim);
        if (r) {
            rc = r > 0 ? pl_errorf(e, PL_EIO, "%s: %s", path, strerror(r))
                       : pl_errorf(e, PL_EIO, "%s: the file became shorter while it was read",
                                   path);
            break;
        }
        const pl_raw rows = { .n = c1 - c0, .dim = dim, .pix = buf };
        const size_t bad = pl_raw_above(&rows, pixel_max), g = c0 * dim + bad;
        if (bad < (c1 - c0) * dim) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: pixel %zu of image %zu is %u, above "
                           "data.pixel_max = %u", path, (size_t)(off + g), g % dim, g / dim,
                           buf[bad], pixel_max);
            break;
        }
        for (int q = 0; q < nsets && q < 3; q++) {
            const pl_fill *f = &sets[q];
            if (!f->count_only)
                continue;
            size_t end = at[q];
            while (end < f->n && f->rows[end] < c1)
                end++;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && end - at[q] > 64)
            for (size_t i = at[q]; i < end; i++)
                f->d->nnz[f->dest[i]] = pl_row_nnz(buf + (f->rows[i] - c0) * dim, dim);
            at[q] = end;
        }
    }
    free(buf);
    close(fd);
    return rc;
}
