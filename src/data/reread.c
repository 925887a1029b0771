/*
 * reread.c - pl_data_fill_train: the rows of a deferred training set read
 * from its file when they are needed (data.h), so that each MPI rank of a
 * rows split holds only the rows of its own blocks, never the whole set.
 *
 * The rows asked for are put in file order once; a plain IDX file is then
 * read by pread at each row's offset (a row is dim bytes at offset +
 * file_row * dim; share.c's pl_read_rows, the rows shared among the
 * threads).  A gzip stream cannot be seeked: it is
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

/* The rows of slot[0..n) in file order into *f (f->rows the file's rows,
 * f->dest their slots: a counting sort on the file row, each file row being
 * at most one slot of the set).  PL_ENOMEM. */
static int in_file_order(const pl_data *d, const size_t *slot, size_t n, pl_fill *f,
                         pl_error *e)
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
    *f = (pl_fill){ .d = (pl_dataset *)t, .rows = rows, .dest = dest, .n = n };
    return PL_OK;
}

/* f's rows from the file, unchanged since the first read: a plain file by
 * pread (pl_read_rows), a gzip file decompressed again (pl_fill_sets). */
static int read_rows(pl_data *d, const pl_fill *f, int nthreads, pl_error *e)
{
    const pl_data_source *src = &d->train_src;
    const int fd = pl_data_open(src->path, e);
    if (fd < 0)
        return e->code;
    int rc = same_file(d, fd, e);
    if (rc == PL_OK && !src->gz)
        rc = pl_read_rows(fd, src->path, src->offset, d->train.dim, f, nthreads, e);
    close(fd);
    if (rc != PL_OK || !src->gz)
        return rc;
    pl_idx_stream s;
    pl_raw hdr;
    rc = pl_idx_open(src->path, NULL, &s, &hdr, e);
    if (rc != PL_OK)
        return rc;
    pl_raw_free(&hdr);
    if (s.n != src->nrows || s.dim != d->train.dim)
        rc = changed(d, "the file's header was changed", e);
    else
        rc = pl_fill_sets(&s, src->path, d->train.pixel_max, (pl_fill *)f, 1, nthreads, e);
    pl_idx_close(&s);
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
    pl_fill f;
    int rc = in_file_order(d, slot, total, &f, e);
    if (rc == PL_OK) {
        rc = read_rows(d, &f, nthreads, e);
        free((void *)f.rows);
        free((void *)f.dest);
    }
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
