/*
 * image_impl.h - what the files of src/image/ share: the two decoders over a
 * memory buffer, the EXIF orientation, and the one resampler used to shrink,
 * enlarge and draw.  Private to src/image/.
 */
#ifndef PARLOGIT_IMAGE_IMPL_H
#define PARLOGIT_IMAGE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/error.h"
#include "parlogit/image.h"

/* Checks a header's size before anything is allocated: PL_EINPUT "name:
 * image is W x H pixels: ..." when a side is below PL_IMAGE_MIN_SIDE or the
 * pixels exceed PL_IMAGE_MAX_PIXELS.  what is "PNG" or "JPEG".  read.c. */
int pl_image_check_size(const char *name, const char *what, uint64_t w, uint64_t h,
                        pl_error *e);

/* PNG bytes (the signature checked by the caller) into *img; decode_png.c. */
int pl_png_decode(const uint8_t *data, size_t len, const char *name, pl_image *img,
                  pl_error *e);

/* JPEG bytes (starting FF D8 FF) into *img, EXIF orientation applied;
 * decode_jpeg.c. */
int pl_jpeg_decode(const uint8_t *data, size_t len, const char *name, pl_image *img,
                   pl_error *e);

/* The EXIF orientation (1..8) of an APP1 payload ("Exif\0\0" + TIFF), or 1
 * when it has none or it is out of range; never fails.  orient.c. */
int pl_exif_orientation(const uint8_t *app1, size_t len);

/* Replaces *img by itself shown as EXIF orientation v says (1: as stored;
 * 2 mirrored; 3 turned 180; 4 flipped; 5 transposed; 6 turned 90 clockwise;
 * 7 transversed; 8 turned 90 anticlockwise).  PL_ENOMEM (img unchanged).
 * orient.c. */
int pl_image_orient(pl_image *img, int v, pl_error *e);

/* Resampling modes for an axis that grows (shrinking is always by area). */
enum pl_grow { PL_GROW_LINEAR = 0, PL_GROW_NEAREST = 1 };

/* Resamples a float plane src (sw x sh) into dst (dw x dh, all >= 1): by
 * area averaging along an axis that shrinks, by `grow` along one that grows;
 * separable.  PL_ENOMEM.  resample.c. */
int pl_resample(const float *src, int sw, int sh, float *dst, int dw, int dh, int grow,
                pl_error *e);

#endif
