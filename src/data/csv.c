/*
 * csv.c - pl_csv_load: MNIST as CSV ("label,p0,...,p783" per line, as Kaggle
 * and OpenML export it) into a pl_raw.
 *
 * The file is streamed one line at a time through the data reader (plain or
 * gzip), and each line is parsed in place by a hand-written integer scanner:
 * no strtol, no locale, one pass per byte.  The pixel and label arrays grow
 * geometrically, so a 60,000-row file costs a few reallocations.  Accepted:
 * CRLF line ends, a last line without '\n', spaces or tabs around cells, a
 * UTF-8 byte-order mark, and a header line (per pl_csv_opts).  Everything else
 * is PL_EINPUT "path:line: ..." naming the column and the offending text.
 * Files without a label column (784 cells, as Kaggle's test.csv) are read for
 * prediction: PL_CSV_LABEL_NONE, or PL_CSV_LABEL_DETECT to let the first data
 * line's cell count decide.  Any image shape: the options' height x width, or
 * a square taken from the first data line (65 cells: 8 x 8 and a label).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/reader.h"
#include "parlogit/dataset.h"

#define CSV_MAX_LINE ((size_t)1 << 20)   /* 785 cells need ~3 KiB; 65,537 need < 1 MiB */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies the cell [a, b) into out (at most outlen - 1 bytes, trimmed, control
 * bytes shown as '?'), for messages. */
static const char *cell_text(const char *a, const char *b, char *out, size_t outlen)
{
    while (a < b && is_blank(*a))
        a++;
    while (b > a && is_blank(b[-1]))
        b--;
    size_t n = 0;
    for (; a < b && n + 4 < outlen; a++)
        out[n++] = (unsigned char)*a < 32 || *a == 127 ? '?' : *a;
    if (a < b) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Whether the first cell of line looks like a number (so line 1 is data). */
static int first_cell_numeric(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    if (p < end && (*p == '+' || *p == '-'))
        p++;
    if (p < end && *p == '.')
        p++;
    return p < end && *p >= '0' && *p <= '9';
}

/* The message for the cell starting at cell (up to a comma or end) that is not
 * an integer, or is empty. */
static int bad_cell(const char *cell, const char *end, const char *path, size_t lineno,
                    int col, pl_error *e)
{
    char text[40];
    const char *stop = memchr(cell, ',', (size_t)(end - cell));
    cell_text(cell, stop ? stop : end, text, sizeof text);
    if (!*text)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: column %d: empty cell (expected an "
                         "integer)", path, lineno, col);
    return pl_errorf(e, PL_EINPUT, "%s:%zu: column %d: '%s' is not an integer", path,
                     lineno, col, text);
}

/* The message for a cell [cell, stop) out of range 0..max (the label's when
 * is_label). */
static int out_of_range(const char *cell, const char *stop, int is_label, unsigned max,
                        const char *path, size_t lineno, int col, pl_error *e)
{
    char text[40];
    cell_text(cell, stop, text, sizeof text);
    return pl_errorf(e, PL_EINPUT, "%s:%zu: column %d: %s %s out of range 0..%u%s", path,
                     lineno, col, is_label ? "label" : "pixel value", text, max,
                     !is_label && max < 255 ? " (data.pixel_max)" : "");
}

/* A line's cell layout: ncells cells, the label in 1-based column label_col
 * (0: none), dim pixels; cells is ncells bytes of scratch. */
typedef struct csv_layout {
    int ncells, label_col;
    size_t dim;
    unsigned pixel_max;
    uint8_t *cells;
} csv_layout;

/*
 * Parses one data line [line, end) of L->ncells cells into pix (L->dim bytes)
 * and *label; L->label_col is the 1-based column of the label, 0 for none
 * (then *label is set to 0).  *end must be a byte that is not a digit, blank
 * or comma (the line's NUL or its '\r'): the scanner uses it as a sentinel
 * instead of checking the bound before every byte.  On error fills e with
 * "path:lineno: ..." and returns PL_EINPUT.
 */
static int parse_row(const char *line, const char *end, const csv_layout *L, uint8_t *pix,
                     uint8_t *label, const char *path, size_t lineno, pl_error *e)
{
    const int ncells = L->ncells, label_col = L->label_col;
    uint8_t *cells = L->cells;
    const char *p = line;
    int n = 0;   /* cells stored */
    for (;;) {
        const char *cell = p;
        if (n == ncells) {
            /* Too many cells: count them all for the message. */
            int found = n + 1;
            for (; p < end; p++)
                found += *p == ',';
            return pl_errorf(e, PL_EINPUT, "%s:%zu: expected %d cells, found %d", path,
                             lineno, ncells, found);
        }
        while (is_blank(*p))
            p++;
        int neg = *p == '-';
        p += neg || *p == '+';
        const char *digits = p;
        unsigned v = 0, d;
        while ((d = (unsigned)(unsigned char)*p - '0') < 10) {
            v = v < 1000 ? v * 10 + d : v;   /* saturate: out of range anyway */
            p++;
        }
        const char *stop = p;
        while (is_blank(*p))
            p++;
        if (p == digits || (*p != ',' && p != end))
            return bad_cell(cell, end, path, lineno, n + 1, e);
        const int is_label = n + 1 == label_col;
        unsigned max = is_label ? 9 : L->pixel_max;
        if (v > max || (neg && v != 0))
            return out_of_range(cell, stop, is_label, max, path, lineno, n + 1, e);
        cells[n++] = (uint8_t)v;
        if (p == end)
            break;
        p++;   /* the ',' */
    }
    if (n < ncells)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: expected %d cells, found %d", path, lineno,
                         ncells, n);
    *label = label_col ? cells[label_col - 1] : 0;
    memcpy(pix, cells + (label_col == 1), L->dim);
    return PL_OK;
}

/* Makes room for one more row of dim pixels in out (geometric growth). */
static int grow(pl_raw *out, size_t dim, size_t *cap, const char *path, size_t lineno,
                pl_error *e)
{
    if (out->n < *cap)
        return PL_OK;
    const size_t max_rows = (size_t)(PL_RAW_MAX_PIXELS / dim);
    if (out->n >= max_rows)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: more than %zu rows (the limit is %llu "
                         "pixels per file)", path, lineno, max_rows,
                         (unsigned long long)PL_RAW_MAX_PIXELS);
    size_t c = *cap ? *cap * 2 : 1024;
    if (c > max_rows)
        c = max_rows;
    uint8_t *pix = realloc(out->pix, c * dim);
    if (pix)
        out->pix = pix;
    uint8_t *lab = pix ? realloc(out->label, c) : NULL;
    if (lab)
        out->label = lab;
    if (!pix || !lab)
        return pl_errorf(e, PL_ENOMEM, "%s:%zu: out of memory for %zu rows", path, lineno,
                         c);
    *cap = c;
    return PL_OK;
}

/* Whether dim is s * s; *side = s. */
static int square(size_t dim, size_t *side)
{
    size_t s = 1;
    while (s * s < dim)
        s++;
    *side = s;
    return s * s == dim;
}

/*
 * Fixes L from the first data line [p, end) (line lineno): the cell count
 * gives the pixel count (less the label, by mode) when the options give no
 * shape, which must then be a square; with a shape the first line's count
 * is checked here (before its cells, so that a file of another shape is told
 * by its count), the others' by parse_row.  DETECT (DETECT_LAST): dim cells
 * (784 with no shape) mean no label, else the label first (last).
 */
static int layout(const char *p, const char *end, int mode, size_t *h, size_t *w,
                  csv_layout *L, const char *path, size_t lineno, pl_error *e)
{
    size_t cells = 1, side;
    for (const char *c = p; c < end; c++)
        cells += *c == ',';
    size_t dim = *h * *w;
    if (mode == PL_CSV_LABEL_DETECT || mode == PL_CSV_LABEL_DETECT_LAST)
        mode = cells == (dim ? dim : PL_PIXELS) ? PL_CSV_LABEL_NONE
               : mode == PL_CSV_LABEL_DETECT    ? PL_CSV_LABEL_FIRST
                                                : PL_CSV_LABEL_LAST;
    const int label = mode != PL_CSV_LABEL_NONE;
    if (dim && cells != dim + (size_t)label)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: expected %zu cells (images of %zu x %zu "
                         "pixels%s), found %zu", path, lineno, dim + (size_t)label, *h, *w,
                         label ? " and a label" : "", cells);
    if (!dim) {
        dim = mode == PL_CSV_LABEL_NONE || cells < 2 ? cells : cells - 1;
        if (dim > PL_MAX_DIM)
            return pl_errorf(e, PL_EINPUT, "%s:%zu: %zu cells: images of at most %d pixels "
                             "are read", path, lineno, cells, PL_MAX_DIM);
        if (!square(dim, &side))
            return pl_errorf(e, PL_EINPUT, "%s:%zu: %zu cells, so %zu pixels%s: not a square "
                             "image; set data.shape = HEIGHTxWIDTH", path, lineno, cells, dim,
                             mode == PL_CSV_LABEL_NONE ? "" : " and a label");
        *h = *w = side;
    }
    L->dim = dim;
    L->label_col = mode == PL_CSV_LABEL_LAST ? (int)dim + 1 : mode == PL_CSV_LABEL_NONE ? 0 : 1;
    L->ncells = (int)dim + (L->label_col != 0);
    L->cells = malloc((size_t)L->ncells);
    if (!L->cells)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
    return PL_OK;
}

int pl_csv_load(const char *path, const pl_csv_opts *o, pl_raw *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    const int mode = o ? o->label : PL_CSV_LABEL_FIRST;
    const int header = o ? o->header : PL_CSV_HEADER_AUTO;
    size_t h = o ? o->height : 0, w = o ? o->width : 0;
    if (!h || !w || h * w > PL_MAX_DIM)
        h = w = 0;
    csv_layout L = { .pixel_max = o && o->pixel_max ? o->pixel_max : PL_PIXEL_MAX };
    if (L.pixel_max > 255)
        L.pixel_max = 255;
    pl_reader r;
    int rc = pl_reader_open(&r, path, e);
    if (rc != PL_OK)
        return rc;
    char *line = NULL;
    size_t linecap = 0, len = 0, cap = 0, lineno = 0;
    int skipped = 0;
    for (;;) {
        int st = pl_reader_line(&r, &line, &linecap, &len, CSV_MAX_LINE, lineno + 1, e);
        if (st == PL_READ_EOF)
            break;
        if (st != PL_READ_OK) {
            rc = r.err;
            goto fail;
        }
        lineno++;
        const char *p = line, *end = line + len;
        if (end > p && end[-1] == '\r')
            end--;
        if (lineno == 1) {
            if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3;   /* UTF-8 byte-order mark */
            if (header == PL_CSV_HEADER_YES ||
                (header == PL_CSV_HEADER_AUTO && p < end && !first_cell_numeric(p, end))) {
                skipped = 1;
                continue;
            }
        }
        const char *q = p;
        while (q < end && is_blank(*q))
            q++;
        if (q == end) {
            if (L.cells)
                rc = pl_errorf(e, PL_EINPUT, "%s:%zu: blank line (expected %d cells)", path,
                               lineno, L.ncells);
            else
                rc = pl_errorf(e, PL_EINPUT, "%s:%zu: blank line (expected a row of cells)",
                               path, lineno);
            goto fail;
        }
        if (!L.cells && (rc = layout(p, end, mode, &h, &w, &L, path, lineno, e)) != PL_OK)
            goto fail;
        if ((rc = grow(out, L.dim, &cap, path, lineno, e)) != PL_OK ||
            (rc = parse_row(p, end, &L, out->pix + out->n * L.dim, out->label + out->n, path,
                            lineno, e)) != PL_OK)
            goto fail;
        out->n++;
    }
    if (out->n == 0) {
        rc = pl_errorf(e, PL_EINPUT, "%s: no data rows (%s)", path,
                       skipped ? "only a header line" : "empty file");
        goto fail;
    }
    /* Give back the unused tail of the geometric growth. */
    uint8_t *pix = realloc(out->pix, out->n * L.dim);
    if (pix)
        out->pix = pix;
    uint8_t *lab = realloc(out->label, out->n);
    if (lab)
        out->label = lab;
    out->height = h;
    out->width = w;
    out->dim = L.dim;
    out->pixel_max = L.pixel_max;
    out->unlabelled = L.label_col == 0;
    free(L.cells);
    free(line);
    pl_reader_close(&r);
    return PL_OK;
fail:
    free(L.cells);
    free(line);
    pl_reader_close(&r);
    pl_raw_free(out);
    return rc;
}
