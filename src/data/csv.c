/*
 * csv.c - pl_csv_load: MNIST as CSV ("label,p0,...,p783" per line, as Kaggle
 * and OpenML export it) into a pl_raw.
 *
 * The file is streamed one line at a time through the zlib reader (plain or
 * gzip), and each line is parsed in place by a hand-written integer scanner:
 * no strtol, no locale, one pass per byte.  The pixel and label arrays grow
 * geometrically, so a 60,000-row file costs a few reallocations.  Accepted:
 * CRLF line ends, a last line without '\n', spaces or tabs around cells, a
 * UTF-8 byte-order mark, and a header line (per pl_csv_opts).  Everything else
 * is PL_EINPUT "path:line: ..." naming the column and the offending text.
 * Files without a label column (784 cells, as Kaggle's test.csv) are read for
 * prediction: PL_CSV_LABEL_NONE, or PL_CSV_LABEL_DETECT to let the first data
 * line's cell count decide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/reader.h"
#include "parlogit/dataset.h"

#define CSV_CELLS (PL_PIXELS + 1)   /* the most cells a line may have */
#define CSV_MAX_LINE ((size_t)1 << 20)   /* 785 cells need ~3 KiB: longer is not MNIST */
#define CSV_MAX_ROWS ((size_t)(PL_RAW_MAX_PIXELS / PL_PIXELS))

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

/* The message for a cell [cell, stop) out of range (max 9 for the label). */
static int out_of_range(const char *cell, const char *stop, unsigned max, const char *path,
                        size_t lineno, int col, pl_error *e)
{
    char text[40];
    cell_text(cell, stop, text, sizeof text);
    return pl_errorf(e, PL_EINPUT, "%s:%zu: column %d: %s %s out of range 0..%u", path,
                     lineno, col, max == 9 ? "label" : "pixel value", text, max);
}

/*
 * Parses one data line [line, end) of ncells cells into pix (PL_PIXELS bytes)
 * and *label; label_col is the 1-based column of the label, 0 for none (then
 * ncells = PL_PIXELS and *label is set to 0).  *end must be a byte that is
 * not a digit, blank or comma (the line's NUL or its '\r'): the scanner uses it
 * as a sentinel instead of checking the bound before every byte.  On error
 * fills e with "path:lineno: ..." and returns PL_EINPUT.
 */
static int parse_row(const char *line, const char *end, int ncells, int label_col,
                     uint8_t *pix, uint8_t *label, const char *path, size_t lineno,
                     pl_error *e)
{
    uint8_t cells[CSV_CELLS];
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
        unsigned max = n + 1 == label_col ? 9 : 255;
        if (v > max || (neg && v != 0))
            return out_of_range(cell, stop, max, path, lineno, n + 1, e);
        cells[n++] = (uint8_t)v;
        if (p == end)
            break;
        p++;   /* the ',' */
    }
    if (n < ncells)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: expected %d cells, found %d", path, lineno,
                         ncells, n);
    *label = label_col ? cells[label_col - 1] : 0;
    memcpy(pix, cells + (label_col == 1), PL_PIXELS);
    return PL_OK;
}

/* Makes room for one more row in out (geometric growth). */
static int grow(pl_raw *out, size_t *cap, const char *path, size_t lineno, pl_error *e)
{
    if (out->n < *cap)
        return PL_OK;
    if (out->n >= CSV_MAX_ROWS)
        return pl_errorf(e, PL_EINPUT, "%s:%zu: more than %zu rows (the limit is %llu "
                         "pixels per file)", path, lineno, CSV_MAX_ROWS,
                         (unsigned long long)PL_RAW_MAX_PIXELS);
    size_t c = *cap ? *cap * 2 : 1024;
    if (c > CSV_MAX_ROWS)
        c = CSV_MAX_ROWS;
    uint8_t *pix = realloc(out->pix, c * PL_PIXELS);
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

int pl_csv_load(const char *path, const pl_csv_opts *o, pl_raw *out, pl_error *e)
{
    memset(out, 0, sizeof *out);
    int mode = o ? o->label : PL_CSV_LABEL_FIRST;
    int label_col = mode == PL_CSV_LABEL_LAST ? CSV_CELLS : mode == PL_CSV_LABEL_NONE ? 0 : 1;
    int ncells = label_col ? CSV_CELLS : PL_PIXELS;
    int header = o ? o->header : PL_CSV_HEADER_AUTO;
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
            rc = pl_errorf(e, PL_EINPUT, "%s:%zu: blank line (expected %d cells)", path,
                           lineno, ncells);
            goto fail;
        }
        if (mode == PL_CSV_LABEL_DETECT && out->n == 0) {
            /* the first data line decides: pixels only, or a label first */
            size_t commas = 0;
            for (const char *c = p; c < end; c++)
                commas += *c == ',';
            label_col = commas + 1 == PL_PIXELS ? 0 : 1;
            ncells = label_col ? CSV_CELLS : PL_PIXELS;
            out->unlabelled = !label_col;
        }
        if ((rc = grow(out, &cap, path, lineno, e)) != PL_OK ||
            (rc = parse_row(p, end, ncells, label_col, out->pix + out->n * PL_PIXELS,
                            out->label + out->n, path, lineno, e)) != PL_OK)
            goto fail;
        out->n++;
    }
    if (out->n == 0) {
        rc = pl_errorf(e, PL_EINPUT, "%s: no data rows (%s)", path,
                       skipped ? "only a header line" : "empty file");
        goto fail;
    }
    /* Give back the unused tail of the geometric growth. */
    uint8_t *pix = realloc(out->pix, out->n * PL_PIXELS);
    if (pix)
        out->pix = pix;
    uint8_t *lab = realloc(out->label, out->n);
    if (lab)
        out->label = lab;
    out->height = out->width = PL_SIDE;
    out->dim = PL_PIXELS;
    out->unlabelled = mode == PL_CSV_LABEL_NONE || (mode == PL_CSV_LABEL_DETECT && !label_col);
    free(line);
    pl_reader_close(&r);
    return PL_OK;
fail:
    free(line);
    pl_reader_close(&r);
    pl_raw_free(out);
    return rc;
}
