/*
 * dataset.c - pl_dataset_build: chosen rows of a pl_raw, copied once and
 * stably grouped by label; and the two free functions of dataset.h.
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
    memset(d, 0, sizeof *d);
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

int pl_dataset_build(const pl_raw *raw, const size_t *rows, size_t n, int nthreads,
                     pl_dataset *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
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
     * not stop at page walks.  Asked for before the first touch below (unless
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
    size_t *src = malloc(n * sizeof *src);
    if (!out->pix || !out->label || !out->orig || !src) {
        free(src);
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
        size_t r = rows ? rows[i] : i;
        src[next[raw->label[r]]++] = r;
    }

    if (nthreads < 1)
        nthreads = 1;
    uint8_t *dst = out->pix, *label = out->label;
    uint32_t *orig = out->orig;
    const uint8_t *from = raw->pix, *from_label = raw->label;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
    for (size_t j = 0; j < n; j++) {
        memcpy(dst + j * dim, from + src[j] * dim, dim);
        label[j] = from_label[src[j]];
        orig[j] = (uint32_t)src[j];
    }
    free(src);
    return PL_OK;
}
