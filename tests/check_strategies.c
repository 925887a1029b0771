/*
 * check_strategies.c - the fused strategy (float link, non-zero pixels, all
 * models per pass) and the data strategy (double link, one model at a time)
 * give the same models for one config on MNIST's real 10k set (issue 14,
 * defect 8): 3-rest and 1-7 at learning rates 0.1, 1 and 50 for 1000
 * iterations.  The bound the README states: the same status for every model
 * (a diverging one is "diverged" under both), training and test losses within
 * 1e-4 relative, test accuracies within one test row.  Measured here: 1e-7
 * relative at lr 0.1 and 1, 7e-6 at lr 50; 3-rest at lr 50 diverges in both.
 */
#include <limits.h>
#include <math.h>

#include "parlogit/report.h"
#include "testutil.h"

static void train(const char *tmp, const char *strategy, pl_result_row **rows, size_t *n)
{
    char data[PATH_MAX], text[4096], ini[PATH_MAX + 64], cmd[8192], out[16384];
    tu_mnist_dir(data, sizeof data);
    int len = snprintf(text, sizeof text,
                       "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                       "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                       "train_rows = 0:8000\ntest_rows = 8000:10000\n[task]\n"
                       "pairs = 3-rest, 1-7\n[train]\nlearning_rates = 0.1, 1, 50\n"
                       "iterations = 1000\n[engine]\nstrategy = %s\n", data, strategy);
    tu_write(tmp, "s.ini", text, (size_t)len, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/%s", tu_bin(), ini, tmp, strategy);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    char path[PATH_MAX + 64];
    pl_error e = { 0 };
    snprintf(path, sizeof path, "%s/%s/results.csv", tmp, strategy);
    ck_assert_msg(pl_read_results(path, rows, n, &e) == 0, "%s", e.msg);
}

START_TEST(test_fused_and_data_agree_at_every_rate)
{
    char tmp[PATH_MAX];
    tu_tmpdir(tmp, sizeof tmp);
    pl_result_row *f, *d;
    size_t nf, nd;
    train(tmp, "fused", &f, &nf);
    train(tmp, "data", &d, &nd);
    ck_assert_uint_eq(nf, 6);
    ck_assert_uint_eq(nd, 6);
    int diverged = 0;
    for (size_t i = 0; i < nf; i++) {
        ck_assert_str_eq(f[i].model, d[i].model);
        ck_assert_msg(!strcmp(f[i].status, d[i].status), "%s: fused %s, data %s", f[i].model,
                      f[i].status, d[i].status);
        if (strcmp(f[i].status, "ok")) {
            diverged++;
            continue;
        }
        ck_assert_msg(fabs(f[i].train_loss - d[i].train_loss) <= 1e-4 * d[i].train_loss,
                      "%s: train loss fused %.9g, data %.9g", f[i].model, f[i].train_loss,
                      d[i].train_loss);
        ck_assert_msg(fabs(f[i].test_loss - d[i].test_loss) <= 1e-4 * d[i].test_loss,
                      "%s: test loss fused %.9g, data %.9g", f[i].model, f[i].test_loss,
                      d[i].test_loss);
        ck_assert_msg(fabs(f[i].test_acc - d[i].test_acc) * 2000 <= 1.0 + 1e-9,
                      "%s: test accuracy fused %.6f, data %.6f", f[i].model, f[i].test_acc,
                      d[i].test_acc);
    }
    /* lr 50 on 3-rest rises far above its start: reported, not chosen */
    ck_assert_int_ge(diverged, 1);
    free(f);
    free(d);
    tu_rmtree(tmp);
}
END_TEST

Suite *suite_strategies(void)
{
    Suite *s = suite_create("strategies");
    TCase *tc = tcase_create("strategies");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_fused_and_data_agree_at_every_rate);
    suite_add_tcase(s, tc);
    return s;
}
