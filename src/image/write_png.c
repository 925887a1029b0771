/*
 * write_png.c - images out as PNG through libpng: one image as it is, or a
 * strip of several side by side (the preprocessing steps).  Files are written
 * atomically (util.h's pl_afile: a temporary file renamed over the target),
 * so a reader never sees half a picture.  libpng's errors longjmp back here,
 * the message kept and the temporary file removed.
 */
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"
#include "util/util.h"

typedef struct wctx {
    char msg[256];
} wctx;

static void on_error(png_structp png, png_const_charp msg)
{
    wctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

int pl_image_write_png(const char *path, const pl_image *img, pl_error *e)
{
    static const int types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                   PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    if (!img->pix || img->w < 1 || img->h < 1 || img->channels < 1 || img->channels > 4)
        return pl_errorf(e, PL_EINPUT, "%s: no image to write", path);
    pl_afile a;
    int rc = pl_afile_open(&a, path, e);
    if (rc)
        return rc;
    wctx c = { "" };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        pl_afile_abort(&a);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for the PNG encoder", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        pl_afile_abort(&a);
        return pl_errorf(e, PL_EIO, "%s: cannot write the PNG: %s", path, c.msg);
    }
    png_init_io(png, a.f);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, types[img->channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const size_t stride = (size_t)img->w * (size_t)img->channels;
    for (int y = 0; y < img->h; y++)
        png_write_row(png, img->pix + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return pl_afile_commit(&a, e);
}

/* One image's pixel as RGB (grey replicated, alpha over white). */
static void rgb_at(const pl_image *im, int x, int y, float out[3])
{
    const uint8_t *p = im->pix + ((size_t)y * im->w + x) * (size_t)im->channels;
    const int ch = im->channels;
    for (int k = 0; k < 3; k++)
        out[k] = ch >= 3 ? p[k] : p[0];
    if (ch == 2 || ch == 4)
        for (int k = 0; k < 3; k++)
            out[k] = out[k] * p[ch - 1] / 255.0f + 255.0f * (1 - p[ch - 1] / 255.0f);
}

int pl_image_write_strip(const char *path, const pl_image *const *imgs, int n, int height,
                         int gap, pl_error *e)
{
    if (height < 1 || gap < 0)
        return pl_errorf(e, PL_EINPUT, "%s: strip height %d or gap %d out of range", path,
                         height, gap);
    int colour = 0, count = 0;
    long width = 0;
    for (int i = 0; i < n; i++) {
        const pl_image *im = imgs[i];
        if (!im || !im->pix || im->w < 1 || im->h < 1)
            continue;
        colour |= im->channels >= 3;
        width += (count++ ? gap : 0) + (long)fmax(1, lround((double)im->w * height / im->h));
    }
    if (!count)
        return pl_errorf(e, PL_EINPUT, "%s: no image to draw", path);
    if ((double)width * height > PL_IMAGE_MAX_PIXELS)
        return pl_errorf(e, PL_EINPUT, "%s: a strip of %ldx%d pixels is too large", path, width,
                         height);
    const int ch = colour ? 3 : 1;
    pl_image out;
    int rc = pl_image_alloc(&out, (int)width, height, ch, e);
    if (rc)
        return rc;
    memset(out.pix, 128, (size_t)width * (size_t)height * (size_t)ch);
    long x0 = 0;
    float *src = NULL, *dst = NULL;
    for (int i = 0; i < n && rc == PL_OK; i++) {
        const pl_image *im = imgs[i];
        if (!im || !im->pix || im->w < 1 || im->h < 1)
            continue;
        const int dw = (int)fmax(1, lround((double)im->w * height / im->h));
        src = malloc((size_t)im->w * (size_t)im->h * sizeof *src);
        dst = malloc((size_t)dw * (size_t)height * sizeof *dst);
        if (!src || !dst) {
            rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory drawing the strip", path);
            break;
        }
        for (int k = 0; k < ch && rc == PL_OK; k++) {
            for (int y = 0; y < im->h; y++)
                for (int x = 0; x < im->w; x++) {
                    float c[3];
                    rgb_at(im, x, y, c);
                    src[(size_t)y * im->w + x] =
                        ch == 3 ? c[k] : (im->channels >= 3 ? 0.299f * c[0] + 0.587f * c[1] +
                                                               0.114f * c[2] : c[0]);
                }
            if ((rc = pl_resample(src, im->w, im->h, dst, dw, height, PL_GROW_NEAREST, e)))
                break;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < dw; x++) {
                    const float v = dst[(size_t)y * dw + x];
                    out.pix[((size_t)y * width + x0 + x) * ch + k] =
                        (uint8_t)lrintf(v < 0 ? 0 : v > 255 ? 255 : v);
                }
        }
        free(src);
        free(dst);
        src = dst = NULL;
        x0 += dw + gap;
    }
    free(src);
    free(dst);
    if (rc == PL_OK)
        rc = pl_image_write_png(path, &out, e);
    pl_image_free(&out);
    return rc;
}

int pl_prep_steps_write(const char *path, const pl_prep_steps *s, int height, pl_error *e)
{
    const pl_image *imgs[5] = { s->original, &s->grey, &s->ink, &s->cropped, &s->row };
    return pl_image_write_strip(path, imgs, 5, height, height / 16 + 2, e);
}
