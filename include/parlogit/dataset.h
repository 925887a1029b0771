/*
 * dataset.h - images in memory: loading IDX and CSV files, and grouping rows by label.
 *
 * Pixels stay uint8 everywhere (a quarter of float's bandwidth); kernels scale by
 * 1/pixel_max themselves (255 for MNIST, 16 for scikit-learn's 8 x 8 digits).
 * An image's shape comes from the data (IDX dimensions, or a CSV's column
 * count and data.shape), MNIST's 28 x 28 being only the default.  A loaded file is a pl_raw (rows in file order).  Training and
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

#define PL_SIDE 28                    /* MNIST's images: 28 x 28 ...            */
#define PL_PIXELS (PL_SIDE * PL_SIDE)
#define PL_PIXEL_MAX 255              /* ... of 0..255                          */
#define PL_MAX_DIM 65536              /* pixels per image at most (16-bit pixel
                                         numbers in the sparse tiles)            */
#define PL_CLASSES 10

/* The full-ink value pixel_max stands for: itself, or MNIST's 255 for 0 (a
 * struct filled by hand that left it out). */
static inline unsigned pl_pixel_max(unsigned pixel_max)
{
    return pixel_max ? pixel_max : PL_PIXEL_MAX;
}

/* The non-zero pixels of one row of dim pixels (a row's share of the work,
 * and of the density). */
static inline uint32_t pl_row_nnz(const uint8_t *x, size_t dim)
{
    uint32_t nz = 0;
    for (size_t q = 0; q < dim; q++)
        nz += x[q] != 0;
    return nz;
}

/* A whole file in file order.  Owns pix and label (free with pl_raw_free). */
typedef struct pl_raw {
    size_t n;          /* rows (images)                              */
    size_t height;     /* image rows (28 for MNIST)                   */
    size_t width;      /* image columns (28 for MNIST)                */
    size_t dim;        /* height * width: pixels per row              */
    uint8_t *pix;      /* n * dim bytes, row-major                    */
    uint8_t *label;    /* n labels, each in 0..9                      */
    int unlabelled;    /* 1: a file of images only (labels are all 0) */
    unsigned pixel_max;/* full ink, 1..255 (the loaders write 255 or
                          the CSV options' value)                    */
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

/* NONE: pixel cells only, no label (read for prediction); DETECT: the first
 * data line's cell count decides: height * width cells (784 when no shape is
 * given) NONE, else FIRST; DETECT_LAST the same with LAST (a model trained on
 * CSV rows with the label last, scikit-learn's digits). */
enum pl_csv_label { PL_CSV_LABEL_FIRST = 0, PL_CSV_LABEL_LAST = 1, PL_CSV_LABEL_NONE = 2,
                    PL_CSV_LABEL_DETECT = 3, PL_CSV_LABEL_DETECT_LAST = 4 };
enum pl_csv_header { PL_CSV_HEADER_AUTO = -1, PL_CSV_HEADER_NO = 0, PL_CSV_HEADER_YES = 1 };

typedef struct pl_csv_opts {
    int label;   /* enum pl_csv_label: which column holds the digit        */
    int header;  /* enum pl_csv_header: AUTO = skip a first line that is not numeric */
    size_t height, width;  /* the image shape; 0, 0: from the first data line's
                              cell count, which must then be a square (+1 label) */
    unsigned pixel_max;    /* pixels above are refused; 0: 255              */
} pl_csv_opts;

/*
 * Loads a CSV file (plain or gzip) of rows "label,p0,...,p783" (label first or
 * last), as Kaggle and OpenML export MNIST: 785 integer cells per row, pixels
 * 0..pixel_max, label 0..9.  Other shapes: o->height x o->width pixel cells,
 * or, with no shape given, a first data line of s*s cells (+1 for a label)
 * makes every row s x s (65 cells: scikit-learn's 8 x 8 digits).  A count that
 * is not a square is refused, naming data.shape.  CRLF line ends and a final line without newline are
 * accepted; blank lines are not.  Errors name file:line and, where it applies,
 * the column and the offending text.
 */
int pl_csv_load(const char *path, const pl_csv_opts *o, pl_raw *out, pl_error *e);

void pl_raw_free(pl_raw *r);

/* The index (image * dim + pixel) of raw's first pixel above pixel_max, or
 * raw->n * raw->dim when there is none (always so for pixel_max >= 255).
 * An IDX file's pixels are checked so; a CSV's cells as they are read. */
size_t pl_raw_above(const pl_raw *raw, unsigned pixel_max);

/* Rows grouped by label.  Owns its arrays (free with pl_dataset_free). */
typedef struct pl_dataset {
    size_t n;                        /* rows                                  */
    size_t dim;                      /* pixels per row                        */
    size_t height, width;
    unsigned pixel_max;              /* full ink: the kernels' 1/pixel_max    */
    uint8_t *pix;                    /* n * dim, 64-byte aligned (2 MiB when over 4 MiB) */
    uint8_t *label;                  /* n, non-decreasing                     */
    uint32_t *orig;                  /* source row index of each row          */
    size_t start[PL_CLASSES + 1];    /* digit d: rows [start[d], start[d+1])  */
    /* A set whose pixels are read later (pl_data_load_deferred, data.h):
     * deferred is 1 while pix is allocated but holds only the rows read so
     * far (pl_data_fill_train); nnz, each row's non-zero pixels, is counted
     * as the file is first read, so the density and the blocks' work are
     * known before any row is held.  nnz is NULL for a set read whole. */
    uint32_t *nnz;
    int deferred;
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

/* Frees d's pixels (d->pix becomes NULL) and keeps the rest: its rows,
 * labels and source rows still describe the set.  For a caller that knows
 * nothing will read the pixels again (pl_train_opts.rows_done). */
void pl_dataset_release_pixels(pl_dataset *d);

/* Gives the memory of rows [row0, row0 + n) of d back to the system (the
 * whole pages inside them; their contents are undefined from then on), for
 * a caller that will read them no more (pl_train_opts.rows_discard).  Safe
 * from several threads at once on different rows.  Where the rows sit in a
 * 2 MiB page (a large set), the kernel unmaps their part at once and frees
 * the page whole when it splits it or when the set is freed. */
void pl_dataset_discard_rows(pl_dataset *d, size_t row0, size_t n);

#endif
