/*
 * decode_jpeg.c - JPEG bytes to an 8-bit image through libjpeg(-turbo), with
 * the EXIF orientation applied.
 *
 * libjpeg's error manager is replaced: error_exit formats the message into
 * the decoder's context and longjmps back; emit_message turns every warning
 * into an error, so corrupt data that libjpeg would quietly patch over (a
 * premature end of data becomes grey rows, a bad Huffman code a smear) is
 * refused instead; nothing is printed.  What must be freed after the longjmp
 * lives in the context.  The header is read (with the APP1 markers kept for
 * EXIF) and its size checked before decompression allocates anything sized
 * by the image.  Grey stays grey, YCbCr becomes RGB, CMYK and YCCK (Adobe
 * JPEGs store them inverted) become RGB here.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "image/image_impl.h"

typedef struct jpeg_ctx {
    struct jpeg_error_mgr mgr;   /* first: libjpeg passes &mgr, we cast back */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    int code;                    /* libjpeg's message code                   */
    uint8_t *pix;                /* freed on error                           */
    uint8_t *line;
} jpeg_ctx;

static void on_error(j_common_ptr cinfo)
{
    jpeg_ctx *c = (jpeg_ctx *)cinfo->err;
    c->code = c->mgr.msg_code;
    c->mgr.format_message(cinfo, c->msg);
    longjmp(c->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    if (level < 0)           /* a warning: corrupt data */
        on_error(cinfo);
}

int pl_jpeg_decode(const uint8_t *data, size_t len, const char *name, pl_image *img,
                   pl_error *e)
{
    memset(img, 0, sizeof *img);
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    jpeg_ctx c;
    memset(&c, 0, sizeof c);
    cinfo.err = jpeg_std_error(&c.mgr);
    c.mgr.error_exit = on_error;
    c.mgr.emit_message = on_message;
    int rc = PL_OK;
    if (setjmp(c.jump)) {
        if (c.code == JWRN_JPEG_EOF || c.code == JERR_INPUT_EOF)
            rc = pl_errorf(e, PL_EINPUT, "%s: truncated JPEG: the file ends after %zu bytes, "
                           "before the image is complete", name, len);
        else if (c.code == JERR_EMPTY_IMAGE)
            rc = pl_errorf(e, PL_EINPUT, "%s: JPEG image has no pixels (0 rows or columns): "
                           "too small to hold a digit", name);
        else if (c.code == JERR_OUT_OF_MEMORY)
            rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory decoding the JPEG", name);
        else
            rc = pl_errorf(e, PL_EINPUT, "%s: corrupt JPEG: %s", name, c.msg);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
    (void)jpeg_read_header(&cinfo, TRUE);
    if ((rc = pl_image_check_size(name, "JPEG", cinfo.image_width, cinfo.image_height, e)))
        goto done;
    int orientation = 1;
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && orientation == 1)
            orientation = pl_exif_orientation(m->data, m->data_length);
    const int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    const int grey = cinfo.num_components == 1;
    cinfo.out_color_space = grey ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
    (void)jpeg_start_decompress(&cinfo);
    const int w = (int)cinfo.output_width, h = (int)cinfo.output_height;
    const int in_ch = cinfo.output_components, ch = grey ? 1 : 3;
    c.pix = malloc((size_t)w * (size_t)h * (size_t)ch);
    c.line = malloc((size_t)w * (size_t)in_ch);
    if (!c.pix || !c.line) {
        rc = pl_errorf(e, PL_ENOMEM, "%s: out of memory for a %dx%d image", name, w, h);
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *out = c.pix + (size_t)cinfo.output_scanline * (size_t)w * (size_t)ch;
        JSAMPROW r = c.line;
        (void)jpeg_read_scanlines(&cinfo, &r, 1);
        if (!cmyk) {
            memcpy(out, c.line, (size_t)w * (size_t)ch);
            continue;
        }
        for (int x = 0; x < w; x++) {   /* inverted CMYK: R = C K / 255 */
            const uint8_t *p = c.line + 4 * x;
            for (int k = 0; k < 3; k++)
                out[3 * x + k] = (uint8_t)((p[k] * p[3] + 127) / 255);
        }
    }
    (void)jpeg_finish_decompress(&cinfo);
    img->w = w;
    img->h = h;
    img->channels = ch;
    img->pix = c.pix;
    c.pix = NULL;
    if ((rc = pl_image_orient(img, orientation, e)) != PL_OK)
        pl_image_free(img);
done:
    jpeg_destroy_decompress(&cinfo);
    free(c.pix);
    free(c.line);
    return rc;
}
