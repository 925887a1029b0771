/*
 * check_csv.c - pl_csv_load: label first and last, headers (auto, yes, no),
 * CRLF, a last line without newline, spaces around cells, gzip, growth over
 * many rows, and every malformed case with its "path:line: column C" message.
 *
 * Rows are generated: in row r, the pixel of column c is (r + 3 * c) % 256 and
 * the label is r % 10, so any mix-up of columns or rows shows.
 */
#include <check.h>
#include <stdarg.h>
#include <string.h>
#include <zlib.h>

#include "parlogit/dataset.h"
#include "testutil.h"

#define CELLS (PL_PIXELS + 1)

static char dir[4096];

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* A growing text buffer. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

__attribute__((format(printf, 2, 3)))
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
}

static int pixel_of(size_t row, int p)
{
    return (int)((row + 3 * (size_t)p) % 256);
}

/* Appends data row `row` with ncells cells: label r % 10 first or last, pixels
 * as above; column `col` (1-based, 0 for none) is replaced by text `cell`. */
static void add_row(sbuf *b, size_t row, int label_last, int ncells, int col,
                    const char *cell, const char *eol)
{
    int label_col = label_last ? CELLS : 1;
    for (int c = 1; c <= ncells; c++) {
        if (c > 1)
            sb_printf(b, ",");
        if (c == col)
            sb_printf(b, "%s", cell);
        else if (c == label_col)
            sb_printf(b, "%zu", row % 10);
        else
            sb_printf(b, "%d", pixel_of(row, c - 1 - (c > label_col)));
    }
    sb_printf(b, "%s", eol);
}

/* n good rows, label first, "\n" ends. */
static sbuf good_rows(size_t n)
{
    sbuf b = {0};
    for (size_t r = 0; r < n; r++)
        add_row(&b, r, 0, CELLS, 0, NULL, "\n");
    return b;
}

static void write_text(const char *name, const sbuf *b, char *path)
{
    tu_write(dir, name, b->s ? b->s : "", b->n, path, 4200);
}

static void check_rows(const pl_raw *r, size_t n)
{
    ck_assert_uint_eq(r->n, n);
    ck_assert_uint_eq(r->height, 28);
    ck_assert_uint_eq(r->width, 28);
    ck_assert_uint_eq(r->dim, PL_PIXELS);
    /* Count mismatches, then assert once: each ck_assert is a message to the
     * runner, too slow for millions of pixels. */
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad += r->label[i] != i % 10;
        for (int p = 0; p < PL_PIXELS; p++)
            bad += r->pix[i * PL_PIXELS + (size_t)p] != pixel_of(i, p);
    }
    ck_assert_uint_eq(bad, 0);
}

static const pl_csv_opts FIRST = { .label = PL_CSV_LABEL_FIRST, .header = PL_CSV_HEADER_AUTO };

/* Loads path expecting PL_EINPUT with a message starting "path" + at and
 * containing s (may be NULL); checks *out stays empty. */
static void load_fails(const char *path, const pl_csv_opts *o, const char *at,
                       const char *s)
{
    pl_raw r;
    memset(&r, 0xab, sizeof r);
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, o, &r, &e), PL_EINPUT);
    char head[4400];
    snprintf(head, sizeof head, "%s%s", path, at);
    ck_assert_msg(strncmp(e.msg, head, strlen(head)) == 0, "message \"%s\" does not start "
                  "with \"%s\"", e.msg, head);
    if (s)
        TU_ASSERT_HAS(e.msg, s);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_ptr_null(r.pix);
    ck_assert_ptr_null(r.label);
}

START_TEST(test_label_first)
{
    char path[4200];
    sbuf b = good_rows(12);
    write_text("a.csv", &b, path);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_OK);
    check_rows(&r, 12);
    pl_raw_free(&r);
    ck_assert_int_eq(pl_csv_load(path, NULL, &r, &e), PL_OK);   /* NULL: defaults */
    check_rows(&r, 12);
    pl_raw_free(&r);
    free(b.s);
}
END_TEST

START_TEST(test_label_last)
{
    char path[4200];
    sbuf b = {0};
    for (size_t i = 0; i < 5; i++)
        add_row(&b, i, 1, CELLS, 0, NULL, "\n");
    write_text("a.csv", &b, path);
    pl_csv_opts o = { .label = PL_CSV_LABEL_LAST, .header = PL_CSV_HEADER_NO };
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, &o, &r, &e), PL_OK);
    check_rows(&r, 5);
    pl_raw_free(&r);
    /* Read as label-first, column 1 (a pixel, 200 here) is taken for the label
     * and rejected, naming the column. */
    free(b.s);
    b = (sbuf){0};
    add_row(&b, 0, 1, CELLS, 1, "200", "\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":1: column 1: ", "label 200 out of range 0..9");
    free(b.s);
}
END_TEST

START_TEST(test_tolerated)
{
    /* Header, CRLF, spaces and tabs around cells, no final newline, a BOM. */
    char path[4200];
    sbuf b = {0};
    sb_printf(&b, "\xEF\xBB\xBFlabel");
    for (int p = 0; p < PL_PIXELS; p++)
        sb_printf(&b, ",pixel%d", p);
    sb_printf(&b, "\r\n");
    for (size_t i = 0; i < 4; i++) {
        for (int c = 1; c <= CELLS; c++)
            sb_printf(&b, "%s %s%d\t ", c > 1 ? "," : "", c % 2 ? "\t" : "",
                      c == 1 ? (int)(i % 10) : pixel_of(i, c - 2));
        sb_printf(&b, i < 3 ? "\r\n" : "");
    }
    write_text("a.csv", &b, path);
    pl_raw r;
    pl_error e = {0};
    ck_assert_msg(pl_csv_load(path, &FIRST, &r, &e) == PL_OK, "%s", e.msg);
    check_rows(&r, 4);
    pl_raw_free(&r);
    free(b.s);
}
END_TEST

START_TEST(test_gzip)
{
    char path[4200];
    sbuf b = good_rows(7);
    snprintf(path, sizeof path, "%s/a.csv.gz", dir);
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, b.s, (unsigned)b.n), (int)b.n);
    ck_assert_int_eq(gzclose(gz), Z_OK);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_OK);
    check_rows(&r, 7);
    pl_raw_free(&r);
    free(b.s);
}
END_TEST

START_TEST(test_headers)
{
    char path[4200];
    pl_raw r;
    pl_error e = {0};
    sbuf b = good_rows(3);
    write_text("a.csv", &b, path);
    /* auto: a numeric first line is data; yes: skipped anyway. */
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_OK);
    ck_assert_uint_eq(r.n, 3);
    pl_raw_free(&r);
    pl_csv_opts yes = { .label = PL_CSV_LABEL_FIRST, .header = PL_CSV_HEADER_YES };
    ck_assert_int_eq(pl_csv_load(path, &yes, &r, &e), PL_OK);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_uint_eq(r.label[0], 1);
    ck_assert_int_eq(r.pix[0], pixel_of(1, 0));
    pl_raw_free(&r);

    /* A text header: auto skips it, no rejects it (naming line 1). */
    sbuf h = {0};
    sb_printf(&h, "label,x\n%.*s", (int)b.n, b.s);
    write_text("h.csv", &h, path);
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_OK);
    check_rows(&r, 3);
    pl_raw_free(&r);
    pl_csv_opts no = { .label = PL_CSV_LABEL_FIRST, .header = PL_CSV_HEADER_NO };
    load_fails(path, &no, ":1: column 1: ", "'label' is not an integer");
    free(b.s);
    free(h.s);
}
END_TEST

START_TEST(test_bad_cells)
{
    static const struct {
        int col;
        const char *text, *at, *says;
    } cases[] = {
        {5, "abc", ":3: column 5: ", "'abc' is not an integer"},
        {7, "", ":3: column 7: ", "empty cell"},
        {7, "   ", ":3: column 7: ", "empty cell"},
        {9, "1.5", ":3: column 9: ", "'1.5' is not an integer"},
        {9, "12 34", ":3: column 9: ", "'12 34' is not an integer"},
        {9, "0x1f", ":3: column 9: ", "'0x1f' is not an integer"},
        {10, "256", ":3: column 10: ", "pixel value 256 out of range 0..255"},
        {10, "99999999999999999999", ":3: column 10: ", "out of range 0..255"},
        {10, "0256", ":3: column 10: ", "pixel value 0256 out of range 0..255"},
        {11, "-1", ":3: column 11: ", "pixel value -1 out of range"},
        {1, "10", ":3: column 1: ", "label 10 out of range 0..9"},
        {1, "-3", ":3: column 1: ", "label -3 out of range 0..9"},
        {785, "x\001y", ":3: column 785: ", "'x?y' is not an integer"},
    };
    char path[4200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sbuf b = good_rows(2);
        add_row(&b, 2, 0, CELLS, cases[i].col, cases[i].text, "\n");
        add_row(&b, 3, 0, CELLS, 0, NULL, "\n");
        write_text("a.csv", &b, path);
        load_fails(path, &FIRST, cases[i].at, cases[i].says);
        free(b.s);
    }
    /* Long cell text is cut short in the message. */
    char longtext[300];
    memset(longtext, 'z', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    sbuf b = {0};
    add_row(&b, 0, 0, CELLS, 3, longtext, "\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":1: column 3: ", "zzz...'");
    free(b.s);
}
END_TEST

START_TEST(test_row_length)
{
    char path[4200];
    sbuf b = good_rows(1);
    add_row(&b, 1, 0, CELLS - 1, 0, NULL, "\r\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":2: ", "expected 785 cells, found 784");
    free(b.s);

    b = good_rows(1);
    add_row(&b, 1, 0, CELLS + 2, 0, NULL, "\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":2: ", "expected 785 cells, found 787");
    free(b.s);

    b = good_rows(1);
    sb_printf(&b, "5\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":2: ", "found 1");
    free(b.s);

    /* A trailing comma is one empty cell too many: with data.shape set the
     * count is wrong; without, 785 pixels are no square image. */
    b = good_rows(1);
    b.n--;
    sb_printf(&b, ",\n");
    write_text("a.csv", &b, path);
    const pl_csv_opts mnist = { .label = PL_CSV_LABEL_FIRST, .header = PL_CSV_HEADER_AUTO,
                                .height = 28, .width = 28 };
    load_fails(path, &mnist, ":1: ", "expected 785 cells (images of 28 x 28 pixels and a "
               "label), found 786");
    load_fails(path, &FIRST, ":1: ", "786 cells, so 785 pixels and a label: not a square "
               "image; set data.shape = HEIGHTxWIDTH");
    free(b.s);
}
END_TEST

START_TEST(test_blank_lines)
{
    static const char *const blanks[] = {"\n", "\r\n", "  \t\n"};
    char path[4200];
    for (size_t i = 0; i < 3; i++) {
        sbuf b = good_rows(2);
        sb_printf(&b, "%s", blanks[i]);
        add_row(&b, 2, 0, CELLS, 0, NULL, "\n");
        write_text("a.csv", &b, path);
        load_fails(path, &FIRST, ":3: ", "blank line");
        free(b.s);
    }
    /* A blank line at the very end is a blank line too. */
    sbuf b = good_rows(2);
    sb_printf(&b, "\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ":3: ", "blank line");
    free(b.s);
}
END_TEST

START_TEST(test_empty)
{
    char path[4200];
    sbuf b = {0};
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ": ", "no data rows (empty file)");
    sb_printf(&b, "label,pixel0\n");
    write_text("a.csv", &b, path);
    load_fails(path, &FIRST, ": ", "no data rows (only a header line)");
    free(b.s);
}
END_TEST

START_TEST(test_long_line)
{
    /* A line over 1 MiB (e.g. a binary file read as CSV) is refused early. */
    char path[4200];
    size_t n = (1u << 20) + 10;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    memset(s, '1', n);
    tu_write(dir, "a.csv", s, n, path, sizeof path);
    free(s);
    load_fails(path, &FIRST, ":1: ", "line longer than");
}
END_TEST

START_TEST(test_missing)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/none.csv", dir);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_EINPUT);
    ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "%s", e.msg);
    TU_ASSERT_HAS(e.msg, "No such file");
}
END_TEST

START_TEST(test_many_rows)
{
    /* Enough rows for several geometric growth steps. */
    char path[4200];
    sbuf b = good_rows(5000);
    write_text("a.csv", &b, path);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_csv_load(path, &FIRST, &r, &e), PL_OK);
    check_rows(&r, 5000);
    pl_raw_free(&r);
    free(b.s);
}
END_TEST

Suite *suite_csv(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_label_first);
    tcase_add_test(tc, test_label_last);
    tcase_add_test(tc, test_tolerated);
    tcase_add_test(tc, test_gzip);
    tcase_add_test(tc, test_headers);
    tcase_add_test(tc, test_bad_cells);
    tcase_add_test(tc, test_row_length);
    tcase_add_test(tc, test_blank_lines);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_missing);
    tcase_add_test(tc, test_many_rows);
    suite_add_tcase(s, tc);
    return s;
}
