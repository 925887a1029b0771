/*
 * fuzz_image.c - the photo path of `parlogit predict`: pl_image_decode (PNG
 * through libpng, JPEG through libjpeg-turbo with its EXIF orientation by
 * libexif), then, for an image that decodes, pl_image_to_row (the MNIST
 * preprocessing) with the default parameters.  The input is the file itself.
 */
#include "fuzz.h"
#include "parlogit/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_image img;
    pl_error e;
    int rc = pl_image_decode(data, size, "fuzz", &img, &e);
    fz_check(rc, &e);
    if (rc)
        return 0;
    if (img.w > 0 && img.h > 0)   /* the whole image is there: ASan checks */
        img.pix[(size_t)img.w * (size_t)img.h * (size_t)img.channels - 1] ^= 0;
    pl_prep_opts o;
    pl_prep_defaults(&o);
    uint8_t row[28 * 28];
    pl_prep_steps steps = { 0 };
    rc = pl_image_to_row(&img, &o, row, &steps, &e);
    fz_check(rc, &e);
    pl_prep_steps_free(&steps);
    pl_image_free(&img);
    return 0;
}
