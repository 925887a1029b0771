/*
 * testutil.h - small helpers shared by the test files: scratch directories and
 * files the tests write themselves, a deterministic random generator, running
 * the binary, and a training run compared with scikit-learn.
 */
#ifndef PARLOGIT_TESTUTIL_H
#define PARLOGIT_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/rng.h"

/* A fresh directory under $TMPDIR (or /tmp); path written to buf. */
static inline void tu_tmpdir(char *buf, size_t len)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, len, "%s/parlogit-test-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Writes len bytes to dir/name; the full path goes to out (PATH_MAX-ish). */
static inline void tu_write(const char *dir, const char *name, const void *data,
                            size_t len, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Removes a directory tree made by tu_tmpdir. */
static inline void tu_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A deterministic generator for test data: the library's splitmix64. */
static inline uint64_t tu_rand(uint64_t *s)
{
    return pl_splitmix64(s);
}

/* Uniform in [lo, hi). */
static inline float tu_uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((tu_rand(s) >> 40) * (1.0 / 16777216.0));
}

/* Path of the repository's MNIST 10k copy, fetched by `make test`. */
#define TU_MNIST_DIR "data/mnist"

/* Asserts that an error message contains sub. */
#define TU_ASSERT_HAS(msg, sub) \
    ck_assert_msg(strstr((msg), (sub)) != NULL, "message \"%s\" lacks \"%s\"", (msg), (sub))

/* The parlogit binary under test ($PARLOGIT_BIN, default build/parlogit). */
static inline const char *tu_bin(void)
{
    const char *b = getenv("PARLOGIT_BIN");
    return b && *b ? b : "build/parlogit";
}

/* The Python with NumPy ($PYTHON, default Debian's /usr/bin/python3). */
static inline const char *tu_python(void)
{
    const char *p = getenv("PYTHON");
    return p && *p ? p : "/usr/bin/python3";
}

/* tests/runload.py, the tests' one reader of a run's models in either layout
 * (models.json and models.npz, or a run's models/NAME.json, .w.npy, .b.npy);
 * shell snippets call it as "%s " TU_RUNLOAD " ..." with tu_python(). */
#define TU_RUNLOAD "tests/runload.py"

/* Runs a shell command line, its stdout and stderr into out; returns its exit
 * status (128 + signal when killed). */
static inline int tu_run(const char *cmd, char *out, size_t len)
{
    char full[16384];
    snprintf(full, sizeof full, "( %s ) 2>&1", cmd);
    FILE *p = popen(full, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The absolute path of TU_MNIST_DIR; fails the test when the 10k set is not
 * there (never a skip). */
static inline void tu_mnist_dir(char *buf, size_t len)
{
    char *abs = realpath(TU_MNIST_DIR, NULL);
    ck_assert_msg(abs != NULL, "%s missing: run `make test` (it fetches MNIST)", TU_MNIST_DIR);
    snprintf(buf, len, "%s", abs);
    free(abs);
    char f[PATH_MAX + 64];
    snprintf(f, sizeof f, "%s/t10k-images-idx3-ubyte.gz", buf);
    ck_assert_msg(access(f, R_OK) == 0, "%s missing: run `make test`", f);
}

/*
 * A training run that a test case's checks share (its unchecked fixture
 * trains it once; each check compares one of its models with scikit-learn's
 * optimum through tests/sklearn_ref.py; the fixture's end removes it).
 */
typedef struct tu_skrun {
    char dir[PATH_MAX];     /* scratch directory; the run is dir/run        */
    char data[PATH_MAX];    /* the MNIST 10k directory (tu_mnist_dir)        */
    int trained;            /* the training's exit status; -1 before it ran */
} tu_skrun;

/* Trains configs/pair-1-7.ini on 2 threads, with the --set options sets and
 * no pictures, into a fresh r->dir/run; when it fails, says so on stderr
 * after who (the test file) and leaves the status in r->trained for the
 * checks to fail on. */
static inline void tu_skrun_train(tu_skrun *r, const char *who, const char *sets)
{
    tu_tmpdir(r->dir, sizeof r->dir);
    tu_mnist_dir(r->data, sizeof r->data);
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd,
             "%s train configs/pair-1-7.ini --quiet --threads 2 --set data.dir=%s %s "
             "--set output.plots=false --out %s/run",
             tu_bin(), r->data, sets, r->dir);
    r->trained = tu_run(cmd, out, sizeof out);
    if (r->trained)
        fprintf(stderr, "%s: training failed: %s\n", who, out);
}

/* sklearn_ref.py on the run's model MODEL (read through tests/runload.py) of task
 * ("1-7", "ovr", "softmax"; classes, when not NULL, its --classes) at C, on
 * rows 0:8000 (training) and 8000:10000 (test): asserts that the training
 * ran, that the objective is scikit-learn's optimum within 1e-6 relative
 * and that both predict alike on 99.9 % of the test rows.  A failed
 * comparison's message starts with what. */
static inline void tu_skrun_agree(const tu_skrun *r, const char *task, const char *classes,
                                  const char *model, const char *C, const char *what)
{
    ck_assert_msg(r->trained == 0, "the training run failed");
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd,
             "%s tests/sklearn_ref.py --images %s/t10k-images-idx3-ubyte.gz --labels "
             "%s/t10k-labels-idx1-ubyte.gz --rows 0:8000 --test-rows 8000:10000 --task %s%s%s "
             "--C %s --run %s/run --model %s",
             tu_python(), r->data, r->data, task, classes ? " --classes " : "",
             classes ? classes : "", C, r->dir, model);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "sklearn_ref.py: %s", out);
    const char *g = strstr(out, "\"relative_gap\": "), *a = strstr(out, "\"test_agreement\": ");
    ck_assert_msg(g && a, "%s", out);
    const double gap = strtod(g + 16, NULL), agreement = strtod(a + 18, NULL);
    /* parlogit's optimum is scikit-learn's: not above it by more than 1e-6
     * (nor below by more: a lower F would mean a wrong objective) */
    ck_assert_msg(gap < 1e-6 && gap > -1e-6, "%s: %s", what, out);
    ck_assert_msg(agreement >= 0.999, "%s: %s", what, out);
}

/* Whether the runs a and b hold the same weights byte for byte: the same
 * files hold them (runload.py files: models.npz, or every .npy file in
 * models/ of a run in the per-model layout) with the same bytes.  0 when they do, and the
 * number of arrays a stores (runload.py arrays: NAME.w and NAME.b of each
 * model with weights) in *narrays; otherwise non-zero, with what differs in
 * out. */
static inline int tu_same_models(const char *a, const char *b, int *narrays, char *out,
                                 size_t len)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "py=%s; a=%s; b=%s; fa=$($py " TU_RUNLOAD " files $a) && "
             "fb=$($py " TU_RUNLOAD " files $b) || exit 2; "
             "[ \"$fa\" = \"$fb\" ] || { echo different model files; exit 1; }; "
             "for f in $fa; do cmp $a/$f $b/$f || exit 1; done; "
             "$py " TU_RUNLOAD " arrays $a | wc -l",
             tu_python(), a, b);
    const int rc = tu_run(cmd, out, len);
    *narrays = rc ? -1 : atoi(out);
    return rc;
}

/* Whether dir holds no leftover temporary file (".tmp" in a name). */
static inline int tu_no_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int clean = 1;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp"))
            clean = 0;
    closedir(d);
    return clean;
}

/* Runs fn(arg) in a child process that may allocate at most mib MiB more
 * than it holds now (RLIMIT_DATA above its VmData, so it works under ASan as
 * well); returns fn's result (keep it above 1: ASan exits 1), or -1 when the
 * child was killed. */
static inline int tu_with_memory_limit(int (*fn)(void *), void *arg, size_t mib)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        unsigned long long kb = 0;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "VmData: %llu kB", &kb) == 1)
                break;
        if (f)
            fclose(f);
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)(kb * 1024 + (unsigned long long)mib * 1048576);
        if (!kb || setrlimit(RLIMIT_DATA, &rl) != 0)
            _exit(125);
        _exit(fn(arg));
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
