/*
 * decode_png.c - PNG bytes to an 8-bit image through libpng.
 *
 * libpng reports errors by longjmp to the setjmp of png_jmpbuf; here its
 * error callback first copies the message into the decoder's context, and
 * its warnings are dropped (the library never prints).  Everything that must
 * be freed after a longjmp (the pixels, the row pointers) lives in that
 * context, not in automatic variables, so no value is lost to setjmp.  The
 * bytes come from a memory reader that fails with "truncated" when libpng
 * asks beyond the end.  libpng's own 1,000,000-pixel side limit is lifted
 * so that pl_image_check_size, called on the header's bytes before libpng
 * starts and again on what libpng read, is the one that speaks.
 * Transformations make every PNG 8 bits a channel: palettes and sub-byte
 * grey expanded, tRNS to alpha, 16 bits scaled (not truncated), interlaced
 * images de-interlaced.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"

typedef struct png_ctx {
    const uint8_t *data;
    size_t len, pos;
    int truncated;            /* the reader ran out of bytes                 */
    char msg[256];            /* libpng's error message                      */
    uint8_t *pix;             /* freed on error                              */
    png_bytep *rows;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void read_mem(png_structp png, png_bytep out, size_t n)
{
    png_ctx *c = png_get_io_ptr(png);
    if (n > c->len - c->pos) {
        c->truncated = 1;
        png_error(png, "read past the end");
    }
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

int pl_png_decode(const uint8_t *data, size_t len, const char *name, pl_image *img,
                  pl_error *e)
{
    memset(img, 0, sizeof *img);
    /* The header's size first, in our words (libpng would refuse a 0 side its own way). */
    if (len >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        const uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 |
                           (uint32_t)data[18] << 8 | data[19];
        const uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 |
                           (uint32_t)data[22] << 8 | data[23];
        const int rc = pl_image_check_size(name, "PNG", w, h, e);
        if (rc)
            return rc;
    }
    png_ctx c = { .data = data, .len = len };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for the PNG decoder", name);
    }
    int rc = PL_OK;
    if (setjmp(png_jmpbuf(png))) {
        if (c.truncated)
            rc = pl_errorf(e, PL_EINPUT, "%s: truncated PNG: the file ends after %zu bytes, "
                           "before the image is complete", name, len);
        else
            rc = pl_errorf(e, PL_EINPUT, "%s: corrupt PNG: %s", name, c.msg);
        goto done;
    }
    png_set_read_fn(png, &c, read_mem);
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_read_info(png, info);
    const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((rc = pl_image_check_size(name, "PNG", w, h, e)) != PL_OK)
        goto done;
    png_set_expand(png);      /* palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha */
    png_set_scale_16(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int ch = png_get_channels(png, info);
    if (ch < 1 || ch > 4 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * (size_t)ch) {
        rc = pl_errorf(e, PL_EINPUT, "%s: corrupt PNG: unsupported pixel layout", name);
        goto done;
    }
    c.pix = malloc((size_t)w * h * (size_t)ch);
    c.rows = malloc((size_t)h * sizeof *c.rows);
    if (!c.pix || !c.rows) {
        rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory for a %ux%u image", name,
                       (unsigned)w, (unsigned)h);
        goto done;
    }
    for (png_uint_32 y = 0; y < h; y++)
        c.rows[y] = c.pix + (size_t)y * w * (size_t)ch;
    png_read_image(png, c.rows);
    png_read_end(png, NULL);  /* checks the last chunks' CRCs and IEND */
    img->w = (int)w;
    img->h = (int)h;
    img->channels = ch;
    img->pix = c.pix;
    c.pix = NULL;
done:
    free(c.pix);
    free(c.rows);
    png_destroy_read_struct(&png, &info, NULL);
    return rc;
}
