/*
 * png.h - PNG files read back in the tests, through libpng's simplified API,
 * to check a picture's size and that it is not blank.  Pixels keep the
 * file's own channels (gray, gray-alpha, RGB or RGBA: what cairo and
 * Chromium write), 8 bits each; 16-bit and palette files are converted.
 */
#ifndef PARLOGIT_TEST_PNG_H
#define PARLOGIT_TEST_PNG_H

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tu_png {
    int w, h, channels;
    uint8_t *pix;              /* h * w * channels */
} tu_png;

/* Reads path; returns 0 on success, -1 (with why in err) otherwise. */
static int tu_png_read(const char *path, tu_png *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path)) {
        snprintf(err, errlen, "%s: not a PNG: %s", path, pi.message);
        return -1;
    }
    /* the file's channels, as 8-bit samples */
    pi.format &= ~(png_uint_32)(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_COLORMAP);
    img->w = (int)pi.width;
    img->h = (int)pi.height;
    img->channels = (int)PNG_IMAGE_SAMPLE_CHANNELS(pi.format);
    img->pix = malloc(PNG_IMAGE_SIZE(pi));
    if (!img->pix || !png_image_finish_read(&pi, NULL, img->pix, 0, NULL)) {
        snprintf(err, errlen, "%s: bad image data: %s", path,
                 img->pix ? pi.message : "out of memory");
        png_image_free(&pi);
        free(img->pix);
        memset(img, 0, sizeof *img);
        return -1;
    }
    return 0;
}

/* The number of distinct colours among the first 64 seen (1 = blank). */
static int tu_png_colours(const tu_png *img)
{
    uint32_t seen[64];
    int n = 0;
    size_t npix = (size_t)img->w * (size_t)img->h;
    for (size_t i = 0; i < npix && n < 64; i++) {
        uint32_t v = 0;
        for (int c = 0; c < img->channels && c < 4; c++)
            v = v << 8 | img->pix[i * (size_t)img->channels + (size_t)c];
        int k = 0;
        while (k < n && seen[k] != v)
            k++;
        if (k == n)
            seen[n++] = v;
    }
    return n;
}

static void tu_png_free(tu_png *img)
{
    free(img->pix);
    img->pix = NULL;
}

#endif
