/*
 * read.c - pl_image_read and pl_image_decode: a file is opened the way every
 * data file is (pl_data_open: regular files only, a FIFO never waited on),
 * read whole into memory (at most PL_IMAGE_MAX_FILE), and handed to the
 * decoder its first bytes name.  The size checks every decoder makes on its
 * header before allocating live here too, so all formats say the same.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/reader.h"
#include "image/image_impl.h"

int pl_image_alloc(pl_image *img, int w, int h, int channels, pl_error *e)
{
    memset(img, 0, sizeof *img);
    const size_t n = (size_t)w * (size_t)h * (size_t)channels;
    img->pix = calloc(n ? n : 1, 1);
    if (!img->pix)
        return pl_errorf(e, PL_ENOMEM, "out of memory for a %dx%d image", w, h);
    img->w = w;
    img->h = h;
    img->channels = channels;
    return PL_OK;
}

void pl_image_free(pl_image *img)
{
    if (!img)
        return;
    free(img->pix);
    memset(img, 0, sizeof *img);
}

int pl_image_check_size(const char *name, const char *what, uint64_t w, uint64_t h,
                        pl_error *e)
{
    if (w < PL_IMAGE_MIN_SIDE || h < PL_IMAGE_MIN_SIDE)
        return pl_errorf(e, PL_EINPUT,
                         "%s: %s image is %" PRIu64 "x%" PRIu64 " pixels: too small to hold a "
                         "digit (at least %dx%d)", name, what, w, h, PL_IMAGE_MIN_SIDE,
                         PL_IMAGE_MIN_SIDE);
    if (w * h > PL_IMAGE_MAX_PIXELS)   /* both below 2^32: no overflow */
        return pl_errorf(e, PL_EINPUT,
                         "%s: %s image is %" PRIu64 "x%" PRIu64 " pixels: larger than the "
                         "limit of %u megapixels", name, what, w, h,
                         PL_IMAGE_MAX_PIXELS / 1000000u);
    return PL_OK;
}

int pl_image_decode(const void *data, size_t len, const char *name, pl_image *img,
                    pl_error *e)
{
    memset(img, 0, sizeof *img);
    static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    const uint8_t *b = data;
    if (len >= 8 && memcmp(b, png_sig, 8) == 0)
        return pl_png_decode(b, len, name, img, e);
    if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return pl_jpeg_decode(b, len, name, img, e);
    if (len == 0)
        return pl_errorf(e, PL_EINPUT, "%s: empty file, not a PNG or JPEG image", name);
    char hex[3 * 8 + 1] = "";
    for (size_t i = 0, at = 0; i < len && i < 8; i++)
        at += (size_t)snprintf(hex + at, sizeof hex - at, i ? " %02x" : "%02x", b[i]);
    return pl_errorf(e, PL_EINPUT, "%s: not a PNG or JPEG image (it starts with bytes %s)",
                     name, hex);
}

int pl_image_read(const char *path, pl_image *img, pl_error *e)
{
    memset(img, 0, sizeof *img);
    const int fd = pl_data_open(path, e);
    if (fd < 0)
        return e ? e->code : PL_EINPUT;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int err = errno;
        close(fd);
        return pl_errorf(e, PL_EIO, "%s: cannot read: %s", path, strerror(err));
    }
    if ((uint64_t)st.st_size > PL_IMAGE_MAX_FILE) {
        close(fd);
        return pl_errorf(e, PL_EINPUT, "%s: %jd bytes: larger than the %zu MiB an image file "
                         "may have", path, (intmax_t)st.st_size, PL_IMAGE_MAX_FILE >> 20);
    }
    const size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for %zu bytes", path, len);
    }
    size_t got = 0;
    while (got < len) {   /* the file may shrink under us: stop at its end */
        const ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            const int err = errno;
            free(buf);
            close(fd);
            return pl_errorf(e, PL_EIO, "%s: cannot read: %s", path, strerror(err));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    const int rc = pl_image_decode(buf, got, path, img, e);
    free(buf);
    return rc;
}
