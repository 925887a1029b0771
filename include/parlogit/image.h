/*
 * image.h - photos and image files of a digit: decoding PNG and JPEG, and
 * turning a picture into an MNIST row the way MNIST's own rows were made.
 *
 * Decoding (pl_image_read, pl_image_decode) gives 8-bit pixels whatever the
 * file held: grey, grey + alpha, RGB or RGBA; PNG of any bit depth (16-bit
 * scaled, palettes and sub-byte grey expanded, tRNS made alpha, interlaced
 * or not) through libpng; baseline or progressive JPEG (grey, YCbCr, CMYK)
 * through libjpeg, with its EXIF orientation (libexif, all eight values)
 * applied, so the pixels are as a viewer shows them.  The format comes from
 * the first bytes, never from the name.  Every bad input is PL_EINPUT with a
 * message "NAME: what is wrong": truncated or corrupt data, neither format,
 * an image smaller than PL_IMAGE_MIN_SIDE or larger than PL_IMAGE_MAX_PIXELS
 * (refused from the header, before any pixel is allocated).  The decoders
 * never print; libpng's and libjpeg's errors are caught and their buffers
 * freed.
 *
 * Preprocessing (pl_image_to_row) follows MNIST's authors: "normalized to fit
 * in a 20x20 pixel box while preserving their aspect ratio ... centered in a
 * 28x28 image by computing the center of mass of the pixels, and translating
 * the image so as to position this point at the center."  Before that it
 * finds the digit on a photographed page:
 *   1. grey by luma (Rec. 601: 0.299 R + 0.587 G + 0.114 B), transparent
 *      pixels laid over paper of grey alpha_paper; shrunk (area average) so
 *      that its longer side is at most work_side;
 *   2. ink high: inverted when the ink is darker than the paper (invert auto
 *      compares how far the darkest and the brightest 0.5 % lie from the
 *      median, which is paper);
 *   3. the paper's uneven lighting removed: a paper level per cell of a
 *      shading_cells grid (the paper_percentile of the cell's pixels, each
 *      cell then replaced by the median of its 3x3 neighbours so that a cell
 *      full of ink does not count as paper), interpolated bilinearly between
 *      cell centres, and taken out of every pixel: divided for dark ink on
 *      lit paper (the light falls on ink and paper alike), subtracted for
 *      light ink;
 *   4. noise: a box blur of blur_radius, then the ink threshold (Otsu's, or
 *      fixed); a page whose ink does not stand min_contrast above the paper
 *      is blank ("no ink found"); connected ink parts smaller than min_blob of
 *      all ink are specks and dropped; the ink's ink_percentile level becomes
 *      255; the kept ink grows into the touching pixels above edge_fraction of
 *      the threshold (hysteresis), so that its soft edges stay, as MNIST's
 *      antialiased edges are part of its 20-pixel box (the "ink" step: 0..255,
 *      ink high, zero off the ink);
 *   5. cropped to the ink's bounding box ("cropped");
 *   6. scaled to fit a box x box square keeping its aspect ratio, by area
 *      averaging when shrinking (antialiased) and bilinearly when enlarging;
 *   7. placed in the field x field row, moved by whole pixels so that its
 *      centre of mass lies at (field/2, field/2) in pixel indices, where MNIST's
 *      lie (mean 14.0, 14.0 over its 10k test digits); what would fall outside
 *      is clipped.
 * The row is uint8 0..255 with ink high, row-major, as MNIST's.
 */
#ifndef PARLOGIT_IMAGE_H
#define PARLOGIT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/error.h"

/* The largest image accepted: 50 megapixels (a phone's 48 MP photo fits;
 * 100000 x 100000 does not), judged from the header before decoding. */
#define PL_IMAGE_MAX_PIXELS 50000000u
/* The smallest side accepted: fewer pixels cannot hold a legible digit. */
#define PL_IMAGE_MIN_SIDE 8
/* The largest file pl_image_read reads (256 MiB). */
#define PL_IMAGE_MAX_FILE ((size_t)256 << 20)

/* An 8-bit image: h rows of w pixels of `channels` bytes (1 grey, 2 grey +
 * alpha, 3 RGB, 4 RGBA), row-major, no padding.  Owns pix (pl_image_free). */
typedef struct pl_image {
    int w, h;
    int channels;
    uint8_t *pix;             /* h * w * channels bytes */
} pl_image;

/* A zeroed image of w x h x channels (pixels 0); PL_ENOMEM. */
int pl_image_alloc(pl_image *img, int w, int h, int channels, pl_error *e);

/* Frees the pixels and zeroes *img; safe on a zeroed image. */
void pl_image_free(pl_image *img);

/*
 * Reads the PNG or JPEG file at path into *img (see the top of this file).
 * Only regular files: a directory, device or FIFO is PL_EINPUT at once (a FIFO
 * is never waited on).  PL_EINPUT also for a missing file and every bad
 * image, the message starting "path: "; PL_EIO when reading fails; PL_ENOMEM.
 * On error *img owns nothing.
 */
int pl_image_read(const char *path, pl_image *img, pl_error *e);

/*
 * Decodes len bytes of a PNG or JPEG file held in memory; name is only for
 * messages.  The same checks and results as pl_image_read (which reads the
 * file and calls this); any bytes are safe to pass (the fuzzing entry point).
 */
int pl_image_decode(const void *data, size_t len, const char *name, pl_image *img,
                    pl_error *e);

/* How the "ink is darker than the paper" question is settled. */
enum pl_invert { PL_INVERT_AUTO = 0, PL_INVERT_YES = 1, PL_INVERT_NO = 2 };
/* How the paper's estimated level is taken out of each pixel. */
enum pl_shading { PL_SHADING_AUTO = 0, PL_SHADING_NONE = 1, PL_SHADING_SUBTRACT = 2,
                  PL_SHADING_DIVIDE = 3 };
/* How ink is told from paper. */
enum pl_threshold { PL_THRESHOLD_OTSU = 0, PL_THRESHOLD_FIXED = 1 };

/* Every parameter of the preprocessing (config section [preprocess]); the
 * defaults are pl_prep_defaults'.  Grey levels are on the 0..255 scale. */
typedef struct pl_prep_opts {
    int alpha_paper;          /* 255: the grey that transparent pixels show (0..255)  */
    int work_side;            /* 1000: the grey image is shrunk so that its longer
                                 side is at most this (>= 28; 0: never shrunk)        */
    int invert;               /* enum pl_invert, auto: invert when the ink is darker  */
    int shading;              /* enum pl_shading, auto: divide for dark ink, subtract
                                 for light ink                                        */
    int shading_cells;        /* 6: paper-level cells across the shorter side (1..64);
                                 more follow finer shading, too many mistake thick
                                 strokes for paper                                     */
    double paper_percentile;  /* 50: the percentile of a cell's ink-high pixels taken
                                 as its paper level (0..100)                           */
    int blur_radius;          /* 1: box blur radius in work pixels before the threshold
                                 (0..10; 0: none)                                      */
    int threshold;            /* enum pl_threshold, otsu                              */
    int threshold_level;      /* 128: the fixed threshold on the ink scale (1..254)   */
    double min_contrast;      /* 32: the ink's mean must stand this far above the
                                 paper's (grey levels), else the page is blank        */
    double min_blob;          /* 0.02: connected ink parts below this share of all the
                                 ink's pixels are noise, dropped (0..1; 0: keep all)  */
    double edge_fraction;     /* 0.25: the ink then grows into the touching pixels
                                 above this fraction of the threshold, so strokes keep
                                 their soft edges (0..1; 1: a hard edge)               */
    double ink_percentile;    /* 90: this percentile of the ink's levels becomes 255
                                 (0..100; 100: the brightest)                         */
    int box;                  /* 20: the digit is scaled to fit box x box (1..field)  */
    int field;                /* 28: the row is field x field pixels (>= box)          */
} pl_prep_opts;

/* Fills *o with the defaults above. */
void pl_prep_defaults(pl_prep_opts *o);

/* Checks every field of *o against its range; PL_EINPUT naming the field
 * ("preprocess.box = 0: must be in 1..28"). */
int pl_prep_check(const pl_prep_opts *o, pl_error *e);

/* pl_prep_check that also says which field was wrong: on PL_EINPUT *field
 * (when field is not NULL) is its name, the key of [preprocess] ("box"), a
 * static string; NULL on PL_OK.  The message is pl_prep_check's. */
int pl_prep_check_field(const pl_prep_opts *o, const char **field, pl_error *e);

/* The intermediate images of pl_image_to_row, for drawing the steps.  All
 * grey (channels 1) and owned except original, which borrows the input. */
typedef struct pl_prep_steps {
    const pl_image *original; /* the input as given (borrowed)                    */
    pl_image grey;            /* luma, at work size                               */
    pl_image ink;             /* ink high, shading removed, specks dropped        */
    pl_image cropped;         /* ink cut to its bounding box                      */
    pl_image row;             /* field x field: the row                           */
    int inverted;             /* 1 when the page was inverted (dark ink)          */
    int box_x, box_y, box_w, box_h;  /* the bounding box in the ink image        */
    double threshold;         /* the ink threshold used (0..255, ink scale)       */
} pl_prep_steps;

/* Frees the owned images and zeroes *s; safe on a zeroed struct. */
void pl_prep_steps_free(pl_prep_steps *s);

/*
 * Turns img (any channels, any size from decoding) into one MNIST row of
 * o->field * o->field bytes written to row (see the top of this file).
 * steps may be NULL; otherwise it receives the intermediate images (free with
 * pl_prep_steps_free, also after an error: it holds what was made so far).
 * Errors: PL_EINPUT for bad options (pl_prep_check), an image smaller than
 * PL_IMAGE_MIN_SIDE, and a blank page ("no ink found: ..."); PL_ENOMEM.
 * Messages do not name a file: the caller prefixes its name.
 */
int pl_image_to_row(const pl_image *img, const pl_prep_opts *o, uint8_t *row,
                    pl_prep_steps *steps, pl_error *e);

/* Writes img as an 8-bit PNG (grey, grey + alpha, RGB or RGBA as it is),
 * atomically (a temporary file renamed over path).  PL_EIO naming path. */
int pl_image_write_png(const char *path, const pl_image *img, pl_error *e);

/*
 * Writes n images side by side as one PNG, atomically: each scaled to height
 * rows keeping its aspect ratio (area average when shrinking, nearest pixel
 * when enlarging, so a 28x28 row shows its pixels), alpha laid over white,
 * gap columns of mid grey between them.  RGB when any image has colour, grey
 * otherwise.  Images with no pixels are skipped.  PL_EINPUT for height < 1 or
 * a strip wider than PL_IMAGE_MAX_PIXELS allows; PL_EIO; PL_ENOMEM.
 */
int pl_image_write_strip(const char *path, const pl_image *const *imgs, int n, int height,
                         int gap, pl_error *e);

/* The strip original -> grey -> ink -> cropped -> row of s (the steps made). */
int pl_prep_steps_write(const char *path, const pl_prep_steps *s, int height, pl_error *e);

#endif
