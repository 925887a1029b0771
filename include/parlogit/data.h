/*
 * data.h - from a config to train and test sets: fetching MNIST files, loading
 * them, splitting and subsampling.
 */
#ifndef PARLOGIT_DATA_H
#define PARLOGIT_DATA_H

#include <stdint.h>

#include "parlogit/config.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"

/* One input file a config names, resolved against data.dir. */
typedef struct pl_data_file {
    char role[16];                 /* "train_images", "test_labels", ...  */
    char path[PL_PATH_MAX * 2];    /* dir/name                            */
    char sha256[65];               /* hex digest, filled by pl_data_load  */
} pl_data_file;

/* Where a deferred training set's rows are read from (pl_data_fill_train):
 * the IDX images file as pl_data_load_deferred first read it. */
typedef struct pl_data_source {
    char path[PL_PATH_MAX * 2];
    uint64_t offset;               /* the first pixel's byte, after the header */
    size_t nrows;                  /* the rows the file holds                  */
    int gz;                        /* gzip: read through again, not seeked     */
    unsigned long long dev, ino;   /* a plain file's identity, size and mtime, */
    long long size, mtime_ns;      /* so a file changed since is refused       */
} pl_data_source;

typedef struct pl_data {
    pl_dataset train;
    pl_dataset val;                /* n == 0 without [data] validation_fraction */
    pl_dataset test;               /* n == 0 when there is no test set */
    pl_data_file files[4];
    int nfiles;
    /* what is legal but probably a mistake (the CLI prints them): training and
     * test rows that overlap, a CSV label column that looks like the other end */
    char warning[4][400];
    int nwarnings;
    pl_data_source train_src;      /* train.deferred: where its rows are       */
    size_t train_rows_read;        /* training rows read into train (all of
                                      them unless it was deferred)             */
    int train_counts_share;        /* 1: train.nnz holds this rank's share of
                                      the counts only; the caller sums them
                                      over the ranks (pl_dist_sum_counts)      */
} pl_data;

/* Lists the files a config names (resolved paths, no digests). Returns the count. */
int pl_data_files(const pl_config *c, pl_data_file files[4]);

/*
 * Loads, splits and subsamples as the config says, carves the validation rows
 * out of the training rows (validation_fraction), builds the grouped train,
 * validation and test sets (copies done by nthreads threads for first touch) and records each
 * file's SHA-256.  A missing file is PL_EINPUT "where: file 'path' not found",
 * where is the config location of the key naming it.
 */
int pl_data_load(const pl_config *c, int nthreads, pl_data *out, pl_error *e);

/*
 * pl_data_load, but when the training images are an IDX file the training
 * set's pixels are not kept: out->train is left deferred (dataset.h): its
 * labels, rows and each row's non-zero count (train.nnz) are known, its
 * pixels allocated but not read (so not resident), and each MPI rank then
 * reads only the rows it trains on (pl_data_fill_train).  On one rank
 * (ranks = 1), and for a gzip file (which cannot be seeked), the file is
 * read through once: every pixel checked as pl_data_load checks it, the
 * validation and test sets filled, every training row counted.  On rank
 * `rank` of `ranks` > 1 a plain file is not read through: its size is
 * checked, the validation and test rows are read where they are, and only
 * the rank's share of the file's rows (rank n / ranks .. (rank + 1) n /
 * ranks) is checked and counted, out->train_counts_share set: the caller
 * sums the counts over the ranks before training (pl_dist_sum_counts, after
 * agreeing that every rank loaded).  A CSV training file is read whole:
 * out->train is then not deferred.
 */
int pl_data_load_deferred(const pl_config *c, int nthreads, int rank, int ranks, pl_data *out,
                          pl_error *e);

/*
 * Reads rows [row0[i], row0[i] + n[i]) (i < nranges; ascending, disjoint) of
 * the deferred training set d->train from its file (d->train_src): a plain
 * file by pread at each row's offset, a gzip file by decompressing it again
 * (a gzip stream cannot be seeked), by nthreads threads, each writing its
 * share of the rows, so their pages are first touched by the thread that
 * reads them.  Each row's non-zero count must be the one counted on the
 * first read, and a plain file's identity, size and mtime the same: a file
 * changed since is PL_EINPUT naming it.  When the rows are every row of the
 * set, the set is no longer deferred.  Adds the rows to d->train_rows_read.
 * A set that is not deferred: PL_OK, nothing read.
 */
int pl_data_fill_train(pl_data *d, const size_t *row0, const size_t *n, size_t nranges,
                       int nthreads, pl_error *e);

void pl_data_free(pl_data *d);

/* The SHA-256 of a whole file as 64 lowercase hex digits. */
int pl_sha256_file(const char *path, char hex[65], pl_error *e);

/*
 * Known MNIST files: name -> expected SHA-256, or NULL when name is not one of
 * the four published files.
 */
const char *pl_mnist_sha256(const char *name);

/*
 * Makes dir/name present and verified.  If it exists and its digest matches
 * (or the name is not a known MNIST file), nothing is done.  Otherwise it is
 * fetched from `mirror` (a local directory, or a URL prefix: http://, https://,
 * file://) or, when mirror is NULL or empty, from the public MNIST mirrors in
 * turn, into a temporary file beside the target, verified, then renamed into
 * place.  Downloads use curl(1).  *fetched is set to 1 when a file was copied.
 * A present file with a wrong digest is fetched again only when parlogit
 * fetched it; any other is the user's (PL_FETCH_NOT_MNIST).  The message of a
 * failure has one line per mirror and ends with how to fetch by hand.
 */
int pl_fetch(const char *dir, const char *name, const char *mirror, int *fetched,
             pl_error *e);
/* *fetched after pl_fetch: a file with an MNIST name and another digest that
 * parlogit did not fetch (DIR/.parlogit-fetched records what it fetched): the
 * user's own data, used as it is and never replaced. */
#define PL_FETCH_NOT_MNIST 2

/* Where MNIST goes when data.dir is not set: $PARLOGIT_DATA/mnist, else
 * $XDG_CACHE_HOME/parlogit/mnist, else ~/.cache/parlogit/mnist (as
 * scikit-learn's ~/scikit_learn_data), else data/mnist. */
void pl_default_data_dir(char *buf, size_t len);

#endif
