/*
 * check_solvers.c - L-BFGS with an l2 penalty against scikit-learn on
 * MNIST's 10k set (first 8000 rows train, last 2000 test): the objective at
 * parlogit's optimum within 1e-6 relative of the optimum scikit-learn's lbfgs
 * reaches at a tolerance of 1e-10, and the same test predictions on at least
 * 99.9 % of the rows, for the pair 1-7 and for ten-class ovr and softmax,
 * each at C = 0.01 and 1 (tests/sklearn_ref.py, Debian's
 * python3-sklearn).  One training run serves every check.  The binary is
 * $PARLOGIT_BIN, the Python $PYTHON.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static tu_skrun run = { .trained = -1 };

static void setup(void)
{
    tu_skrun_train(&run, "check_solvers",
                   "--set task.multiclass=softmax,ovr --set train.solver=lbfgs "
                   "--set train.penalty=l2 --set train.C=0.01,1 --set train.tol=1e-7 "
                   "--set train.max_iter=3000");
}

static void teardown(void)
{
    tu_rmtree(run.dir);
}

/* The L-BFGS model of task at C against scikit-learn. */
static void agree(const char *task, const char *C)
{
    char model[64], what[64];
    snprintf(model, sizeof model, "%s_lbfgs_C%s", task, C);
    snprintf(what, sizeof what, "%s C=%s", task, C);
    tu_skrun_agree(&run, task, NULL, model, C, what);
}

START_TEST(test_pair_small_C)
{
    agree("1-7", "0.01");
}
END_TEST

START_TEST(test_pair_C1)
{
    agree("1-7", "1");
}
END_TEST

START_TEST(test_ovr_small_C)
{
    agree("ovr", "0.01");
}
END_TEST

START_TEST(test_softmax_small_C)
{
    agree("softmax", "0.01");
}
END_TEST

START_TEST(test_ovr_C1)
{
    agree("ovr", "1");
}
END_TEST

START_TEST(test_softmax_C1)
{
    agree("softmax", "1");
}
END_TEST

/* An L-BFGS run reads back: results.csv names every model and its solver,
 * report draws it, explain takes its models by name. */
START_TEST(test_lbfgs_run_reads_back)
{
    ck_assert_msg(run.trained == 0, "the training run failed");
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "grep -c ',lbfgs,' %s/run/results.csv", run.dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), 6);
    snprintf(cmd, sizeof cmd, "grep -c '^softmax,,[0-9]*,.*,ok,softmax_lbfgs_C1,lbfgs,1,' "
             "%s/run/results.csv", run.dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s report %s/run", tu_bin(), run.dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s explain %s/run --model softmax_lbfgs_C0.01 --row 8001", tu_bin(),
             run.dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "sum of p = 1.000000000");
}
END_TEST

Suite *suite_solvers(void)
{
    Suite *s = suite_create("solvers");
    TCase *tc = tcase_create("sklearn");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_pair_small_C);
    tcase_add_test(tc, test_pair_C1);
    tcase_add_test(tc, test_ovr_small_C);
    tcase_add_test(tc, test_softmax_small_C);
    tcase_add_test(tc, test_ovr_C1);
    tcase_add_test(tc, test_softmax_C1);
    tcase_add_test(tc, test_lbfgs_run_reads_back);
    suite_add_tcase(s, tc);
    return s;
}
