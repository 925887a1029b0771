/*
 * fill.h - the sets that take rows of one IDX file, filled as the file is
 * read (load.c): each set is allocated from the file's header and labels
 * (pl_dataset_alloc), then pl_fill_sets reads the rows a chunk at a time and
 * copies each into its slot of every set that takes it.  At the peak the
 * process holds the sets and one chunk, not the file's pixels beside them.
 * The sets are sized from the header's row count before a pixel is read, so
 * a header that claims more rows than its file holds reserves their address
 * space (untouched, so not resident) until the short data is found; the
 * header's pixel total is capped (PL_RAW_MAX_PIXELS) all the same.
 * Private to src/data/.
 */
#ifndef PARLOGIT_DATA_FILL_H
#define PARLOGIT_DATA_FILL_H

#include <stddef.h>

#include "data/idx.h"
#include "parlogit/dataset.h"

/*
 * pl_dataset_build's set without its pixels: rows[0..n) of hdr (a pl_raw
 * whose labels are read; its pix is not), stably grouped by label, with
 * out->pix allocated but not written (its padding after the last row is
 * zeroed).  *dest (malloc'ed, n entries; the caller frees) is the slot of
 * rows[i]: that row's pixels go to out->pix + dest[i] * dim.  On error out
 * owns nothing and *dest is NULL.
 */
int pl_dataset_alloc(const pl_raw *hdr, const size_t *rows, size_t n, pl_dataset *out,
                     size_t **dest, pl_error *e);

/* A set to fill: rows[0..n) ascending rows of the file, rows[i] to slot
 * dest[i].  count_only: the rows' pixels are not copied, only their non-zero
 * pixels counted into d->nnz[dest[i]] (a deferred set, data.h). */
typedef struct pl_fill {
    pl_dataset *d;
    const size_t *rows;
    const size_t *dest;
    size_t n;
    int count_only;
} pl_fill;

/*
 * Reads every row of s (from its first, in order) and copies each to its
 * slot in each of sets[0..nsets) that takes it, then expects the file's end.
 * Every pixel of the file, taken or not, is checked against pixel_max
 * (PL_EINPUT naming path, the byte offset, the pixel and the image).  The
 * copy is shared by nthreads threads, each writing only the slots of its
 * contiguous share of each set, so pages are first touched by the thread
 * that will mostly read them (as pl_dataset_build does).
 */
int pl_fill_sets(pl_idx_stream *s, const char *path, unsigned pixel_max, pl_fill *sets,
                 int nsets, int nthreads, pl_error *e);

/*
 * One rank's part of reading a plain IDX file of sets (share.c), instead of
 * pl_fill_sets, when every rank reads the same file: the file's size checked
 * against its header (pl_fill_sets's messages for a file cut short and for
 * trailing bytes), the sets that are not count_only read whole by pread,
 * and the rank's share of the file's rows, [rank n / size, (rank + 1) n /
 * size) of its n, checked against pixel_max as pl_fill_sets checks every row
 * (the same message) and the count_only sets' rows in it counted; the
 * others' counts are left 0 for the caller to sum over the ranks.  At most 3
 * sets.
 */
int pl_fill_share(pl_idx_stream *s, const char *path, unsigned pixel_max, pl_fill *sets,
                  int nsets, int rank, int size, int nthreads, pl_error *e);

/* Every row of f (row rows[i] of the file to slot dest[i] of f->d) by pread
 * of fd at off + row * dim, by nthreads threads (share.c).  PL_EIO. */
int pl_read_rows(int fd, const char *path, uint64_t off, size_t dim, const pl_fill *f,
                 int nthreads, pl_error *e);

#endif
