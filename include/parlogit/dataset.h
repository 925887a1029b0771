/*
 * dataset.h - images in memory: loading IDX and CSV files, and grouping rows by label.
 *
 * Pixels stay uint8 everywhere (a quarter of float's bandwidth); kernels scale by
 * 1/255 themselves.  A loaded file is a pl_raw (rows in file order).  Training and
 * evaluation use a pl_dataset: the chosen rows copied once, stably grouped by label,
 * so the rows of digit d are the contiguous range [start[d], start[d+1]) and a digit
 * pair is two ranges, a one-vs-rest task at most three, with no further copies.
 * Each row keeps its index in the source file (orig) for reports.
 */
#ifndef PARLOGIT_DATASET_H
#define PARLOGIT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/error.h"

#define PL_SIDE 28
#define PL_PIXELS (PL_SIDE * PL_SIDE)
#define PL_CLASSES 10

/* A whole file in file order.  Owns pix and label (free with pl_raw_free). */
typedef struct pl_raw {
    size_t n;          /* rows (images)                              */
    size_t height;     /* image rows (28 for MNIST)                   */
    size_t width;      /* image columns (28 for MNIST)                */
    size_t dim;        /* height * width: pixels per row              */
    uint8_t *pix;      /* n * dim bytes, row-major                    */
    uint8_t *label;    /* n labels, each in 0..9                      */
    int unlabelled;    /* 1: a file of images only (labels are all 0) */
} pl_raw;

/*
 * Loads an IDX pair: images (magic 0x00000803, dims n, rows, cols, big-endian)
 * and labels (magic 0x00000801, dim n).  Each file may be plain or gzip.
 * Errors (PL_EINPUT) name the file and byte offset: wrong magic, truncated data,
 * sizes that overflow or disagree between the files, a label above 9, an empty
 * file, trailing bytes.  PL_EIO if a file cannot be opened or read.
 * labels NULL: the images alone (for prediction), out->unlabelled = 1.
 * On error *out is left zeroed and owns nothing.
 */
int pl_idx_load(const char *images, const char *labels, pl_raw *out, pl_error *e);

/* NONE: 784 pixel cells, no label (read for prediction); DETECT: the first
 * data line's cell count decides, 784 NONE, else FIRST. */
enum pl_csv_label { PL_CSV_LABEL_FIRST = 0, PL_CSV_LABEL_LAST = 1, PL_CSV_LABEL_NONE = 2,
                    PL_CSV_LABEL_DETECT = 3 };
enum pl_csv_header { PL_CSV_HEADER_AUTO = -1, PL_CSV_HEADER_NO = 0, PL_CSV_HEADER_YES = 1 };

typedef struct pl_csv_opts {
    int label;   /* enum pl_csv_label: which column holds the digit        */
    int header;  /* enum pl_csv_header: AUTO = skip a first line that is not numeric */
} pl_csv_opts;

/*
 * Loads a CSV file (plain or gzip) of rows "label,p0,...,p783" (label first or
 * last), as Kaggle and OpenML export MNIST: 785 integer cells per row, pixels
 * 0..255, label 0..9.  CRLF line ends and a final line without newline are
 * accepted; blank lines are not.  Errors name file:line and, where it applies,
 * the column and the offending text.
 */
int pl_csv_load(const char *path, const pl_csv_opts *o, pl_raw *out, pl_error *e);

void pl_raw_free(pl_raw *r);

/* Rows grouped by label.  Owns its arrays (free with pl_dataset_free). */
typedef struct pl_dataset {
    size_t n;                        /* rows                                  */
    size_t dim;                      /* pixels per row                        */
    size_t height, width;
    uint8_t *pix;                    /* n * dim, 64-byte aligned (2 MiB when over 4 MiB) */
    uint8_t *label;                  /* n, non-decreasing                     */
    uint32_t *orig;                  /* source row index of each row          */
    size_t start[PL_CLASSES + 1];    /* digit d: rows [start[d], start[d+1])  */
} pl_dataset;

/*
 * Copies rows[0..n) of raw into out, stably grouped by label (rows of one digit
 * keep their relative order).  The copy is done by nthreads OpenMP threads, each
 * copying a contiguous share, so pages are first touched by the threads that
 * will mostly read them (nthreads = 1: serial).  rows may be NULL for 0..n-1.
 */
int pl_dataset_build(const pl_raw *raw, const size_t *rows, size_t n, int nthreads,
                     pl_dataset *out, pl_error *e);

void pl_dataset_free(pl_dataset *d);

#endif
