/*
 * check_signal.c - signals at moments other than training (issue 14, defect 7):
 * SIGINT or SIGTERM while `parlogit train` is still loading its data ends with
 * exit 130 and a message saying nothing was trained, and no run directory.
 *
 * The data are a 60,000-row CSV the test writes itself (about 100 MB, about a
 * second to parse here), so that a signal sent 0.15 s after the start arrives
 * while the rows are read.  Before the handler was installed first, the
 * default action killed the process there without a word.
 */
#include <limits.h>
#include <sys/wait.h>

#include "testutil.h"

/* Writes DIR/big.csv: n rows "label,p0,...,p783" of random sparse pixels. */
static void write_big_csv(const char *dir, int n)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    uint64_t s = 7;
    for (int i = 0; i < n; i++) {
        fprintf(f, "%d", (int)(tu_rand(&s) % 10));
        for (int j = 0; j < 784; j++) {
            uint64_t r = tu_rand(&s);
            fprintf(f, ",%d", r % 5 == 0 ? (int)((r >> 8) % 256) : 0);
        }
        fputc('\n', f);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static void signal_while_loading(const char *sig)
{
    char tmp[PATH_MAX], cmd[8192], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    write_big_csv(tmp, 60000);
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[data]\ndir = %s\ntrain_images = big.csv\ntrain_labels =\ntest_images =\n"
             "test_labels =\nformat = csv\nsplit = fraction\ntest_fraction = 0.2\n"
             "[task]\npairs = 1-7\n[train]\nlearning_rates = 0.5\niterations = 2\n"
             "[output]\ndir = %s/run\n", tmp, tmp);
    char ipath[PATH_MAX + 32];
    tu_write(tmp, "big.ini", ini, strlen(ini), ipath, sizeof ipath);
    snprintf(cmd, sizeof cmd,
             "%s train %s --threads 2 & pid=$!; sleep 0.15; kill -%s $pid; "
             "wait $pid; echo \"exit=$?\"; ls %s", tu_bin(), ipath, sig, tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=130") != NULL, "%s", out);
    /* the shell reports a death by SIGINT as 130 too: the message tells them apart */
    TU_ASSERT_HAS(out, "interrupted before training started");
    ck_assert_msg(strstr(out, "\nrun\n") == NULL, "a run directory was written:\n%s", out);
    tu_rmtree(tmp);
}

START_TEST(test_signal_while_loading)
{
    signal_while_loading("INT");
    signal_while_loading("TERM");
}
END_TEST

Suite *suite_signal(void)
{
    Suite *s = suite_create("signal");
    TCase *tc = tcase_create("signal");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_signal_while_loading);
    suite_add_tcase(s, tc);
    return s;
}
