/*
 * idx.h - an IDX pair read row by row, for the training data's loader
 * (load.c), which copies each row straight into the sets that take it: the
 * file's pixels are never all in memory at once beside the sets (on a
 * 60,000-row file that is 47 MB less at the peak).  Private to src/data/.
 *
 * pl_idx_open reads both headers and the whole label file (a byte a row),
 * with the checks and messages of pl_idx_load (dataset.h); the rows are then
 * read in order, any number at a time, and pl_idx_finish expects the end of
 * the file.  Every fault is pl_idx_load's message at the same offset; only
 * their order differs, as the labels come first here: a pair with both a
 * bad label and a short image file names the label, where pl_idx_load,
 * which reads the pixels first, names the image file.
 */
#ifndef PARLOGIT_DATA_IDX_H
#define PARLOGIT_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "data/reader.h"
#include "parlogit/dataset.h"

typedef struct pl_idx_stream {
    pl_reader img;        /* positioned at the next row's first pixel      */
    size_t n, dim;        /* rows and pixels per row, from the header      */
    size_t next;          /* rows read so far                              */
    char shape[160];      /* "N images of H x W pixels", for messages      */
} pl_idx_stream;

/* Opens images (and labels; NULL: unlabelled, labels 0) and fills *hdr as
 * pl_idx_load would, but with hdr->pix NULL: the rows are read by pl_idx_rows.
 * On error nothing needs closing or freeing. */
int pl_idx_open(const char *images, const char *labels, pl_idx_stream *s, pl_raw *hdr,
                pl_error *e);

/* The next nrows rows into dst (nrows * dim bytes). */
int pl_idx_rows(pl_idx_stream *s, uint8_t *dst, size_t nrows, pl_error *e);

/* A plain file of `size` bytes against its header, without reading it:
 * pl_idx_rows's message for one that is cut short, pl_idx_finish's for
 * trailing bytes (a rank that reads only its share of the rows, fill.h). */
int pl_idx_check_size(pl_idx_stream *s, uint64_t size, pl_error *e);

/* After the last row: PL_OK when the file ends there, else its trailing bytes
 * are an error. */
int pl_idx_finish(pl_idx_stream *s, pl_error *e);

/* Closes; safe on a zeroed or closed stream. */
void pl_idx_close(pl_idx_stream *s);

#endif
