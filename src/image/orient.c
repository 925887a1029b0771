/*
 * orient.c - EXIF orientation: reading the tag (libexif) and showing the
 * pixels the way it says.
 *
 * A camera stores the sensor's rows as they came and records in tag 0x0112
 * how a viewer must turn them; the value names where the stored first row and
 * first column end up (1 top/left: as stored, 2 top/right, 3 bottom/right,
 * 4 bottom/left, 5 left/top, 6 right/top, 7 right/bottom, 8 left/bottom).
 * pl_image_orient maps every displayed pixel (x, y) to the stored pixel it
 * shows, one formula per value.
 */
#include <libexif/exif-data.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_impl.h"

int pl_exif_orientation(const uint8_t *app1, size_t len)
{
    static const uint8_t hdr[6] = { 'E', 'x', 'i', 'f', 0, 0 };
    if (len < 6 + 8 || memcmp(app1, hdr, 6) != 0 || len > 0xffff)
        return 1;
    ExifData *ed = exif_data_new();
    if (!ed)
        return 1;
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);   /* read, never fix */
    exif_data_load_data(ed, app1, (unsigned int)len);
    int v = 1;
    ExifEntry *en = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (en && en->format == EXIF_FORMAT_SHORT && en->components >= 1 && en->data &&
        en->size >= 2) {
        const int s = exif_get_short(en->data, exif_data_get_byte_order(ed));
        if (s >= 1 && s <= 8)
            v = s;
    }
    exif_data_unref(ed);
    return v;
}

int pl_image_orient(pl_image *img, int v, pl_error *e)
{
    if (v <= 1 || v > 8)
        return PL_OK;
    const int w = img->w, h = img->h, ch = img->channels;
    const int swap = v >= 5;
    const int W = swap ? h : w, H = swap ? w : h;
    uint8_t *out = malloc((size_t)W * (size_t)H * (size_t)ch);
    if (!out)
        return pl_errorf(e, PL_ENOMEM, "out of memory turning a %dx%d image", w, h);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sx, sy;
            switch (v) {
            case 2: sx = w - 1 - x; sy = y; break;
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;
            case 4: sx = x; sy = h - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = h - 1 - x; break;
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;
            default: sx = w - 1 - y; sy = x; break;   /* 8 */
            }
            memcpy(out + ((size_t)y * W + x) * ch, img->pix + ((size_t)sy * w + sx) * ch,
                   (size_t)ch);
        }
    free(img->pix);
    img->pix = out;
    img->w = W;
    img->h = H;
    return PL_OK;
}
