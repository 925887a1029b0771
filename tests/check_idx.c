/*
 * check_idx.c - pl_idx_load: well-formed IDX pairs (plain and gzip), every
 * malformed case the loader must name (file, byte offset, what was expected),
 * and the real MNIST 10k set.
 *
 * Each test crafts its files in a fresh scratch directory (a checked fixture)
 * and the fixture removes it.
 */
#include <check.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "parlogit/data.h"
#include "parlogit/dataset.h"
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

/* An IDX file in memory: magic, dims (big-endian), then data. */
typedef struct idx_buf {
    uint8_t b[4096];
    size_t n;
} idx_buf;

static void put32(idx_buf *f, uint32_t v)
{
    f->b[f->n++] = (uint8_t)(v >> 24);
    f->b[f->n++] = (uint8_t)(v >> 16);
    f->b[f->n++] = (uint8_t)(v >> 8);
    f->b[f->n++] = (uint8_t)v;
}

static void put(idx_buf *f, const uint8_t *data, size_t n)
{
    memcpy(f->b + f->n, data, n);
    f->n += n;
}

/* 3 images of 2 x 3 pixels: image i has pixels 10 * i + 0..5. */
static idx_buf images3(void)
{
    idx_buf f = {.n = 0};
    put32(&f, 0x803);
    put32(&f, 3);
    put32(&f, 2);
    put32(&f, 3);
    for (uint8_t i = 0; i < 3; i++)
        for (uint8_t p = 0; p < 6; p++)
            f.b[f.n++] = (uint8_t)(10 * i + p);
    return f;
}

/* Labels 7, 0, 9. */
static idx_buf labels3(void)
{
    idx_buf f = {.n = 0};
    put32(&f, 0x801);
    put32(&f, 3);
    put(&f, (const uint8_t[]){7, 0, 9}, 3);
    return f;
}

static void write_plain(const char *name, const idx_buf *f, char *path)
{
    tu_write(dir, name, f->b, f->n, path, 4200);
}

static void write_gz(const char *name, const void *data, size_t n, char *path)
{
    snprintf(path, 4200, "%s/%s", dir, name);
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, data, (unsigned)n), (int)n);
    ck_assert_int_eq(gzclose(gz), Z_OK);
}

/* Loads img + lab expecting PL_EINPUT whose message starts with `file` and
 * contains s1 and s2 (either may be NULL); checks *out stays empty. */
static void load_fails(const char *img, const char *lab, const char *file, const char *s1,
                       const char *s2)
{
    pl_raw r;
    memset(&r, 0xab, sizeof r);
    pl_error e = {0};
    ck_assert_int_eq(pl_idx_load(img, lab, &r, &e), PL_EINPUT);
    ck_assert_int_eq(e.code, PL_EINPUT);
    ck_assert_msg(strncmp(e.msg, file, strlen(file)) == 0, "message \"%s\" does not start "
                  "with \"%s\"", e.msg, file);
    if (s1)
        TU_ASSERT_HAS(e.msg, s1);
    if (s2)
        TU_ASSERT_HAS(e.msg, s2);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_ptr_null(r.pix);
    ck_assert_ptr_null(r.label);
}

static void check_images3(const pl_raw *r)
{
    ck_assert_uint_eq(r->n, 3);
    ck_assert_uint_eq(r->height, 2);
    ck_assert_uint_eq(r->width, 3);
    ck_assert_uint_eq(r->dim, 6);
    for (size_t i = 0; i < 3; i++)
        for (size_t p = 0; p < 6; p++)
            ck_assert_uint_eq(r->pix[i * 6 + p], 10 * i + p);
    ck_assert_uint_eq(r->label[0], 7);
    ck_assert_uint_eq(r->label[1], 0);
    ck_assert_uint_eq(r->label[2], 9);
}

START_TEST(test_plain)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("img", &fi, img);
    write_plain("lab", &fl, lab);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_idx_load(img, lab, &r, &e), PL_OK);
    check_images3(&r);
    pl_raw_free(&r);
    ck_assert_ptr_null(r.pix);
    pl_raw_free(&r);   /* twice is harmless */
}
END_TEST

START_TEST(test_gzip)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_gz("img.gz", fi.b, fi.n, img);
    write_gz("lab.gz", fl.b, fl.n, lab);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_idx_load(img, lab, &r, &e), PL_OK);
    check_images3(&r);
    pl_raw_free(&r);
    /* Mixed: gzip images, plain labels. */
    write_plain("lab", &fl, lab);
    ck_assert_int_eq(pl_idx_load(img, lab, &r, &e), PL_OK);
    check_images3(&r);
    pl_raw_free(&r);
}
END_TEST

/* A gzip file of several members (as `cat a.gz b.gz` makes, or gzip's
 * append mode): the members' data one after the other, the cut anywhere,
 * even inside the header; bytes after the last member that do not start
 * another are ignored (as zlib's gzread does); a second member cut short is
 * "truncated". */
START_TEST(test_gzip_members)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("lab", &fl, lab);
    for (size_t cut = 0; cut <= fi.n; cut += 5) {
        snprintf(img, sizeof img, "%s/multi.gz", dir);
        for (int part = 0; part < 2; part++) {
            gzFile gz = gzopen(img, part ? "ab" : "wb");
            ck_assert_ptr_nonnull(gz);
            const size_t n = part ? fi.n - cut : cut;
            if (n)
                ck_assert_int_eq(gzwrite(gz, fi.b + (part ? cut : 0), (unsigned)n), (int)n);
            ck_assert_int_eq(gzclose(gz), Z_OK);
        }
        pl_raw r;
        pl_error e = {0};
        ck_assert_msg(pl_idx_load(img, lab, &r, &e) == PL_OK, "cut %zu: %s", cut, e.msg);
        check_images3(&r);
        pl_raw_free(&r);
    }
    /* trailing bytes that are no gzip member */
    FILE *f = fopen(img, "ab");
    ck_assert_ptr_nonnull(f);
    fputs("not gzip", f);
    fclose(f);
    pl_raw r;
    pl_error e = {0};
    ck_assert_msg(pl_idx_load(img, lab, &r, &e) == PL_OK, "%s", e.msg);
    check_images3(&r);
    pl_raw_free(&r);
    /* the second member of two cut short */
    char raw[8192];
    FILE *g = fopen(img, "rb");
    ck_assert_ptr_nonnull(g);
    const size_t n = fread(raw, 1, sizeof raw, g);
    fclose(g);
    char cutpath[4200];
    tu_write(dir, "cut2.gz", raw, n - strlen("not gzip") - 6, cutpath, sizeof cutpath);
    load_fails(cutpath, lab, cutpath, "gzip", "truncated");
}
END_TEST

/* A large image file (1000 rows of 28 x 28 noise, 784 KB: igzip reads it
 * 128 KiB at a time) in seven gzip members of uneven sizes, their headers
 * carrying names (gzip -N's FNAME field): member and header boundaries fall
 * across the reads; every pixel equals the plain file's. */
START_TEST(test_gzip_members_large)
{
    enum { N = 1000, D = 784 };
    const size_t hdr = 16, total = hdr + (size_t)N * D;
    uint8_t *raw = malloc(total);
    ck_assert_ptr_nonnull(raw);
    const uint32_t h[4] = { 0x803, N, 28, 28 };
    for (int q = 0; q < 4; q++)
        for (int b = 0; b < 4; b++)
            raw[4 * q + b] = (uint8_t)(h[q] >> (24 - 8 * b));
    uint64_t seed = 99;
    for (size_t q = hdr; q < total; q++)
        raw[q] = (uint8_t)(tu_rand(&seed) >> 56);
    uint8_t labels[8 + N];
    const uint32_t lh[2] = { 0x801, N };
    for (int q = 0; q < 2; q++)
        for (int b = 0; b < 4; b++)
            labels[4 * q + b] = (uint8_t)(lh[q] >> (24 - 8 * b));
    for (int i = 0; i < N; i++)
        labels[8 + i] = (uint8_t)(i % 10);
    char img[4200], lab[4200], plain[4200];
    tu_write(dir, "big-lab", labels, sizeof labels, lab, sizeof lab);
    tu_write(dir, "big-img", raw, total, plain, sizeof plain);
    snprintf(img, sizeof img, "%s/big.gz", dir);
    const size_t cuts[8] = { 0, 7, 131000, 131080, 262144, 400001, 650000, total };
    FILE *f = fopen(img, "wb");
    ck_assert_ptr_nonnull(f);
    for (int m = 0; m < 7; m++) {   /* a header with FNAME; noise stays about its size */
        const size_t a = cuts[m], n = cuts[m + 1] - a;
        z_stream z;
        memset(&z, 0, sizeof z);
        ck_assert_int_eq(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        gz_header gh;
        memset(&gh, 0, sizeof gh);
        char name[32];
        snprintf(name, sizeof name, "part-%d.idx", m);
        gh.name = (Bytef *)name;
        ck_assert_int_eq(deflateSetHeader(&z, &gh), Z_OK);
        const uLong cap = deflateBound(&z, (uLong)n) + 64;
        uint8_t *out = malloc(cap);
        ck_assert_ptr_nonnull(out);
        z.next_in = raw + a;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
        ck_assert_uint_eq(fwrite(out, 1, z.total_out, f), z.total_out);
        deflateEnd(&z);
        free(out);
    }
    fclose(f);
    pl_raw r, want;
    pl_error e = {0};
    ck_assert_msg(pl_idx_load(img, lab, &r, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(pl_idx_load(plain, lab, &want, &e), PL_OK);
    ck_assert_uint_eq(r.n, N);
    ck_assert_uint_eq(r.dim, D);
    ck_assert(memcmp(r.pix, want.pix, (size_t)N * D) == 0);
    ck_assert(memcmp(r.pix, raw + hdr, (size_t)N * D) == 0);
    pl_raw_free(&r);
    pl_raw_free(&want);
    free(raw);
}
END_TEST

START_TEST(test_bad_magic)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    fi.b[3] = 0x02;
    write_plain("img", &fi, img);
    write_plain("lab", &fl, lab);
    load_fails(img, lab, img, "offset 0: magic number 0x00000802", "expected 0x00000803");

    fi = images3();
    write_plain("img", &fi, img);
    fl.b[2] = 0x0d;   /* a float IDX file */
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "offset 0: magic number 0x00000d01", "expected 0x00000801");

    /* A CSV file given as IDX gets a hint. */
    tu_write(dir, "img", "label,p0\n1,2\n", 13, img, sizeof img);
    write_plain("lab", &fl, lab);
    load_fails(img, lab, img, "offset 0: magic number 0x6c616265", "a CSV file?");
}
END_TEST

START_TEST(test_swapped)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("img", &fi, img);
    write_plain("lab", &fl, lab);
    load_fails(lab, img, lab, "offset 0", "swapped");
}
END_TEST

START_TEST(test_zero_dims)
{
    static const struct {
        int which;
        const char *what;
    } cases[] = {{1, "offset 4: image count is 0"}, {2, "offset 8: rows per image is 0"},
                 {3, "offset 12: columns per image is 0"}};
    char img[4200], lab[4200];
    idx_buf fl = labels3();
    write_plain("lab", &fl, lab);
    for (size_t i = 0; i < 3; i++) {
        idx_buf fi = images3();
        memset(fi.b + 4 * cases[i].which, 0, 4);
        write_plain("img", &fi, img);
        load_fails(img, lab, img, cases[i].what, NULL);
    }
    idx_buf fi = images3();
    write_plain("img", &fi, img);
    memset(fl.b + 4, 0, 4);
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "offset 4: label count is 0", NULL);
}
END_TEST

START_TEST(test_huge_sizes)
{
    /* Headers only: a loader that trusted them would malloc terabytes. */
    char img[4200], lab[4200];
    idx_buf fl = labels3();
    write_plain("lab", &fl, lab);
    idx_buf fi = {.n = 0};
    put32(&fi, 0x803);
    put32(&fi, 0xffffffffu);
    put32(&fi, 0xffffffffu);
    put32(&fi, 0xffffffffu);
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 8", "exceed the limit");

    fi.n = 0;
    put32(&fi, 0x803);
    put32(&fi, 100000);
    put32(&fi, 1000);
    put32(&fi, 1000);
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 4: 100000 images of 1000 x 1000", "exceed the limit");

    /* 2^32-1 images of 28 x 28: the product needs more than 32 bits. */
    fi.n = 0;
    put32(&fi, 0x803);
    put32(&fi, 0xffffffffu);
    put32(&fi, 28);
    put32(&fi, 28);
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 4", "exceed the limit");
}
END_TEST

/* Loads the pair of paths in arg[0], arg[1]: 0 when it is refused as cut
 * short (PL_EINPUT "data ends"), 11 otherwise (12 for PL_ENOMEM). */
static int load_is_cut_short(void *arg)
{
    char **paths = arg;
    pl_raw r;
    pl_error e;
    int rc = pl_idx_load(paths[0], paths[1], &r, &e);
    return rc == PL_EINPUT && strstr(e.msg, "data ends") ? 0 : rc == PL_ENOMEM ? 12 : 11;
}

/* Headers that claim the most the loader accepts (2^31 pixels) over files
 * that hold a few bytes of it: refused as cut short with 64 MiB to allocate
 * (the loader used to malloc 2 GiB of pixels, and as many labels, from the
 * headers alone). */
START_TEST(test_claims_cost_no_memory)
{
    char img[4200], lab[4200];
    char *paths[2] = { img, lab };
    const uint32_t dims[2][3] = { { 32768, 256, 256 }, { 1u << 31, 1, 1 } };
    for (int k = 0; k < 2; k++) {
        idx_buf fi = {.n = 0}, fl = {.n = 0};
        put32(&fi, 0x803);
        for (int d = 0; d < 3; d++)
            put32(&fi, dims[k][d]);
        put(&fi, (const uint8_t[]){ 1, 2, 3 }, 3);
        put32(&fl, 0x801);
        put32(&fl, dims[k][0]);
        write_plain("img", &fi, img);
        write_plain("lab", &fl, lab);
        int got = tu_with_memory_limit(load_is_cut_short, paths, 64);
        ck_assert_msg(got == 0, "case %d: %s (%d)", k, got == 12 ? "out of memory"
                      : got == 11 ? "not refused as cut short" : "died (allocation failed)",
                      got);
        write_gz("img.gz", fi.b, fi.n, img);
        got = tu_with_memory_limit(load_is_cut_short, paths, 64);
        ck_assert_msg(got == 0, "case %d, gzip: %d", k, got);
    }
}
END_TEST

START_TEST(test_count_mismatch)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = {.n = 0};
    put32(&fl, 0x801);
    put32(&fl, 2);
    put(&fl, (const uint8_t[]){1, 2}, 2);
    write_plain("img", &fi, img);
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "2 labels", "3 images");
}
END_TEST

START_TEST(test_truncated)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("lab", &fl, lab);
    fi.n = 16 + 10;   /* 10 of the 18 pixel bytes */
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 26: data ends after 10 of 18 bytes",
               "34 bytes in all");

    /* The same inside gzip: the stream is complete, the data is short. */
    write_gz("img.gz", fi.b, fi.n, img);
    load_fails(img, lab, img, "offset 26", "10 of 18 bytes");

    /* A header cut short. */
    fi.n = 10;
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 10: file ends inside the header", "16");

    /* Labels short by one. */
    fi = images3();
    write_plain("img", &fi, img);
    fl.n -= 1;
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "offset 10: data ends after 2 of 3 bytes", NULL);
}
END_TEST

START_TEST(test_gzip_damaged)
{
    char img[4200], lab[4200], raw[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("lab", &fl, lab);
    /* Pixels that do not compress well, so the cut lands inside the data. */
    for (size_t i = 16; i < fi.n; i++)
        fi.b[i] = (uint8_t)(i * 97 + 13);
    write_gz("img.gz", fi.b, fi.n, img);
    FILE *f = fopen(img, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(raw, 1, sizeof raw, f);
    fclose(f);
    ck_assert_uint_gt(n, 20);

    /* Cut off the trailer and part of the deflate stream. */
    tu_write(dir, "cut.gz", raw, n - 12, img, sizeof img);
    load_fails(img, lab, img, "gzip", "truncated");

    /* Corrupt the deflate stream (the header is 10 bytes). */
    for (size_t i = 10; i < n - 8; i++)
        raw[i] ^= 0x5a;
    tu_write(dir, "bad.gz", raw, n, img, sizeof img);
    load_fails(img, lab, img, "offset", "gzip");
}
END_TEST

START_TEST(test_trailing)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("lab", &fl, lab);
    put(&fi, (const uint8_t[]){0, 0}, 2);
    write_plain("img", &fi, img);
    load_fails(img, lab, img, "offset 34: trailing bytes", "3 images of 2 x 3");

    fi = images3();
    write_plain("img", &fi, img);
    put(&fl, (const uint8_t[]){1}, 1);
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "offset 11: trailing bytes", NULL);
}
END_TEST

START_TEST(test_bad_label)
{
    char img[4200], lab[4200];
    idx_buf fi = images3(), fl = labels3();
    write_plain("img", &fi, img);
    fl.b[8 + 1] = 12;
    write_plain("lab", &fl, lab);
    load_fails(img, lab, lab, "offset 9: label 12 of image 1", "0..9");
}
END_TEST

START_TEST(test_empty)
{
    char img[4200], lab[4200];
    idx_buf fl = labels3();
    write_plain("lab", &fl, lab);
    tu_write(dir, "img", "", 0, img, sizeof img);
    load_fails(img, lab, img, "empty file", "IDX images");

    idx_buf fi = images3();
    write_plain("img", &fi, img);
    write_gz("lab.gz", "", 0, lab);   /* an empty gzip stream */
    load_fails(img, lab, lab, "empty file", "IDX labels");
}
END_TEST

START_TEST(test_missing)
{
    char img[4200], lab[4200];
    idx_buf fi = images3();
    write_plain("img", &fi, img);
    snprintf(lab, sizeof lab, "%s/nope", dir);
    pl_raw r;
    pl_error e = {0};
    ck_assert_int_eq(pl_idx_load(img, lab, &r, &e), PL_EINPUT);
    ck_assert_msg(strncmp(e.msg, lab, strlen(lab)) == 0, "%s", e.msg);
    TU_ASSERT_HAS(e.msg, "No such file");
    ck_assert_ptr_null(r.pix);
    ck_assert_int_eq(pl_idx_load(dir, lab, &r, &e), PL_EINPUT);   /* a directory */
    TU_ASSERT_HAS(e.msg, dir);
    TU_ASSERT_HAS(e.msg, "is a directory, not a data file");
}

/* Endless and special files are refused at once, never read: /dev/zero
 * (hashing or parsing it would never end) and a FIFO (opening it would wait
 * for a writer for ever). */
START_TEST(test_special_files_refused)
{
    char fifo[4200], lab[4200];
    idx_buf fl = labels3();
    write_plain("lab", &fl, lab);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pl_raw r;
    pl_error e = {0};
    char hex[65];
    ck_assert_int_eq(pl_idx_load("/dev/zero", lab, &r, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "/dev/zero: is a character device, not a data file");
    ck_assert_int_eq(pl_sha256_file("/dev/zero", hex, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "character device");
    ck_assert_int_eq(pl_idx_load(fifo, lab, &r, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "is a pipe (FIFO), not a data file");
    ck_assert_int_eq(pl_sha256_file(fifo, hex, &e), PL_EINPUT);
    ck_assert_int_eq(pl_csv_load(fifo, &(pl_csv_opts){ .label = 0, .header = PL_CSV_HEADER_AUTO }, &r, &e),
                     PL_EINPUT);
    ck_assert_ptr_null(r.pix);
}
END_TEST

/* The real MNIST test set, which `make test` fetches: fails if it is missing. */
START_TEST(test_mnist_10k)
{
    static const size_t want[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    pl_raw r;
    pl_error e = {0};
    int rc = pl_idx_load(TU_MNIST_DIR "/t10k-images-idx3-ubyte.gz",
                         TU_MNIST_DIR "/t10k-labels-idx1-ubyte.gz", &r, &e);
    ck_assert_msg(rc == PL_OK, "%s (run `make data` to fetch MNIST)", e.msg);
    ck_assert_uint_eq(r.n, 10000);
    ck_assert_uint_eq(r.height, 28);
    ck_assert_uint_eq(r.width, 28);
    ck_assert_uint_eq(r.dim, PL_PIXELS);
    size_t count[10] = {0}, total = 0;
    for (size_t i = 0; i < r.n; i++) {
        ck_assert_uint_le(r.label[i], 9);
        count[r.label[i]]++;
    }
    for (int d = 0; d < 10; d++) {
        ck_assert_uint_eq(count[d], want[d]);
        total += count[d];
    }
    ck_assert_uint_eq(total, 10000);
    /* The first test digits are famously 7, 2, 1, 0, 4. */
    ck_assert_uint_eq(r.label[0], 7);
    ck_assert_uint_eq(r.label[1], 2);
    ck_assert_uint_eq(r.label[2], 1);
    ck_assert_uint_eq(r.label[3], 0);
    ck_assert_uint_eq(r.label[4], 4);
    /* Borders are blank; the middle of an image is not. */
    ck_assert_uint_eq(r.pix[0], 0);
    size_t ink = 0;
    for (size_t p = 0; p < PL_PIXELS; p++)
        ink += r.pix[p] > 0;
    ck_assert_uint_gt(ink, 50);
    pl_raw_free(&r);
}
END_TEST

Suite *suite_idx(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_gzip);
    tcase_add_test(tc, test_gzip_members);
    tcase_add_test(tc, test_gzip_members_large);
    tcase_add_test(tc, test_bad_magic);
    tcase_add_test(tc, test_swapped);
    tcase_add_test(tc, test_zero_dims);
    tcase_add_test(tc, test_huge_sizes);
    tcase_add_test(tc, test_claims_cost_no_memory);
    tcase_add_test(tc, test_count_mismatch);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_gzip_damaged);
    tcase_add_test(tc, test_trailing);
    tcase_add_test(tc, test_bad_label);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_missing);
    tcase_add_test(tc, test_special_files_refused);
    tcase_add_test(tc, test_mnist_10k);
    suite_add_tcase(s, tc);
    return s;
}
