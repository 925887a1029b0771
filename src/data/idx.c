/*
 * idx.c - an IDX image file and its IDX label file: read whole into a pl_raw
 * (pl_idx_load), or opened for their rows to be read a few at a time
 * (pl_idx_open, idx.h: the training data's loader, which copies each row
 * straight into the sets that take it and never holds the whole file).
 *
 * IDX (LeCun's MNIST format) is a 4-byte magic (0, 0, type 0x08 = unsigned
 * byte, number of dimensions), one big-endian uint32 per dimension, then the
 * data in row-major order.  Both headers are read and checked before anything
 * is allocated: the pixel total is capped at PL_RAW_MAX_PIXELS and computed
 * without overflow.  The data buffers then grow as the data arrives (never
 * more than twice what was read, or IDX_STEP), so a header that claims more
 * than its file holds costs no more memory than the file: a 16-byte file that
 * claims 2^31 pixels is refused as cut short, not with 2 GiB allocated.  Every
 * complaint about content is PL_EINPUT and starts with the file's path and the
 * byte offset (in the decompressed stream) where the problem was seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/idx.h"
#include "data/reader.h"
#include "parlogit/dataset.h"

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define IDX_STEP ((size_t)16 << 20)   /* the first allocation for a file's data */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Whether the 4 magic bytes are printable ASCII (a text file read as IDX). */
static int looks_like_text(const unsigned char *h)
{
    for (int i = 0; i < 4; i++)
        if (h[i] < 0x20 || h[i] > 0x7e)
            return 0;
    return 1;
}

/* One IDX header to read: what is expected and how to name it. */
typedef struct idx_kind {
    uint32_t magic;
    int ndims;
    const char *what;            /* "IDX images (unsigned bytes, 3 dimensions)" */
    const char *dim_names[3];
    uint32_t other_magic;        /* the magic of the other file, for a hint      */
    const char *other_hint;
} idx_kind;

static const idx_kind IDX_IMAGES = {
    IDX_IMAGES_MAGIC, 3, "IDX images (unsigned bytes, 3 dimensions)",
    {"image count", "rows per image", "columns per image"},
    IDX_LABELS_MAGIC, " (that is an IDX label file: are images and labels swapped?)",
};
static const idx_kind IDX_LABELS = {
    IDX_LABELS_MAGIC, 1, "IDX labels (unsigned bytes, 1 dimension)",
    {"label count", NULL, NULL},
    IDX_IMAGES_MAGIC, " (that is an IDX image file: are images and labels swapped?)",
};

/* Reads and checks the header of r against k; dims receives the sizes.
 * Returns PL_OK or an error code with e filled. */
static int idx_header(pl_reader *r, const idx_kind *k, uint32_t dims[3], pl_error *e)
{
    unsigned char h[16];
    size_t hlen = 4 + 4 * (size_t)k->ndims, got = 0;
    int st = pl_reader_read(r, h, hlen, &got, e);
    if (st == PL_READ_ERR)
        return r->err;
    if (st == PL_READ_EOF)
        return pl_errorf(e, PL_EINPUT, "%s: empty file (expected %s)", r->path, k->what);
    if (got >= 4 && be32(h) != k->magic)
        return pl_errorf(e, PL_EINPUT, "%s: offset 0: magic number 0x%08x, expected 0x%08x "
                         "for %s%s", r->path, be32(h), k->magic, k->what,
                         be32(h) == k->other_magic ? k->other_hint
                         : looks_like_text(h) ? " (the file starts with text: a CSV file? "
                                                "name it .csv or set data.format = csv)"
                                              : "");
    if (st == PL_READ_SHORT)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: file ends inside the header "
                         "(expected %zu header bytes for %s)", r->path, got, hlen, k->what);
    for (int i = 0; i < k->ndims; i++) {
        dims[i] = be32(h + 4 + 4 * i);
        if (dims[i] == 0)
            return pl_errorf(e, PL_EINPUT, "%s: offset %d: %s is 0 (expected at least 1)",
                             r->path, 4 + 4 * i, k->dim_names[i]);
    }
    return PL_OK;
}

/* Reads exactly n data bytes that start at offset start into *dst (malloc'ed
 * here, grown as the data arrives; the caller frees it, also on error), then
 * expects the end of the file.  shape describes the data for the messages. */
/* The error of data that ends after have of its n bytes, which start at
 * offset start: PL_EINPUT naming the offset and the expected size. */
static int data_short(const pl_reader *r, size_t start, size_t have, size_t n,
                      const char *shape, pl_error *e)
{
    return pl_errorf(e, PL_EINPUT, "%s: offset %zu: data ends after %zu of %zu bytes "
                     "(expected %s, so %zu bytes in all)", r->path, start + have, have, n,
                     shape, start + n);
}

static int trailing(const char *path, size_t end, const char *shape, pl_error *e)
{
    return pl_errorf(e, PL_EINPUT, "%s: offset %zu: trailing bytes after the declared data "
                     "(expected the file to end after %s)", path, end, shape);
}

/* After the declared data, which ends at offset end: PL_OK at the end of
 * the file, else its trailing bytes are PL_EINPUT. */
static int data_end(pl_reader *r, size_t end, const char *shape, pl_error *e)
{
    int c = pl_reader_getc(r, e);
    if (c == PL_READ_ERR)
        return r->err;
    if (c != PL_READ_EOF)
        return trailing(r->path, end, shape, e);
    return PL_OK;
}

static int idx_data(pl_reader *r, uint8_t **dst, size_t n, size_t start, const char *shape,
                    pl_error *e)
{
    size_t have = 0, cap = 0;   /* n > 0: the headers were checked */
    while (have < n) {
        cap = cap ? (2 * cap < n ? 2 * cap : n) : (IDX_STEP < n ? IDX_STEP : n);
        uint8_t *p = realloc(*dst, cap);
        if (!p)
            return pl_errorf(e, PL_ENOMEM, "%s: out of memory for %zu bytes of data", r->path,
                             cap);
        *dst = p;
        size_t got = 0;
        int st = pl_reader_read(r, p + have, cap - have, &got, e);
        have += got;
        if (st == PL_READ_ERR)
            return r->err;
        if (st != PL_READ_OK)
            return data_short(r, start, have, n, shape, e);
    }
    return data_end(r, start + n, shape, e);
}

/* Checks the image dimensions and returns the pixel total, or 0 with e filled
 * when the total exceeds PL_RAW_MAX_PIXELS. */
static uint64_t idx_total(const char *path, const uint32_t d[3], pl_error *e)
{
    uint64_t per = (uint64_t)d[1] * d[2];   /* < 2^64: two 32-bit factors */
    if (per > PL_RAW_MAX_PIXELS) {
        pl_errorf(e, PL_EINPUT, "%s: offset 8: images of %u x %u = %llu pixels exceed the "
                  "limit of %llu pixels per file (corrupt header?)", path, d[1], d[2],
                  (unsigned long long)per, (unsigned long long)PL_RAW_MAX_PIXELS);
        return 0;
    }
    uint64_t total = per * d[0];            /* <= 2^31 * 2^32: no overflow */
    if (total > PL_RAW_MAX_PIXELS) {
        pl_errorf(e, PL_EINPUT, "%s: offset 4: %u images of %u x %u = %llu pixels exceed "
                  "the limit of %llu pixels per file (corrupt header?)", path, d[0], d[1],
                  d[2], (unsigned long long)total, (unsigned long long)PL_RAW_MAX_PIXELS);
        return 0;
    }
    return total;
}

/* Both headers of an IDX pair, checked, into *s and *hdr (no labels yet);
 * rl is left open at the labels when labels is set.  On error s and rl are
 * closed. */
static int open_headers(const char *images, const char *labels, pl_idx_stream *s,
                        pl_raw *hdr, pl_reader *rl, pl_error *e)
{
    memset(s, 0, sizeof *s);
    memset(hdr, 0, sizeof *hdr);
    memset(rl, 0, sizeof *rl);
    uint32_t di[3] = {0}, dl[3] = {0};
    int rc = pl_reader_open(&s->img, images, e);
    if (rc != PL_OK)
        return rc;
    if (labels && (rc = pl_reader_open(rl, labels, e)) != PL_OK)
        goto fail;
    if ((rc = idx_header(&s->img, &IDX_IMAGES, di, e)) != PL_OK ||
        (labels && (rc = idx_header(rl, &IDX_LABELS, dl, e)) != PL_OK))
        goto fail;
    if (!labels)
        dl[0] = di[0];   /* images only: labels of 0, unlabelled */
    if (idx_total(images, di, e) == 0) {
        rc = PL_EINPUT;
        goto fail;
    }
    if (dl[0] != di[0]) {
        rc = pl_errorf(e, PL_EINPUT, "%s: offset 4: %u labels, but %s has %u images "
                       "(expected one label per image)", labels, dl[0], images, di[0]);
        goto fail;
    }
    hdr->n = di[0];
    hdr->height = di[1];
    hdr->width = di[2];
    hdr->dim = (size_t)di[1] * di[2];
    hdr->unlabelled = !labels;
    hdr->pixel_max = PL_PIXEL_MAX;
    s->n = hdr->n;
    s->dim = hdr->dim;
    snprintf(s->shape, sizeof s->shape, "%u images of %u x %u pixels", di[0], di[1], di[2]);
    return PL_OK;
fail:
    pl_reader_close(rl);
    pl_idx_close(s);
    return rc;
}

/* The labels of hdr->n images from rl (NULL: unlabelled, all 0), checked,
 * into hdr->label; rl is closed. */
static int read_labels(pl_reader *rl, const char *labels, const char *images, pl_raw *hdr,
                       pl_error *e)
{
    char shape[160];
    uint8_t *lab = NULL;
    int rc = PL_OK;
    snprintf(shape, sizeof shape, "%zu one-byte labels", hdr->n);
    if (labels && (rc = idx_data(rl, &lab, hdr->n, 8, shape, e)) != PL_OK)
        goto done;
    if (!labels && !(lab = calloc(hdr->n ? hdr->n : 1, 1))) {   /* images only: labels 0 */
        rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory for %zu labels", images, hdr->n);
        goto done;
    }
    for (size_t i = 0; labels && i < hdr->n; i++) {
        if (lab[i] > 9) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: label %u of image %zu is not a "
                           "digit (expected 0..9)", labels, 8 + i, lab[i], i);
            goto done;
        }
    }
    hdr->label = lab;
    lab = NULL;
done:
    free(lab);
    pl_reader_close(rl);
    return rc;
}

int pl_idx_open(const char *images, const char *labels, pl_idx_stream *s, pl_raw *hdr,
                pl_error *e)
{
    pl_reader rl;
    int rc = open_headers(images, labels, s, hdr, &rl, e);
    if (rc == PL_OK && (rc = read_labels(&rl, labels, images, hdr, e)) != PL_OK)
        pl_idx_close(s);
    return rc;
}

int pl_idx_check_size(pl_idx_stream *s, uint64_t size, pl_error *e)
{
    const uint64_t total = s->n * s->dim, want = 16 + total;
    if (size < want)
        return data_short(&s->img, 16, size > 16 ? (size_t)(size - 16) : 0, (size_t)total,
                          s->shape, e);
    if (size > want)
        return trailing(s->img.path, (size_t)want, s->shape, e);
    return PL_OK;
}

int pl_idx_rows(pl_idx_stream *s, uint8_t *dst, size_t nrows, pl_error *e)
{
    if (nrows > s->n - s->next)
        return pl_errorf(e, PL_EINPUT, "%s: %zu rows asked for past row %zu of %zu",
                         s->img.path, nrows, s->next, s->n);
    const size_t bytes = nrows * s->dim;
    size_t got = 0;
    int st = pl_reader_read(&s->img, dst, bytes, &got, e);
    if (st == PL_READ_ERR)
        return s->img.err;
    if (st != PL_READ_OK && bytes > 0)
        return data_short(&s->img, 16, s->next * s->dim + got, s->n * s->dim, s->shape, e);
    s->next += nrows;
    return PL_OK;
}

int pl_idx_finish(pl_idx_stream *s, pl_error *e)
{
    if (s->next != s->n)
        return pl_errorf(e, PL_EINPUT, "%s: finished after %zu of %zu rows", s->img.path,
                         s->next, s->n);
    return data_end(&s->img, 16 + s->n * s->dim, s->shape, e);
}

void pl_idx_close(pl_idx_stream *s)
{
    pl_reader_close(&s->img);
    memset(s, 0, sizeof *s);
}

int pl_idx_load(const char *images, const char *labels, pl_raw *out, pl_error *e)
{
    pl_idx_stream s;
    pl_reader rl;
    int rc = open_headers(images, labels, &s, out, &rl, e);
    if (rc != PL_OK)
        return rc;
    /* the pixels first, then the labels (as the streamed reader cannot):
     * the pixels in a buffer grown as they arrive (idx_data), so a header
     * that claims more than the file holds costs no more than the file */
    rc = idx_data(&s.img, &out->pix, s.n * s.dim, 16, s.shape, e);
    if (rc == PL_OK)
        rc = read_labels(&rl, labels, images, out, e);
    else
        pl_reader_close(&rl);
    pl_idx_close(&s);
    if (rc != PL_OK)
        pl_raw_free(out);
    return rc;
}
