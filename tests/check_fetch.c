/*
 * check_fetch.c - SHA-256 against the FIPS 180-4 / NIST example vectors, file
 * digests, and pl_fetch from local mirrors the tests build: verified copies,
 * rejected wrong digests, re-fetching a damaged file, and no temporary file
 * left behind in any case.
 *
 * The good MNIST bytes come from the repository's data/mnist copy (which
 * `make test` fetches), used as a local mirror; nothing here needs a network.
 */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "parlogit/data.h"
#include "testutil.h"
#include "util/sha256.h"

#define T10K_LABELS "t10k-labels-idx1-ubyte.gz"
#define TRAIN_LABELS "train-labels-idx1-ubyte.gz"

static char dir[4096];

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* Digest of data fed in pieces of `step` bytes (exercises the block buffer). */
static void digest(const void *data, size_t n, size_t step, char hex[65])
{
    pl_sha256 s;
    uint8_t d[32];
    pl_sha256_init(&s);
    for (size_t i = 0; i < n; i += step)
        pl_sha256_update(&s, (const char *)data + i, n - i < step ? n - i : step);
    pl_sha256_final(&s, d);
    pl_sha256_hex(d, hex);
}

START_TEST(test_sha256_vectors)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
         "klmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    const int was = pl_sha256_accel(-1);
    for (int accel = 0; accel <= 1; accel++) {   /* the portable code, then the SHA instructions */
        pl_sha256_accel(accel);
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            size_t n = strlen(v[i].msg);
            for (size_t step = 1; step <= 65; step += 7) {
                digest(v[i].msg, n, step, hex);
                ck_assert_str_eq(hex, v[i].hex);
            }
            digest(v[i].msg, n, n ? n : 1, hex);
            ck_assert_str_eq(hex, v[i].hex);
        }
    }
    pl_sha256_accel(was);
}
END_TEST

START_TEST(test_sha256_million)
{
    static const char want[] =
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    size_t n = 1000000;
    char *a = malloc(n), hex[65];
    ck_assert_ptr_nonnull(a);
    memset(a, 'a', n);
    const int was = pl_sha256_accel(-1);
    for (int accel = 0; accel <= 1; accel++) {
        pl_sha256_accel(accel);
        digest(a, n, n, hex);
        ck_assert_str_eq(hex, want);
        digest(a, n, 1000, hex);
        ck_assert_str_eq(hex, want);
        digest(a, n, 4099, hex);
        ck_assert_str_eq(hex, want);
    }
    pl_sha256_accel(was);
    /* And through a file. */
    char path[4200];
    pl_error e = {0};
    tu_write(dir, "a", a, n, path, sizeof path);
    ck_assert_int_eq(pl_sha256_file(path, hex, &e), PL_OK);
    ck_assert_str_eq(hex, want);
    free(a);
    snprintf(path, sizeof path, "%s/none", dir);
    ck_assert_int_eq(pl_sha256_file(path, hex, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, path);
}
END_TEST

/* The SHA-instruction compression against the portable one on random
 * messages of every length up to a few blocks, fed whole and in pieces. */
START_TEST(test_sha256_accel_matches)
{
    const int was = pl_sha256_accel(-1);
    if (!pl_sha256_accel(1))
        fprintf(stderr, "check_fetch: this CPU has no SHA instructions; the portable SHA-256 "
                        "alone is checked\n");
    uint64_t seed = 5;
    unsigned char msg[300];
    for (size_t n = 0; n <= sizeof msg; n++) {
        for (size_t i = 0; i < n; i++)
            msg[i] = (unsigned char)tu_rand(&seed);
        const size_t step = 1 + tu_rand(&seed) % 97;
        char a[65], b[65], c[65];
        pl_sha256_accel(0);
        digest(msg, n, n ? n : 1, a);
        pl_sha256_accel(1);
        digest(msg, n, n ? n : 1, b);
        digest(msg, n, step, c);
        ck_assert_msg(!strcmp(a, b) && !strcmp(a, c), "length %zu: %s vs %s vs %s", n, a, b, c);
    }
    pl_sha256_accel(was);
}
END_TEST

START_TEST(test_mnist_names)
{
    ck_assert_str_eq(pl_mnist_sha256("t10k-images-idx3-ubyte.gz"),
                     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6");
    ck_assert_str_eq(pl_mnist_sha256(TRAIN_LABELS),
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c");
    ck_assert_ptr_nonnull(pl_mnist_sha256("train-images-idx3-ubyte.gz"));
    ck_assert_ptr_null(pl_mnist_sha256("t10k-labels-idx1-ubyte"));
    ck_assert_ptr_null(pl_mnist_sha256("mnist_train.csv"));
    /* The repository's copies match the published digests. */
    char hex[65];
    pl_error e = {0};
    ck_assert_msg(pl_sha256_file(TU_MNIST_DIR "/" T10K_LABELS, hex, &e) == PL_OK, "%s",
                  e.msg);
    ck_assert_str_eq(hex, pl_mnist_sha256(T10K_LABELS));
}
END_TEST

/* Fails if d holds anything but the names listed (NULL-terminated): catches
 * temporary files left behind. */
static void only_files(const char *d, const char *const *names)
{
    DIR *h = opendir(d);
    ck_assert_ptr_nonnull(h);
    struct dirent *de;
    while ((de = readdir(h))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int known = 0;
        for (const char *const *n = names; *n; n++)
            known |= !strcmp(*n, de->d_name);
        ck_assert_msg(known, "unexpected file '%s' in %s", de->d_name, d);
    }
    closedir(h);
}

static void read_all(const char *path, char *buf, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    *n = fread(buf, 1, cap, f);
    fclose(f);
}

START_TEST(test_fetch_local)
{
    char target[4200], path[4200];
    snprintf(target, sizeof target, "%s/deep/er", dir);   /* made with mkdir -p */
    int fetched = -1;
    pl_error e = {0};
    ck_assert_msg(pl_fetch(target, T10K_LABELS, TU_MNIST_DIR, &fetched, &e) == PL_OK, "%s",
                  e.msg);
    ck_assert_int_eq(fetched, 1);
    snprintf(path, sizeof path, "%s/%s", target, T10K_LABELS);
    char hex[65];
    ck_assert_int_eq(pl_sha256_file(path, hex, &e), PL_OK);
    ck_assert_str_eq(hex, pl_mnist_sha256(T10K_LABELS));
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    only_files(target, (const char *const[]){T10K_LABELS, ".parlogit-fetched", NULL});
    /* Present and good: nothing to do. */
    ck_assert_int_eq(pl_fetch(target, T10K_LABELS, TU_MNIST_DIR, &fetched, &e), PL_OK);
    ck_assert_int_eq(fetched, 0);
    /* A file:// mirror is a local directory too. */
    char cwd[PATH_MAX], url[PATH_MAX + 64];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(url, sizeof url, "file://%s/%s/", cwd, TU_MNIST_DIR);
    ck_assert_msg(pl_fetch(dir, T10K_LABELS, url, &fetched, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(fetched, 1);
    ck_assert_int_eq(pl_fetch(dir, T10K_LABELS, url, NULL, &e), PL_OK);   /* NULL ok */
}
END_TEST

START_TEST(test_fetch_wrong_digest)
{
    /* A mirror whose "train labels" are junk: rejected, nothing placed. */
    char mirror[4200], target[4200], path[4200];
    snprintf(mirror, sizeof mirror, "%s/mirror", dir);
    snprintf(target, sizeof target, "%s/data", dir);
    ck_assert_int_eq(mkdir(mirror, 0755), 0);
    tu_write(mirror, TRAIN_LABELS, "not mnist", 9, path, sizeof path);
    char junk[65];
    pl_error e = {0};
    ck_assert_int_eq(pl_sha256_file(path, junk, &e), PL_OK);
    int fetched = -1;
    ck_assert_int_eq(pl_fetch(target, TRAIN_LABELS, mirror, &fetched, &e), PL_EIO);
    ck_assert_int_eq(fetched, 0);
    TU_ASSERT_HAS(e.msg, TRAIN_LABELS);
    TU_ASSERT_HAS(e.msg, mirror);
    TU_ASSERT_HAS(e.msg, junk);                              /* what it got      */
    TU_ASSERT_HAS(e.msg, pl_mnist_sha256(TRAIN_LABELS));     /* what it expected */
    only_files(target, (const char *const[]){NULL});      /* no temp, no file */

    /* A file the mirror does not have. */
    ck_assert_int_eq(pl_fetch(target, T10K_LABELS, mirror, &fetched, &e), PL_EIO);
    TU_ASSERT_HAS(e.msg, mirror);
    TU_ASSERT_HAS(e.msg, "No such file");
    only_files(target, (const char *const[]){NULL});
}
END_TEST

START_TEST(test_fetch_refetch_damaged)
{
    /* A file parlogit fetched, damaged since: replaced, not used. */
    char path[4200], mirror[4200], buf[8192];
    int fetched = -1;
    pl_error e = {0};
    ck_assert_msg(pl_fetch(dir, T10K_LABELS, TU_MNIST_DIR, &fetched, &e) == PL_OK, "%s",
                  e.msg);
    ck_assert_int_eq(fetched, 1);
    tu_write(dir, T10K_LABELS, "damaged", 7, path, sizeof path);
    ck_assert_msg(pl_fetch(dir, T10K_LABELS, TU_MNIST_DIR, &fetched, &e) == PL_OK, "%s",
                  e.msg);
    ck_assert_int_eq(fetched, 1);
    char hex[65];
    ck_assert_int_eq(pl_sha256_file(path, hex, &e), PL_OK);
    ck_assert_str_eq(hex, pl_mnist_sha256(T10K_LABELS));
    only_files(dir, (const char *const[]){T10K_LABELS, ".parlogit-fetched", NULL});

    /* Damaged and no good mirror: an error that says so, a line per mirror and
     * how to fetch by hand; the file is untouched. */
    snprintf(mirror, sizeof mirror, "%s/mirror", dir);
    ck_assert_int_eq(mkdir(mirror, 0755), 0);
    tu_write(mirror, T10K_LABELS, "also bad", 8, buf, sizeof buf);
    tu_write(dir, T10K_LABELS, "damaged", 7, path, sizeof path);
    ck_assert_int_eq(pl_fetch(dir, T10K_LABELS, mirror, &fetched, &e), PL_EIO);
    TU_ASSERT_HAS(e.msg, "present copy (fetched by parlogit)");
    TU_ASSERT_HAS(e.msg, "cannot fetch it:\n");
    TU_ASSERT_HAS(e.msg, "\n  ");
    TU_ASSERT_HAS(e.msg, "fetch t10k-labels-idx1-ubyte.gz by hand into");
    TU_ASSERT_HAS(e.msg, "or set MNIST_MIRROR");
    size_t n;
    read_all(path, buf, sizeof buf, &n);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(memcmp(buf, "damaged", 7), 0);
    only_files(dir, (const char *const[]){T10K_LABELS, ".parlogit-fetched", "mirror", NULL});
}
END_TEST

/* A file of the user's under one of MNIST's names (another data set
 * published under it, or their own): used as it is, never replaced or
 * fetched over, even with a working mirror (issue 16: it was downloaded over). */
START_TEST(test_fetch_keeps_users_file)
{
    char path[4200], buf[64];
    tu_write(dir, T10K_LABELS, "my labels", 9, path, sizeof path);
    int fetched = -1;
    pl_error e = {0};
    ck_assert_msg(pl_fetch(dir, T10K_LABELS, TU_MNIST_DIR, &fetched, &e) == PL_OK, "%s",
                  e.msg);
    ck_assert_int_eq(fetched, PL_FETCH_NOT_MNIST);
    size_t n;
    read_all(path, buf, sizeof buf, &n);
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(memcmp(buf, "my labels", 9), 0);
    only_files(dir, (const char *const[]){T10K_LABELS, NULL});
}
END_TEST

START_TEST(test_fetch_unknown_name)
{
    /* A name with no published digest: copied as is, and left alone once there. */
    char mirror[4200], path[4200], buf[64];
    snprintf(mirror, sizeof mirror, "%s/mirror", dir);
    ck_assert_int_eq(mkdir(mirror, 0755), 0);
    tu_write(mirror, "mine.csv", "1,2,3\n", 6, path, sizeof path);
    char target[4200];
    snprintf(target, sizeof target, "%s/out", dir);
    int fetched = -1;
    pl_error e = {0};
    ck_assert_int_eq(pl_fetch(target, "mine.csv", mirror, &fetched, &e), PL_OK);
    ck_assert_int_eq(fetched, 1);
    snprintf(path, sizeof path, "%s/mine.csv", target);
    size_t n;
    read_all(path, buf, sizeof buf, &n);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(pl_fetch(target, "mine.csv", mirror, &fetched, &e), PL_OK);
    ck_assert_int_eq(fetched, 0);
    /* Not a plain name. */
    ck_assert_int_eq(pl_fetch(target, "../x", mirror, &fetched, &e), PL_EINPUT);
}
END_TEST

START_TEST(test_fetch_url_fails)
{
    /* A URL mirror nobody answers: curl's failure is reported, nothing left. */
    int fetched = -1;
    pl_error e = {0};
    const char *url = "http://127.0.0.1:9/mnist/";
    ck_assert_int_eq(pl_fetch(dir, T10K_LABELS, url, &fetched, &e), PL_EIO);
    ck_assert_int_eq(fetched, 0);
    TU_ASSERT_HAS(e.msg, url);
    TU_ASSERT_HAS(e.msg, "curl");
    only_files(dir, (const char *const[]){NULL});
}
END_TEST

/* A mirror whose file is a FIFO (or a device) is a failed mirror with a
 * reason, at once: copying it would wait, or run, for ever. */
START_TEST(test_fetch_special_mirror_file)
{
    char mirror[4200], fifo[4300];
    snprintf(mirror, sizeof mirror, "%s/mirror", dir);
    ck_assert_int_eq(mkdir(mirror, 0755), 0);
    snprintf(fifo, sizeof fifo, "%s/%s", mirror, T10K_LABELS);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int fetched = -1;
    pl_error e = {0};
    ck_assert_int_eq(pl_fetch(dir, T10K_LABELS, mirror, &fetched, &e), PL_EIO);
    TU_ASSERT_HAS(e.msg, "is a pipe (FIFO), not a data file");
    only_files(dir, (const char *const[]){"mirror", NULL});
}
END_TEST

Suite *suite_fetch(void)
{
    Suite *s = suite_create("fetch");
    TCase *tc = tcase_create("fetch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_sha256_vectors);
    tcase_add_test(tc, test_sha256_million);
    tcase_add_test(tc, test_sha256_accel_matches);
    tcase_add_test(tc, test_mnist_names);
    tcase_add_test(tc, test_fetch_local);
    tcase_add_test(tc, test_fetch_wrong_digest);
    tcase_add_test(tc, test_fetch_keeps_users_file);
    tcase_add_test(tc, test_fetch_refetch_damaged);
    tcase_add_test(tc, test_fetch_unknown_name);
    tcase_add_test(tc, test_fetch_url_fails);
    tcase_add_test(tc, test_fetch_special_mirror_file);
    suite_add_tcase(s, tc);
    return s;
}
