/*
 * check_dataset.c - pl_dataset_build (grouping by label, stability, orig
 * indices, alignment, thread-count independence) and pl_data_files /
 * pl_data_load (name resolution, the three split modes, subsampling, digests,
 * determinism by seed, the messages that cite where a key was set, and an
 * IDX file read a chunk at a time into the sets: rows, faults, threads).
 *
 * Crafted sets: row i has label (7 i + 3) % 10 and pixel p = (i + 5 p) % 256,
 * so every row of a built set can be checked against its orig index.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "parlogit/data.h"
#include "testutil.h"

static char dir[4096];

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
}

static uint8_t label_of(size_t i)
{
    return (uint8_t)((7 * i + 3) % 10);
}

static uint8_t pixel_of(size_t i, size_t p)
{
    return (uint8_t)((i + 5 * p) % 256);
}

/* A crafted raw set of n rows of 28 x 28. */
static pl_raw make_raw(size_t n)
{
    pl_raw r = {.n = n, .height = PL_SIDE, .width = PL_SIDE, .dim = PL_PIXELS};
    r.pix = malloc(n * PL_PIXELS);
    r.label = malloc(n);
    ck_assert_ptr_nonnull(r.pix);
    ck_assert_ptr_nonnull(r.label);
    for (size_t i = 0; i < n; i++) {
        r.label[i] = label_of(i);
        for (size_t p = 0; p < PL_PIXELS; p++)
            r.pix[i * PL_PIXELS + p] = pixel_of(i, p);
    }
    return r;
}

/* Checks the invariants of a built set: grouping, start[], stability (orig
 * ascending within a digit when `ascending`), rows matching their orig (the
 * source file's row i being crafted row first + i). */
static void check_grouped(const pl_dataset *d, int ascending, size_t first)
{
    ck_assert_uint_eq(d->start[0], 0);
    ck_assert_uint_eq(d->start[PL_CLASSES], d->n);
    ck_assert_uint_eq(d->dim, PL_PIXELS);
    ck_assert_uint_eq((uintptr_t)d->pix % 64, 0);
    for (int c = 0; c < PL_CLASSES; c++) {
        ck_assert_uint_le(d->start[c], d->start[c + 1]);
        for (size_t j = d->start[c]; j < d->start[c + 1]; j++) {
            ck_assert_uint_eq(d->label[j], c);
            ck_assert_uint_eq(label_of(first + d->orig[j]), c);
            if (ascending && j > d->start[c])
                ck_assert_uint_lt(d->orig[j - 1], d->orig[j]);
            size_t bad = 0;   /* one assert per row: each is a message to the runner */
            for (size_t p = 0; p < PL_PIXELS; p++)
                bad += d->pix[j * PL_PIXELS + p] != pixel_of(first + d->orig[j], p);
            ck_assert_uint_eq(bad, 0);
        }
    }
}

/* The sets together hold each of the crafted file's 60 rows exactly once. */
static void check_partition(const pl_dataset *const *sets, int nsets)
{
    int seen[60] = {0};
    for (int k = 0; k < nsets; k++)
        for (size_t j = 0; j < sets[k]->n; j++) {
            ck_assert_uint_lt(sets[k]->orig[j], 60);
            seen[sets[k]->orig[j]]++;
        }
    for (int i = 0; i < 60; i++)
        ck_assert_int_eq(seen[i], 1);
}

START_TEST(test_build_all)
{
    pl_raw r = make_raw(53);
    pl_dataset d;
    pl_error e = {0};
    ck_assert_int_eq(pl_dataset_build(&r, NULL, r.n, 1, &d, &e), PL_OK);
    ck_assert_uint_eq(d.n, 53);
    check_grouped(&d, 1, 0);
    /* Digit counts match the source. */
    size_t count[10] = {0};
    for (size_t i = 0; i < r.n; i++)
        count[r.label[i]]++;
    for (int c = 0; c < 10; c++)
        ck_assert_uint_eq(d.start[c + 1] - d.start[c], count[c]);
    pl_dataset_free(&d);
    ck_assert_ptr_null(d.pix);
    pl_dataset_free(&d);
    pl_raw_free(&r);
}
END_TEST

START_TEST(test_build_stable)
{
    /* Rows given out of order: within a digit, the given order is kept. */
    pl_raw r = make_raw(40);
    size_t rows[] = {33, 3, 23, 13, 0, 10, 20, 30, 5};   /* 3,13,23,33 share label 4 */
    size_t n = sizeof rows / sizeof rows[0];
    pl_dataset d;
    pl_error e = {0};
    ck_assert_int_eq(pl_dataset_build(&r, rows, n, 1, &d, &e), PL_OK);
    ck_assert_uint_eq(d.n, n);
    check_grouped(&d, 0, 0);
    int digit = label_of(3);
    ck_assert_uint_eq(d.start[digit + 1] - d.start[digit], 4);
    const uint32_t want[4] = {33, 3, 23, 13};
    for (int k = 0; k < 4; k++)
        ck_assert_uint_eq(d.orig[d.start[digit] + (size_t)k], want[k]);
    pl_dataset_free(&d);
    pl_raw_free(&r);
}
END_TEST

START_TEST(test_build_threads)
{
    /* The copy split over threads gives the same bytes as a serial one. */
    pl_raw r = make_raw(1001);
    pl_dataset a, b;
    pl_error e = {0};
    ck_assert_int_eq(pl_dataset_build(&r, NULL, r.n, 1, &a, &e), PL_OK);
    ck_assert_int_eq(pl_dataset_build(&r, NULL, r.n, 4, &b, &e), PL_OK);
    ck_assert_int_eq(memcmp(a.pix, b.pix, r.n * PL_PIXELS), 0);
    ck_assert_int_eq(memcmp(a.label, b.label, r.n), 0);
    ck_assert_int_eq(memcmp(a.orig, b.orig, r.n * sizeof *a.orig), 0);
    ck_assert_int_eq(memcmp(a.start, b.start, sizeof a.start), 0);
    check_grouped(&b, 1, 0);
    pl_dataset_free(&a);
    pl_dataset_free(&b);
    pl_raw_free(&r);
}
END_TEST

START_TEST(test_build_large)
{
    /* A set of over 4 MiB takes the path for big pixel buffers (2 MiB
     * aligned, huge pages asked for): the same rows, the padding after the
     * last row zero up to the next 64 bytes. */
    pl_raw r = make_raw(6001);
    pl_dataset d;
    pl_error e = {0};
    ck_assert_int_eq(pl_dataset_build(&r, NULL, r.n, 2, &d, &e), PL_OK);
    ck_assert_uint_ge(r.n * PL_PIXELS, (size_t)4 << 20);
    ck_assert_uint_eq((uintptr_t)d.pix % ((uintptr_t)2 << 20), 0);
    check_grouped(&d, 1, 0);
    const size_t used = r.n * PL_PIXELS, end = (used + 63) / 64 * 64;
    ck_assert_uint_gt(end, used);
    for (size_t i = used; i < end; i++)
        ck_assert_uint_eq(d.pix[i], 0);
    pl_dataset_free(&d);
    pl_raw_free(&r);
}
END_TEST

START_TEST(test_build_errors)
{
    pl_raw r = make_raw(10);
    size_t rows[] = {1, 10};
    pl_dataset d;
    pl_error e = {0};
    ck_assert_int_eq(pl_dataset_build(&r, rows, 2, 1, &d, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "row index 10");
    ck_assert_ptr_null(d.pix);
    ck_assert_uint_eq(d.n, 0);
    r.label[4] = 11;
    ck_assert_int_eq(pl_dataset_build(&r, NULL, r.n, 1, &d, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "label 11");
    /* No rows: an empty set, not an error. */
    ck_assert_int_eq(pl_dataset_build(&r, rows, 0, 2, &d, &e), PL_OK);
    ck_assert_uint_eq(d.n, 0);
    ck_assert_uint_eq(d.start[PL_CLASSES], 0);
    pl_dataset_free(&d);
    pl_raw_free(&r);
}
END_TEST

/* --- pl_data_files / pl_data_load ------------------------------------- */

/* Writes an IDX pair of rows [first, first + n) of the crafted set as gzip. */
/* An IDX image header for n rows of 28 x 28 (h[3] = 1 and 8 bytes: the
 * label file's). */
static void idx_header_of(uint8_t h[16], size_t n)
{
    const uint32_t dims[3] = {(uint32_t)n, PL_SIDE, PL_SIDE};
    h[0] = h[1] = 0;
    h[2] = 8;
    h[3] = 3;
    for (int k = 0; k < 3; k++)
        for (int b = 0; b < 4; b++)
            h[4 + 4 * k + b] = (uint8_t)(dims[k] >> (24 - 8 * b));
}

static void write_idx(const char *images, const char *labels, size_t first, size_t n)
{
    char path[4200];
    uint8_t h[16];
    idx_header_of(h, n);
    snprintf(path, sizeof path, "%s/%s", dir, images);
    gzFile gz = gzopen(path, "wb1");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, h, 16), 16);
    uint8_t row[PL_PIXELS];   /* a row at a time: thousands of rows stay fast under ASan */
    for (size_t i = first; i < first + n; i++) {
        for (size_t p = 0; p < PL_PIXELS; p++)
            row[p] = pixel_of(i, p);
        ck_assert_int_eq(gzwrite(gz, row, PL_PIXELS), PL_PIXELS);
    }
    ck_assert_int_eq(gzclose(gz), Z_OK);
    h[3] = 1;
    snprintf(path, sizeof path, "%s/%s", dir, labels);
    gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, h, 8), 8);
    for (size_t i = first; i < first + n; i++)
        ck_assert_int_eq(gzputc(gz, label_of(i)), label_of(i));
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

/* Records that data.key was set at `where`, as the config parser would. */
static void set_origin(pl_config *c, const char *key, const char *where)
{
    int i = c->norigin++;
    snprintf(c->origin[i].section, sizeof c->origin[i].section, "data");
    snprintf(c->origin[i].key, sizeof c->origin[i].key, "%s", key);
    snprintf(c->origin[i].where, sizeof c->origin[i].where, "%s", where);
}

/* A config over the scratch dir: train.gz/train-lab.gz (60 rows),
 * test.gz/test-lab.gz (20 rows, crafted rows 100..119). */
static pl_config make_config(void)
{
    pl_config c;
    pl_config_defaults(&c);
    snprintf(c.data.dir, sizeof c.data.dir, "%s", dir);
    snprintf(c.data.train_images, sizeof c.data.train_images, "train.gz");
    snprintf(c.data.train_labels, sizeof c.data.train_labels, "train-lab.gz");
    snprintf(c.data.test_images, sizeof c.data.test_images, "test.gz");
    snprintf(c.data.test_labels, sizeof c.data.test_labels, "test-lab.gz");
    c.data.split = PL_SPLIT_FILES;
    c.data.seed = 42;
    write_idx("train.gz", "train-lab.gz", 0, 60);
    write_idx("test.gz", "test-lab.gz", 100, 20);
    return c;
}

static pl_data load_ok(const pl_config *c)
{
    pl_data d;
    pl_error e = {0};
    ck_assert_msg(pl_data_load(c, 2, &d, &e) == PL_OK, "%s", e.msg);
    return d;
}

static void load_fails(const pl_config *c, int code, const char *s1, const char *s2)
{
    pl_data d;
    pl_error e = {0};
    ck_assert_int_eq(pl_data_load(c, 1, &d, &e), code);
    if (s1)
        TU_ASSERT_HAS(e.msg, s1);
    if (s2)
        TU_ASSERT_HAS(e.msg, s2);
    ck_assert_ptr_null(d.train.pix);
    ck_assert_ptr_null(d.test.pix);
}

/* The sorted orig indices of a set (ascending file order). */
static size_t sorted_orig(const pl_dataset *d, uint32_t *out)
{
    for (size_t j = 0; j < d->n; j++) {
        size_t k = j;
        for (; k > 0 && out[k - 1] > d->orig[j]; k--)
            out[k] = out[k - 1];
        out[k] = d->orig[j];
    }
    return d->n;
}

START_TEST(test_files_resolve)
{
    pl_config c;
    pl_config_defaults(&c);
    snprintf(c.data.dir, sizeof c.data.dir, "some/dir");
    snprintf(c.data.train_images, sizeof c.data.train_images, "/abs/img.gz");
    snprintf(c.data.train_labels, sizeof c.data.train_labels, "lab.gz");
    snprintf(c.data.test_images, sizeof c.data.test_images, "./here.idx");
    snprintf(c.data.test_labels, sizeof c.data.test_labels, "../up.idx");
    pl_data_file f[4];
    ck_assert_int_eq(pl_data_files(&c, f), 4);
    ck_assert_str_eq(f[0].role, "train_images");
    ck_assert_str_eq(f[0].path, "/abs/img.gz");
    ck_assert_str_eq(f[1].role, "train_labels");
    ck_assert_str_eq(f[1].path, "some/dir/lab.gz");
    ck_assert_str_eq(f[2].role, "test_images");
    ck_assert_str_eq(f[2].path, "./here.idx");
    ck_assert_str_eq(f[3].role, "test_labels");
    ck_assert_str_eq(f[3].path, "../up.idx");

    /* A trailing slash on dir is not doubled; CSV has no label file; split =
     * rows or fraction reads only the train file. */
    snprintf(c.data.dir, sizeof c.data.dir, "d/");
    snprintf(c.data.train_images, sizeof c.data.train_images, "mnist_train.CSV.gz");
    c.data.split = PL_SPLIT_FRACTION;
    ck_assert_int_eq(pl_data_files(&c, f), 1);
    ck_assert_str_eq(f[0].path, "d/mnist_train.CSV.gz");
    c.data.split = PL_SPLIT_ROWS;
    snprintf(c.data.train_images, sizeof c.data.train_images, "x.csv");
    ck_assert_int_eq(pl_data_files(&c, f), 1);
    /* A forced format overrides the extension. */
    c.data.format = PL_FORMAT_IDX;
    ck_assert_int_eq(pl_data_files(&c, f), 2);
    ck_assert_str_eq(f[1].path, "d/lab.gz");
}
END_TEST

START_TEST(test_split_files)
{
    pl_config c = make_config();
    pl_data d = load_ok(&c);
    ck_assert_uint_eq(d.train.n, 60);
    ck_assert_uint_eq(d.test.n, 20);
    check_grouped(&d.train, 1, 0);
    check_grouped(&d.test, 1, 100);   /* orig indexes the test file */
    ck_assert_int_eq(d.nfiles, 4);
    for (int i = 0; i < 4; i++) {
        char hex[65];
        pl_error e = {0};
        ck_assert_int_eq(pl_sha256_file(d.files[i].path, hex, &e), PL_OK);
        ck_assert_str_eq(d.files[i].sha256, hex);
    }
    ck_assert_str_eq(d.files[3].role, "test_labels");
    pl_data_free(&d);
}
END_TEST

START_TEST(test_split_rows)
{
    pl_config c = make_config();
    c.data.split = PL_SPLIT_ROWS;
    c.data.train_lo = 10;
    c.data.train_hi = 40;
    c.data.test_lo = 40;
    c.data.test_hi = 60;
    pl_data d = load_ok(&c);
    ck_assert_int_eq(d.nfiles, 2);
    ck_assert_uint_eq(d.train.n, 30);
    ck_assert_uint_eq(d.test.n, 20);
    uint32_t o[64];
    sorted_orig(&d.train, o);
    for (size_t j = 0; j < 30; j++)
        ck_assert_uint_eq(o[j], 10 + j);
    sorted_orig(&d.test, o);
    for (size_t j = 0; j < 20; j++)
        ck_assert_uint_eq(o[j], 40 + j);
    check_grouped(&d.train, 1, 0);
    check_grouped(&d.test, 1, 0);
    pl_data_free(&d);

    /* An empty test range: no test set. */
    c.data.test_lo = c.data.test_hi = 0;
    d = load_ok(&c);
    ck_assert_uint_eq(d.test.n, 0);
    pl_data_free(&d);

    /* Beyond the file: the message cites where the key was set. */
    set_origin(&c, "train_rows", "exp.ini:7");
    set_origin(&c, "test_rows", "--set");
    c.data.train_hi = 61;
    load_fails(&c, PL_EINPUT, "exp.ini:7: train_rows = 10:61 goes beyond the 60 rows",
               "train.gz");
    c.data.train_hi = 40;
    c.data.test_lo = 50;
    c.data.test_hi = 70;
    load_fails(&c, PL_EINPUT, "--set: test_rows = 50:70 goes beyond", NULL);
}
END_TEST

START_TEST(test_split_fraction)
{
    pl_config c = make_config();
    c.data.split = PL_SPLIT_FRACTION;
    c.data.test_fraction = 0.25;
    pl_data a = load_ok(&c), b = load_ok(&c);
    ck_assert_uint_eq(a.train.n, 45);
    ck_assert_uint_eq(a.test.n, 15);
    check_grouped(&a.train, 1, 0);
    check_grouped(&a.test, 1, 0);
    /* Train and test partition the file's rows. */
    check_partition((const pl_dataset *[]){ &a.train, &a.test }, 2);
    /* Same seed, same split; another seed, another split. */
    ck_assert_int_eq(memcmp(a.test.orig, b.test.orig, a.test.n * 4), 0);
    ck_assert_int_eq(memcmp(a.train.orig, b.train.orig, a.train.n * 4), 0);
    pl_data_free(&b);
    c.data.seed = 43;
    b = load_ok(&c);
    ck_assert_uint_eq(b.test.n, 15);
    ck_assert_int_ne(memcmp(a.test.orig, b.test.orig, a.test.n * 4), 0);
    pl_data_free(&a);
    pl_data_free(&b);

    /* round(60 * 0.004) = 0 test rows: refused. */
    set_origin(&c, "test_fraction", "f.ini:3");
    c.data.test_fraction = 0.004;
    load_fails(&c, PL_EINPUT, "f.ini:3: test_fraction", "test set empty");
}
END_TEST

START_TEST(test_subsample)
{
    pl_config c = make_config();
    c.data.train_size = 25;
    c.data.test_size = 5;
    pl_data a = load_ok(&c);
    ck_assert_uint_eq(a.train.n, 25);
    ck_assert_uint_eq(a.test.n, 5);
    check_grouped(&a.train, 1, 0);   /* still ascending within each digit */
    check_grouped(&a.test, 1, 100);
    uint32_t o[64];
    sorted_orig(&a.train, o);
    for (size_t j = 1; j < 25; j++)
        ck_assert_uint_lt(o[j - 1], o[j]);   /* distinct rows */

    /* Deterministic; and the test draw does not move when train_size does. */
    pl_data b = load_ok(&c);
    ck_assert_int_eq(memcmp(a.train.orig, b.train.orig, 25 * 4), 0);
    pl_data_free(&b);
    c.data.train_size = 30;
    b = load_ok(&c);
    ck_assert_int_eq(memcmp(a.test.orig, b.test.orig, 5 * 4), 0);
    pl_data_free(&b);

    /* Subsample after a rows split: drawn from the range only. */
    c.data.split = PL_SPLIT_ROWS;
    c.data.train_lo = 20;
    c.data.train_hi = 50;
    c.data.test_lo = 0;
    c.data.test_hi = 10;
    b = load_ok(&c);
    ck_assert_uint_eq(b.train.n, 30);
    for (size_t j = 0; j < b.train.n; j++)
        ck_assert_uint_ge(b.train.orig[j], 20);
    pl_data_free(&b);

    /* More than available. */
    set_origin(&c, "train_size", "s.ini:9");
    c.data.train_size = 31;
    load_fails(&c, PL_EINPUT, "s.ini:9: train_size = 31 is more than the 30", NULL);
    c.data.train_size = 0;
    c.data.test_size = 11;
    load_fails(&c, PL_EINPUT, "test_size = 11 is more than the 10", NULL);
    pl_data_free(&a);
}
END_TEST

START_TEST(test_missing_file)
{
    pl_config c = make_config();
    snprintf(c.data.test_labels, sizeof c.data.test_labels, "nope.gz");
    set_origin(&c, "test_labels", "run.ini:4");
    char want[4400];
    snprintf(want, sizeof want, "run.ini:4: file '%s/nope.gz' not found", dir);
    load_fails(&c, PL_EINPUT, want, NULL);
    /* An unset key: "default". */
    c.norigin = 0;
    snprintf(c.data.train_images, sizeof c.data.train_images, "gone.gz");
    load_fails(&c, PL_EINPUT, "default: file '", "gone.gz' not found");
    /* An IDX image file without a label file name. */
    snprintf(c.data.train_images, sizeof c.data.train_images, "train.gz");
    c.data.train_labels[0] = '\0';
    load_fails(&c, PL_EINPUT, "train_labels is empty", NULL);
    /* A malformed file: the loader's message, naming it. */
    char path[4200];
    tu_write(dir, "junk.gz", "junk", 4, path, sizeof path);
    snprintf(c.data.train_labels, sizeof c.data.train_labels, "junk.gz");
    snprintf(c.data.test_labels, sizeof c.data.test_labels, "test-lab.gz");
    load_fails(&c, PL_EINPUT, path, "magic");
}
END_TEST

START_TEST(test_csv_fraction)
{
    /* A CSV file (by extension), split by fraction. */
    char path[4200];
    FILE *f;
    snprintf(path, sizeof path, "%s/m.csv", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fprintf(f, "label,pixels...\n");
    for (size_t i = 0; i < 30; i++) {
        fprintf(f, "%u", label_of(i));
        for (size_t p = 0; p < PL_PIXELS; p++)
            fprintf(f, ",%u", pixel_of(i, p));
        fprintf(f, "\n");
    }
    ck_assert_int_eq(fclose(f), 0);
    pl_config c;
    pl_config_defaults(&c);
    snprintf(c.data.dir, sizeof c.data.dir, "%s", dir);
    snprintf(c.data.train_images, sizeof c.data.train_images, "m.csv");
    c.data.split = PL_SPLIT_FRACTION;
    c.data.test_fraction = 0.2;
    pl_data d = load_ok(&c);
    ck_assert_int_eq(d.nfiles, 1);
    ck_assert_uint_eq(d.train.n, 24);
    ck_assert_uint_eq(d.test.n, 6);
    check_grouped(&d.train, 1, 0);
    check_grouped(&d.test, 1, 0);
    pl_data_free(&d);
}
END_TEST

/* validation_fraction carves a seeded share out of the training rows:
 * train, validation and test partition the rows; same seed, same rows. */
START_TEST(test_validation_split)
{
    pl_config c = make_config();
    c.data.split = PL_SPLIT_ROWS;
    c.data.train_lo = 0;
    c.data.train_hi = 40;
    c.data.test_lo = 40;
    c.data.test_hi = 60;
    c.data.validation_fraction = 0.25;
    pl_data a = load_ok(&c), b = load_ok(&c);
    ck_assert_uint_eq(a.train.n, 30);
    ck_assert_uint_eq(a.val.n, 10);
    ck_assert_uint_eq(a.test.n, 20);
    check_grouped(&a.val, 1, 0);
    check_partition((const pl_dataset *[]){ &a.train, &a.val, &a.test }, 3);
    for (size_t j = 0; j < a.val.n; j++)
        ck_assert_uint_lt(a.val.orig[j], 40);   /* carved from the training range */
    ck_assert_int_eq(memcmp(a.val.orig, b.val.orig, a.val.n * 4), 0);
    pl_data_free(&a);
    pl_data_free(&b);

    /* None by default; an empty validation set is refused. */
    c.data.validation_fraction = 0;
    a = load_ok(&c);
    ck_assert_uint_eq(a.val.n, 0);
    ck_assert_uint_eq(a.train.n, 40);
    pl_data_free(&a);
    set_origin(&c, "validation_fraction", "v.ini:4");
    c.data.validation_fraction = 0.001;
    load_fails(&c, PL_EINPUT, "v.ini:4: validation_fraction", "the validation set");
}
END_TEST

/* An IDX pair written plain: a header claiming `claim` rows, then n rows of
 * the crafted set (each pixel mod pmod) and `extra` more bytes; pixel 17 of
 * row `bad` (if below n) is bad_val. */
static void write_plain(const char *images, const char *labels, size_t claim, size_t n,
                        size_t extra, unsigned pmod, size_t bad, uint8_t bad_val)
{
    char path[4200];
    uint8_t h[16];
    idx_header_of(h, claim);
    snprintf(path, sizeof path, "%s/%s", dir, images);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(h, 1, 16, f), 16);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < PL_PIXELS; p++)
            fputc(i == bad && p == 17 ? bad_val : pixel_of(i, p) % pmod, f);
    for (size_t i = 0; i < extra; i++)
        fputc(1, f);
    ck_assert_int_eq(fclose(f), 0);
    h[3] = 1;
    snprintf(path, sizeof path, "%s/%s", dir, labels);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(h, 1, 8, f), 8);
    for (size_t i = 0; i < claim; i++)
        fputc(label_of(i), f);
    ck_assert_int_eq(fclose(f), 0);
}

/* An IDX file is read a chunk at a time (about 1337 rows of 784 pixels)
 * straight into the sets: 3000 rows, train 0:2500 with a fifth held out for
 * validation, test 2000:3000 (overlapping the training rows), each set holds
 * exactly its rows, grouped, with their own pixels, the same bytes for 1, 2
 * and 3 threads. */
/* make_config's, reading images/labels with split = rows: train 0:train_hi,
 * test test_lo:3000. */
static pl_config rows_config(const char *images, const char *labels, size_t train_hi,
                             size_t test_lo)
{
    pl_config c = make_config();
    snprintf(c.data.train_images, sizeof c.data.train_images, "%s", images);
    snprintf(c.data.train_labels, sizeof c.data.train_labels, "%s", labels);
    c.data.split = PL_SPLIT_ROWS;
    c.data.train_lo = 0;
    c.data.train_hi = train_hi;
    c.data.test_lo = test_lo;
    c.data.test_hi = 3000;
    return c;
}

START_TEST(test_streamed_chunks)
{
    pl_config c = rows_config("big.gz", "big-lab.gz", 2500, 2000);
    write_idx("big.gz", "big-lab.gz", 0, 3000);
    c.data.validation_fraction = 0.2;
    pl_data ref = { 0 };
    for (int nth = 1; nth <= 3; nth++) {
        pl_data d;
        pl_error e = {0};
        ck_assert_msg(pl_data_load(&c, nth, &d, &e) == PL_OK, "%s", e.msg);
        ck_assert_uint_eq(d.train.n, 2000);
        ck_assert_uint_eq(d.val.n, 500);
        ck_assert_uint_eq(d.test.n, 1000);
        check_grouped(&d.train, 1, 0);
        check_grouped(&d.val, 1, 0);
        check_grouped(&d.test, 1, 0);
        static int seen[3000];
        memset(seen, 0, sizeof seen);
        for (size_t j = 0; j < d.train.n; j++)
            seen[d.train.orig[j]]++;
        for (size_t j = 0; j < d.val.n; j++)
            seen[d.val.orig[j]]++;
        for (size_t j = 0; j < d.test.n; j++)
            seen[d.test.orig[j]] += 2;
        for (size_t i = 0; i < 3000; i++)   /* train + val: 0..2499 once; test: 2000.. */
            ck_assert_int_eq(seen[i], (i < 2500) + 2 * (i >= 2000));
        if (nth == 1) {
            ref = d;
            continue;
        }
        ck_assert_int_eq(memcmp(d.train.pix, ref.train.pix, d.train.n * PL_PIXELS), 0);
        ck_assert_int_eq(memcmp(d.val.orig, ref.val.orig, d.val.n * 4), 0);
        ck_assert_int_eq(memcmp(d.test.pix, ref.test.pix, d.test.n * PL_PIXELS), 0);
        pl_data_free(&d);
    }
    pl_data_free(&ref);
}
END_TEST

/* A streamed file's faults are the whole-file reader's, word for word: data
 * that ends early, trailing bytes; a pixel above data.pixel_max in a later
 * chunk names its offset, pixel and image; no set is left behind. */
START_TEST(test_streamed_errors)
{
    pl_config c = rows_config("p.idx", "p-lab.idx", 2000, 2000);
    char img[4200], lab[4200];
    snprintf(img, sizeof img, "%s/p.idx", dir);
    snprintf(lab, sizeof lab, "%s/p-lab.idx", dir);
    for (int fault = 0; fault < 2; fault++) {
        if (fault == 0)
            write_plain("p.idx", "p-lab.idx", 3000, 2000, 0, 256, SIZE_MAX, 0);   /* cut short */
        else
            write_plain("p.idx", "p-lab.idx", 3000, 3000, 5, 256, SIZE_MAX, 0);   /* trailing */
        pl_raw raw;
        pl_error whole = {0};
        ck_assert_int_eq(pl_idx_load(img, lab, &raw, &whole), PL_EINPUT);
        TU_ASSERT_HAS(whole.msg, fault == 0 ? "data ends after" : "trailing bytes");
        pl_data d;
        pl_error e = {0};
        ck_assert_int_eq(pl_data_load(&c, 2, &d, &e), PL_EINPUT);
        ck_assert_str_eq(e.msg, whole.msg);
        ck_assert_ptr_null(d.train.pix);
        ck_assert_ptr_null(d.test.pix);
    }
    write_plain("p.idx", "p-lab.idx", 3000, 3000, 0, 200, 2100, 250);
    c.data.pixel_max = 200;
    char want[200];
    snprintf(want, sizeof want, "offset %zu: pixel 17 of image 2100 is 250, above "
             "data.pixel_max = 200", (size_t)16 + 2100 * PL_PIXELS + 17);
    load_fails(&c, PL_EINPUT, "p.idx", want);
    c.data.pixel_max = 255;   /* the same file is fine at 255 */
    pl_data d = load_ok(&c);
    ck_assert_uint_eq(d.train.n + d.test.n, 3000);
    pl_data_free(&d);
}
END_TEST

/* Copies dir/from into dir/to as gzip. */
static void gzip_copy(const char *from, const char *to)
{
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/%s", dir, from);
    snprintf(b, sizeof b, "%s/%s", dir, to);
    FILE *f = fopen(a, "rb");
    ck_assert_ptr_nonnull(f);
    gzFile gz = gzopen(b, "wb1");
    ck_assert_ptr_nonnull(gz);
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        ck_assert_int_eq(gzwrite(gz, buf, (unsigned)n), (int)n);
    fclose(f);
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

/* pl_data_load_deferred: the sets of pl_data_load, but the training set's
 * pixels are not read (its rows, labels and each row's non-zero count are);
 * pl_data_fill_train then reads exactly the rows asked for, plain (pread)
 * or gzip (decompressed again), with 1 and 3 threads, and the whole set
 * read so is pl_data_load's, byte for byte. */
START_TEST(test_deferred_reads_only_rows_asked)
{
    write_plain("d.idx", "d-lab.idx", 3000, 3000, 0, 256, SIZE_MAX, 0);
    gzip_copy("d.idx", "d.idx.gz");
    for (int gz = 0; gz < 2; gz++) {
        pl_config c = rows_config(gz ? "d.idx.gz" : "d.idx", "d-lab.idx", 2500, 2000);
        c.data.validation_fraction = 0.2;
        pl_data ref = load_ok(&c), d;
        pl_error e = {0};
        ck_assert_msg(pl_data_load_deferred(&c, 2, 0, 1, &d, &e) == PL_OK, "%s", e.msg);
        const size_t n = d.train.n, dim = PL_PIXELS;
        ck_assert_int_eq(d.train.deferred, 1);
        ck_assert_int_eq(ref.train.deferred, 0);
        ck_assert_ptr_null(ref.train.nnz);
        ck_assert_uint_eq(d.train_rows_read, 0);
        ck_assert_uint_eq(ref.train_rows_read, ref.train.n);
        ck_assert_uint_eq(n, ref.train.n);
        ck_assert_int_eq(memcmp(d.train.orig, ref.train.orig, n * sizeof *d.train.orig), 0);
        ck_assert_int_eq(memcmp(d.train.label, ref.train.label, n), 0);
        ck_assert_int_eq(memcmp(d.train.start, ref.train.start, sizeof d.train.start), 0);
        for (size_t j = 0; j < n; j++)
            ck_assert_uint_eq(d.train.nnz[j], pl_row_nnz(ref.train.pix + j * dim, dim));
        ck_assert_uint_eq(d.val.n, ref.val.n);   /* the other sets are read whole */
        ck_assert_int_eq(memcmp(d.val.pix, ref.val.pix, d.val.n * dim), 0);
        ck_assert_int_eq(memcmp(d.test.pix, ref.test.pix, d.test.n * dim), 0);
        memset(d.train.pix, 0xa5, n * dim);
        const size_t r0[2] = { 100, 900 }, rn[2] = { 300, 101 };
        ck_assert_msg(pl_data_fill_train(&d, r0, rn, 2, gz ? 1 : 3, &e) == PL_OK, "%s", e.msg);
        for (size_t j = 0; j < n; j++) {
            const int asked = (j >= 100 && j < 400) || (j >= 900 && j < 1001);
            if (asked)
                ck_assert_int_eq(memcmp(d.train.pix + j * dim, ref.train.pix + j * dim, dim), 0);
            else
                for (size_t q = 0; q < dim; q++)
                    if (d.train.pix[j * dim + q] != 0xa5)
                        ck_abort_msg("row %zu was not asked for but was written", j);
        }
        ck_assert_int_eq(d.train.deferred, 1);
        ck_assert_uint_eq(d.train_rows_read, 401);
        const size_t bad0[2] = { 500, 400 }, badn[2] = { 10, 10 };   /* not ascending */
        ck_assert_int_eq(pl_data_fill_train(&d, bad0, badn, 2, 1, &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "not ascending");
        const size_t a0 = 0;
        ck_assert_msg(pl_data_fill_train(&d, &a0, &n, 1, 2, &e) == PL_OK, "%s", e.msg);
        ck_assert_int_eq(d.train.deferred, 0);
        ck_assert_uint_eq(d.train_rows_read, 401 + n);
        ck_assert_int_eq(memcmp(d.train.pix, ref.train.pix, n * dim), 0);
        ck_assert_int_eq(pl_data_fill_train(&d, &a0, &n, 1, 2, &e), PL_OK);   /* read: nothing */
        ck_assert_uint_eq(d.train_rows_read, 401 + n);
        pl_data_free(&d);
        pl_data_free(&ref);
    }
}
END_TEST

/* A training file changed, replaced or gone between the first read and the
 * rows' is an error naming it, never a set mixed from two files. */
START_TEST(test_deferred_file_changed)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/c.idx", dir);
    for (int v = 0; v < 4; v++) {   /* plain: rewritten, removed; gzip: rewritten, removed */
        const int gz = v >= 2;
        write_plain("c.idx", "c-lab.idx", 3000, 3000, 0, 256, SIZE_MAX, 0);
        if (gz)
            gzip_copy("c.idx", "c.idx.gz");
        pl_config c = rows_config(gz ? "c.idx.gz" : "c.idx", "c-lab.idx", 2500, 2000);
        pl_data d;
        pl_error e = {0};
        ck_assert_msg(pl_data_load_deferred(&c, 2, 0, 1, &d, &e) == PL_OK, "%s", e.msg);
        const size_t row = 1234;   /* the file's row: its pixel 17 made another zero-ness */
        if (v % 2 == 0) {
            write_plain("c.idx", "c-lab.idx", 3000, 3000, 0, 256, row,
                        pixel_of(row, 17) ? 0 : 77);
            if (gz)
                gzip_copy("c.idx", "c.idx.gz");
        } else {
            char gone[4300];
            snprintf(gone, sizeof gone, "%s%s", path, gz ? ".gz" : "");
            ck_assert_int_eq(unlink(gone), 0);
        }
        const size_t a0 = 0, n = d.train.n;
        ck_assert_int_ne(pl_data_fill_train(&d, &a0, &n, 1, 2, &e), PL_OK);
        TU_ASSERT_HAS(e.msg, gz ? "c.idx.gz" : "c.idx");
        if (v % 2 == 0)
            TU_ASSERT_HAS(e.msg, "since it was first read");
        else
            TU_ASSERT_HAS(e.msg, "No such file");
        pl_data_free(&d);
    }
}
END_TEST

/* Over ranks a plain file is read in shares: rank r of 3 checks and counts
 * only the file's rows [r n / 3, (r + 1) n / 3) (its counts of other rows
 * stay 0, the three sum to one whole count), reads the validation and test
 * rows where they are (the sets of pl_data_load, byte for byte), and says
 * its counts are a share; a gzip file, or one rank, is read through and
 * counted whole.  A fault is pl_data_load's message, word for word: a pixel
 * above pixel_max on the rank whose share holds it (the others load), a
 * file cut short or with trailing bytes on every rank. */
START_TEST(test_deferred_shares_over_ranks)
{
    write_plain("s.idx", "s-lab.idx", 3000, 3000, 0, 256, SIZE_MAX, 0);
    gzip_copy("s.idx", "s.idx.gz");
    pl_config c = rows_config("s.idx", "s-lab.idx", 2500, 2000);
    c.data.validation_fraction = 0.2;
    pl_data ref = load_ok(&c);
    const size_t n = ref.train.n;
    static uint32_t sum[3000];
    memset(sum, 0, sizeof sum);
    for (int r = 0; r < 3; r++) {
        pl_data d;
        pl_error e = {0};
        ck_assert_msg(pl_data_load_deferred(&c, 2, r, 3, &d, &e) == PL_OK, "%s", e.msg);
        ck_assert_int_eq(d.train_counts_share, 1);
        ck_assert_int_eq(d.train.deferred, 1);
        ck_assert_int_eq(memcmp(d.val.pix, ref.val.pix, d.val.n * PL_PIXELS), 0);
        ck_assert_int_eq(memcmp(d.test.pix, ref.test.pix, d.test.n * PL_PIXELS), 0);
        for (size_t j = 0; j < n; j++) {
            const size_t row = d.train.orig[j];
            const int mine = row >= (size_t)r * 3000 / 3 && row < (size_t)(r + 1) * 3000 / 3;
            ck_assert_msg(mine || d.train.nnz[j] == 0, "rank %d counted row %zu", r, row);
            sum[j] += d.train.nnz[j];
        }
        pl_data_free(&d);
    }
    for (size_t j = 0; j < n; j++)
        ck_assert_uint_eq(sum[j], pl_row_nnz(ref.train.pix + j * PL_PIXELS, PL_PIXELS));
    for (int v = 0; v < 2; v++) {   /* gzip over 3 ranks, plain on one: counted whole */
        pl_config g = v ? c : rows_config("s.idx.gz", "s-lab.idx", 2500, 2000);
        g.data.validation_fraction = 0.2;
        pl_data d;
        pl_error e = {0};
        ck_assert_msg(pl_data_load_deferred(&g, 2, v ? 0 : 1, v ? 1 : 3, &d, &e) == PL_OK, "%s",
                      e.msg);
        ck_assert_int_eq(d.train_counts_share, 0);
        for (size_t j = 0; j < n; j++)
            ck_assert_uint_eq(d.train.nnz[j], sum[j]);
        pl_data_free(&d);
    }
    pl_data_free(&ref);
    /* faults: pl_data_load's message */
    for (int fault = 0; fault < 3; fault++) {
        if (fault == 0)
            write_plain("s.idx", "s-lab.idx", 3000, 3000, 0, 200, 2100, 250);   /* rank 2's */
        else if (fault == 1)
            write_plain("s.idx", "s-lab.idx", 3000, 2000, 0, 200, SIZE_MAX, 0);   /* cut short */
        else
            write_plain("s.idx", "s-lab.idx", 3000, 3000, 5, 200, SIZE_MAX, 0);   /* trailing */
        c.data.pixel_max = 200;
        pl_data d;
        pl_error whole = {0};
        ck_assert_int_eq(pl_data_load(&c, 1, &d, &whole), PL_EINPUT);
        for (int r = 0; r < 3; r++) {
            pl_error e = {0};
            const int rc = pl_data_load_deferred(&c, 2, r, 3, &d, &e);
            if (fault == 0 && r < 2) {
                ck_assert_msg(rc == PL_OK, "rank %d: %s", r, e.msg);
                pl_data_free(&d);
                continue;
            }
            ck_assert_int_eq(rc, PL_EINPUT);
            ck_assert_str_eq(e.msg, whole.msg);
            ck_assert_ptr_null(d.train.pix);
        }
    }
}
END_TEST

Suite *suite_dataset(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("build");
    tcase_add_test(tc, test_build_all);
    tcase_add_test(tc, test_build_stable);
    tcase_add_test(tc, test_build_threads);
    tcase_add_test(tc, test_build_large);
    tcase_add_test(tc, test_build_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);   /* thousands of rows written and read, under ASan on a busy machine */
    tcase_add_test(tc, test_files_resolve);
    tcase_add_test(tc, test_split_files);
    tcase_add_test(tc, test_split_rows);
    tcase_add_test(tc, test_split_fraction);
    tcase_add_test(tc, test_subsample);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_csv_fraction);
    tcase_add_test(tc, test_validation_split);
    tcase_add_test(tc, test_streamed_chunks);
    tcase_add_test(tc, test_streamed_errors);
    tcase_add_test(tc, test_deferred_reads_only_rows_asked);
    tcase_add_test(tc, test_deferred_file_changed);
    tcase_add_test(tc, test_deferred_shares_over_ranks);
    suite_add_tcase(s, tc);
    return s;
}
