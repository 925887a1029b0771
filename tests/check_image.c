/*
 * check_image.c - include/parlogit/image.h: decoding PNG (every colour type
 * and depth libpng offers, written here with libpng) and JPEG (written here
 * with libjpeg, EXIF orientation tags written by hand as APP1 markers), all
 * eight orientations; every bad input an error naming the file and what is
 * wrong (truncated, corrupt, neither format, empty, too small, a header
 * claiming too many pixels, a directory, a FIFO, a blank page); and photos
 * made here of MNIST test digits (dark ink on an unevenly lit, noisy page,
 * off-centre, scaled up several hundred pixels, as PNG and as JPEG stored
 * turned with the tag that turns them back) coming back as their digit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "parlogit/dataset.h"
#include "parlogit/engine.h"
#include "parlogit/image.h"
#include "parlogit/model.h"
#include "parlogit/train.h"
#include "testutil.h"

static char tmp[512];

static void setup(void)
{
    tu_tmpdir(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_rmtree(tmp);
}

/* ---- writing test files ---------------------------------------------- */

/* Writes a PNG with libpng: rows of `rowbytes` each, any colour type and bit
 * depth; pal/npal for palettes, trns/ntrns for a tRNS chunk. */
static void png_put(const char *path, int w, int h, int type, int depth, int interlace,
                    const uint8_t *pix, size_t rowbytes, const png_color *pal, int npal,
                    const uint8_t *trns, int ntrns)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert(png && info);
    ck_assert_int_eq(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)pix + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    ck_assert_int_eq(fclose(f), 0);
}

/* An EXIF APP1 payload holding only the orientation tag v (big-endian TIFF). */
static size_t exif_app1(uint8_t out[64], int v)
{
    static const uint8_t head[] = { 'E', 'x', 'i', 'f', 0, 0,          /* APP1 id   */
                                    'M', 'M', 0, 42, 0, 0, 0, 8,       /* TIFF head */
                                    0, 1,                               /* 1 entry   */
                                    0x01, 0x12, 0, 3, 0, 0, 0, 1 };     /* 0x0112 SHORT x1 */
    size_t n = sizeof head;
    memcpy(out, head, n);
    out[n++] = 0;
    out[n++] = (uint8_t)v;
    out[n++] = 0;
    out[n++] = 0;
    memset(out + n, 0, 4);   /* no next IFD */
    return n + 4;
}

/* Writes an 8-bit grey (ch 1) or RGB (ch 3) JPEG; with an orientation tag
 * when v > 0. */
static void jpeg_put(const char *path, const uint8_t *pix, int w, int h, int ch, int quality,
                     int v)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = ch;
    c.in_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    if (v > 0) {
        uint8_t app1[64];
        const size_t n = exif_app1(app1, v);
        jpeg_write_marker(&c, JPEG_APP0 + 1, app1, (unsigned)n);
    }
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = (JSAMPROW)(pix + (size_t)c.next_scanline * (size_t)w * (size_t)ch);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    ck_assert_int_eq(fclose(f), 0);
}

/* The whole of a file; *len its size. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len + 1);
    ck_assert_uint_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends a PNG chunk (length, type, data, CRC over type and data) at b + *n. */
static void png_chunk(uint8_t *b, size_t *n, const char *type, const uint8_t *data,
                      uint32_t len)
{
    put_be32(b + *n, len);
    memcpy(b + *n + 4, type, 4);
    if (len)
        memcpy(b + *n + 8, data, len);
    put_be32(b + *n + 8 + len, (uint32_t)crc32(0, b + *n + 4, len + 4));
    *n += 12 + len;
}

/* A PNG file of only a header claiming w x h (8-bit grey), a token IDAT and
 * IEND, every CRC valid. */
static size_t png_header_only(uint8_t b[128], uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    memcpy(b, sig, 8);
    size_t n = 8;
    uint8_t ihdr[13] = { 0 };
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8;   /* depth; type 0 grey, compression, filter, interlace 0 */
    png_chunk(b, &n, "IHDR", ihdr, 13);
    static const uint8_t idat[] = { 0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1 };
    png_chunk(b, &n, "IDAT", idat, sizeof idat);
    png_chunk(b, &n, "IEND", NULL, 0);
    return n;
}

/* Reads path expecting PL_EINPUT with path and want in the message. */
static void expect_bad(const char *path, const char *want)
{
    pl_image img;
    pl_error e = { 0 };
    const int rc = pl_image_read(path, &img, &e);
    ck_assert_msg(rc == PL_EINPUT, "%s: rc %d (%s)", path, rc, e.msg);
    ck_assert_ptr_null(img.pix);
    TU_ASSERT_HAS(e.msg, path);
    TU_ASSERT_HAS(e.msg, want);
}

/* ---- decoding ---------------------------------------------------------- */

/* Every PNG colour type and depth becomes 8 bits a channel with the right
 * values: grey 1/8/16 bits, grey + alpha, RGB 8/16 (interlaced), RGBA, a
 * palette with transparency. */
START_TEST(test_png_every_kind)
{
    enum { W = 13, H = 9 };
    uint8_t pix[W * H * 8];
    char path[1024];
    pl_image img;
    pl_error e;
    /* grey 8 */
    for (int i = 0; i < W * H; i++)
        pix[i] = (uint8_t)(i * 7);
    snprintf(path, sizeof path, "%s/g8.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_GRAY, 8, 0, pix, W, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.w, W);
    ck_assert_int_eq(img.h, H);
    ck_assert_int_eq(img.channels, 1);
    for (int i = 0; i < W * H; i++)
        ck_assert_int_eq(img.pix[i], (uint8_t)(i * 7));
    pl_image_free(&img);
    /* grey 16, big-endian samples: v * 257 reads back as v */
    for (int i = 0; i < W * H; i++) {
        const unsigned v = (uint8_t)(i * 5) * 257u;
        pix[2 * i] = (uint8_t)(v >> 8);
        pix[2 * i + 1] = (uint8_t)v;
    }
    snprintf(path, sizeof path, "%s/g16.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_GRAY, 16, 0, pix, 2 * W, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 1);
    for (int i = 0; i < W * H; i++)
        ck_assert_int_eq(img.pix[i], (uint8_t)(i * 5));
    pl_image_free(&img);
    /* grey 1 bit: a checkerboard, 0 -> 0, 1 -> 255 */
    const size_t rb1 = (W + 7) / 8;
    memset(pix, 0, sizeof pix);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if ((x + y) % 2)
                pix[y * rb1 + x / 8] |= (uint8_t)(0x80 >> (x % 8));
    snprintf(path, sizeof path, "%s/g1.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_GRAY, 1, 0, pix, rb1, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 1);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_int_eq(img.pix[y * W + x], (x + y) % 2 ? 255 : 0);
    pl_image_free(&img);
    /* grey + alpha, RGB 16 interlaced, RGBA */
    for (int i = 0; i < W * H; i++) {
        pix[2 * i] = (uint8_t)i;
        pix[2 * i + 1] = (uint8_t)(255 - i);
    }
    snprintf(path, sizeof path, "%s/ga.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, pix, 2 * W, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 2);
    ck_assert(memcmp(img.pix, pix, 2 * W * H) == 0);
    pl_image_free(&img);
    for (int i = 0; i < W * H * 3; i++) {
        const unsigned v = (uint8_t)(i * 3) * 257u;
        pix[2 * i] = (uint8_t)(v >> 8);
        pix[2 * i + 1] = (uint8_t)v;
    }
    snprintf(path, sizeof path, "%s/rgb16i.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_RGB, 16, 1, pix, 6 * W, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 3);
    for (int i = 0; i < W * H * 3; i++)
        ck_assert_int_eq(img.pix[i], (uint8_t)(i * 3));
    pl_image_free(&img);
    for (int i = 0; i < W * H * 4; i++)
        pix[i] = (uint8_t)(i * 11);
    snprintf(path, sizeof path, "%s/rgba.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, pix, 4 * W, NULL, 0, NULL, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 4);
    ck_assert(memcmp(img.pix, pix, 4 * W * H) == 0);
    pl_image_free(&img);
    /* a palette of 4 colours, the last one transparent: RGBA */
    const png_color pal[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 9, 9, 9 } };
    const uint8_t trns[4] = { 255, 255, 255, 0 };
    for (int i = 0; i < W * H; i++)
        pix[i] = (uint8_t)(i % 4);
    snprintf(path, sizeof path, "%s/pal.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_PALETTE, 8, 0, pix, W, pal, 4, trns, 4);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 4);
    for (int i = 0; i < W * H; i++) {
        const png_color c = pal[i % 4];
        const uint8_t *p = img.pix + 4 * i;
        ck_assert(p[0] == c.red && p[1] == c.green && p[2] == c.blue && p[3] == trns[i % 4]);
    }
    pl_image_free(&img);
    /* the same bytes decode from memory */
    size_t len;
    uint8_t *b = slurp(path, &len);
    ck_assert_msg(pl_image_decode(b, len, "mem", &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.w, W);
    pl_image_free(&img);
    free(b);
}
END_TEST

/* JPEG grey and colour decode close to what was written (quality 100). */
START_TEST(test_jpeg_grey_and_colour)
{
    enum { W = 40, H = 24 };
    uint8_t pix[W * H * 3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            pix[3 * (y * W + x)] = (uint8_t)(x * 6);
            pix[3 * (y * W + x) + 1] = (uint8_t)(y * 10);
            pix[3 * (y * W + x) + 2] = 128;
        }
    char path[1024];
    snprintf(path, sizeof path, "%s/c.jpg", tmp);
    jpeg_put(path, pix, W, H, 3, 100, 0);
    pl_image img;
    pl_error e;
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.w, W);
    ck_assert_int_eq(img.h, H);
    ck_assert_int_eq(img.channels, 3);
    for (int i = 0; i < W * H * 3; i++)
        ck_assert_int_le(abs(img.pix[i] - pix[i]), 12);
    pl_image_free(&img);
    for (int i = 0; i < W * H; i++)
        pix[i] = (uint8_t)(i % W * 6);
    snprintf(path, sizeof path, "%s/g.jpg", tmp);
    jpeg_put(path, pix, W, H, 1, 100, 0);
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(img.channels, 1);
    for (int i = 0; i < W * H; i++)
        ck_assert_int_le(abs(img.pix[i] - pix[i]), 4);
    pl_image_free(&img);
}
END_TEST

/* Where the stored pixel (sx, sy) of a w x h stored image appears on display,
 * from the EXIF definition of each value: where the stored first row and
 * first column go (1 top/left, 2 top/right, 3 bottom/right, 4 bottom/left,
 * 5 left/top, 6 right/top, 7 right/bottom, 8 left/bottom). */
static void shown_at(int v, int w, int h, int sx, int sy, int *dx, int *dy)
{
    switch (v) {
    case 1: *dx = sx; *dy = sy; break;                   /* row 0 on top, col 0 left   */
    case 2: *dx = w - 1 - sx; *dy = sy; break;           /* row 0 top, col 0 right     */
    case 3: *dx = w - 1 - sx; *dy = h - 1 - sy; break;   /* row 0 bottom, col 0 right  */
    case 4: *dx = sx; *dy = h - 1 - sy; break;           /* row 0 bottom, col 0 left   */
    case 5: *dx = sy; *dy = sx; break;                   /* row 0 left, col 0 top      */
    case 6: *dx = h - 1 - sy; *dy = sx; break;           /* row 0 right, col 0 top     */
    case 7: *dx = h - 1 - sy; *dy = w - 1 - sx; break;   /* row 0 right, col 0 bottom  */
    default: *dx = sy; *dy = w - 1 - sx; break;          /* 8: row 0 left, col 0 bottom */
    }
}

/* All eight orientations: a 32x24 picture of twelve flat 8x8 blocks (each
 * block a different grey, so JPEG keeps them exactly) stored turned the way
 * the tag undoes; the decoder shows the picture itself. */
START_TEST(test_exif_all_orientations)
{
    enum { W = 32, H = 24 };
    uint8_t shown[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            shown[y * W + x] = (uint8_t)(10 + 20 * ((y / 8) * 4 + x / 8));
    for (int v = 1; v <= 8; v++) {
        const int sw = v >= 5 ? H : W, sh = v >= 5 ? W : H;
        uint8_t stored[W * H];
        for (int sy = 0; sy < sh; sy++)
            for (int sx = 0; sx < sw; sx++) {
                int dx, dy;
                shown_at(v, sw, sh, sx, sy, &dx, &dy);
                ck_assert(dx >= 0 && dx < W && dy >= 0 && dy < H);
                stored[sy * sw + sx] = shown[dy * W + dx];
            }
        char path[1024];
        snprintf(path, sizeof path, "%s/o%d.jpg", tmp, v);
        jpeg_put(path, stored, sw, sh, 1, 100, v);
        pl_image img;
        pl_error e;
        ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
        ck_assert_int_eq(img.w, W);
        ck_assert_int_eq(img.h, H);
        for (int i = 0; i < W * H; i++)
            ck_assert_msg(abs(img.pix[i] - shown[i]) <= 3, "orientation %d: pixel %d is %d, "
                          "expected %d", v, i, img.pix[i], shown[i]);
        pl_image_free(&img);
    }
}
END_TEST

/* ---- bad input ------------------------------------------------------------ */

/* A 64x64 noisy grey image as PNG and as JPEG, for cutting and spoiling. */
static void noisy_files(char *png, char *jpg, size_t len)
{
    enum { S = 64 };
    uint8_t pix[S * S];
    uint64_t r = 5;
    for (int i = 0; i < S * S; i++)
        pix[i] = (uint8_t)tu_rand(&r);
    snprintf(png, len, "%s/noise.png", tmp);
    png_put(png, S, S, PNG_COLOR_TYPE_GRAY, 8, 0, pix, S, NULL, 0, NULL, 0);
    snprintf(jpg, len, "%s/noise.jpg", tmp);
    jpeg_put(jpg, pix, S, S, 1, 90, 0);
}

START_TEST(test_truncated_png)
{
    char png[1024], jpg[1024], cut[1024];
    noisy_files(png, jpg, sizeof png);
    size_t len;
    uint8_t *b = slurp(png, &len);
    const size_t at[] = { 9, 30, len / 2, len - 13 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        tu_write(tmp, "cut.png", b, at[i], cut, sizeof cut);
        expect_bad(cut, "truncated PNG");
    }
    free(b);
}
END_TEST

START_TEST(test_truncated_jpeg)
{
    char png[1024], jpg[1024], cut[1024];
    noisy_files(png, jpg, sizeof png);
    size_t len;
    uint8_t *b = slurp(jpg, &len);
    const size_t at[] = { 4, 100, len / 2, len - 2 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        tu_write(tmp, "cut.jpg", b, at[i], cut, sizeof cut);
        expect_bad(cut, "truncated JPEG");
    }
    free(b);
}
END_TEST

/* A flipped byte in the PNG's image data (its CRC then fails), and a JPEG
 * whose quantization table has a bogus length. */
START_TEST(test_corrupt_bytes)
{
    char png[1024], jpg[1024], bad[1024];
    noisy_files(png, jpg, sizeof png);
    size_t len;
    uint8_t *b = slurp(png, &len);
    b[len / 2] ^= 0x55;
    tu_write(tmp, "bad.png", b, len, bad, sizeof bad);
    expect_bad(bad, "corrupt PNG");
    free(b);
    b = slurp(jpg, &len);
    size_t q = 2;
    while (q + 4 < len && !(b[q] == 0xff && b[q + 1] == 0xdb))
        q++;
    ck_assert_uint_lt(q + 4, len);
    b[q + 2] = 0;
    b[q + 3] = 2;   /* a DQT of no bytes */
    tu_write(tmp, "bad.jpg", b, len, bad, sizeof bad);
    expect_bad(bad, "corrupt JPEG");
    /* garbage in the entropy-coded data: refused or decoded, never a crash */
    free(b);
    b = slurp(jpg, &len);
    uint64_t r = 9;
    for (size_t i = len / 3; i < len - 10; i += 7)
        b[i] = (uint8_t)tu_rand(&r);
    pl_image img;
    pl_error e;
    const int rc = pl_image_decode(b, len, "garbage.jpg", &img, &e);
    ck_assert(rc == PL_OK || rc == PL_EINPUT);
    if (rc == PL_OK)
        pl_image_free(&img);
    free(b);
}
END_TEST

START_TEST(test_neither_format)
{
    char path[1024];
    tu_write(tmp, "gif.png", "GIF89a\x01\x00\x01\x00", 10, path, sizeof path);
    expect_bad(path, "not a PNG or JPEG image (it starts with bytes 47 49 46 38 39 61 01 00)");
    tu_write(tmp, "text.jpg", "7,0,0,0\n", 8, path, sizeof path);
    expect_bad(path, "not a PNG or JPEG image");
    tu_write(tmp, "empty.png", "", 0, path, sizeof path);
    expect_bad(path, "empty file");
    snprintf(path, sizeof path, "%s/missing.png", tmp);
    expect_bad(path, "No such file");
}
END_TEST

/* 0x0 and 1x1: a PNG header saying 0x0, real 1x1 PNG and JPEG files, a JPEG
 * whose frame header says 0 rows; all too small to hold a digit. */
START_TEST(test_too_small)
{
    uint8_t b[128];
    char path[1024];
    size_t n = png_header_only(b, 0, 0);
    tu_write(tmp, "zero.png", b, n, path, sizeof path);
    expect_bad(path, "PNG image is 0x0 pixels: too small to hold a digit");
    uint8_t one[3] = { 0, 0, 0 };
    snprintf(path, sizeof path, "%s/one.png", tmp);
    png_put(path, 1, 1, PNG_COLOR_TYPE_GRAY, 8, 0, one, 1, NULL, 0, NULL, 0);
    expect_bad(path, "PNG image is 1x1 pixels: too small to hold a digit");
    snprintf(path, sizeof path, "%s/one.jpg", tmp);
    jpeg_put(path, one, 1, 1, 3, 90, 0);
    expect_bad(path, "JPEG image is 1x1 pixels: too small to hold a digit");
    size_t len;
    uint8_t *j = slurp(path, &len);
    size_t q = 2;
    while (q + 9 < len && !(j[q] == 0xff && j[q + 1] == 0xc0))
        q++;
    ck_assert_uint_lt(q + 9, len);
    j[q + 5] = 0;
    j[q + 6] = 0;   /* height 0 */
    tu_write(tmp, "zero.jpg", j, len, path, sizeof path);
    expect_bad(path, "too small to hold a digit");
    free(j);
}
END_TEST

/* Headers claiming 100000 x 100000 (PNG, CRCs valid) and 60000 x 60000
 * (JPEG) pixels are refused from the header: nothing that size is allocated
 * (under AddressSanitizer, an attempt would fail the test). */
START_TEST(test_huge_header_refused)
{
    uint8_t b[128];
    char path[1024];
    size_t n = png_header_only(b, 100000, 100000);
    tu_write(tmp, "huge.png", b, n, path, sizeof path);
    expect_bad(path, "PNG image is 100000x100000 pixels: larger than the limit of 50 megapixels");
    char png[1024], jpg[1024];
    noisy_files(png, jpg, sizeof png);
    size_t len;
    uint8_t *j = slurp(jpg, &len);
    size_t q = 2;
    while (q + 9 < len && !(j[q] == 0xff && j[q + 1] == 0xc0))
        q++;
    ck_assert_uint_lt(q + 9, len);
    j[q + 5] = 60000 >> 8;
    j[q + 6] = 60000 & 0xff;
    j[q + 7] = 60000 >> 8;
    j[q + 8] = 60000 & 0xff;
    tu_write(tmp, "huge.jpg", j, len, path, sizeof path);
    expect_bad(path, "JPEG image is 60000x60000 pixels: larger than the limit of 50 megapixels");
    free(j);
}
END_TEST

START_TEST(test_directory_and_fifo)
{
    expect_bad(tmp, "is a directory, not a data file");
    char fifo[1024];
    snprintf(fifo, sizeof fifo, "%s/fifo.png", tmp);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    expect_bad(fifo, "is a pipe (FIFO), not a data file");
}
END_TEST

/* A blank page, unevenly lit and noisy, and a white one: no ink found. */
START_TEST(test_blank_page)
{
    enum { W = 420, H = 300 };
    uint8_t *pix = malloc(W * H);
    uint64_t r = 17;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const double v = 140 + 80.0 * x / W + 20.0 * y / H + tu_uniform(&r, -12, 12);
            pix[y * W + x] = (uint8_t)lrint(v);
        }
    char path[1024];
    snprintf(path, sizeof path, "%s/blank.png", tmp);
    png_put(path, W, H, PNG_COLOR_TYPE_GRAY, 8, 0, pix, W, NULL, 0, NULL, 0);
    pl_image img;
    pl_error e;
    ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
    pl_prep_opts o;
    pl_prep_defaults(&o);
    uint8_t row[PL_PIXELS];
    ck_assert_int_eq(pl_image_to_row(&img, &o, row, NULL, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "no ink found");
    memset(img.pix, 255, (size_t)W * H);
    ck_assert_int_eq(pl_image_to_row(&img, &o, row, NULL, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "no ink found");
    pl_image_free(&img);
    free(pix);
}
END_TEST

/* Options out of range are refused naming the key. */
START_TEST(test_prep_options_checked)
{
    pl_prep_opts o;
    pl_prep_defaults(&o);
    pl_error e;
    ck_assert_int_eq(pl_prep_check(&o, &e), PL_OK);
    o.box = 30;
    ck_assert_int_eq(pl_prep_check(&o, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "preprocess.box = 30: must be in 1..28");
    pl_prep_defaults(&o);
    o.paper_percentile = 101;
    ck_assert_int_eq(pl_prep_check(&o, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "preprocess.paper_percentile");
}
END_TEST

/* ---- photos of MNIST digits ------------------------------------------ */

/* Moves a 28x28 row so that its centre of mass (pixel indices) is exactly at
 * (14, 14), where pl_image_to_row puts it to the nearest pixel, by bilinear
 * interpolation: the measure below compares two rows centred so, without
 * the up-to-one-pixel offset that two roundings could leave between them. */
static void centre(const uint8_t *in, double *out)
{
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < PL_SIDE; y++)
        for (int x = 0; x < PL_SIDE; x++) {
            m += in[y * PL_SIDE + x];
            mx += in[y * PL_SIDE + x] * x;
            my += in[y * PL_SIDE + x] * y;
        }
    const double dx = m > 0 ? 14 - mx / m : 0, dy = m > 0 ? 14 - my / m : 0;
    for (int y = 0; y < PL_SIDE; y++)
        for (int x = 0; x < PL_SIDE; x++) {
            const double u = x - dx, v = y - dy;
            const int x0 = (int)floor(u), y0 = (int)floor(v);
            const double tx = u - x0, ty = v - y0;
            double s = 0;
            for (int j = 0; j <= 1; j++)
                for (int i = 0; i <= 1; i++) {
                    const int X = x0 + i, Y = y0 + j;
                    if (X >= 0 && X < PL_SIDE && Y >= 0 && Y < PL_SIDE)
                        s += (i ? tx : 1 - tx) * (j ? ty : 1 - ty) * in[Y * PL_SIDE + X];
                }
            out[y * PL_SIDE + x] = s;
        }
}

/* Pearson correlation of two rows over their 784 pixels, both centred. */
static double correlation(const uint8_t *a, const uint8_t *b)
{
    double x[PL_PIXELS], y[PL_PIXELS], mx = 0, my = 0;
    centre(a, x);
    centre(b, y);
    for (int i = 0; i < PL_PIXELS; i++) {
        mx += x[i] / PL_PIXELS;
        my += y[i] / PL_PIXELS;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < PL_PIXELS; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* Bilinear sample of a 28x28 digit at (u, v) in pixel units, 0 outside. */
static double digit_at(const uint8_t *d, double u, double v)
{
    u -= 0.5;
    v -= 0.5;
    const int x0 = (int)floor(u), y0 = (int)floor(v);
    const double tx = u - x0, ty = v - y0;
    double s = 0;
    for (int dy = 0; dy <= 1; dy++)
        for (int dx = 0; dx <= 1; dx++) {
            const int x = x0 + dx, y = y0 + dy;
            if (x < 0 || y < 0 || x >= PL_SIDE || y >= PL_SIDE)
                continue;
            s += (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty) * d[y * PL_SIDE + x];
        }
    return s / 255.0;
}

/* A colour photo of digit d: a W x H page (W, H in 360..600) lit by a
 * gradient in a random direction (brightness 150..240 across it), blue-black
 * ink reflecting 12-20 % of the light, the 28-pixel field scaled to a random
 * 0.45..0.75 of the shorter side, placed off-centre, noise of +-10 levels.
 * RGB, row-major, allocated. */
static uint8_t *photo(const uint8_t *d, uint64_t *r, int *pw, int *ph)
{
    const int W = 360 + (int)(tu_rand(r) % 241), H = 360 + (int)(tu_rand(r) % 241);
    const double side = (W < H ? W : H) * tu_uniform(r, 0.45f, 0.75f), k = side / PL_SIDE;
    const double ox = tu_uniform(r, 0, 1) * (W - side), oy = tu_uniform(r, 0, 1) * (H - side);
    const double ang = tu_uniform(r, 0, 6.2832f), gx = cos(ang), gy = sin(ang);
    uint8_t *p = malloc((size_t)W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const double t = ((x - W / 2.0) * gx + (y - H / 2.0) * gy) / (W + H) + 0.5;
            const double light = 150 + 90 * t;
            const double a = digit_at(d, (x + 0.5 - ox) / k, (y + 0.5 - oy) / k);
            static const double paper[3] = { 1.0, 0.97, 0.92 }, ink[3] = { 0.12, 0.12, 0.2 };
            for (int c = 0; c < 3; c++) {
                const double v = light * ((1 - a) * paper[c] + a * ink[c]) +
                                 tu_uniform(r, -10, 10);
                p[((size_t)y * W + x) * 3 + c] = (uint8_t)lrint(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    *pw = W;
    *ph = H;
    return p;
}

/* The photo's pixels stored turned so that EXIF orientation v shows them
 * as the photo (the inverse of shown_at), allocated; *sw, *sh the stored size. */
static uint8_t *stored_for(const uint8_t *p, int W, int H, int v, int *sw, int *sh)
{
    *sw = v >= 5 ? H : W;
    *sh = v >= 5 ? W : H;
    uint8_t *s = malloc((size_t)W * H * 3);
    for (int sy = 0; sy < *sh; sy++)
        for (int sx = 0; sx < *sw; sx++) {
            int dx, dy;
            shown_at(v, *sw, *sh, sx, sy, &dx, &dy);
            memcpy(s + ((size_t)sy * *sw + sx) * 3, p + ((size_t)dy * W + dx) * 3, 3);
        }
    return s;
}

/* A ten-class softmax (L-BFGS, l2, C = 0.05) on the first 8000 rows of the
 * 10k test set; raw keeps all 10000 rows. */
static void train_softmax(pl_raw *raw, pl_run *run)
{
    char dir[PATH_MAX], img[PATH_MAX + 64], lab[PATH_MAX + 64];
    tu_mnist_dir(dir, sizeof dir);
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", dir);
    pl_error e;
    ck_assert_msg(pl_idx_load(img, lab, raw, &e) == PL_OK, "%s", e.msg);
    pl_dataset tr;
    ck_assert_msg(pl_dataset_build(raw, NULL, 8000, 1, &tr, &e) == PL_OK, "%s", e.msg);
    pl_job job = { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES },
                   .h = { .solver = PL_SOLVER_LBFGS, .penalty = PL_PENALTY_L2, .C = 0.05,
                          .tol = 1e-4, .max_iter = 150 } };
    pl_plan plan = { .jobs = &job, .njobs = 1, .iters = { 1 }, .niters = 1 };
    pl_engine *eng;
    ck_assert_int_eq(pl_engine_create(&(pl_engine_opts){ 2, PL_BIND_NONE, 0, PL_WAIT_AUTO }, &eng, &e), PL_OK);
    ck_assert_msg(pl_train(eng, &plan, &tr, NULL, NULL, run, &e) == PL_OK, "%s", e.msg);
    pl_engine_destroy(eng);
    pl_dataset_free(&tr);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * 200 test digits of rows 8000.. that the model classifies correctly from
 * their rows, each photographed twice: as PNG and as JPEG (quality 90) stored
 * turned with an EXIF tag (orientations 1..8 in turn) - 400 photos.  Each
 * read back and preprocessed with the defaults must give a row whose
 * correlation with the original digit (Pearson over the 784 pixels, both rows
 * moved to put their centre of mass exactly at (14, 14): centre()) is at
 * least 0.9, and the model must predict the label for at least 95 % of the
 * photos.
 */
START_TEST(test_photos_of_digits)
{
    pl_raw raw;
    pl_run run;
    train_softmax(&raw, &run);
    const pl_model m = pl_model_of_result(&run.results[0], &run);
    pl_prep_opts o;
    pl_prep_defaults(&o);
    enum { DIGITS = 200 };
    double corr[2 * DIGITS];
    int photos = 0, right = 0;
    uint64_t r = 2024;
    for (size_t q = 8000; q < raw.n && photos < 2 * DIGITS; q++) {
        const uint8_t *d = raw.pix + q * PL_PIXELS;
        double p[PL_CLASSES];
        if (pl_model_predict(&m, d, p) != raw.label[q])
            continue;
        int W, H;
        uint8_t *ph = photo(d, &r, &W, &H);
        for (int fmt = 0; fmt < 2; fmt++) {
            char path[1024];
            const int v = 1 + (photos / 2) % 8;
            if (fmt == 0) {
                snprintf(path, sizeof path, "%s/photo%zu.png", tmp, q);
                png_put(path, W, H, PNG_COLOR_TYPE_RGB, 8, 0, ph, (size_t)W * 3, NULL, 0, NULL,
                        0);
            } else {
                int sw, sh;
                uint8_t *s = stored_for(ph, W, H, v, &sw, &sh);
                snprintf(path, sizeof path, "%s/photo%zu.jpg", tmp, q);
                jpeg_put(path, s, sw, sh, 3, 90, v);
                free(s);
            }
            pl_image img;
            pl_error e;
            ck_assert_msg(pl_image_read(path, &img, &e) == PL_OK, "%s", e.msg);
            ck_assert_int_eq(img.w, W);
            ck_assert_int_eq(img.h, H);
            uint8_t row[PL_PIXELS];
            ck_assert_msg(pl_image_to_row(&img, &o, row, NULL, &e) == PL_OK, "%s: %s", path,
                          e.msg);
            corr[photos] = correlation(row, d);
            ck_assert_msg(corr[photos] >= 0.9, "%s (row %zu, digit %d): correlation %.3f",
                          path, q, raw.label[q], corr[photos]);
            right += pl_model_predict(&m, row, p) == raw.label[q];
            photos++;
            pl_image_free(&img);
            remove(path);
        }
        free(ph);
    }
    ck_assert_int_eq(photos, 2 * DIGITS);
    qsort(corr, (size_t)photos, sizeof *corr, cmp_double);
    fprintf(stderr, "image: %d photos, correlation min %.3f median %.3f, %d right (%.1f %%)\n",
            photos, corr[0], corr[photos / 2], right, 100.0 * right / photos);
    ck_assert_msg(right >= 0.95 * photos, "%d of %d photos predicted right", right, photos);
    pl_run_free(&run);
    pl_raw_free(&raw);
}
END_TEST

/* The steps of one photo: each image is what it should be, the strip is a
 * PNG that reads back at the height asked, written without a leftover
 * temporary file; a 28x28 MNIST row given as an image (light ink on black)
 * comes back close to itself. */
START_TEST(test_steps_and_strip)
{
    char dir[PATH_MAX], img_path[PATH_MAX + 64], lab[PATH_MAX + 64];
    tu_mnist_dir(dir, sizeof dir);
    snprintf(img_path, sizeof img_path, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", dir);
    pl_raw raw;
    pl_error e;
    ck_assert_msg(pl_idx_load(img_path, lab, &raw, &e) == PL_OK, "%s", e.msg);
    uint64_t r = 77;
    int W, H;
    uint8_t *ph = photo(raw.pix, &r, &W, &H);
    pl_image img = { W, H, 3, ph };
    pl_prep_opts o;
    pl_prep_defaults(&o);
    uint8_t row[PL_PIXELS];
    pl_prep_steps s;
    ck_assert_msg(pl_image_to_row(&img, &o, row, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert_ptr_eq(s.original, &img);
    ck_assert(s.inverted);
    ck_assert_int_eq(s.grey.w, W);
    ck_assert_int_eq(s.ink.h, H);
    ck_assert_int_eq(s.cropped.w, s.box_w);
    ck_assert_int_eq(s.cropped.h, s.box_h);
    ck_assert_int_eq(s.row.w, 28);
    ck_assert(memcmp(s.row.pix, row, PL_PIXELS) == 0);
    ck_assert_double_ge(correlation(row, raw.pix), 0.9);
    char path[1024];
    snprintf(path, sizeof path, "%s/steps.png", tmp);
    ck_assert_msg(pl_prep_steps_write(path, &s, 120, &e) == PL_OK, "%s", e.msg);
    ck_assert(tu_no_temp_files(tmp));
    pl_image back;
    ck_assert_msg(pl_image_read(path, &back, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(back.h, 120);
    ck_assert_int_eq(back.channels, 3);
    ck_assert_int_gt(back.w, 4 * 120);
    pl_image_free(&back);
    pl_prep_steps_free(&s);
    /* the same photo at four times the size (16x its pixels) is shrunk to
     * the work size first and comes back as the same digit */
    pl_image big;
    ck_assert_int_eq(pl_image_alloc(&big, 4 * W, 4 * H, 3, &e), PL_OK);
    for (int y = 0; y < 4 * H; y++)
        for (int x = 0; x < 4 * W; x++)
            memcpy(big.pix + ((size_t)y * 4 * W + x) * 3, ph + ((size_t)(y / 4) * W + x / 4) * 3, 3);
    uint8_t row_big[PL_PIXELS];
    ck_assert_msg(pl_image_to_row(&big, &o, row_big, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(s.grey.w > s.grey.h ? s.grey.w : s.grey.h, o.work_side);
    ck_assert_double_ge(correlation(row_big, raw.pix), 0.9);
    ck_assert_double_ge(correlation(row_big, row), 0.95);
    pl_prep_steps_free(&s);
    pl_image_free(&big);
    /* an MNIST row as a 28x28 grey image: not inverted, about itself */
    pl_image d = { 28, 28, 1, raw.pix + 7 * PL_PIXELS };
    ck_assert_msg(pl_image_to_row(&d, &o, row, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert(!s.inverted);
    ck_assert_double_ge(correlation(row, raw.pix + 7 * PL_PIXELS), 0.9);
    pl_prep_steps_free(&s);
    /* a single image written and read back exactly */
    snprintf(path, sizeof path, "%s/row.png", tmp);
    ck_assert_msg(pl_image_write_png(path, &d, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_image_read(path, &back, &e) == PL_OK, "%s", e.msg);
    ck_assert(back.w == 28 && back.h == 28 && back.channels == 1);
    ck_assert(memcmp(back.pix, d.pix, PL_PIXELS) == 0);
    pl_image_free(&back);
    free(ph);
    pl_raw_free(&raw);
}
END_TEST

Suite *suite_image(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_png_every_kind);
    tcase_add_test(tc, test_jpeg_grey_and_colour);
    tcase_add_test(tc, test_exif_all_orientations);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_truncated_png);
    tcase_add_test(bad, test_truncated_jpeg);
    tcase_add_test(bad, test_corrupt_bytes);
    tcase_add_test(bad, test_neither_format);
    tcase_add_test(bad, test_too_small);
    tcase_add_test(bad, test_huge_header_refused);
    tcase_add_test(bad, test_directory_and_fifo);
    tcase_add_test(bad, test_blank_page);
    tcase_add_test(bad, test_prep_options_checked);
    suite_add_tcase(s, bad);
    TCase *ph = tcase_create("photos");
    tcase_add_checked_fixture(ph, setup, teardown);
    tcase_set_timeout(ph, 600);
    tcase_add_test(ph, test_photos_of_digits);
    tcase_add_test(ph, test_steps_and_strip);
    suite_add_tcase(s, ph);
    return s;
}
