/*
 * check_e2e.c - the parlogit binary end to end on MNIST's real 10k set (fetched
 * into data/mnist by `make test` from $MNIST_MIRROR): 1 vs 7 accuracy, agreement
 * with an independent NumPy implementation, output files, CLI errors and exit
 * codes, fetching from a mirror directory.
 *
 * PARLOGIT_BIN names the binary (default build/parlogit), PYTHON the Python with
 * NumPy (default /usr/bin/python3).  A missing data file fails the test.
 */
#include <dirent.h>
#include <limits.h>
#include <sys/wait.h>

#include "parlogit/output.h"
#include "testutil.h"

/* A config on the 10k set, first 8000 rows train, last 2000 test. */
static void write_config(const char *dir, const char *extra, char *path, size_t len)
{
    char data[PATH_MAX], text[4096];
    tu_mnist_dir(data, sizeof data);
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n%s",
                     data, extra);
    tu_write(dir, "run.ini", text, (size_t)n, path, len);
}

static double csv_field(const char *line, int col)
{
    const char *p = line;
    for (int i = 0; i < col; i++) {
        p = strchr(p, ',');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    return strtod(p, NULL);
}

START_TEST(test_pair_1_7_reaches_99_percent)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[8192], out[65536], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    write_config(tmp, "[task]\npairs = 1-7\n[train]\nlearning_rates = 0.5\n"
                 "iterations = 100, 500\n", ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --threads 2 --out %s/run", tu_bin(), ini, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "1-7"));   /* the summary table */

    snprintf(path, sizeof path, "%s/run/results.csv", tmp);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "pair,lr,iterations,train_loss,train_acc,test_loss,test_acc,"
                           "seconds,status\n");
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        rows++;
        ck_assert(strncmp(line, "1-7,0.5,", 8) == 0);
        ck_assert_msg(csv_field(line, 6) >= 0.99, "test accuracy below 99%%: %s", line);
        ck_assert_ptr_nonnull(strstr(line, ",ok\n"));
    }
    fclose(f);
    ck_assert_int_eq(rows, 2);

    /* the model files: weights readable, sidecar names the data's digests */
    float *w;
    int ndim;
    size_t shape[4];
    pl_error e;
    snprintf(path, sizeof path, "%s/run/models/1-7_lr0.5_it500.w.npy", tmp);
    ck_assert_msg(pl_npy_read(path, &w, &ndim, shape, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(ndim, 1);
    ck_assert_uint_eq(shape[0], 784);
    double norm = 0;
    for (int j = 0; j < 784; j++)
        norm += fabsf(w[j]);
    ck_assert_double_gt(norm, 0.1);
    free(w);
    snprintf(cmd, sizeof cmd, "grep -c 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6 "
             "%s/run/models/1-7_lr0.5_it500.json", tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/run", tmp);
    ck_assert(tu_no_temp_files(path));
    snprintf(path, sizeof path, "%s/run/models", tmp);
    ck_assert(tu_no_temp_files(path));
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_agrees_with_numpy_on_three_pairs)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[8192], out[65536], data[PATH_MAX];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(data, sizeof data);
    write_config(tmp, "[task]\npairs = 1-7, 0-6, 4-rest\n[train]\n"
                 "learning_rates = 0.1, 1.0\niterations = 100\n", ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --threads 2 --quiet --out %s/run", tu_bin(), ini, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "%s tests/numpy_ref.py --images %s/t10k-images-idx3-ubyte.gz "
             "--labels %s/t10k-labels-idx1-ubyte.gz --train-rows 0:8000 --test-rows 8000:10000 "
             "--pairs 1-7,0-6,4-rest --lrs 0.1,1.0 --iterations 100 --jobs 2 --json %s/ref.json",
             tu_python(), data, data, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "numpy_ref.py failed: %s", out);
    snprintf(cmd, sizeof cmd,
             "%s tests/compare_numpy.py %s/run %s/ref.json %s/t10k-images-idx3-ubyte.gz "
             "%s/t10k-labels-idx1-ubyte.gz 0:8000", tu_python(), tmp, tmp, data, data);
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "parlogit and NumPy disagree:\n%s", out);
    /* six models compared */
    int lines = 0;
    for (char *p = out; (p = strstr(p, "numpy ")); p++)
        lines++;
    ck_assert_int_eq(lines, 6);
    tu_rmtree(tmp);
}
END_TEST

/* Runs cmd; asserts exit status 2 and that the output contains want. */
static void expect_input_error(const char *cmd, const char *want)
{
    char out[16384];
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 2, "exit %d (expected 2) for %s:\n%s", rc, cmd, out);
    ck_assert_msg(strstr(out, want) != NULL, "'%s' not in output of %s:\n%s", want, cmd, out);
}

START_TEST(test_cli_input_errors_exit_2)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64], cmd[8192];
    tu_tmpdir(tmp, sizeof tmp);
    const char bad_key[] = "[train]\nlearning_rates = 0.1\nmomentum = 0.9\n";
    tu_write(tmp, "bad.ini", bad_key, sizeof bad_key - 1, path, sizeof path);
    snprintf(cmd, sizeof cmd, "%s train %s", tu_bin(), path);
    expect_input_error(cmd, "bad.ini:3:");

    const char same[] = "[task]\npairs = 1-7, 4-4\n";
    tu_write(tmp, "same.ini", same, sizeof same - 1, path, sizeof path);
    snprintf(cmd, sizeof cmd, "%s train %s", tu_bin(), path);
    expect_input_error(cmd, "same.ini:2:");

    char missing[2048];
    int n = snprintf(missing, sizeof missing,
                     "[data]\ndir = %s\ntrain_images = nowhere.idx\ntrain_labels = nowhere.lbl\n"
                     "split = rows\ntrain_rows = 0:10\ntest_rows = 10:20\n", tmp);
    tu_write(tmp, "missing.ini", missing, (size_t)n, path, sizeof path);
    snprintf(cmd, sizeof cmd, "%s train %s --out %s/run", tu_bin(), path, tmp);
    expect_input_error(cmd, "missing.ini:3:");
    snprintf(path, sizeof path, "%s/run", tmp);
    ck_assert_msg(access(path, F_OK) != 0, "a failed run left an output directory");

    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --set train.iterations=0", tu_bin());
    expect_input_error(cmd, "--set train.iterations=0");
    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --bogus", tu_bin());
    expect_input_error(cmd, "unknown option '--bogus'");
    snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --threads 0x", tu_bin());
    expect_input_error(cmd, "--threads 0x");
    snprintf(cmd, sizeof cmd, "%s train /nonexistent/x.ini", tu_bin());
    char out[4096];
    ck_assert_int_ne(tu_run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "/nonexistent/x.ini"));
    snprintf(cmd, sizeof cmd, "%s frobnicate", tu_bin());
    expect_input_error(cmd, "unknown command 'frobnicate'");
    snprintf(cmd, sizeof cmd, "PARLOGIT_SIMD=sse9 %s info", tu_bin());
    expect_input_error(cmd, "PARLOGIT_SIMD=sse9");
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_info_describes_engine)
{
    char cmd[4096], out[16384];
    snprintf(cmd, sizeof cmd, "%s info --threads 3 --simd scalar", tu_bin());
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "topology:"));
    ck_assert_ptr_nonnull(strstr(out, "simd:      scalar chosen"));
    ck_assert_ptr_nonnull(strstr(out, "threads:   3"));
    ck_assert_ptr_nonnull(strstr(out, "thread 2:"));
    snprintf(cmd, sizeof cmd, "OMP_PROC_BIND=close %s info", tu_bin());
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "OMP_PLACES/OMP_PROC_BIND set"));
}
END_TEST

START_TEST(test_fetch_from_mirror_directory)
{
    char tmp[PATH_MAX], data[PATH_MAX], ini[PATH_MAX + 64], cmd[8192], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(data, sizeof data);
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s/d\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n", tmp);
    tu_write(tmp, "f.ini", text, (size_t)n, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "MNIST_MIRROR=%s %s fetch %s", data, tu_bin(), ini);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "fetched"));
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_null(strstr(out, "fetched"));   /* verified copy already there */
    snprintf(cmd, sizeof cmd, "cmp %s/d/t10k-labels-idx1-ubyte.gz %s/t10k-labels-idx1-ubyte.gz",
             tmp, data);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    /* a mirror without the files: clear error, nothing left behind */
    snprintf(cmd, sizeof cmd, "rm -f %s/d/*; MNIST_MIRROR=%s %s fetch %s", tmp, tmp, tu_bin(), ini);
    ck_assert_int_ne(tu_run(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "t10k-images-idx3-ubyte.gz"));
    snprintf(cmd, sizeof cmd, "%s/d", tmp);
    ck_assert(tu_no_temp_files(cmd));
    tu_rmtree(tmp);
}
END_TEST

/* SIGINT mid-run: the current iteration ends, every result so far is written
 * (checkpoints reached "ok", the rest "interrupted"), files are whole, and
 * the exit status is 130.  Then the same with SIGTERM on a sweep. */
static void interrupt_run(const char *sig, const char *pairs)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[8192], out[65536], extra[512];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(extra, sizeof extra, "[task]\npairs = %s\n[train]\nlearning_rates = 0.5, 0.1\n"
             "iterations = 5, 10000000\n", pairs);
    write_config(tmp, extra, ini, sizeof ini);
    snprintf(cmd, sizeof cmd,
             "%s train %s --threads 2 --out %s/run & pid=$!; "
             "sleep 2; kill -%s $pid; wait $pid; echo \"exit=$?\"",
             tu_bin(), ini, tmp, sig);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=130") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "interrupted"));
    char path[PATH_MAX + 64], line[1024];
    snprintf(path, sizeof path, "%s/run/results.csv", tmp);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no results.csv after %s:\n%s", sig, out);
    int ok = 0, stopped = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, ",5,") && strstr(line, ",ok\n"))
            ok++;
        if (strstr(line, ",10000000,") && strstr(line, ",interrupted\n"))
            stopped++;
    }
    fclose(f);
    int models = strcmp(pairs, "all") == 0 ? 90 : 2;
    ck_assert_int_eq(ok, models);
    ck_assert_int_eq(stopped, models);
    snprintf(cmd, sizeof cmd, "%s -c 'import json,sys; d=json.load(open(\"%s/run/summary.json\")); "
             "sys.exit(0 if d[\"interrupted\"] else 1)'", tu_python(), tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "summary.json: %s", out);
    snprintf(path, sizeof path, "%s/run/models", tmp);
    ck_assert(tu_no_temp_files(path));
    tu_rmtree(tmp);
}

START_TEST(test_interrupt_writes_everything_so_far)
{
    interrupt_run("INT", "1-7");
    interrupt_run("TERM", "all");
}
END_TEST

/* A second run into the same directory replaces the models as a whole: none
 * of the first run's models survives, nothing temporary is left. */
START_TEST(test_rerun_replaces_models)
{
    char tmp[PATH_MAX], ini[PATH_MAX + 64], cmd[8192], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    write_config(tmp, "[task]\npairs = 1-7, 0-6\n[train]\nlearning_rates = 0.5, 0.1\n"
                 "iterations = 3, 5\n", ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/run && echo count=$(ls %s/run/models | wc -l)",
             tu_bin(), ini, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "count=24\n") != NULL, "%s", out);   /* 2 pairs x 2 rates x 2 x 3 files */
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/run --set train.learning_rates=1 "
             "--set train.iterations=4 && ls %s/run/models && ls -a %s/run", tu_bin(), ini, tmp,
             tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "1-7_lr1_it4.w.npy"));
    ck_assert_ptr_null(strstr(out, "lr0.5"));
    ck_assert_ptr_null(strstr(out, ".models."));   /* no staging or old directory left */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/run/models", tmp);
    ck_assert(tu_no_temp_files(path));
    tu_rmtree(tmp);
}
END_TEST

Suite *suite_e2e(void)
{
    Suite *s = suite_create("e2e");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_pair_1_7_reaches_99_percent);
    tcase_add_test(tc, test_agrees_with_numpy_on_three_pairs);
    tcase_add_test(tc, test_cli_input_errors_exit_2);
    tcase_add_test(tc, test_info_describes_engine);
    tcase_add_test(tc, test_fetch_from_mirror_directory);
    tcase_add_test(tc, test_interrupt_writes_everything_so_far);
    tcase_add_test(tc, test_rerun_replaces_models);
    suite_add_tcase(s, tc);
    return s;
}
