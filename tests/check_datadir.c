/*
 * check_datadir.c - where MNIST lives, through the binary (issue 16, item 3):
 * a config without data.dir fetches into and reads from the per-user data
 * directory ($PARLOGIT_DATA here) from any working directory; a file of the
 * user's under one of MNIST's names is used with a note, never fetched over;
 * a failed fetch says, one line per mirror, what failed and how to fetch by
 * hand.
 */
#include <limits.h>
#include <stdlib.h>

#include "testutil.h"

/* The binary's absolute path: the tests run it from another directory. */
static const char *bin(void)
{
    static char abs[PATH_MAX];
    ck_assert_msg(realpath(tu_bin(), abs) != NULL, "%s not found", tu_bin());
    return abs;
}

/* A config with no data.dir: the 10k set, rows 0:2000 and 2000:2500. */
static void write_config(const char *dir, char *path, size_t len)
{
    static const char text[] =
        "[data]\ntrain_images = t10k-images-idx3-ubyte.gz\n"
        "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
        "train_rows = 0:2000\ntest_rows = 2000:2500\n[train]\niterations = 3\n";
    tu_write(dir, "nodir.ini", text, sizeof text - 1, path, len);
}

START_TEST(test_per_user_data_dir)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[16384], out[16384], mnist[PATH_MAX];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(mnist, sizeof mnist);
    write_config(tmp, ini, sizeof ini);
    /* from another working directory, with the mirror: fetched into PARLOGIT_DATA */
    snprintf(cmd, sizeof cmd, "cd / && PARLOGIT_DATA=%s/pd MNIST_MIRROR=%s %s train %s --quiet "
             "--out %s/run && ls %s/pd/mnist", tmp, mnist, bin(), ini, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "fetched ");
    TU_ASSERT_HAS(out, "/pd/mnist/t10k-images-idx3-ubyte.gz (SHA-256 verified)");
    TU_ASSERT_HAS(out, "t10k-labels-idx1-ubyte.gz\n");
    /* XDG_CACHE_HOME when PARLOGIT_DATA is unset: a failed fetch names each mirror on
     * its own line and says how to fetch by hand */
    snprintf(cmd, sizeof cmd, "cd / && env -u PARLOGIT_DATA XDG_CACHE_HOME=%s/xdg "
             "MNIST_MIRROR=%s/nowhere %s train %s --quiet --out %s/run2", tmp, tmp, bin(), ini,
             tmp);
    ck_assert_int_ne(tu_run(cmd, out, sizeof out), 0);
    TU_ASSERT_HAS(out, "/xdg/parlogit/mnist/t10k-images-idx3-ubyte.gz: cannot fetch it:\n");
    TU_ASSERT_HAS(out, "/nowhere: ");
    TU_ASSERT_HAS(out, "fetch t10k-images-idx3-ubyte.gz by hand into");
    TU_ASSERT_HAS(out, "or set MNIST_MIRROR");
    tu_rmtree(tmp);
}
END_TEST

/* Another data set saved under MNIST's names (here: MNIST's 10k images with
 * every pixel inverted, a valid IDX file of another digest): trained on as
 * the user's data, with a note; the file is never replaced. */
START_TEST(test_users_file_under_mnist_name)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[16384], out[16384], mnist[PATH_MAX];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(mnist, sizeof mnist);
    write_config(tmp, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/pd/mnist && cp %s/t10k-labels-idx1-ubyte.gz "
             "%s/pd/mnist/ && %s -c 'import gzip; d = bytearray(gzip.open(\"%s/"
             "t10k-images-idx3-ubyte.gz\").read()); d[16:] = bytes(255 - v for v in d[16:]); "
             "gzip.open(\"%s/pd/mnist/t10k-images-idx3-ubyte.gz\", \"wb\").write(d)' && "
             "sha256sum %s/pd/mnist/t10k-images-idx3-ubyte.gz > %s/before", tmp, mnist, tmp,
             tu_python(), mnist, tmp, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "PARLOGIT_DATA=%s/pd MNIST_MIRROR=%s %s train %s --quiet --out "
             "%s/run && sha256sum -c %s/before", tmp, mnist, tu_bin(), ini, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "t10k-images-idx3-ubyte.gz is not MNIST's published file");
    TU_ASSERT_HAS(out, "used as your own data");
    TU_ASSERT_HAS(out, ": OK");
    tu_rmtree(tmp);
}
END_TEST

Suite *suite_datadir(void)
{
    Suite *s = suite_create("datadir");
    TCase *tc = tcase_create("datadir");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_per_user_data_dir);
    tcase_add_test(tc, test_users_file_under_mnist_name);
    suite_add_tcase(s, tc);
    return s;
}
