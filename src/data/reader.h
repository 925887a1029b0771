/*
 * reader.h - a buffered byte reader for the data file parsers, gzip or plain.
 *
 * Every loader accepts gzip and plain files alike: the reader tells them apart
 * by the gzip magic and inflates the first with ISA-L (reader.c says why).
 * It adds a buffer the parsers can scan without a call per byte, and counts
 * bytes of the decompressed stream so that errors can say "offset N".  It
 * tells three endings apart: a clean end of data, data that stops early (the
 * caller decides what was expected), and a failure (an I/O error, or a
 * corrupt or truncated gzip stream), for which it fills the pl_error itself.
 * Private to src/data/.
 */
#ifndef PARLOGIT_DATA_READER_H
#define PARLOGIT_DATA_READER_H

#include <stddef.h>
#include <stdint.h>
#include <isa-l/igzip_lib.h>

#include "parlogit/error.h"

/* The largest file the loaders accept, in pixels (2^31): far above MNIST's
 * 47 million, far below what would make a bad header allocate the machine. */
#define PL_RAW_MAX_PIXELS ((uint64_t)1 << 31)

/* Results of the reading functions (bytes are returned as 0..255). */
enum {
    PL_READ_OK = 0,
    PL_READ_EOF = -1,    /* the data ended cleanly before the first byte asked for */
    PL_READ_SHORT = -2,  /* the data ended part way through what was asked for      */
    PL_READ_ERR = -3,    /* failure; the pl_error is filled, its code is in r->err */
};

typedef struct pl_reader {
    int fd, fd_open;
    const char *path;      /* borrowed, for messages                            */
    unsigned char *buf;
    size_t pos, len, cap;  /* buf[pos..len) is unread                            */
    uint64_t base;         /* stream offset of buf[0]                            */
    unsigned char *in;     /* raw bytes of the file read ahead: in[in_pos..in_len) */
    size_t in_pos, in_len;
    int in_eof;            /* read(2) reported the end of the file               */
    struct inflate_state *st;  /* a gzip file's inflate state; NULL: plain      */
    int done;              /* the end (or an error) was reported already         */
    int err;               /* status code of the last PL_READ_ERR (PL_EIO, ...)  */
} pl_reader;

/* Opens a data file for reading: its descriptor, or -1 with e filled: a file
 * that cannot be opened (missing, no permission) or is not a regular file (a
 * directory, a device such as /dev/zero, a FIFO) is PL_EINPUT naming it and
 * why.  open_data.c. */
int pl_data_open(const char *path, pl_error *e);

/* Opens path for reading.  Errors of pl_data_open; PL_ENOMEM.  On error nothing needs closing.  path must outlive r. */
int pl_reader_open(pl_reader *r, const char *path, pl_error *e);

/* Closes and frees; safe on a zeroed reader. */
void pl_reader_close(pl_reader *r);

/* 1 when the file is gzip-compressed, 0 when it is read as it is. */
static inline int pl_reader_is_gzip(const pl_reader *r)
{
    return r->st != NULL;
}

/* Offset in the (decompressed) stream of the next byte to be read. */
static inline uint64_t pl_reader_offset(const pl_reader *r)
{
    return r->base + r->pos;
}

/* Slow path of pl_reader_getc: refills the buffer. */
int pl_reader_fill_getc(pl_reader *r, pl_error *e);

/* The next byte (0..255), or PL_READ_EOF at the end, or PL_READ_ERR. */
static inline int pl_reader_getc(pl_reader *r, pl_error *e)
{
    if (r->pos < r->len)
        return r->buf[r->pos++];
    return pl_reader_fill_getc(r, e);
}

/* Reads exactly n bytes into dst.  Returns PL_READ_OK; PL_READ_EOF if the data
 * ended before the first byte; PL_READ_SHORT if it ended after *got < n bytes;
 * PL_READ_ERR.  *got (may be NULL) is the count of bytes stored. */
int pl_reader_read(pl_reader *r, void *dst, size_t n, size_t *got, pl_error *e);

/* Reads one line, without its '\n', into *line (grown with realloc as needed,
 * caller frees; NUL-terminated; *len excludes the NUL).  Lines longer than max
 * bytes are an error (PL_EINPUT naming path, lineno and the limit).  Returns
 * PL_READ_OK (the last line may lack its '\n'), PL_READ_EOF when no bytes were
 * left, or PL_READ_ERR. */
int pl_reader_line(pl_reader *r, char **line, size_t *cap, size_t *len, size_t max,
                   size_t lineno, pl_error *e);

#endif
