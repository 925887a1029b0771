/*
 * reread.c - pl_data_fill_train: the rows of a deferred training set read
 * from its file when they are needed (data.h), so that each MPI rank of a
 * rows split holds only the rows of its own blocks, never the whole set.
 *
 * A plain IDX file is read by pread at each row's offset (a row is dim bytes
 * at offset + file_row * dim), the rows shared among the threads in slot
 * order, so each thread first touches the pages it will mostly read, as
 * pl_dataset_build's copy does.  A gzip stream cannot be seeked: it is
 * decompressed again from its start (pl_fill_sets over the rows asked for,
 * in file order), which reads the whole file but keeps only those rows.
 * The first read counted every row's non-zero pixels; each row read again
 * must have the same count, and the file the same identity, size and
 * mtime, so a file changed (or replaced) between the two reads is an error
 * and never a silent mix of two files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/fill.h"
#include "data/idx.h"
#include "parlogit/data.h"

static int changed(const pl_data *d, const char *what, pl_error *e)
{
    return pl_errorf(e, PL_EINPUT, "%s: %s since it was first read in this run (the "
                     "training rows are read again where they are trained); run again",
                     d->train_src.path, what);
}

/* The file as the first read found it: its identity, size and mtime (fd
 * open on it).  A file changed or replaced since is PL_EINPUT. */
static int same_file(const pl_data *d, int fd, pl_error *e)
{
    const pl_data_source *src = &d->train_src;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return pl_errorf(e, PL_EIO, "%s: %s", src->path, strerror(errno));
    const long long mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if ((unsigned long long)st.st_dev != src->dev || (unsigned long long)st.st_ino != src->ino ||
        (long long)st.st_size != src->size || mt != src->mtime_ns)
        return changed(d, "the file was changed or replaced", e);
    return PL_OK;
}

/* A plain file: every slot of slot[0..n) by pread. */
static int fill_plain(pl_data *d, const size_t *slot, size_t n, int nthreads, pl_error *e)
{
    const pl_data_source *src = &d->train_src;
    const int fd = pl_data_open(src->path, e);
    if (fd < 0)
        return e->code;
    int rc = same_file(d, fd, e);
    if (rc != PL_OK) {
        close(fd);
        return rc;
    }
    pl_dataset *t = &d->train;
    const size_t dim = t->dim;
    int err = 0;   /* the first failure: an errno, or -1 for a short file */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && n > 64)
    for (size_t i = 0; i < n; i++) {
        int r;
#pragma omp atomic read
        r = err;
        if (r)
            continue;
        const size_t j = slot[i];
        r = pl_read_at(fd, t->pix + j * dim, dim, src->offset + (uint64_t)t->orig[j] * dim);
        if (r) {
#pragma omp critical(reread_err)
            if (!err) {
#pragma omp atomic write
                err = r;
            }
        }
    }
    close(fd);
    if (err > 0)
        return pl_errorf(e, PL_EIO, "%s: %s", src->path, strerror(err));
    if (err < 0)
        return changed(d, "the file is shorter", e);
    return PL_OK;
}

/* A gzip file: decompressed again, the slots' rows copied as they pass. */
static int fill_gz(pl_data *d, const size_t *slot, size_t n, int nthreads, pl_error *e)
{
    const pl_dataset *t = &d->train;
    size_t *rows = malloc(n * sizeof *rows), *dest = malloc(n * sizeof *dest);
    size_t *first = calloc(d->train_src.nrows + 1, sizeof *first);
    if (!rows || !dest || !first) {
        free(rows);
        free(dest);
        free(first);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for reading its rows",
                         d->train_src.path);
    }
    /* the slots in file order (a counting sort on the file row: each file
     * row is at most one slot of the set) */
    for (size_t i = 0; i < n; i++)
        first[t->orig[slot[i]] + 1]++;
    for (size_t r = 0; r < d->train_src.nrows; r++)
        first[r + 1] += first[r];
    for (size_t i = 0; i < n; i++) {
        const size_t at = first[t->orig[slot[i]]]++;
        rows[at] = t->orig[slot[i]];
        dest[at] = slot[i];
    }
    free(first);
    const int fd = pl_data_open(d->train_src.path, e);   /* replaced since? */
    int rc = fd < 0 ? e->code : same_file(d, fd, e);
    if (fd >= 0)
        close(fd);
    pl_idx_stream s;
    pl_raw hdr;
    memset(&s, 0, sizeof s);
    if (rc == PL_OK)
        rc = pl_idx_open(d->train_src.path, NULL, &s, &hdr, e);
    if (rc == PL_OK) {
        pl_raw_free(&hdr);
        if (s.n != d->train_src.nrows || s.dim != t->dim)
            rc = changed(d, "the file's header was changed", e);
    }
    if (rc == PL_OK) {
        pl_fill f = { .d = &d->train, .rows = rows, .dest = dest, .n = n };
        rc = pl_fill_sets(&s, d->train_src.path, t->pixel_max, &f, 1, nthreads, e);
    }
    pl_idx_close(&s);
    free(rows);
    free(dest);
    return rc;
}

int pl_data_fill_train(pl_data *d, const size_t *row0, const size_t *n, size_t nranges,
                       int nthreads, pl_error *e)
{
    pl_dataset *t = &d->train;
    if (!t->deferred)
        return PL_OK;
    size_t total = 0;
    for (size_t i = 0; i < nranges; i++) {
        if (row0[i] > t->n || n[i] > t->n - row0[i] ||
            (i > 0 && row0[i] < row0[i - 1] + n[i - 1]))
            return pl_errorf(e, PL_EINPUT, "training rows %zu..%zu asked for: not ascending "
                             "ranges of the %zu rows", row0[i], row0[i] + n[i], t->n);
        total += n[i];
    }
    if (total == 0)
        return PL_OK;
    size_t *slot = malloc(total * sizeof *slot);
    if (!slot)
        return pl_errorf(e, PL_ENOMEM, "out of memory for %zu training rows", total);
    for (size_t i = 0, k = 0; i < nranges; i++)
        for (size_t j = 0; j < n[i]; j++)
            slot[k++] = row0[i] + j;
    if (nthreads < 1)
        nthreads = 1;
    int rc = d->train_src.gz ? fill_gz(d, slot, total, nthreads, e)
                             : fill_plain(d, slot, total, nthreads, e);
    size_t bad = total;
    for (size_t i = 0; rc == PL_OK && i < total && bad == total; i++)
        if (pl_row_nnz(t->pix + slot[i] * t->dim, t->dim) != t->nnz[slot[i]])
            bad = i;
    if (rc == PL_OK && bad < total) {
        char what[96];
        snprintf(what, sizeof what, "image %u has other pixels", t->orig[slot[bad]]);
        rc = changed(d, what, e);
    }
    free(slot);
    if (rc != PL_OK)
        return rc;
    d->train_rows_read += total;
    if (total == t->n)
        t->deferred = 0;
    return PL_OK;
}
