/*
 * predict_read.c - one INPUT of `parlogit predict` into rows: a photo made an
 * MNIST row by the preprocessing of image.h, an IDX images file, or a CSV file
 * with or without its label column (see pl_predict_read in predict.h).
 *
 * The kind is told by the first bytes, so that a photo saved as "digit.dat"
 * or a CSV called "test.txt" is still read: PNG's 8-byte signature, JPEG's
 * FF D8 FF, IDX's magic 00 00 08 03 (read through zlib, so a gzipped IDX
 * file is seen decompressed), and CSV when the (decompressed) start is text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/reader.h"
#include "parlogit/predict.h"

/* The first up to 8 bytes of path, raw (raw) and through zlib (plain). */
static int sniff(const char *path, unsigned char raw[8], int *nraw, unsigned char plain[8],
                 int *nplain, pl_error *e)
{
    int fd = pl_data_open(path, e);   /* regular files only: never waits on a FIFO */
    if (fd < 0)
        return e->code;
    ssize_t n = read(fd, raw, 8);
    if (n < 0) {
        close(fd);
        return pl_errorf(e, PL_EIO, "%s: cannot read", path);
    }
    *nraw = (int)n;
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return pl_errorf(e, PL_EIO, "%s: cannot read", path);
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    int m = gzread(gz, plain, 8);
    gzclose_r(gz);
    *nplain = m < 0 ? 0 : m;
    return PL_OK;
}

/* The name of an image format parlogit does not decode, by its signature, or
 * NULL: so that a GIF is not read as a CSV of one odd header line. */
static const char *other_image(const unsigned char *b, int n)
{
    if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
        return "a GIF image";
    if (n >= 2 && !memcmp(b, "BM", 2))
        return "a BMP image";
    if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4)))
        return "a TIFF image";
    if (n >= 4 && !memcmp(b, "RIFF", 4))
        return "a RIFF file (WebP?)";
    if (n >= 4 && !memcmp(b, "%PDF", 4))
        return "a PDF document";
    if (n >= 8 && !memcmp(b + 4, "ftyp", 4))
        return "an ISO media file (HEIC/AVIF photo?)";
    return NULL;
}

static int is_text(const unsigned char *b, int n)
{
    for (int i = 0; i < n; i++)
        if (!(b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || (b[i] >= 0x20 && b[i] < 0x7f) ||
              (i < 3 && b[i] >= 0xbb)))   /* a UTF-8 byte-order mark */
            return 0;
    return n > 0;
}

static int read_photo(const char *path, const pl_prep_opts *prep, unsigned pixel_max,
                      pl_predict_input *in, pl_error *e)
{
    pl_image *img = malloc(sizeof *img);   /* kept: steps.original borrows it */
    if (!img)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    int rc = pl_image_read(path, img, e);
    if (rc) {
        free(img);
        return rc;
    }
    const size_t side = (size_t)prep->field;
    pl_raw *raw = &in->rows;
    raw->pix = malloc(side * side);
    raw->label = calloc(1, 1);
    if (!raw->pix || !raw->label) {
        pl_image_free(img);
        free(img);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    raw->n = 1;
    raw->height = raw->width = side;
    raw->dim = side * side;
    raw->unlabelled = 1;
    rc = pl_image_to_row(img, prep, raw->pix, &in->steps, e);
    if (rc)
        pl_error_prefix(e, "%s", path);
    raw->pixel_max = pixel_max ? pixel_max : PL_PIXEL_MAX;
    for (size_t j = 0; !rc && raw->pixel_max < 255 && j < raw->dim; j++)   /* 0..255 ink */
        raw->pix[j] = (uint8_t)((raw->pix[j] * raw->pixel_max + 127) / 255);
    if (!in->steps.original)
        in->steps.original = img;
    return rc;
}

int pl_predict_read(const char *path, const pl_prep_opts *prep, const pl_csv_opts *csv,
                    pl_predict_input *in, pl_error *e)
{
    memset(in, 0, sizeof *in);
    snprintf(in->path, sizeof in->path, "%s", path);
    unsigned char raw[8], plain[8];
    int nraw = 0, nplain = 0;
    int rc = sniff(path, raw, &nraw, plain, &nplain, e);
    if (rc)
        return rc;
    static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    static const unsigned char idx[4] = { 0, 0, 8, 3 };
    if ((nraw >= 8 && !memcmp(raw, png, 8)) ||
        (nraw >= 3 && raw[0] == 0xff && raw[1] == 0xd8 && raw[2] == 0xff)) {
        in->kind = PL_INPUT_PHOTO;
        rc = read_photo(path, prep, csv->pixel_max, in, e);
    } else if (other_image(raw, nraw)) {
        rc = pl_errorf(e, PL_EINPUT, "%s: %s: parlogit reads PNG and JPEG photos (convert it, "
                       "e.g. with ImageMagick: convert %s digit.png)", path, other_image(raw, nraw),
                       path);
    } else if (nplain >= 4 && !memcmp(plain, idx, 4)) {
        in->kind = PL_INPUT_IDX;
        rc = pl_idx_load(path, NULL, &in->rows, e);
    } else if (is_text(plain, nplain)) {
        in->kind = PL_INPUT_CSV;
        rc = pl_csv_load(path, csv, &in->rows, e);
    } else {
        rc = pl_errorf(e, PL_EINPUT, "%s: %s (expected a PNG or JPEG photo, an IDX images "
                       "file or a CSV file of pixels)", path,
                       nraw == 0 ? "empty file" : nplain >= 4 && plain[0] == 0 && plain[1] == 0
                       ? "an IDX file, but not of images (magic 0x0803)"
                       : "not a file parlogit can read");
    }
    if (rc)
        pl_predict_input_free(in);
    return rc;
}

void pl_predict_input_free(pl_predict_input *in)
{
    pl_image *img = (pl_image *)in->steps.original;
    pl_prep_steps_free(&in->steps);
    if (img) {
        pl_image_free(img);
        free(img);
    }
    pl_raw_free(&in->rows);
    memset(in, 0, sizeof *in);
}
