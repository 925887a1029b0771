/*
 * check_e2e.c - the parlogit binary end to end on MNIST's real 10k set (fetched
 * into data/mnist by `make test` from $MNIST_MIRROR): 1 vs 7 accuracy, agreement
 * with an independent NumPy implementation, output files, CLI errors and exit
 * codes, fetching from a mirror directory; the ten-class models (softmax, ovr)
 * against tests/tenclass_ref.py, their predictions files, printed confusion
 * matrices and thread-count independence, and the shipped ten-class configs.
 *
 * PARLOGIT_BIN names the binary (default build/parlogit), PYTHON the Python with
 * NumPy (default /usr/bin/python3).  A missing data file fails the test.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
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

/* Nothing temporary left in the run directory run, nor in its models/ when
 * there is one (a run in the archive layout has it for predictions files
 * only). */
static void assert_no_temp_files(const char *run)
{
    char models[PATH_MAX + 64];
    ck_assert_msg(tu_no_temp_files(run), "%s: a temporary file is left", run);
    snprintf(models, sizeof models, "%s/models", run);
    if (access(models, F_OK) == 0)
        ck_assert_msg(tu_no_temp_files(models), "%s: a temporary file is left", models);
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
    ck_assert_str_eq(line, PL_RESULTS_HEADER "\n");
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        rows++;
        ck_assert(strncmp(line, "1-7,0.5,", 8) == 0);
        ck_assert_msg(csv_field(line, 6) >= 0.99, "test accuracy below 99%%: %s", line);
        ck_assert_ptr_nonnull(strstr(line, ",ok,1-7_lr0.5_it"));
    }
    fclose(f);
    ck_assert_int_eq(rows, 2);

    /* the model files: weights readable (the stored .npy bytes, exported by
     * tests/runload.py from either layout, read by the library), the sidecar
     * names the data's digests */
    float *w;
    int ndim;
    size_t shape[4];
    pl_error e;
    snprintf(cmd, sizeof cmd, "%s " TU_RUNLOAD " export %s/run 1-7_lr0.5_it500 %s", tu_python(),
             tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/1-7_lr0.5_it500.w.npy", tmp);
    ck_assert_msg(pl_npy_read(path, &w, &ndim, shape, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(ndim, 1);
    ck_assert_uint_eq(shape[0], 784);
    double norm = 0;
    for (int j = 0; j < 784; j++)
        norm += fabsf(w[j]);
    ck_assert_double_gt(norm, 0.1);
    free(w);
    snprintf(cmd, sizeof cmd, "%s " TU_RUNLOAD " sidecar %s/run 1-7_lr0.5_it500 | grep -c "
             "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", tu_python(), tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/run", tmp);
    assert_no_temp_files(path);
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
    /* a missing config, a directory as the config or as a data file: exit 2
     * with the path and the reason (they were exit 1) */
    snprintf(cmd, sizeof cmd, "%s train /nonexistent/x.ini", tu_bin());
    expect_input_error(cmd, "/nonexistent/x.ini: cannot open: No such file or directory");
    snprintf(cmd, sizeof cmd, "%s train %s", tu_bin(), tmp);
    expect_input_error(cmd, "is a directory, not a config file");
    snprintf(cmd, sizeof cmd, "%s train %s/missing.ini --set data.train_images=%s", tu_bin(), tmp,
             tmp);
    expect_input_error(cmd, "is a directory, not a data file");
    snprintf(cmd, sizeof cmd, "%s frobnicate", tu_bin());
    expect_input_error(cmd, "unknown command 'frobnicate'");
    snprintf(cmd, sizeof cmd, "PARLOGIT_SIMD=sse9 %s info", tu_bin());
    expect_input_error(cmd, "PARLOGIT_SIMD=sse9");
    tu_rmtree(tmp);
}
END_TEST

/* --help and -h on the commands that parse options print their usage, what
 * they do and an example on stdout, and exit 0. */
START_TEST(test_help_on_commands)
{
    const char *cmds[] = { "train", "fetch", "info", "show" };
    for (size_t i = 0; i < 4; i++)
        for (int h = 0; h < 2; h++) {
            char cmd[1024], out[8192], want[64];
            snprintf(cmd, sizeof cmd, "%s %s %s 2>/dev/null", tu_bin(), cmds[i],
                     h ? "-h" : "--help");
            ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
            snprintf(want, sizeof want, "usage: parlogit %s", cmds[i]);
            TU_ASSERT_HAS(out, want);
            TU_ASSERT_HAS(out, "example:");
        }
    const char *all[] = { "train", "fetch", "info", "show", "explain", "report", "predict" };
    for (size_t i = 0; i < 7; i++) {   /* help CMD is CMD --help */
        char cmd[1024], out[8192], want[64];
        snprintf(cmd, sizeof cmd, "%s help %s 2>/dev/null", tu_bin(), all[i]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
        snprintf(want, sizeof want, "usage: parlogit %s", all[i]);
        TU_ASSERT_HAS(out, want);
    }
    /* --version anywhere */
    const char *any[] = { "", "train", "fetch", "info", "explain", "report", "show", "predict" };
    for (size_t i = 0; i < 8; i++) {
        char cmd[1024], out[8192];
        snprintf(cmd, sizeof cmd, "%s %s --version", tu_bin(), any[i]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
        ck_assert_str_eq(out, "parlogit 0.1.0\n");
    }
}
END_TEST

/* Warnings on stderr for what is legal but probably a mistake: training and
 * test rows that overlap, a CSV whose label is at the other end, a best model
 * chosen on training accuracy for want of a validation split. */
START_TEST(test_warnings_for_likely_mistakes)
{
    char tmp[PATH_MAX], cfg[PATH_MAX + 64], cmd[8192], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    write_config(tmp, "[task]\npairs = 1-7\n[train]\niterations = 2, 3\n", cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/a --set data.test_rows=7000:9000",
             tu_bin(), cfg, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "warning: data.train_rows (0:8000) and data.test_rows (7000:9000) "
                       "overlap in 1000 rows (7000:8000)");
    TU_ASSERT_HAS(out, "note: the best model of each task is chosen on training accuracy");
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/b --set data.validation_fraction=0.1",
             tu_bin(), cfg, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "warning") == NULL && strstr(out, "note:") == NULL, "%s", out);

    /* a CSV with its label last, read with the default csv_label = first */
    static char text[30 * 785 * 4 + 64];
    size_t n = 0;
    uint64_t seed = 3;
    for (int r = 0; r < 30; r++)
        for (int k = 0; k < 785; k++)
            n += (size_t)snprintf(text + n, sizeof text - n, k == 784 ? "%d\n" : "%d,",
                                  k == 0 ? 0 : k == 784 ? r % 10 : (int)(tu_rand(&seed) % 256));
    char csv[PATH_MAX + 64];
    tu_write(tmp, "last.csv", text, n, csv, sizeof csv);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/c --set data.train_images=%s "
             "--set data.train_labels= --set data.split=fraction", tu_bin(), cfg, tmp, csv);
    tu_run(cmd, out, sizeof out);   /* then fails: every label reads 0 */
    TU_ASSERT_HAS(out, "the label is probably the last column (set data.csv_label = last)");
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/c --set data.train_images=%s "
             "--set data.train_labels= --set data.split=fraction --set data.csv_label=last "
             "--set task.pairs=1-7", tu_bin(), cfg, tmp, csv);
    tu_run(cmd, out, sizeof out);
    ck_assert_msg(strstr(out, "probably the") == NULL, "%s", out);
    tu_rmtree(tmp);
}
END_TEST

/* A run directory whose results.csv holds only its header (a cut-short
 * file) is bad input for explain and report: exit 2 with a message, never a
 * crash (issue: it ended in SIGSEGV). */
START_TEST(test_header_only_results_is_an_error)
{
    char tmp[PATH_MAX], cfg[PATH_MAX + 64], cmd[8192], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    write_config(tmp, "[task]\npairs = 1-7\n[train]\niterations = 2\n", cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/run && head -1 %s/run/results.csv > "
             "%s/h && mv %s/h %s/run/results.csv", tu_bin(), cfg, tmp, tmp, tmp, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    const char *verbs[] = { "explain", "report" };
    for (int v = 0; v < 2; v++) {
        snprintf(cmd, sizeof cmd, "%s %s %s/run", tu_bin(), verbs[v], tmp);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
        TU_ASSERT_HAS(out, "no trained model in results.csv");
    }
    tu_rmtree(tmp);
}
END_TEST

/* Writes text to path (replacing it). */
static void overwrite(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* A model's JSON sidecar cut short, not JSON, or of the wrong shape is bad
 * input for explain: exit 2 with a message naming the file, never a crash
 * (issue: the hand-written reader read past its buffer; heap-buffer-overflow
 * under ASan, SIGSEGV in the release build).  The per-model sidecar of a run
 * of format 1 (output.model_files = true, the archive removed), then the
 * run's models.json. */
START_TEST(test_malformed_sidecar_is_an_error)
{
    char tmp[PATH_MAX], cfg[PATH_MAX + 64], cmd[8192], out[16384], side[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    write_config(tmp, "[task]\npairs = 1-7\n[train]\nlearning_rates = 0.5\niterations = 2\n",
                 cfg, sizeof cfg);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --set output.model_files=true --out %s/run "
             "&& cp -a %s/run %s/run2 && rm %s/run/models.json %s/run/models.npz", tu_bin(), cfg,
             tmp, tmp, tmp, tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(side, sizeof side, "%s/run/models/1-7_lr0.5_it2.json", tmp);
    FILE *f = fopen(side, "rb");
    ck_assert_ptr_nonnull(f);
    static char good[65536];
    size_t n = fread(good, 1, sizeof good - 1, f);
    fclose(f);
    good[n] = '\0';
    const char *cfgobj = strstr(good, "\"config\"");
    ck_assert_ptr_nonnull(cfgobj);
    const size_t at = (size_t)(cfgobj - good), rest = n - at;
    snprintf(cmd, sizeof cmd, "%s explain %s/run", tu_bin(), tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);

    /* cut after a string with a short \u escape (the old reader ran past the
     * end of its buffer looking for the string's end), then at a few places */
    const char *cut = "{\"config\": {\"data\": {\"dir\": \"\\uabc\\\\\"";
    overwrite(side, cut, strlen(cut));
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "1-7_lr0.5_it2.json:1:");
    TU_ASSERT_HAS(out, "not a valid JSON sidecar");
    const size_t cuts[] = { at + 9, at + 12, at + rest / 3, at + rest / 2, n - 3 };
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        overwrite(side, good, cuts[k]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
        TU_ASSERT_HAS(out, "1-7_lr0.5_it2.json:");
        TU_ASSERT_HAS(out, "not a valid JSON sidecar");
    }
    /* malformed: each with what the message must say */
    static char deep[200000 + 64];
    int d = snprintf(deep, sizeof deep, "{\"config\": ");
    for (int i = 0; i < 100000; i++)
        deep[d++] = '[';
    deep[d] = '\0';
    const struct { const char *text, *says; } bad[] = {
        { "", "not a valid JSON sidecar" },
        { "{\"config\": {\"data\": {\"dir\": \"\\uabc\\\\\"}}}", "not a valid JSON sidecar" },
        { "{\"config\": {\"data\": {\"dir\": \"a\\u0000b\"}}}", "not a valid JSON sidecar" },
        { "{\"config\": {\"train\": {\"iterations\": 1e999}}}", "not a valid JSON sidecar" },
        { "{\"config\": {\"train\": {\"iterations\": 99999999999999999999999}}}",
          "not a valid JSON sidecar" },
        { deep, "not a valid JSON sidecar" },
        { "[1, 2]", "no \"config\" object" },
        { "{\"model\": \"x\"}", "no \"config\" object" },
        { "{\"config\": \"data\"}", "no \"config\" object" },
        { "{\"config\": {\"data\": [\"dir\"]}}", "config.data: expected an object" },
        { "{\"config\": {\"train\": {\"iterations\": 2}}}",
          "config.train.iterations: expected a string" },
        { "{\"config\": {\"train\": {\"iterations\": \"x\"}}}", "config" },
        { "{\"config\": {\"nosuch\": {\"key\": \"1\"}}}", "config" },
        { "{\"config\": {}, \"config\": {}}", "not a valid JSON sidecar" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        overwrite(side, bad[k].text, strlen(bad[k].text));
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 2, "case %zu: %s", k, out);
        TU_ASSERT_HAS(out, "1-7_lr0.5_it2.json");
        TU_ASSERT_HAS(out, bad[k].says);
    }
    /* a FIFO in its place is refused at once, not waited on */
    ck_assert_int_eq(unlink(side), 0);
    ck_assert_int_eq(mkfifo(side, 0600), 0);
    snprintf(cmd, sizeof cmd, "timeout 60 %s explain %s/run", tu_bin(), tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "1-7_lr0.5_it2.json: not a regular file");

    /* models.json: cut short, not JSON, without its members */
    snprintf(side, sizeof side, "%s/run2/models.json", tmp);
    f = fopen(side, "rb");
    ck_assert_ptr_nonnull(f);
    n = fread(good, 1, sizeof good - 1, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "timeout 60 %s explain %s/run2", tu_bin(), tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    const size_t cuts2[] = { 1, n / 3, n / 2, n - 3 };
    for (size_t k = 0; k < sizeof cuts2 / sizeof *cuts2; k++) {
        overwrite(side, good, cuts2[k]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
        TU_ASSERT_HAS(out, "models.json:");
        TU_ASSERT_HAS(out, "not a valid JSON sidecar");
    }
    const struct { const char *text, *says; } bad2[] = {
        { "[1, 2]", "models.json: no \"models\" object" },
        { "{\"config\": {}}", "models.json: no \"models\" object" },
        { "{\"models\": {}}", "models.json: no \"config\" object" },
        { "{\"models\": {}, \"config\": {\"train\": {\"iterations\": 2}}}",
          "models.json: config.train.iterations: expected a string" },
    };
    for (size_t k = 0; k < sizeof bad2 / sizeof *bad2; k++) {
        overwrite(side, bad2[k].text, strlen(bad2[k].text));
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 2, "case %zu: %s", k, out);
        TU_ASSERT_HAS(out, bad2[k].says);
    }
    ck_assert_int_eq(unlink(side), 0);
    ck_assert_int_eq(mkfifo(side, 0600), 0);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "models.json: not a regular file");
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
        if (strstr(line, ",5,") && strstr(line, ",ok,"))
            ok++;
        if (strstr(line, ",10000000,") && strstr(line, ",interrupted,"))
            stopped++;
    }
    fclose(f);
    int models = strcmp(pairs, "all") == 0 ? 90 : 2;
    ck_assert_int_eq(ok, models);
    ck_assert_int_eq(stopped, models);
    snprintf(cmd, sizeof cmd, "%s -c 'import json,sys; d=json.load(open(\"%s/run/summary.json\")); "
             "sys.exit(0 if d[\"interrupted\"] else 1)'", tu_python(), tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "summary.json: %s", out);
    snprintf(path, sizeof path, "%s/run", tmp);
    assert_no_temp_files(path);
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
    /* the stored arrays (tests/runload.py: the archive's members, or the .npy
     * files in models/ of a run in the per-model layout) */
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/run && echo count=$(%s " TU_RUNLOAD
             " arrays %s/run | wc -l)", tu_bin(), ini, tmp, tu_python(), tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    /* 2 pairs x 2 rates x 2 iteration counts, w and b */
    ck_assert_msg(strstr(out, "count=16\n") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/run --set train.learning_rates=1 "
             "--set train.iterations=4 && { ls %s/run/models 2>/dev/null || true; } && "
             "%s " TU_RUNLOAD " arrays %s/run && ls -a %s/run", tu_bin(), ini, tmp, tmp,
             tu_python(), tmp, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "1-7_lr1_it4.w"));
    ck_assert_ptr_null(strstr(out, "lr0.5"));
    ck_assert_ptr_null(strstr(out, ".models."));   /* no staging or old directory left */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/run", tmp);
    assert_no_temp_files(path);
    tu_rmtree(tmp);
}
END_TEST

/* ---------------------------------------------------------------- ten-class models
 *
 * One fixture trains once for every ten-class test: the binary trains softmax
 * and ovr over 0-9 (lr 0.5, 100 iterations, rows 0:8000 / 8000:10000) into
 * tmp/run and a softmax over 0,1,2 into tmp/s012, while tests/tenclass_ref.py
 * trains the same three models into tmp/ref_*.json; all five run at once.  Each
 * job leaves tmp/NAME.out and tmp/NAME.rc, which the tests check, so a job that
 * fails fails the tests that need it.  It is an unchecked fixture (run once, in
 * the runner's process, before the tests of its case fork). */

#define TC_LR "0.5"
#define TC_ITERATIONS 100
#define TC_TRAIN_ROWS "0:8000"
#define TC_TEST_ROWS "8000:10000"
#define LOSS_RTOL 1e-4       /* float (parlogit) vs double (NumPy) losses      */
#define ACC_ATOL 0.002       /* float vs double may flip a row or two          */
#define CM_ATOL 8            /* sum |confusion - reference|: 4 flipped rows    */

static char tc_dir[PATH_MAX];   /* the fixture's directory */

static void tenclass_setup(void)
{
    char data[PATH_MAX], ini[PATH_MAX + 64], cmd[12288], out[4096];
    tu_mnist_dir(data, sizeof data);
    tu_tmpdir(tc_dir, sizeof tc_dir);
    write_config(tc_dir, "[task]\npairs = none\nmulticlass = softmax, ovr\nclasses = 0-9\n"
                 "[train]\nlearning_rates = " TC_LR "\niterations = 100\n", ini, sizeof ini);
    char ref[4096];
    snprintf(ref, sizeof ref,
             "%s tests/tenclass_ref.py train --images %s/t10k-images-idx3-ubyte.gz "
             "--labels %s/t10k-labels-idx1-ubyte.gz --rows " TC_TRAIN_ROWS " --test-rows "
             TC_TEST_ROWS " --lr " TC_LR " --iterations %d", tu_python(), data, data,
             TC_ITERATIONS);
    snprintf(cmd, sizeof cmd,
             "d=%s; job() { name=$1; shift; \"$@\" > $d/$name.out 2>&1; echo $? > $d/$name.rc; }; "
             "job run %s train %s --threads 2 --out $d/run & "
             "job s012 %s train %s --threads 2 --set task.multiclass=softmax "
             "--set task.classes=0,1,2 --out $d/s012 & "
             "job ref_softmax %s --kind softmax --json $d/ref_softmax.json & "
             "job ref_ovr %s --kind ovr --json $d/ref_ovr.json & "
             "job ref_s012 %s --kind softmax --classes 0,1,2 --json $d/ref_s012.json & "
             "wait", tc_dir, tu_bin(), ini, tu_bin(), ini, ref, ref, ref);
    tu_run(cmd, out, sizeof out);
}

static void tenclass_teardown(void)
{
    tu_rmtree(tc_dir);
}

/* The whole of a file (NUL-terminated; free it), failing the test when it
 * cannot be read. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0, got;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
            ck_assert_ptr_nonnull(s);
        }
    }
    ck_assert_int_eq(ferror(f), 0);
    fclose(f);
    s[n] = '\0';
    return s;
}

/* Asserts that the fixture's job NAME exited 0; returns its output (free it). */
static char *job_ok(const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.out", tc_dir, name);
    char *out = slurp(path);
    snprintf(path, sizeof path, "%s/%s.rc", tc_dir, name);
    char *rc = slurp(path);
    ck_assert_msg(strcmp(rc, "0\n") == 0, "fixture job %s exited %s:\n%s", name, rc, out);
    free(rc);
    return out;
}

/* The line of text that starts with prefix (at the start of a line), or NULL. */
static const char *line_starting(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0)
            return p;
    return NULL;
}

/* The value after "key": in JSON that Python's json.dump wrote. */
static const char *json_value(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    ck_assert_msg(p != NULL, "no \"%s\" in the reference's JSON", key);
    return p + strlen(pat);
}

static double json_number(const char *json, const char *key)
{
    const char *p = json_value(json, key);
    char *end;
    double v = strtod(p, &end);
    ck_assert_msg(end != p, "\"%s\": '%.20s' is not a number", key, p);
    return v;
}

/* The numbers of the (possibly nested) array after "key":, flattened into
 * v[0..max); returns how many there are. */
static int json_array(const char *json, const char *key, double *v, int max)
{
    const char *p = json_value(json, key);
    ck_assert_msg(*p == '[', "\"%s\" is not an array", key);
    int depth = 0, n = 0;
    do {
        if (*p == '[') {
            depth++;
            p++;
        } else if (*p == ']') {
            depth--;
            p++;
        } else if (*p == ',' || *p == ' ') {
            p++;
        } else {
            char *end;
            double x = strtod(p, &end);
            ck_assert_msg(end != p, "\"%s\": '%.20s' is not a number", key, p);
            ck_assert_int_lt(n, max);
            v[n++] = x;
            p = end;
        }
    } while (depth > 0);
    return n;
}

static void assert_rel(double got, double want, double rtol, const char *what)
{
    ck_assert_msg(isfinite(got) && fabs(got - want) <= rtol * fabs(want),
                  "%s: parlogit %.17g, reference %.17g (relative tolerance %g)", what, got,
                  want, rtol);
}

static void assert_abs(double got, double want, double atol, const char *what)
{
    ck_assert_msg(isfinite(got) && fabs(got - want) <= atol,
                  "%s: %.17g vs %.17g (tolerance %g)", what, got, want, atol);
}

/* The fields of a model name "TASK_lrLR_itN" into task, lr, it; asserts its form. */
static void name_parts(const char *name, char *task, char *lr, char *it)
{
    const char *a = strstr(name, "_lr"), *b = a ? strstr(a, "_it") : NULL;
    ck_assert_msg(a && b, "'%s' is not a model name", name);
    snprintf(task, 32, "%.*s", (int)(a - name), name);
    snprintf(lr, 32, "%.*s", (int)(b - a - 3), a + 3);
    snprintf(it, 32, "%s", b + 3);
}

/* The results.csv line of model name in text (the file), failing when absent. */
static const char *result_of(const char *results, const char *name)
{
    char task[32], lr[32], it[32], prefix[128];
    name_parts(name, task, lr, it);
    snprintf(prefix, sizeof prefix, "%s,%s,%s,", task, lr, it);
    const char *line = line_starting(results, prefix);
    ck_assert_msg(line != NULL, "no line %s in results.csv:\n%s", prefix, results);
    /* the status is the 9th field */
    const char *p = line;
    for (int k = 0; k < 8 && p; k++)
        p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    ck_assert_msg(p && strncmp(p, "ok,", 3) == 0, "status: %.200s", line);
    return line;
}

/* A run's TASK_lr0.5_it100 against tenclass_ref.py's JSON (fixture job ref):
 * the training loss after 100 updates (results.csv) and the curve after 0, 1,
 * 50 and 100 (curves.csv, which must hold all 101), the test loss, within
 * LOSS_RTOL relative; train and test accuracy within ACC_ATOL. */
static void agree_with_ref(const char *job, const char *task, const char *ref)
{
    char *out = job_ok(job), *refout = job_ok(ref), path[PATH_MAX + 64], name[128];
    free(out);
    free(refout);
    snprintf(path, sizeof path, "%s/%s.json", tc_dir, ref);
    char *json = slurp(path);
    snprintf(path, sizeof path, "%s/%s/results.csv", tc_dir, job);
    char *results = slurp(path);
    snprintf(path, sizeof path, "%s/%s/curves.csv", tc_dir, job);
    char *curves = slurp(path);

    snprintf(name, sizeof name, "%s_lr" TC_LR "_it%d", task, TC_ITERATIONS);
    const char *line = result_of(results, name);
    assert_rel(csv_field(line, 3), json_number(json, "train_loss"), LOSS_RTOL, "train loss");
    assert_abs(csv_field(line, 4), json_number(json, "train_acc"), ACC_ATOL, "train accuracy");
    assert_rel(csv_field(line, 5), json_number(json, "test_loss"), LOSS_RTOL, "test loss");
    assert_abs(csv_field(line, 6), json_number(json, "test_acc"), ACC_ATOL, "test accuracy");

    static double ref_curve[TC_ITERATIONS + 2];
    ck_assert_int_eq(json_array(json, "curve", ref_curve, TC_ITERATIONS + 2), TC_ITERATIONS + 1);
    char prefix[128];
    for (int t = 0; t <= TC_ITERATIONS; t++) {
        snprintf(prefix, sizeof prefix, "%s," TC_LR ",%d,", task, t);
        const char *c = line_starting(curves, prefix);
        ck_assert_msg(c != NULL, "no line %s in curves.csv", prefix);
        if (t == 0 || t == 1 || t == 50 || t == TC_ITERATIONS) {
            char what[64];
            snprintf(what, sizeof what, "%s loss after %d updates", task, t);
            assert_rel(csv_field(c, 3), ref_curve[t], LOSS_RTOL, what);
        }
    }
    /* the last point of the curve is the model's training loss */
    snprintf(prefix, sizeof prefix, "%s," TC_LR ",%d,", task, TC_ITERATIONS);
    ck_assert_double_eq(csv_field(line_starting(curves, prefix), 3), csv_field(line, 3));
    snprintf(prefix, sizeof prefix, "%s," TC_LR ",%d,", task, TC_ITERATIONS + 1);
    ck_assert_ptr_null(line_starting(curves, prefix));
    free(json);
    free(results);
    free(curves);
}

START_TEST(test_softmax_agrees_with_tenclass_ref)
{
    agree_with_ref("run", "softmax", "ref_softmax");
}
END_TEST

START_TEST(test_ovr_agrees_with_tenclass_ref)
{
    agree_with_ref("run", "ovr", "ref_ovr");
}
END_TEST

START_TEST(test_softmax_subset_agrees_with_tenclass_ref)
{
    agree_with_ref("s012", "softmax-012", "ref_s012");
}
END_TEST

/* Runs tenclass_ref.py check-predictions on csv with model name of run
 * directory dir (its kind and classes read from the name); asserts exit 0. */
static void check_predictions(const char *dir, const char *name, const char *csv)
{
    char data[PATH_MAX], task[32], lr[32], it[32], classes[32] = "0-9", cmd[8192], out[16384];
    tu_mnist_dir(data, sizeof data);
    name_parts(name, task, lr, it);
    const char *dash = strchr(task, '-');
    if (dash) {   /* softmax-012: classes 0,1,2 */
        int n = 0;
        for (const char *d = dash + 1; *d; d++)
            n += snprintf(classes + n, sizeof classes - (size_t)n, "%s%c", n ? "," : "", *d);
    }
    snprintf(cmd, sizeof cmd,
             "%s tests/tenclass_ref.py check-predictions --images %s/t10k-images-idx3-ubyte.gz "
             "--labels %s/t10k-labels-idx1-ubyte.gz --kind %s --classes %s "
             "--run %s --model %s --predictions %s",
             tu_python(), data, data, strncmp(task, "ovr", 3) == 0 ? "ovr" : "softmax",
             classes, dir, name, csv);
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "check-predictions of %s (exit %d):\n%s", csv, rc, out);
    ck_assert_ptr_nonnull(strstr(out, "check-predictions ok"));
}

/* Reads a predictions CSV: asserts its rows are increasing test rows
 * (TC_TEST_ROWS) with labels among the digits of classes ("0123456789" or
 * "012"); returns the fraction with label == predicted, the line count in *n. */
static double predictions_accuracy(const char *path, const char *classes, long *n)
{
    char *text = slurp(path);
    long lo, hi;
    ck_assert_int_eq(sscanf(TC_TEST_ROWS, "%ld:%ld", &lo, &hi), 2);
    const char *p = strchr(text, '\n');
    ck_assert_ptr_nonnull(p);
    long lines = 0, right = 0, last = -1;
    for (p++; *p; p = strchr(p, '\n') + 1) {
        long row, label, predicted;
        ck_assert_msg(sscanf(p, "%ld,%ld,%ld,", &row, &label, &predicted) == 3,
                      "%s: bad line '%.80s'", path, p);
        ck_assert_msg(row > last && row >= lo && row < hi, "%s: row %ld after %ld", path, row,
                      last);
        ck_assert_msg(strchr(classes, (int)('0' + label)) != NULL && label >= 0 && label <= 9,
                      "%s: row %ld has label %ld", path, row, label);
        last = row;
        lines++;
        right += label == predicted;
        ck_assert_ptr_nonnull(strchr(p, '\n'));
    }
    free(text);
    *n = lines;
    ck_assert_int_gt(lines, 0);
    return (double)right / (double)lines;
}

/* The model summary.json calls the best ten-class model of the run, into name. */
static void best_of_run(const char *dir, char *name, size_t len)
{
    char cmd[8192], out[4096];
    snprintf(cmd, sizeof cmd, "%s -c 'import json; d = json.load(open(\"%s/summary.json\")); "
             "m = [t[\"model\"] for t in d[\"ten_class\"] if t[\"best_of_run\"]]; "
             "print(m[0] if len(m) == 1 else \"not one best: %%s\" %% m)'", tu_python(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "summary.json: %s", out);
    out[strcspn(out, "\n")] = '\0';
    ck_assert_msg(strstr(out, "_lr") != NULL, "summary.json's best: %s", out);
    snprintf(name, len, "%s", out);
}

/* predictions.csv of run directory dir (fixture job) is the best model's: the
 * model summary.json names is a row of best.csv with the highest training
 * accuracy there (no validation split), its predictions file is the same
 * bytes, and check-predictions passes on it with that model's weights. */
static void check_run_predictions(const char *job, long n_test, const char *classes)
{
    char dir[PATH_MAX + 64], path[PATH_MAX + 128], best[128], cmd[8192], out[4096];
    snprintf(dir, sizeof dir, "%s/%s", tc_dir, job);
    best_of_run(dir, best, sizeof best);

    snprintf(path, sizeof path, "%s/best.csv", dir);
    char *csv = slurp(path);
    double top = -1, mine = -1;
    int rows = 0;
    for (const char *p = strchr(csv, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        char task[32], lr[32], it[32], name[128];
        ck_assert_int_eq(sscanf(p, "%31[^,],%31[^,],%31[^,],", task, lr, it), 3);
        snprintf(name, sizeof name, "%s_lr%s_it%s", task, lr, it);
        double acc = csv_field(p, 4);
        top = acc > top ? acc : top;
        if (strcmp(name, best) == 0)
            mine = acc;
        rows++;
    }
    free(csv);
    ck_assert_int_gt(rows, 0);
    ck_assert_msg(mine >= 0, "best model %s is not in best.csv", best);
    ck_assert_msg(mine == top, "best model %s: training accuracy %g, best.csv's top %g", best,
                  mine, top);

    snprintf(cmd, sizeof cmd, "cmp %s/predictions.csv %s/models/%s.predictions.csv", dir, dir,
             best);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    check_predictions(dir, best, path);
    long n;
    predictions_accuracy(path, classes, &n);
    ck_assert_int_eq(n, n_test);
}

/* models/NAME.predictions.csv of task's model in job's run: check-predictions
 * passes, it has a line per test row, and its accuracy is results.csv's. */
static void check_model_predictions(const char *job, const char *task, const char *ref,
                                    const char *classes)
{
    char dir[PATH_MAX + 64], path[PATH_MAX + 256], name[128];
    free(job_ok(job));
    free(job_ok(ref));
    snprintf(dir, sizeof dir, "%s/%s", tc_dir, job);
    snprintf(path, sizeof path, "%s/%s.json", tc_dir, ref);
    char *json = slurp(path);
    long n_test = (long)json_number(json, "n_test");
    free(json);

    snprintf(name, sizeof name, "%s_lr" TC_LR "_it%d", task, TC_ITERATIONS);
    snprintf(path, sizeof path, "%s/models/%s.predictions.csv", dir, name);
    check_predictions(dir, name, path);
    long n;
    double acc = predictions_accuracy(path, classes, &n);
    ck_assert_int_eq(n, n_test);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *results = slurp(path);
    assert_abs(csv_field(result_of(results, name), 6), acc, ACC_ATOL,
               "results.csv's test accuracy vs the predictions file's");
    free(results);
    check_run_predictions(job, n_test, classes);
}

START_TEST(test_predictions_files_agree_with_weights)
{
    check_model_predictions("run", "softmax", "ref_softmax", "0123456789");
    check_model_predictions("run", "ovr", "ref_ovr", "0123456789");
    check_model_predictions("s012", "softmax-012", "ref_s012", "012");
}
END_TEST

/* The confusion matrix `train` prints for a task's best model. */
typedef struct {
    char lr[32];
    int iterations;
    long right, rows;       /* "A of B test rows right"    */
    long m[10][10];         /* [actual][predicted] digit   */
    long total, trace;
} printed_cm;

/* The next integer on the current line of *p (spaces skipped), or 0 at the
 * line's end. */
static int next_int(const char **p, long *v)
{
    while (**p == ' ')
        (*p)++;
    if (**p < '0' || **p > '9')
        return 0;
    char *end;
    *v = strtol(*p, &end, 10);
    *p = end;
    return 1;
}

/* Parses "TASK model (best: lr X, N iterations): A of B test rows right, ...",
 * then "confusion ...", a header of column digits and a line per actual digit,
 * from train's output. */
static void printed_confusion(const char *out, const char *task, printed_cm *c)
{
    char head[64];
    snprintf(head, sizeof head, "\n%s model (best: lr ", task);
    const char *p = strstr(out, head);
    ck_assert_msg(p != NULL, "no '%s' in:\n%s", head + 1, out);
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(sscanf(p + strlen(head), "%31[^,], %d iterations): %ld of %ld test rows right",
                            c->lr, &c->iterations, &c->right, &c->rows), 4);
    p = strchr(p + 1, '\n') + 1;
    ck_assert_msg(strncmp(p, "confusion", 9) == 0, "no confusion after %s's line", task);
    p = strchr(p, '\n') + 1;
    long cols[10], v;
    int ncol = 0;
    while (next_int(&p, &v)) {
        ck_assert(ncol < 10 && v >= 0 && v <= 9);
        cols[ncol++] = v;
    }
    ck_assert_int_ge(ncol, 2);
    int nrow = 0;
    for (p++; next_int(&p, &v); p++, nrow++) {
        ck_assert(v >= 0 && v <= 9);
        long a = v;
        for (int j = 0; j < ncol; j++) {
            ck_assert_msg(next_int(&p, &v), "%s: short confusion row %ld", task, a);
            c->m[a][cols[j]] = v;
            c->total += v;
            c->trace += a == cols[j] ? v : 0;
        }
        ck_assert_msg(*p == '\n', "%s: long confusion row %ld", task, a);
    }
    ck_assert_int_ge(nrow, 2);
}

/* The printed best of task (train's output out, run directory dir) is
 * best.csv's row of that task; its matrix is confusion_TASK.csv, counts every
 * test row (n_test) once, and trace / total is that model's test accuracy. */
static void check_printed_confusion(const char *out, const char *dir, const char *task,
                                    long n_test, printed_cm *c)
{
    printed_confusion(out, task, c);
    ck_assert_int_eq(c->total, n_test);
    ck_assert_int_eq(c->rows, n_test);
    ck_assert_int_eq(c->trace, c->right);

    char path[PATH_MAX + 64], prefix[128];
    snprintf(path, sizeof path, "%s/best.csv", dir);
    char *best = slurp(path);
    snprintf(prefix, sizeof prefix, "%s,%s,%d,", task, c->lr, c->iterations);
    const char *line = line_starting(best, prefix);
    ck_assert_msg(line != NULL, "printed best %s is not best.csv's:\n%s", prefix, best);
    double test_acc = csv_field(line, 5);
    free(best);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *results = slurp(path);
    line = line_starting(results, prefix);
    ck_assert_ptr_nonnull(line);
    ck_assert_double_eq_tol(csv_field(line, 6), test_acc, 1e-12);
    free(results);
    ck_assert_msg(fabs((double)c->trace / (double)c->total - test_acc) <= 1e-12,
                  "%s: trace %ld / total %ld, test accuracy %.17g", task, c->trace, c->total,
                  test_acc);

    snprintf(path, sizeof path, "%s/confusion_%s.csv", dir, task);
    char *csv = slurp(path);
    const char *p = strchr(csv, '\n');
    ck_assert_ptr_nonnull(p);
    int rows = 0;
    for (p++; *p; rows++) {
        char *end;
        long a = strtol(p, &end, 10);
        ck_assert(a >= 0 && a <= 9 && *end == ',');
        for (int j = 0; j < 10; j++) {
            long v = strtol(end + 1, &end, 10);
            ck_assert_msg(v == c->m[a][j], "%s[%ld][%d]: %ld, printed %ld", path, a, j, v,
                          c->m[a][j]);
        }
        ck_assert(*end == '\n');
        p = end + 1;
    }
    ck_assert_int_eq(rows, 10);
    free(csv);
}

/* Printed matrix vs the reference's K x K confusion of the same model (its
 * output indices are the classes in ascending order). */
static void confusion_near_ref(const printed_cm *c, const char *ref)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.json", tc_dir, ref);
    char *json = slurp(path);
    double cls[10], m[100];
    int k = json_array(json, "classes", cls, 10);
    ck_assert_int_eq(json_array(json, "confusion", m, 100), k * k);
    free(json);
    long want[10][10] = {{0}}, diff = 0;
    for (int a = 0; a < k; a++)
        for (int p = 0; p < k; p++)
            want[(int)cls[a]][(int)cls[p]] = (long)m[a * k + p];
    for (int a = 0; a < 10; a++)
        for (int p = 0; p < 10; p++)
            diff += labs(c->m[a][p] - want[a][p]);
    ck_assert_msg(diff <= CM_ATOL, "%s: printed confusion differs from the reference's by %ld",
                  ref, diff);
}

START_TEST(test_printed_confusion_is_the_best_models)
{
    static const char *jobs[][3] = {{"run", "softmax", "ref_softmax"},
                                    {"run", "ovr", "ref_ovr"},
                                    {"s012", "softmax-012", "ref_s012"}};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        char *out = job_ok(jobs[i][0]), path[PATH_MAX + 64], dir[PATH_MAX + 64];
        free(job_ok(jobs[i][2]));
        snprintf(path, sizeof path, "%s/%s.json", tc_dir, jobs[i][2]);
        char *json = slurp(path);
        long n_test = (long)json_number(json, "n_test");
        free(json);
        snprintf(dir, sizeof dir, "%s/%s", tc_dir, jobs[i][0]);
        printed_cm c;
        check_printed_confusion(out, dir, jobs[i][1], n_test, &c);
        confusion_near_ref(&c, jobs[i][2]);
        free(out);
    }
}
END_TEST

/* The fixture's config, 10 and 20 iterations, with 1, 2, 3 and 6 threads:
 * the same model files, bit for bit; the same results.csv but for the
 * seconds, the same curves and predictions; summary.json's strategy fused
 * every time.  (20 iterations: a reduction in another order changes the
 * float bits from the first update on.) */
START_TEST(test_tenclass_threads_give_identical_files)
{
    char cmd[8192], out[16384], a[PATH_MAX + 64];
    free(job_ok("run"));   /* the config trains */
    static const int threads[] = {1, 2, 3, 6};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        char b[PATH_MAX + 64];
        snprintf(b, sizeof b, "%s/t%d", tc_dir, threads[i]);
        snprintf(cmd, sizeof cmd, "%s train %s/run.ini --set train.iterations=10,20 "
                 "--threads %d --quiet --out %s", tu_bin(), tc_dir, threads[i], b);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
        snprintf(cmd, sizeof cmd, "%s -c 'import json; d = json.load(open(\"%s/summary.json\")); "
                 "print(d[\"strategy\"], d[\"threads\"])'", tu_python(), b);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
        char want[64];
        snprintf(want, sizeof want, "fused %d\n", threads[i]);
        ck_assert_msg(strcmp(out, want) == 0, "summary.json with %d threads: %s", threads[i],
                      out);
        if (i == 0) {
            snprintf(a, sizeof a, "%s", b);
            continue;
        }
        int arrays;
        ck_assert_msg(tu_same_models(a, b, &arrays, out, sizeof out) == 0, "%d threads vs %d: %s",
                      threads[i], threads[0], out);
        ck_assert_int_eq(arrays, 8);   /* softmax and ovr, 2 checkpoints, w and b */
        snprintf(cmd, sizeof cmd,
                 "a=%s; b=%s; "
                 "[ \"$(cut -d, -f1-7,9 $a/results.csv)\" = \"$(cut -d, -f1-7,9 $b/results.csv)\" ] "
                 "|| { echo results.csv differs; exit 1; }; "
                 "cmp $a/curves.csv $b/curves.csv && cmp $a/predictions.csv $b/predictions.csv",
                 a, b);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%d threads vs %d: %s", threads[i],
                      threads[0], out);
    }
}
END_TEST

/* configs/softmax-10.ini and configs/ovr-10.ini as shipped, 20 iterations, no
 * pictures: exit 0, print the best model's accuracy and confusion matrix, and
 * write predictions.csv with a line per test row. */
START_TEST(test_shipped_tenclass_configs_train)
{
    static const char *configs[][2] = {{"softmax-10", "softmax"}, {"ovr-10", "ovr"}};
    char tmp[PATH_MAX], data[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 128], cmd[8192];
    static char out[65536];
    tu_mnist_dir(data, sizeof data);
    tu_tmpdir(tmp, sizeof tmp);
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        snprintf(dir, sizeof dir, "%s/%s", tmp, configs[i][0]);
        snprintf(cmd, sizeof cmd, "%s train configs/%s.ini --set output.plots=false "
                 "--set train.iterations=20 --out %s", tu_bin(), configs[i][0], dir);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s:\n%s", configs[i][0], out);
        ck_assert_ptr_nonnull(strstr(out, "accuracy"));
        snprintf(cmd, sizeof cmd, "%s -c 'import json; print(json.load(open(\"%s/summary.json\"))"
                 "[\"rows\"][\"test\"])'", tu_python(), dir);
        char rows[256];
        ck_assert_int_eq(tu_run(cmd, rows, sizeof rows), 0);
        long n_test = atol(rows);
        ck_assert_int_gt(n_test, 0);
        printed_cm c;
        check_printed_confusion(out, dir, configs[i][1], n_test, &c);

        char best[128], task[32], lr[32], it[32];
        best_of_run(dir, best, sizeof best);
        name_parts(best, task, lr, it);
        ck_assert_str_eq(task, configs[i][1]);
        ck_assert_str_eq(lr, c.lr);
        ck_assert_int_eq(atoi(it), c.iterations);
        snprintf(path, sizeof path, "%s/predictions.csv", dir);
        char *pred = slurp(path);
        long lines = 0;
        for (const char *p = pred; (p = strchr(p, '\n')); p++)
            lines++;
        free(pred);
        ck_assert_int_eq(lines, n_test + 1);
        snprintf(cmd, sizeof cmd, "cmp %s %s/models/%s.predictions.csv", path, dir, best);
        ck_assert_msg(tu_run(cmd, rows, sizeof rows) == 0, "%s", rows);
    }
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_tenclass_config_errors_exit_2)
{
    char tmp[PATH_MAX], cmd[8192], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(cmd, sizeof cmd, "%s train configs/ovr-10.ini --set task.multiclass=sofmax --out %s/run",
             tu_bin(), tmp);
    expect_input_error(cmd, "task.multiclass");
    expect_input_error(cmd, "sofmax");
    snprintf(cmd, sizeof cmd, "%s train configs/ovr-10.ini --set task.classes=5 --out %s/run",
             tu_bin(), tmp);
    expect_input_error(cmd, "task.classes");
    static const char *kinds[] = {"softmax", "ovr"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s train configs/ovr-10.ini --set task.multiclass=%s "
                 "--set engine.strategy=data --set train.iterations=5 --set output.plots=false "
                 "--out %s/run", tu_bin(), kinds[i], tmp);
        expect_input_error(cmd, "engine.strategy");
    }
    snprintf(path, sizeof path, "%s/run", tmp);
    ck_assert_msg(access(path, F_OK) != 0, "a failed run left an output directory");
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
    tcase_add_test(tc, test_help_on_commands);
    tcase_add_test(tc, test_warnings_for_likely_mistakes);
    tcase_add_test(tc, test_header_only_results_is_an_error);
    tcase_add_test(tc, test_malformed_sidecar_is_an_error);
    tcase_add_test(tc, test_info_describes_engine);
    tcase_add_test(tc, test_fetch_from_mirror_directory);
    tcase_add_test(tc, test_interrupt_writes_everything_so_far);
    tcase_add_test(tc, test_rerun_replaces_models);
    tcase_add_test(tc, test_shipped_tenclass_configs_train);
    tcase_add_test(tc, test_tenclass_config_errors_exit_2);
    suite_add_tcase(s, tc);

    TCase *ten = tcase_create("tenclass");
    tcase_set_timeout(ten, 600);
    tcase_add_unchecked_fixture(ten, tenclass_setup, tenclass_teardown);
    tcase_add_test(ten, test_softmax_agrees_with_tenclass_ref);
    tcase_add_test(ten, test_ovr_agrees_with_tenclass_ref);
    tcase_add_test(ten, test_softmax_subset_agrees_with_tenclass_ref);
    tcase_add_test(ten, test_predictions_files_agree_with_weights);
    tcase_add_test(ten, test_printed_confusion_is_the_best_models);
    tcase_add_test(ten, test_tenclass_threads_give_identical_files);
    suite_add_tcase(s, ten);
    return s;
}
