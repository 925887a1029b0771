/*
 * fill.c - pl_fill_sets: an IDX file's rows, read a chunk at a time, copied
 * into the sets that take them.  See fill.h.
 *
 * Each set's rows are ascending, so a chunk of file rows [c0, c1) is a run
 * [at, end) of each set's entries, found by a cursor that only moves on.
 * The chunk's copy runs in one parallel region: every thread walks the run
 * and copies the entries whose slot falls in its own share of the set
 * (slots [t n / T, (t + 1) n / T) of its n; a fill of some of its rows,
 * pl_data_fill_train's, copies only theirs), about the share a static schedule over
 * the set's rows gives it later (libgomp's differs by a row at the ends), so
 * its pages are first touched there.  A chunk
 * is about 1 MiB of pixels: a few dozen parallel regions for MNIST's 60,000
 * rows, and nothing large held besides the sets.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "data/fill.h"

#define FILL_CHUNK_BYTES ((size_t)1 << 20)

int pl_fill_sets(pl_idx_stream *s, const char *path, unsigned pixel_max, pl_fill *sets,
                 int nsets, int nthreads, pl_error *e)
{
    const size_t dim = s->dim;
    const size_t chunk = dim ? (FILL_CHUNK_BYTES / dim > 0 ? FILL_CHUNK_BYTES / dim : 1) : 1;
    for (int q = 0; q < nsets; q++)
        for (size_t i = 0; i < sets[q].n; i++)
            if (sets[q].rows[i] >= s->n || (i > 0 && sets[q].rows[i] <= sets[q].rows[i - 1]))
                return pl_errorf(e, PL_EINPUT, "%s: set rows not ascending below %zu (entry "
                                 "%zu is %zu)", path, s->n, i, sets[q].rows[i]);
    uint8_t *buf = malloc((chunk < s->n ? chunk : s->n ? s->n : 1) * (dim ? dim : 1));
    size_t *at = calloc((size_t)(nsets > 0 ? nsets : 1), sizeof *at);
    if (!buf || !at) {
        free(buf);
        free(at);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for reading its rows", path);
    }
    if (nthreads < 1)
        nthreads = 1;
    int rc = PL_OK;
    for (size_t c0 = 0; rc == PL_OK && c0 < s->n; c0 += chunk) {
        const size_t c1 = s->n - c0 < chunk ? s->n : c0 + chunk;
        if ((rc = pl_idx_rows(s, buf, c1 - c0, e)) != PL_OK)
            break;
        const pl_raw rows = { .n = c1 - c0, .dim = dim, .pix = buf };
        const size_t bad = pl_raw_above(&rows, pixel_max), g = c0 * dim + bad;
        if (bad < (c1 - c0) * dim) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: pixel %zu of image %zu is %u, above "
                           "data.pixel_max = %u", path, (size_t)16 + g, g % dim, g / dim,
                           buf[bad], pixel_max);
            break;
        }
        for (int q = 0; q < nsets; q++) {
            const pl_fill *f = &sets[q];
            size_t end = at[q];
            while (end < f->n && f->rows[end] < c1)
                end++;
            const size_t i0 = at[q], n = f->d->n;   /* shares of the set's slots */
            at[q] = end;
            if (i0 == end)
                continue;
            uint8_t *to = f->d->pix;
            uint32_t *nnz = f->d->nnz;
            if (f->count_only) {
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && end - i0 > 64)
                for (size_t i = i0; i < end; i++)
                    nnz[f->dest[i]] = pl_row_nnz(buf + (f->rows[i] - c0) * dim, dim);
                continue;
            }
#pragma omp parallel num_threads(nthreads) if (nthreads > 1 && end - i0 > 64)
            {
                const size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
                const size_t lo = t * n / T, hi = (t + 1) * n / T;
                for (size_t i = i0; i < end; i++)
                    if (f->dest[i] >= lo && f->dest[i] < hi)
                        memcpy(to + f->dest[i] * dim, buf + (f->rows[i] - c0) * dim, dim);
            }
        }
    }
    if (rc == PL_OK)
        rc = pl_idx_finish(s, e);
    free(buf);
    free(at);
    return rc;
}
