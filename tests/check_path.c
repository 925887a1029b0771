/*
 * check_path.c - regularization paths: L-BFGS over several C values of one
 * task and penalty, solved from the smallest C up with each point
 * warm-started from its neighbour's optimum (train.warm_start, the
 * default), against every C from zero (warm_start = false), on MNIST's 10k
 * set: the same optima (F within 1e-6 relative at tol 1e-7 for C <= 1, 1e-5
 * at C = 100), results in the
 * config's order, a warm start's curve starting below the loss at zero;
 * report's path picture; the shipped configs/path-1-7.ini.  A list of
 * penalties (none, l1) in one run: both models, and report's seed-004
 * comparison of their weights.  OWL-QN's l1 optimum against scikit-learn's
 * (its liblinear solver; tests/sklearn_ref.py --penalty l1) for 1-7 at C = 1:
 * the objective within 1e-6 relative (measured 5.9e-7 below it), the same zero
 * weights (measured: all 784 agree, 735 zeros each).  The ten-class softmax's
 * l1 optimum at C = 1 against saga's, started from parlogit's weights
 * (tests/sklearn_ref.py, softmax_l1): parlogit's objective at most 1e-4
 * relative above saga's (measured 4.8e-6 below it at saga's tol 1e-4), the
 * zero sets nearly the same (measured: 99.5 % of the 7840 weights agree; all
 * 2000 test rows predicted alike).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char dir[PATH_MAX], data[PATH_MAX];

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
    tu_mnist_dir(data, sizeof data);
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* Trains 1-7 and a three-class softmax with an l2 path into dir/name. */
static void train(const char *name, const char *warm)
{
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd,
             "%s train configs/pair-1-7.ini --quiet --threads 2 --set data.dir=%s "
             "--set task.multiclass=softmax --set task.classes=0,1,2 --set train.solver=lbfgs "
             "--set train.penalty=l2 --set train.C=100,0.01,1 --set train.tol=1e-8 "
             "--set train.max_iter=3000 --set train.warm_start=%s --set output.plots=false "
             "--out %s/%s",
             tu_bin(), data, warm, dir, name);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s: %s", name, out);
}

/* Column col (0-based) of results.csv line `line` (1 = the first model). */
static double cell(const char *name, int line, int col)
{
    char cmd[PATH_MAX + 128], out[4096];
    snprintf(cmd, sizeof cmd, "sed -n %dp %s/%s/results.csv | cut -d, -f%d", line + 1, dir,
             name, col + 1);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    return strtod(out, NULL);
}

START_TEST(test_warm_path_reaches_the_cold_optima)
{
    train("warm", "true");
    train("cold", "false");
    static const double order[3] = { 100, 0.01, 1 };
    for (int line = 1; line <= 6; line++) {
        const double C = cell("warm", line, 11), fw = cell("warm", line, 12),
                     fc = cell("cold", line, 12);
        /* in the config's order (100, 0.01, 1 for each task), not the path's */
        ck_assert_double_eq(C, order[(line - 1) % 3]);
        ck_assert_double_eq(cell("cold", line, 11), C);
        /* the same optimum; at C = 100 (nearly separable, F very flat) max |g|
         * <= tol leaves each start a little way from it: at tol 1e-7 the
         * softmax's warm and cold F were 1.6e-6 apart on AVX-512 kernels but
         * 2.8e-5 on AVX2, so tol is 1e-8 here (measured on AVX2: 1.9e-7 for
         * the softmax, 1.4e-8 for the pair) */
        ck_assert_msg(fabs(fw - fc) <= (C > 1 ? 1e-5 : 1e-6) * fc,
                      "model %d (C=%g): warm F %.12g, cold %.12g", line, C, fw, fc);
    }
    /* a warm start begins at its neighbour's optimum, far below the loss at
     * zero (log 2 for the pair); the smallest C begins at zero */
    char cmd[PATH_MAX + 256], out[4096];
    snprintf(cmd, sizeof cmd, "grep '^1-7,.*,0,.*,L-BFGS C=1,' %s/warm/curves.csv | cut -d, -f4",
             dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strtod(out, NULL) < 0.3, "warm start of C=1 at loss %s", out);
    snprintf(cmd, sizeof cmd, "grep '^1-7,.*,0,.*,L-BFGS C=0.01,' %s/warm/curves.csv | "
             "cut -d, -f4", dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_double_eq_tol(strtod(out, NULL), log(2.0), 1e-5);   /* a float pass */
    snprintf(cmd, sizeof cmd, "grep '^1-7,.*,0,.*,L-BFGS C=1,' %s/cold/curves.csv | cut -d, -f4",
             dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_double_eq_tol(strtod(out, NULL), log(2.0), 1e-5);   /* a float pass */
    /* report draws each task's path */
    snprintf(cmd, sizeof cmd, "%s report %s/warm && test -s %s/warm/plots/1-7_path.png && "
             "test -s %s/warm/plots/softmax-012_path.png", tu_bin(), dir, dir, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "grep -o 'alt=\"regularization path\"' %s/warm/report.html | "
             "wc -l", dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), 2);
}
END_TEST

/* configs/path-1-7.ini: six C values of an l1 penalty, weights zeroed more
 * the smaller C is. */
START_TEST(test_shipped_path_config)
{
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "%s train configs/path-1-7.ini --quiet --set data.dir=%s "
             "--set output.plots=false --out %s/shipped", tu_bin(), data, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    double last = -1;
    for (int line = 1; line <= 6; line++) {
        const double nz = cell("shipped", line, 17);
        ck_assert_msg(nz >= last, "C = %g: %g non-zero weights, fewer than at a smaller C",
                      cell("shipped", line, 11), nz);
        last = nz;
    }
    ck_assert_double_lt(cell("shipped", 1, 17), 5);
    ck_assert_double_gt(cell("shipped", 6, 17), 100);
    ck_assert_double_gt(cell("shipped", 4, 6), 0.99);   /* C = 1: test accuracy */
}
END_TEST

/* penalty = none, l1: the unpenalized and the l1 model of one task in one
 * run; the l1 one has far fewer non-zero weights, and report draws the two
 * one above the other. */
START_TEST(test_penalty_list_and_the_l1_picture)
{
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --quiet --set data.dir=%s "
             "--set train.solver=lbfgs --set 'train.penalty=none, l1' --set train.C=1 "
             "--set train.max_iter=200 --set output.plots=false --out %s/l1", tu_bin(), data,
             dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "cut -d, -f10,17 %s/l1/results.csv | tail -n +2", dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out, "1-7_lbfgs,none\n1-7_lbfgs_l1_C1,l1\n");
    ck_assert_double_lt(cell("l1", 2, 17), cell("l1", 1, 17) / 4);
    snprintf(cmd, sizeof cmd, "%s report %s/l1 && test -s %s/l1/plots/1-7_l1.png && "
             "grep -c 'alt=\"weights without and with the l1 penalty\"' %s/l1/report.html >/dev/null",
             tu_bin(), dir, dir, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
}
END_TEST

START_TEST(test_l1_pair_against_scikit_learn)
{
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --quiet --set data.dir=%s "
             "--set train.solver=lbfgs --set train.penalty=l1 --set train.C=1 "
             "--set train.tol=1e-6 --set train.max_iter=2000 --set output.plots=false "
             "--out %s/l1ref", tu_bin(), data, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "%s tests/sklearn_ref.py --images %s/t10k-images-idx3-ubyte.gz --labels "
             "%s/t10k-labels-idx1-ubyte.gz --rows 0:8000 --test-rows 8000:10000 --task 1-7 "
             "--C 1 --penalty l1 --run %s/l1ref --model 1-7_lbfgs_l1_C1", tu_python(), data, data,
             dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "sklearn_ref.py: %s", out);
    const char *g = strstr(out, "\"relative_gap\": "), *z = strstr(out, "\"zero_set_agreement\": ");
    ck_assert_msg(g && z, "%s", out);
    const double gap = strtod(g + 16, NULL), agree = strtod(z + 22, NULL);
    /* below by a little at most: scikit-learn's bias carries |b| / 100 of penalty */
    ck_assert_msg(gap < 1e-6 && gap > -1e-5, "%s", out);
    ck_assert_msg(agree >= 0.99, "%s", out);
}
END_TEST

START_TEST(test_l1_softmax_against_scikit_learn)
{
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --quiet --set data.dir=%s "
             "--set task.pairs=none --set task.multiclass=softmax --set train.solver=lbfgs "
             "--set train.penalty=l1 --set train.C=1 --set train.tol=1e-5 "
             "--set train.max_iter=3000 --set output.plots=false --out %s/sml1", tu_bin(), data,
             dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "%s tests/sklearn_ref.py --images %s/t10k-images-idx3-ubyte.gz --labels "
             "%s/t10k-labels-idx1-ubyte.gz --rows 0:8000 --test-rows 8000:10000 --task softmax "
             "--C 1 --penalty l1 --run %s/sml1 --model softmax_lbfgs_l1_C1", tu_python(), data,
             data, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "sklearn_ref.py: %s", out);
    const char *g = strstr(out, "\"relative_gap\": "), *z = strstr(out, "\"zero_set_agreement\": "),
               *p = strstr(out, "\"test_agreement\": ");
    ck_assert_msg(g && z && p, "%s", out);
    const double gap = strtod(g + 16, NULL), agree = strtod(z + 22, NULL),
                 pred = strtod(p + 18, NULL);
    ck_assert_msg(gap <= 1e-4, "parlogit's objective above saga's: %s", out);
    ck_assert_msg(agree >= 0.97, "%s", out);
    ck_assert_msg(pred >= 0.99, "%s", out);
    printf("path: l1 softmax vs saga: gap %.3g, zero sets agree on %.4f, test rows %.4f\n", gap,
           agree, pred);
}
END_TEST

Suite *suite_path(void)
{
    Suite *s = suite_create("path");
    TCase *tc = tcase_create("lbfgs");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_warm_path_reaches_the_cold_optima);
    tcase_add_test(tc, test_shipped_path_config);
    tcase_add_test(tc, test_penalty_list_and_the_l1_picture);
    tcase_add_test(tc, test_l1_pair_against_scikit_learn);
    tcase_add_test(tc, test_l1_softmax_against_scikit_learn);
    suite_add_tcase(s, tc);
    return s;
}
