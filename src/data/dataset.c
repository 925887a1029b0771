/*
 * dataset.c - pl_dataset_build: chosen rows of a pl_raw, copied once and
 * stably grouped by label; pl_dataset_alloc (fill.h), the same without the
 * copy, for rows that come from a file as it is read; and the free functions
 * of dataset.h.
 *
 * Grouping is a counting sort: count each digit, turn the counts into start
 * offsets, then walk the chosen rows in order handing each the next slot of its
 * digit, which keeps rows of one digit in their given order.  That walk only
 * fills a small index (where each output row comes from); the pixel copy, the
 * expensive part, is then an OpenMP loop with a static schedule, so thread t
 * first-touches the contiguous share of rows it copies (and, with the same
 * static split later, mostly reads).  The pixel block is 64-byte aligned for
 * the vector kernels, 2 MiB aligned (huge pages) when it is 4 MiB or more.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "data/fill.h"
#include "parlogit/dataset.h"

void pl_raw_free(pl_raw *r)
{
    if (!r)
        return;
    free(r->pix);
    free(r->label);
    memset(r, 0, sizeof *r);
}

void pl_dataset_free(pl_dataset *d)
{
    if (!d)
        return;
    free(d->pix);
    free(d->label);
    free(d->orig);
    free(d->nnz);
    memset(d, 0, sizeof *d);
}

void pl_dataset_release_pixels(pl_dataset *d)
{
    free(d->pix);
    d->pix = NULL;
}

void pl_dataset_discard_rows(pl_dataset *d, size_t row0, size_t n)
{
#ifdef MADV_DONTNEED
    const long ps = sysconf(_SC_PAGESIZE);
    if (!d->pix || ps <= 0 || row0 > d->n || n > d->n - row0)
        return;
    const uintptr_t page = (uintptr_t)ps, a = (uintptr_t)(d->pix + row0 * d->dim);
    const uintptr_t b = (uintptr_t)(d->pix + (row0 + n) * d->dim);
    const uintptr_t lo = (a + page - 1) / page * page, hi = b / page * page;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);   /* advice: kept if refused */
#else
    (void)d;
    (void)row0;
    (void)n;
#endif
}

size_t pl_raw_above(const pl_raw *raw, unsigned pixel_max)
{
    const size_t total = raw->n * raw->dim;
    size_t i = 0;
    while (pixel_max < 255 && i < total && raw->pix[i] <= pixel_max)
        i++;
    return pixel_max < 255 ? i : total;
}

/* Checks rows against raw and counts each digit into count[].  PL_EINPUT for a
 * row index out of range, a label above 9 or more rows than orig can number. */
static int count_labels(const pl_raw *raw, const size_t *rows, size_t n,
                        size_t count[PL_CLASSES], pl_error *e)
{
    if (raw->n > (size_t)UINT32_MAX + 1)
        return pl_errorf(e, PL_EINPUT, "dataset: %zu source rows, more than row indices "
                         "of 32 bits can number", raw->n);
    for (size_t i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        if (r >= raw->n)
            return pl_errorf(e, PL_EINPUT, "dataset: row index %zu (entry %zu) is beyond "
                             "the %zu rows of the source", r, i, raw->n);
        if (raw->label[r] >= PL_CLASSES)
            return pl_errorf(e, PL_EINPUT, "dataset: row %zu has label %u, expected 0..9",
                             r, raw->label[r]);
        count[raw->label[r]]++;
    }
    return PL_OK;
}

/* Everything of a dataset but its pixels (fill.h): out's arrays allocated,
 * start, label and orig filled, the padding after the last row zeroed;
 * *dest (malloc'ed, n) the slot of rows[i] (rows NULL: 0..n-1).  On error
 * out is freed and *dest NULL. */
int pl_dataset_alloc(const pl_raw *raw, const size_t *rows, size_t n, pl_dataset *out,
                     size_t **dest, pl_error *e)
{
    memset(out, 0, sizeof *out);
    *dest = NULL;
    size_t count[PL_CLASSES] = {0};
    int rc = count_labels(raw, rows, n, count, e);
    if (rc != PL_OK)
        return rc;
    out->n = n;
    out->dim = raw->dim;
    out->height = raw->height;
    out->width = raw->width;
    out->pixel_max = raw->pixel_max ? raw->pixel_max : PL_PIXEL_MAX;
    for (int d = 0; d < PL_CLASSES; d++)
        out->start[d + 1] = out->start[d] + count[d];
    if (n == 0)
        return PL_OK;

    size_t dim = raw->dim;
    if (dim && n > SIZE_MAX / dim)
        return pl_errorf(e, PL_ENOMEM, "dataset: %zu rows of %zu pixels overflow", n, dim);
    const size_t used = (n * dim + 63) / 64 * 64;   /* rows and their padding */
    size_t bytes = used;   /* posix_memalign wants a nonzero size */
    void *pix = NULL;
    /* Pixels read every iteration from beyond the caches: in 2 MiB pages
     * where the kernel gives them (transparent huge pages), so a pass takes a
     * TLB entry per 2 MiB, not per 4 KiB, and the prefetches ahead of it do
     * not stop at page walks.  Asked for before the first touch (unless
     * the allocator hands back pages it had already touched). */
    const size_t huge = (size_t)2 << 20;
    const size_t align = bytes >= 2 * huge ? huge : 64;
    if (align == huge)
        bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&pix, align, bytes ? bytes : 64) != 0)
        pix = NULL;
#ifdef MADV_HUGEPAGE
    if (pix && align == huge)
        (void)madvise(pix, bytes, MADV_HUGEPAGE);   /* advice only: 4 KiB pages work too */
#endif
    out->pix = pix;
    out->label = malloc(n);
    out->orig = malloc(n * sizeof *out->orig);
    *dest = malloc(n * sizeof **dest);
    if (!out->pix || !out->label || !out->orig || !*dest) {
        free(*dest);
        *dest = NULL;
        pl_dataset_free(out);
        return pl_errorf(e, PL_ENOMEM, "dataset: out of memory for %zu rows", n);
    }
    /* The padding up to 64 bytes is zeroed, so a vector load past the last row
     * reads defined bytes; the rest of a rounded-up huge page is never read
     * (and is not touched here, so the copy's threads place the pages). */
    memset(out->pix + n * dim, 0, used - n * dim);

    /* Stable placement: the next free slot of each digit. */
    size_t next[PL_CLASSES];
    memcpy(next, out->start, sizeof next);
    for (size_t i = 0; i < n; i++) {
        const size_t r = rows ? rows[i] : i, j = next[raw->label[r]]++;
        (*dest)[i] = j;
        out->label[j] = raw->label[r];
        out->orig[j] = (uint32_t)r;
    }
    return PL_OK;
}

int pl_dataset_build(const pl_raw *raw, const size_t *rows, size_t n, int nthreads,
                     pl_dataset *out, pl_error *e)
{
    size_t *dest;
    int rc = pl_dataset_alloc(raw, rows, n, out, &dest, e);
    if (rc != PL_OK || n == 0) {
        free(dest);
        return rc;
    }
    /* the source row of each slot, so the copy runs over slots */
    const size_t dim = raw->dim;
    size_t *src = malloc(n * sizeof *src);
    if (!src) {
        free(dest);
        pl_dataset_free(out);
        return pl_errorf(e, PL_ENOMEM, "dataset: out of memory for %zu rows", n);
    }
    for (size_t i = 0; i < n; i++)
        src[dest[i]] = rows ? rows[i] : i;
    free(dest);
    if (nthreads < 1)
        nthreads = 1;
    uint8_t *to = out->pix;
    const uint8_t *from = raw->pix;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
    for (size_t j = 0; j < n; j++)
        memcpy(to + j * dim, from + src[j] * dim, dim);
    free(src);
    return PL_OK;
}
