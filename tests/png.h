/*
 * png.h - a small PNG reader for the tests (8-bit gray, RGB, RGBA or
 * gray-alpha, not interlaced: what cairo and Chromium write), to check a
 * picture's size and that it is not blank.  Uses zlib.
 */
#ifndef PARLOGIT_TEST_PNG_H
#define PARLOGIT_TEST_PNG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct tu_png {
    int w, h, channels;
    uint8_t *pix;              /* h * w * channels */
} tu_png;

static uint32_t tu_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int tu_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Reads path; returns 0 on success, -1 (with why in err) otherwise. */
static int tu_png_read(const char *path, tu_png *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    static const uint8_t sig[8] = { 137, 'P', 'N', 'G', 13, 10, 26, 10 };
    if (got != (size_t)len || len < 33 || memcmp(buf, sig, 8)) {
        free(buf);
        snprintf(err, errlen, "%s: not a PNG", path);
        return -1;
    }
    uint8_t *idat = malloc((size_t)len);
    size_t nidat = 0;
    int depth = 0, type = 0, inter = 0;
    for (size_t p = 8; p + 12 <= (size_t)len;) {
        uint32_t n = tu_be32(buf + p);
        const uint8_t *t = buf + p + 4, *d = buf + p + 8;
        if (p + 12 + n > (size_t)len)
            break;
        if (!memcmp(t, "IHDR", 4)) {
            img->w = (int)tu_be32(d);
            img->h = (int)tu_be32(d + 4);
            depth = d[8];
            type = d[9];
            inter = d[12];
        } else if (!memcmp(t, "IDAT", 4)) {
            memcpy(idat + nidat, d, n);
            nidat += n;
        }
        p += 12 + n;
    }
    free(buf);
    img->channels = type == 0 ? 1 : type == 2 ? 3 : type == 4 ? 2 : type == 6 ? 4 : 0;
    if (depth != 8 || !img->channels || inter || img->w <= 0 || img->h <= 0) {
        free(idat);
        snprintf(err, errlen, "%s: unsupported PNG (depth %d, type %d, interlace %d)", path,
                 depth, type, inter);
        return -1;
    }
    size_t stride = (size_t)img->w * (size_t)img->channels;
    uLongf rawlen = (uLongf)((stride + 1) * (size_t)img->h);
    uint8_t *raw = malloc(rawlen);
    int zrc = uncompress(raw, &rawlen, idat, (uLong)nidat);
    free(idat);
    if (zrc != Z_OK || rawlen != (stride + 1) * (size_t)img->h) {
        free(raw);
        snprintf(err, errlen, "%s: bad image data", path);
        return -1;
    }
    img->pix = malloc(stride * (size_t)img->h);
    int bpp = img->channels;
    for (int y = 0; y < img->h; y++) {
        const uint8_t *in = raw + (size_t)y * (stride + 1);
        uint8_t *out = img->pix + (size_t)y * stride;
        const uint8_t *up = y ? out - stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= (size_t)bpp ? out[x - bpp] : 0, b = up ? up[x] : 0;
            int c = up && x >= (size_t)bpp ? up[x - bpp] : 0, v = in[1 + x];
            switch (in[0]) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += tu_paeth(a, b, c); break;
            default: break;
            }
            out[x] = (uint8_t)v;
        }
    }
    free(raw);
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
