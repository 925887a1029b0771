/*
 * check_config.c - tests of the config module (include/parlogit/config.h):
 * defaults, the shipped configs/, INI syntax and every value error (each as a
 * small INI file written to a scratch directory, checking the exact line in
 * "x.ini:LINE:" and a word of the reason), --set, origins, the whole-config
 * checks, and the effective config written by pl_config_foreach read back.
 *
 * Tests run from the repository root (configs/ is read from there).
 */
#include <glob.h>
#include <sys/stat.h>
#include <string.h>

#include "parlogit/config.h"
#include "parlogit/train.h"
#include "parlogit/dataset.h"
#include "parlogit/data.h"
#include "testutil.h"

static char tmp[512];      /* scratch directory of the running test */

static void setup(void)
{
    tu_tmpdir(tmp, sizeof tmp);
    /* the default data.dir is per user (data.h); these tests fix it to data/mnist */
    setenv("PARLOGIT_DATA", "data", 1);
}

static void teardown(void)
{
    tu_rmtree(tmp);
}

/* Writes text to tmp/name and loads it on top of c; the file's path goes to
 * path (may be NULL). */
static int load_text(pl_config *c, const char *name, const char *text, pl_error *e,
                     char *path)
{
    char p[1024];
    tu_write(tmp, name, text, strlen(text), p, sizeof p);
    if (path)
        strcpy(path, p);
    return pl_config_load(c, p, e);
}

/* Loads text as x.ini over the defaults and expects PL_EINPUT naming
 * "x.ini:LINE:" and containing word; the config must be left unchanged. */
static void expect_error(const char *text, int line, const char *word)
{
    pl_config c, fresh;
    pl_error e = {0};
    pl_config_defaults(&c);
    pl_config_defaults(&fresh);
    int rc = load_text(&c, "x.ini", text, &e, NULL);
    char at[32];
    snprintf(at, sizeof at, "x.ini:%d: ", line);
    ck_assert_msg(rc == PL_EINPUT, "rc %d for:\n%s", rc, text);
    ck_assert_msg(strstr(e.msg, at) != NULL, "'%s' not in '%s' for:\n%s", at, e.msg, text);
    ck_assert_msg(strstr(e.msg, word) != NULL, "'%s' not in '%s' for:\n%s", word, e.msg,
                  text);
    ck_assert_msg(memcmp(&c, &fresh, sizeof c) == 0, "config changed by a failed load");
}

/* ---- defaults and the shipped configs ---------------------------------- */

/* The per-user data directory: $PARLOGIT_DATA, then an absolute
 * $XDG_CACHE_HOME, then ~/.cache, then data/mnist. */
START_TEST(test_default_data_dir)
{
    char d[4096];
    setenv("PARLOGIT_DATA", "/srv/pd", 1);
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    setenv("HOME", "/home/u", 1);
    pl_default_data_dir(d, sizeof d);
    ck_assert_str_eq(d, "/srv/pd/mnist");
    unsetenv("PARLOGIT_DATA");
    pl_default_data_dir(d, sizeof d);
    ck_assert_str_eq(d, "/x/cache/parlogit/mnist");
    setenv("XDG_CACHE_HOME", "relative/cache", 1);   /* XDG: relative paths are ignored */
    pl_default_data_dir(d, sizeof d);
    ck_assert_str_eq(d, "/home/u/.cache/parlogit/mnist");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    pl_default_data_dir(d, sizeof d);
    ck_assert_str_eq(d, "data/mnist");
    pl_config c;
    setenv("PARLOGIT_DATA", "/srv/pd", 1);
    pl_config_defaults(&c);
    ck_assert_str_eq(c.data.dir, "/srv/pd/mnist");
}
END_TEST

START_TEST(test_defaults)
{
    pl_config c;
    pl_config_defaults(&c);
    ck_assert_str_eq(c.path, "");
    ck_assert_str_eq(c.data.dir, "data/mnist");
    ck_assert_str_eq(c.data.train_images, "train-images-idx3-ubyte.gz");
    ck_assert_str_eq(c.data.train_labels, "train-labels-idx1-ubyte.gz");
    ck_assert_str_eq(c.data.test_images, "t10k-images-idx3-ubyte.gz");
    ck_assert_str_eq(c.data.test_labels, "t10k-labels-idx1-ubyte.gz");
    ck_assert_int_eq(c.data.format, PL_FORMAT_AUTO);
    ck_assert_int_eq(c.data.csv_label, PL_CSV_LABEL_FIRST);
    ck_assert_int_eq(c.data.csv_header, PL_CSV_HEADER_AUTO);
    ck_assert_int_eq(c.data.split, PL_SPLIT_FILES);
    ck_assert_uint_eq(c.data.train_lo, 0);
    ck_assert_uint_eq(c.data.train_hi, 0);
    ck_assert_uint_eq(c.data.test_lo, 0);
    ck_assert_uint_eq(c.data.test_hi, 0);
    ck_assert(c.data.test_fraction == 0.2);
    ck_assert_uint_eq(c.data.train_size, 0);
    ck_assert_uint_eq(c.data.test_size, 0);
    ck_assert_uint_eq(c.data.seed, 42);
    ck_assert_int_eq(c.task.ntasks, 1);
    ck_assert_int_eq(c.task.tasks[0].neg, 1);
    ck_assert_int_eq(c.task.tasks[0].pos, 7);
    ck_assert_int_eq(c.train.nlr, 1);
    ck_assert(c.train.lr[0] == 0.1);
    ck_assert_int_eq(c.train.niters, 1);
    ck_assert_int_eq(c.train.iters[0], 100);
    ck_assert_int_eq(c.engine.threads, 0);
    ck_assert_int_eq(c.engine.bind, PL_BIND_CORE);
    ck_assert_int_eq(c.engine.simd, PL_SIMD_AUTO);
    ck_assert_int_eq(c.engine.wait, PL_WAIT_AUTO);
    ck_assert_str_eq(c.output.dir, "runs/default");
    ck_assert_int_eq(c.norigin, 0);
    ck_assert_str_eq(pl_config_where(&c, "train", "learning_rates"), "default");
    pl_error e = {0};
    ck_assert_msg(pl_config_check(&c, &e) == PL_OK, "%s", e.msg);
}
END_TEST

START_TEST(test_shipped_configs_parse_and_check)
{
    glob_t g;
    ck_assert_int_eq(glob("configs/*.ini", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 6);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        pl_config c;
        pl_error e = {0};
        pl_config_defaults(&c);
        ck_assert_msg(pl_config_load(&c, g.gl_pathv[i], &e) == PL_OK, "%s", e.msg);
        ck_assert_msg(pl_config_check(&c, &e) == PL_OK, "%s", e.msg);
        /* configs/NAME.ini writes to runs/NAME. */
        char want[1100];
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        snprintf(want, sizeof want, "runs/%.*s", (int)(strlen(base) - 4), base);
        ck_assert_str_eq(c.output.dir, want);
        ck_assert_str_eq(c.path, g.gl_pathv[i]);
    }
    globfree(&g);
}
END_TEST

static void load_shipped(pl_config *c, const char *path)
{
    pl_error e = {0};
    pl_config_defaults(c);
    ck_assert_msg(pl_config_load(c, path, &e) == PL_OK, "%s", e.msg);
}

/* Both shipped configs that use the 10k file split 8000 / 2000 by rows. */
static void assert_rows_8000_2000(const pl_config *c)
{
    ck_assert_str_eq(c->data.dir, "data/mnist");
    ck_assert_str_eq(c->data.train_images, "t10k-images-idx3-ubyte.gz");
    ck_assert_str_eq(c->data.train_labels, "t10k-labels-idx1-ubyte.gz");
    ck_assert_int_eq(c->data.split, PL_SPLIT_ROWS);
    ck_assert_uint_eq(c->data.train_lo, 0);
    ck_assert_uint_eq(c->data.train_hi, 8000);
    ck_assert_uint_eq(c->data.test_lo, 8000);
    ck_assert_uint_eq(c->data.test_hi, 10000);
    ck_assert_uint_eq(c->data.train_size, 0);
    ck_assert_uint_eq(c->data.test_size, 0);
}

START_TEST(test_shipped_default)
{
    pl_config c;
    load_shipped(&c, "configs/default.ini");
    assert_rows_8000_2000(&c);
    ck_assert_int_eq(c.task.ntasks, 45);
    ck_assert_int_eq(c.task.tasks[0].neg, 0);
    ck_assert_int_eq(c.task.tasks[0].pos, 1);
    ck_assert_int_eq(c.task.tasks[8].neg, 0);
    ck_assert_int_eq(c.task.tasks[8].pos, 9);
    ck_assert_int_eq(c.task.tasks[9].neg, 1);
    ck_assert_int_eq(c.task.tasks[9].pos, 2);
    ck_assert_int_eq(c.task.tasks[44].neg, 8);
    ck_assert_int_eq(c.task.tasks[44].pos, 9);
    ck_assert_int_eq(c.train.nlr, 4);
    ck_assert(c.train.lr[0] == 0.015 && c.train.lr[1] == 0.1 && c.train.lr[2] == 0.5 &&
              c.train.lr[3] == 1.0);
    ck_assert_int_eq(c.train.niters, 3);
    ck_assert(c.train.iters[0] == 100 && c.train.iters[1] == 500 &&
              c.train.iters[2] == 1000);
    ck_assert_str_eq(c.output.dir, "runs/default");
}
END_TEST

START_TEST(test_shipped_pairs)
{
    static const struct {
        const char *path;
        int neg, pos;
    } pairs[] = {{"configs/pair-1-7.ini", 1, 7},
                 {"configs/pair-0-6.ini", 0, 6},
                 {"configs/pair-0-1.ini", 0, 1}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        pl_config c;
        load_shipped(&c, pairs[i].path);
        assert_rows_8000_2000(&c);
        ck_assert_int_eq(c.task.ntasks, 1);
        ck_assert_int_eq(c.task.tasks[0].neg, pairs[i].neg);
        ck_assert_int_eq(c.task.tasks[0].pos, pairs[i].pos);
        ck_assert_int_eq(c.train.nlr, 1);
        ck_assert(c.train.lr[0] == 0.1);
        ck_assert_int_eq(c.train.niters, 2);
        ck_assert(c.train.iters[0] == 100 && c.train.iters[1] == 500);
    }
}
END_TEST

START_TEST(test_shipped_one_vs_rest)
{
    pl_config c;
    load_shipped(&c, "configs/one-vs-rest-1.ini");
    ck_assert_int_eq(c.task.ntasks, 1);
    ck_assert_int_eq(c.task.tasks[0].pos, 1);
    ck_assert_int_eq(c.task.tasks[0].neg, PL_REST);
    ck_assert_int_eq(c.data.split, PL_SPLIT_FRACTION);
    ck_assert(c.data.test_fraction == 0.2);
    ck_assert_uint_eq(c.data.train_size, 4000);
    ck_assert_uint_eq(c.data.test_size, 1000);
    ck_assert_int_eq(c.train.nlr, 1);
    ck_assert(c.train.lr[0] == 0.015);
    ck_assert_int_eq(c.train.niters, 1);
    ck_assert_int_eq(c.train.iters[0], 2000);
}
END_TEST

/* foreach callback: "section.key=value\n" appended to a string. */
struct text {
    char buf[16384];
    size_t len;
    const char *only;       /* a section name, or NULL for all */
};

static void add_line(void *ctx, const char *section, const char *key, const char *value)
{
    struct text *t = ctx;
    if (t->only && strcmp(section, t->only) != 0)
        return;
    t->len += (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, "%s.%s=%s\n",
                               section, key, value);
    ck_assert_uint_lt(t->len, sizeof t->buf);
}

START_TEST(test_shipped_bench_sweep_is_default_workload)
{
    pl_config a, b;
    load_shipped(&a, "configs/default.ini");
    load_shipped(&b, "configs/bench-sweep.ini");
    /* the same data, pairs and training; the benchmark leaves out the
     * default run's softmax model (bench_softmax.py times that one) */
    ck_assert_int_eq(a.task.nmulti, 1);
    ck_assert_int_eq(a.task.multiclass[0], PL_KIND_SOFTMAX);
    ck_assert_int_eq(b.task.nmulti, 0);
    a.task.nmulti = 0;
    static const char *const sections[] = {"data", "task", "train"};
    for (int i = 0; i < 3; i++) {
        struct text ta = {.only = sections[i]}, tb = {.only = sections[i]};
        pl_config_foreach(&a, add_line, &ta);
        pl_config_foreach(&b, add_line, &tb);
        ck_assert_str_eq(ta.buf, tb.buf);
    }
    ck_assert_str_eq(b.output.dir, "runs/bench-sweep");
}
END_TEST

/* ---- INI syntax --------------------------------------------------------- */

START_TEST(test_syntax_accepted)
{
    /* BOM, CRLF, comments of both kinds, an inline ';' comment, indentation
     * (not a continuation line), "key: value", blank lines, repeated section. */
    const char *text = "\xEF\xBB\xBF; a comment\r\n"
                       "# another\r\n"
                       "[train]\r\n"
                       "  learning_rates = 0.5 ; a note\r\n"
                       "\titerations: 30, 10\r\n"
                       "\r\n"
                       "[engine]  ; engine settings\n"
                       "threads = 3\n"
                       "[train]\n"
                       "    [data]\n"
                       "  seed = 7\n";
    pl_config c;
    pl_error e = {0};
    char path[1024];
    pl_config_defaults(&c);
    ck_assert_msg(load_text(&c, "ok.ini", text, &e, path) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(c.train.nlr, 1);
    ck_assert(c.train.lr[0] == 0.5);
    ck_assert_int_eq(c.train.niters, 2);
    ck_assert_int_eq(c.train.iters[0], 10);
    ck_assert_int_eq(c.train.iters[1], 30);
    ck_assert_int_eq(c.engine.threads, 3);
    ck_assert_uint_eq(c.data.seed, 7);
    char want[1100];
    snprintf(want, sizeof want, "%s:5", path);
    ck_assert_str_eq(pl_config_where(&c, "train", "iterations"), want);
    snprintf(want, sizeof want, "%s:11", path);
    ck_assert_str_eq(pl_config_where(&c, "data", "seed"), want);
}
END_TEST

static const struct {
    const char *ini;
    int line;
    const char *word;
} syntax_errors[] = {
    {"[data]\nfoo = 1\n", 2, "unknown key 'foo' in [data]"},
    {"[nope]\nx = 1\n", 1, "unknown section [nope]"},
    {"[data]\nseed = 1\n[Data]\n", 3, "unknown section [Data]"},
    {"; c\ndir = x\n", 2, "outside any section"},
    {"[data]\ndir = a\n\ndir = b\n", 4, "set twice (first at line 2)"},
    {"[data]\n\nthis is not a key\n", 3, "expected 'key = value' or '[section]'"},
    {"[data\ndir = x\n", 1, "expected ']'"},
    {"[data] extra\n", 1, "after ']'"},
    {"[data]\n= 5\n", 2, "key name"},
    {"[train]\nlearning_rates = 0.1 # fast\n", 2, "'#' starts a comment"},
    /* Indented lines are lines, not continuations of the previous value. */
    {"[train]\n  learning_rates = 0.1\n  iterations = 0\n", 3, "at least 1"},
    {"[train]\nlearning_rates = 0.1\n  bogus\n", 3, "expected 'key = value'"},
    /* The first error wins, whichever side (inih or us) found it. */
    {"[train]\nlearning_rates = abc\njunk\n", 2, "not a number"},
    {"[train]\njunk\nlearning_rates = abc\n", 2, "expected 'key = value'"},
};

START_TEST(test_syntax_errors)
{
    expect_error(syntax_errors[_i].ini, syntax_errors[_i].line, syntax_errors[_i].word);
}
END_TEST

START_TEST(test_nul_byte)
{
    static const char text[] = "[data]\nseed = 1\0\nseed = 2\n";
    pl_config c;
    pl_error e = {0};
    char p[1024];
    pl_config_defaults(&c);
    tu_write(tmp, "x.ini", text, sizeof text - 1, p, sizeof p);
    ck_assert_int_eq(pl_config_load(&c, p, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "x.ini:2: ") && strstr(e.msg, "NUL"), "%s", e.msg);
}
END_TEST

START_TEST(test_long_line)
{
    /* inih would split a line over its buffer and shift later line numbers;
     * we reject the line itself. */
    char text[1024];
    char value[400];
    memset(value, 'a', 300);
    value[300] = '\0';
    snprintf(text, sizeof text, "[data]\nseed = 1\ndir = %s\nseed = 2\n", value);
    expect_error(text, 3, "too long");
    /* inih's buffer is 200 bytes: 198 characters, "\n" and NUL.  Indentation
     * and the line end (LF or CRLF) do not count. */
    memset(value, 'b', 192);
    value[192] = '\0';
    snprintf(text, sizeof text, "[data]\n  dir = %s\r\nseed = x\n", value);
    expect_error(text, 3, "not a whole number");
    snprintf(text, sizeof text, "[data]\ndir = %sb\nseed = x\n", value);
    expect_error(text, 2, "too long (199 characters; at most 198)");
}
END_TEST

START_TEST(test_missing_file)
{
    pl_config c;
    pl_error e = {0};
    char path[1024];
    pl_config_defaults(&c);
    snprintf(path, sizeof path, "%s/none.ini", tmp);
    /* what the user named: bad input (exit 2), with the path and the reason */
    ck_assert_int_eq(pl_config_load(&c, path, &e), PL_EINPUT);
    ck_assert_int_eq(e.code, PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot open"));
    ck_assert_ptr_nonnull(strstr(e.msg, "No such file"));
    /* a directory, a FIFO: refused before opening (a FIFO would wait) */
    ck_assert_int_eq(pl_config_load(&c, tmp, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "is a directory, not a config file"));
    snprintf(path, sizeof path, "%s/fifo.ini", tmp);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(pl_config_load(&c, path, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "is not a regular file"));
}
END_TEST

/* ---- value errors: "; comment\n[section]\nkey = value\n" fails at line 3 --- */

static const struct {
    const char *section, *key, *value, *word;
} value_errors[] = {
    {"train", "learning_rates", "abc", "'abc' is not a number"},
    {"train", "learning_rates", "0", "greater than 0"},
    {"train", "learning_rates", "-0.5", "greater than 0"},
    {"train", "learning_rates", "nan", "not a number"},
    {"train", "learning_rates", "inf", "not a number"},
    {"train", "learning_rates", "-inf", "not a number"},
    {"train", "learning_rates", "1e999", "out of range"},
    {"train", "learning_rates", "1e-400", "out of range"},
    {"train", "learning_rates", "0x1p3", "not a number"},
    {"train", "learning_rates", "0.1 0.2", "not a number"},
    {"train", "learning_rates", "0.1;0.2", "not a number"},
    {"train", "learning_rates", ".", "not a number"},
    {"train", "learning_rates", "1e", "not a number"},
    {"train", "learning_rates", "", "empty list"},
    {"train", "learning_rates", "0.1,,0.5", "empty item 2"},
    {"train", "learning_rates", "0.1,", "empty item 2"},
    {"train", "learning_rates", ", 0.1", "empty item 1"},
    {"train", "learning_rates", "0.1, 0.10", "appears twice"},
    {"train", "iterations", "0", "at least 1"},
    {"train", "iterations", "1.5", "not a whole number"},
    {"train", "iterations", "-5", "not a whole number"},
    {"train", "iterations", "+5", "not a whole number"},
    {"train", "iterations", "1e3", "not a whole number"},
    {"train", "iterations", "10000001", "out of range"},
    {"train", "iterations", "99999999999999999999999", "out of range"},
    {"train", "iterations", "100, 500, 100", "100 appears twice"},
    {"train", "iterations", "", "empty list"},
    {"task", "pairs", "7-7", "a pair needs two different digits"},
    {"task", "pairs", "1-12", "12 is not a digit 0..9"},
    {"task", "pairs", "10-rest", "10 is not a digit 0..9"},
    {"task", "pairs", "a-b", "not a pair"},
    {"task", "pairs", "rest-1", "not a pair"},
    {"task", "pairs", "-1-7", "not a pair"},
    {"task", "pairs", "1 7", "not a pair"},
    {"task", "pairs", "17", "not a pair"},
    {"task", "pairs", "1-", "not a pair"},
    {"task", "pairs", "all, 1-7", "'all' cannot be combined"},
    {"task", "pairs", "1-7, all", "'all' cannot be combined"},
    {"task", "pairs", "1-7, 0-6, 1-7", "'1-7' appears twice"},
    {"task", "pairs", "1-rest, 1-rest", "'1-rest' appears twice"},
    {"task", "pairs", "1-7, 7-1", "swapped"},
    {"task", "pairs", "", "empty list"},
    {"task", "pairs", "none, 1-7", "not a pair"},
    {"task", "multiclass", "sofmax", "'sofmax' is not a multiclass model"},
    {"task", "multiclass", "ovr, ovr", "'ovr' appears twice"},
    {"task", "multiclass", "ovr, softmax, ovr", "at most 2 of ovr, softmax"},
    {"task", "multiclass", "", "empty list"},
    {"task", "classes", "5", "at least two classes"},
    {"task", "classes", "0-12", "not a class"},
    {"task", "classes", "3-1", "not a class"},
    {"task", "classes", "0,1,1", "class 1 appears twice"},
    {"task", "classes", "0-3, 2", "class 2 appears twice"},
    {"task", "classes", "a", "not a class"},
    {"train", "solver", "saga", "'saga' is not a solver: expected gd, lbfgs, sgd, newton"},
    {"train", "solver", "gd, gd", "'gd' appears twice"},
    {"train", "penalty", "l3", "is not a penalty: expected none, l2, l1, elasticnet"},
    {"train", "l1_ratio", "1", "between 0 and 1"},
    {"train", "C", "0", "C '0' must be greater than 0"},
    {"train", "C", "1, 1.0", "C 1.0 appears twice"},
    {"train", "tol", "0", "must be greater than 0"},
    {"train", "tol", "x", "not a number"},
    {"train", "max_iter", "0", "must be at least 1"},
    {"train", "max_iter", "1.5", "not a whole number"},
    {"engine", "threads", "0", "'auto' or a thread count"},
    {"engine", "threads", "-1", "'auto' or a thread count"},
    {"engine", "threads", "many", "'auto' or a thread count"},
    {"engine", "threads", "4097", "'auto' or a thread count"},
    {"engine", "bind", "socket", "not one of none, core"},
    {"engine", "simd", "sse", "not one of auto, avx512, avx2, scalar"},
    {"engine", "simd", "AVX2", "not one of"},
    {"data", "format", "png", "not one of auto, idx, csv"},
    {"data", "csv_label", "middle", "not one of first, last"},
    {"data", "csv_header", "maybe", "not one of auto, yes, no"},
    {"data", "split", "random", "not one of files, rows, fraction"},
    {"data", "train_rows", "0-8000", "'A-B' is not accepted"},
    {"data", "train_rows", "8000:0", "A must be less than B"},
    {"data", "test_rows", "5:5", "A must be less than B"},
    {"data", "train_rows", "a:b", "expected A:B"},
    {"data", "train_rows", "1:2:3", "expected A:B"},
    {"data", "train_rows", ":5", "expected A:B"},
    {"data", "train_rows", "-1:5", "expected A:B"},
    {"data", "train_rows", "0:99999999999999999999999", "out of range"},
    {"data", "test_fraction", "0", "between 0 and 1"},
    {"data", "test_fraction", "1", "between 0 and 1"},
    {"data", "test_fraction", "1.5", "between 0 and 1"},
    {"data", "test_fraction", "-0.1", "between 0 and 1"},
    {"data", "test_fraction", "abc", "not a number"},
    {"data", "test_fraction", "", "empty value"},
    {"data", "train_size", "-1", "not a whole number"},
    {"data", "test_size", "1.5", "not a whole number"},
    {"data", "train_size", "", "empty value"},
    {"data", "seed", "-1", "not a whole number"},
    {"data", "seed", "18446744073709551616", "out of range"},
    {"data", "seed", "0x10", "not a whole number"},
    {"data", "dir", "", "empty path"},
    {"data", "train_images", "", "empty path"},
    {"output", "dir", "", "empty path"},
};

START_TEST(test_value_errors)
{
    char text[512];
    snprintf(text, sizeof text, "; comment\n[%s]\n%s = %s\n", value_errors[_i].section,
             value_errors[_i].key, value_errors[_i].value);
    char word[128];
    snprintf(word, sizeof word, "%s.%s: ", value_errors[_i].section, value_errors[_i].key);
    expect_error(text, 3, word);
    expect_error(text, 3, value_errors[_i].word);
}
END_TEST

START_TEST(test_too_many_values)
{
    /* 65 values make a line too long for inih, so this goes through --set. */
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    char arg[2048] = "train.iterations=1";
    for (int i = 2; i <= 65; i++)
        snprintf(arg + strlen(arg), sizeof arg - strlen(arg), ",%d", i);
    ck_assert_int_eq(pl_config_set(&c, arg, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "more than 64 values"));
    /* 64 values are fine. */
    *strrchr(arg, ',') = '\0';
    ck_assert_msg(pl_config_set(&c, arg, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(c.train.niters, 64);
    ck_assert_int_eq(c.train.iters[63], 64);
}
END_TEST

/* ---- good values -------------------------------------------------------- */

START_TEST(test_values_accepted)
{
    const char *text = "[data]\n"
                       "dir = /data/my mnist\n"
                       "train_images = mnist.csv\n"
                       "train_labels =\n"
                       "format = csv\n"
                       "csv_label = last\n"
                       "csv_header = no\n"
                       "split = rows\n"
                       "train_rows = 0 : 10\n"
                       "test_rows = 10:20\n"
                       "test_fraction = 2.5e-1\n"
                       "train_size = 5\n"
                       "test_size = 0\n"
                       "seed = 18446744073709551615\n"
                       "[task]\n"
                       "pairs = 1-7,0-6 , 1-rest\n"
                       "[train]\n"
                       "learning_rates = 1e-3, .5, 2., +0.25\n"
                       "iterations = 1000, 10000000, 1\n"
                       "[engine]\n"
                       "threads = 4096\n"
                       "bind = none\n"
                       "simd = scalar\n"
                       "[output]\n"
                       "dir = out/here\n";
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_msg(load_text(&c, "good.ini", text, &e, NULL) == PL_OK, "%s", e.msg);
    ck_assert_str_eq(c.data.dir, "/data/my mnist");
    ck_assert_str_eq(c.data.train_images, "mnist.csv");
    ck_assert_str_eq(c.data.train_labels, "");
    ck_assert_int_eq(c.data.format, PL_FORMAT_CSV);
    ck_assert_int_eq(c.data.csv_label, PL_CSV_LABEL_LAST);
    ck_assert_int_eq(c.data.csv_header, PL_CSV_HEADER_NO);
    ck_assert_int_eq(c.data.split, PL_SPLIT_ROWS);
    ck_assert_uint_eq(c.data.train_lo, 0);
    ck_assert_uint_eq(c.data.train_hi, 10);
    ck_assert_uint_eq(c.data.test_lo, 10);
    ck_assert_uint_eq(c.data.test_hi, 20);
    ck_assert(c.data.test_fraction == 0.25);
    ck_assert_uint_eq(c.data.train_size, 5);
    ck_assert_uint_eq(c.data.seed, UINT64_MAX);
    ck_assert_int_eq(c.task.ntasks, 3);
    ck_assert(c.task.tasks[0].neg == 1 && c.task.tasks[0].pos == 7);
    ck_assert(c.task.tasks[1].neg == 0 && c.task.tasks[1].pos == 6);
    ck_assert(c.task.tasks[2].neg == PL_REST && c.task.tasks[2].pos == 1);
    ck_assert_int_eq(c.train.nlr, 4);
    ck_assert(c.train.lr[0] == 1e-3 && c.train.lr[1] == 0.5 && c.train.lr[2] == 2.0 &&
              c.train.lr[3] == 0.25);
    ck_assert_int_eq(c.train.niters, 3);
    ck_assert(c.train.iters[0] == 1 && c.train.iters[1] == 1000 &&
              c.train.iters[2] == 10000000);
    ck_assert_int_eq(c.engine.threads, 4096);
    ck_assert_int_eq(c.engine.bind, PL_BIND_NONE);
    ck_assert_int_eq(c.engine.simd, PL_SIMD_SCALAR);
    ck_assert_str_eq(c.output.dir, "out/here");
    ck_assert_msg(pl_config_check(&c, &e) == PL_OK, "%s", e.msg);
}
END_TEST

START_TEST(test_pairs_all)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_int_eq(pl_config_set(&c, "task.pairs=all", &e), PL_OK);
    ck_assert_int_eq(c.task.ntasks, 45);
    int k = 0;
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++, k++) {
            ck_assert_int_eq(c.task.tasks[k].neg, i);
            ck_assert_int_eq(c.task.tasks[k].pos, j);
        }
    /* Every pair and every one-vs-rest at once fits. */
    char arg[1024] = "task.pairs=";
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++)
            snprintf(arg + strlen(arg), sizeof arg - strlen(arg), "%d-%d,", j, i);
    for (int i = 0; i < 10; i++)
        snprintf(arg + strlen(arg), sizeof arg - strlen(arg), "%d-rest%s", i,
                 i < 9 ? "," : "");
    ck_assert_msg(pl_config_set(&c, arg, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(c.task.ntasks, 55);
    ck_assert(c.task.tasks[0].neg == 1 && c.task.tasks[0].pos == 0);
}
END_TEST

START_TEST(test_output_dir_from_file_name)
{
    static const struct {
        const char *name, *dir;
    } cases[] = {{"pair-1-7.ini", "runs/pair-1-7"},
                 {"my.run.ini", "runs/my.run"},
                 {"noext", "runs/noext"},
                 {".hidden", "runs/.hidden"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_config c;
        pl_error e = {0};
        char path[1024];
        pl_config_defaults(&c);
        ck_assert_int_eq(load_text(&c, cases[i].name, "[data]\nseed = 1\n", &e, path),
                         PL_OK);
        ck_assert_str_eq(c.output.dir, cases[i].dir);
        ck_assert_str_eq(pl_config_where(&c, "output", "dir"), path);
        ck_assert_str_eq(c.path, path);
    }
    /* A file that sets [output] dir keeps it. */
    pl_config c;
    pl_error e = {0};
    char path[1024], want[1100];
    pl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, "x.ini", "[output]\ndir = elsewhere\n", &e, path),
                     PL_OK);
    ck_assert_str_eq(c.output.dir, "elsewhere");
    snprintf(want, sizeof want, "%s:2", path);
    ck_assert_str_eq(pl_config_where(&c, "output", "dir"), want);
}
END_TEST

/* ---- --set -------------------------------------------------------------- */

START_TEST(test_set)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_int_eq(pl_config_set(&c, "train.learning_rates=0.1,0.5", &e), PL_OK);
    ck_assert_int_eq(c.train.nlr, 2);
    ck_assert(c.train.lr[0] == 0.1 && c.train.lr[1] == 0.5);
    ck_assert_int_eq(pl_config_set(&c, " engine.threads = 8 ", &e), PL_OK);
    ck_assert_int_eq(c.engine.threads, 8);
    ck_assert_int_eq(pl_config_set(&c, "engine.threads=auto", &e), PL_OK);
    ck_assert_int_eq(c.engine.threads, 0);
    ck_assert_int_eq(pl_config_set(&c, "data.dir=./x.d", &e), PL_OK);
    ck_assert_str_eq(c.data.dir, "./x.d");
    ck_assert_int_eq(pl_config_set(&c, "data.train_labels=", &e), PL_OK);
    ck_assert_str_eq(c.data.train_labels, "");
    ck_assert_int_eq(pl_config_set(&c, "train.iterations=500,100", &e), PL_OK);
    ck_assert(c.train.niters == 2 && c.train.iters[0] == 100 && c.train.iters[1] == 500);
    ck_assert_int_eq(pl_config_set(&c, "data.train_rows=0:8000", &e), PL_OK);
    ck_assert(c.data.train_lo == 0 && c.data.train_hi == 8000);
    ck_assert_str_eq(pl_config_where(&c, "train", "learning_rates"), "--set");
    ck_assert_str_eq(pl_config_where(&c, "data", "train_rows"), "--set");
    ck_assert_str_eq(pl_config_where(&c, "data", "seed"), "default");

    /* A long path fits via --set even though a config line could not hold it. */
    char arg[1100] = "data.dir=";
    memset(arg + 9, 'p', 1023);
    arg[9 + 1023] = '\0';
    ck_assert_int_eq(pl_config_set(&c, arg, &e), PL_OK);
    ck_assert_uint_eq(strlen(c.data.dir), 1023);
}
END_TEST

static const struct {
    const char *arg, *word;
} set_errors[] = {
    {"train", "--set train: expected section.key=value"},
    {"train.learning_rates", "--set train.learning_rates: expected section.key=value"},
    {"=1", "expected section.key=value"},
    {"train=1.5", "expected section.key=value"},
    {".x=1", "expected section.key=value"},
    {"train.=1", "expected section.key=value"},
    {"nosuch.key=1", "--set nosuch.key=1: unknown section [nosuch]"},
    {"train.nosuch=1", "--set train.nosuch=1: unknown key 'nosuch' in [train]"},
    {"train.learning_rates=abc", "--set train.learning_rates=abc: 'abc' is not a number"},
    {"train.iterations=", "--set train.iterations=: empty list"},
    {"task.pairs=7-7", "--set task.pairs=7-7: '7-7': a pair needs two different digits"},
    {"data.test_rows=0-10", "'A-B' is not accepted"},
    {"engine.simd=neon", "not one of auto, avx512, avx2, scalar"},
    {"engine.wait=yield", "not one of auto, spin, sleep"},
};

START_TEST(test_set_errors)
{
    pl_config c, fresh;
    pl_error e = {0};
    pl_config_defaults(&c);
    pl_config_defaults(&fresh);
    ck_assert_int_eq(pl_config_set(&c, set_errors[_i].arg, &e), PL_EINPUT);
    ck_assert_int_eq(e.code, PL_EINPUT);
    ck_assert_msg(strstr(e.msg, set_errors[_i].word) != NULL, "'%s' not in '%s'",
                  set_errors[_i].word, e.msg);
    ck_assert_msg(strncmp(e.msg, "--set ", 6) == 0, "%s", e.msg);
    ck_assert(memcmp(&c, &fresh, sizeof c) == 0);
}
END_TEST

START_TEST(test_set_long_path)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    char arg[1200] = "output.dir=";
    memset(arg + 11, 'p', 1024);
    arg[11 + 1024] = '\0';
    ck_assert_int_eq(pl_config_set(&c, arg, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "longer than 1023 characters"));
    ck_assert_str_eq(c.output.dir, "runs/default");
}
END_TEST

/* ---- origins ------------------------------------------------------------ */

START_TEST(test_origins)
{
    pl_config c;
    pl_error e = {0};
    char path[1024], want[1100];
    pl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, "o.ini",
                               "[data]\n; c\nseed = 3\n[train]\niterations = 5\n", &e,
                               path),
                     PL_OK);
    snprintf(want, sizeof want, "%s:3", path);
    ck_assert_str_eq(pl_config_where(&c, "data", "seed"), want);
    snprintf(want, sizeof want, "%s:5", path);
    ck_assert_str_eq(pl_config_where(&c, "train", "iterations"), want);
    ck_assert_str_eq(pl_config_where(&c, "train", "learning_rates"), "default");
    ck_assert_str_eq(pl_config_where(&c, "nosuch", "key"), "default");
    ck_assert_int_eq(pl_config_set(&c, "data.seed=4", &e), PL_OK);
    ck_assert_str_eq(pl_config_where(&c, "data", "seed"), "--set");
    /* Loading a second file records its own lines. */
    ck_assert_int_eq(load_text(&c, "p.ini", "[engine]\n\n\nbind = none\n", &e, path),
                     PL_OK);
    snprintf(want, sizeof want, "%s:4", path);
    ck_assert_str_eq(pl_config_where(&c, "engine", "bind"), want);
    ck_assert_str_eq(pl_config_where(&c, "data", "seed"), "--set");
    ck_assert_uint_eq(c.data.seed, 4);
}
END_TEST

/* ---- whole-config checks ------------------------------------------------ */

static const struct {
    const char *ini;     /* loaded as x.ini over the defaults */
    int line;            /* 0: expect PL_OK                   */
    const char *word;
} check_cases[] = {
    {"[data]\nsplit = rows\n", 2, "split = rows needs train_rows"},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\n", 2, "needs test_rows"},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows =\n", 2, "needs test_rows"},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows = 5:30\n", 0, NULL},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows = 10:20\ntrain_size = 11\n", 5,
     "train_size = 11 is more than the 10 rows"},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows = 10:20\n\ntest_size = 10\n", 0,
     NULL},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows = 10:20\n\ntest_size = 20\n", 6,
     "test_size = 20 is more than the 10 rows"},
    {"[data]\n\ntest_images =\n", 3, "split = files needs test_images"},
    {"[data]\ntest_labels =\n", 2, "test_labels must name its labels file"},
    {"[data]\nsplit = rows\ntrain_rows = 0:10\ntest_rows = 10:20\ntest_images =\n", 0,
     NULL},
    {"[data]\nsplit = fraction\ntest_images =\ntest_labels =\n", 0, NULL},
    /* MNIST's default labels names are not a CSV's: ignored, not an error */
    {"[data]\nformat = csv\ntrain_images = a.csv\n", 0, NULL},
    {"[data]\ntrain_images = a.csv.gz\n", 0, NULL},
    {"[data]\ntrain_images = a.CSV\ntrain_labels = l\n", 3, "train_labels must be empty"},
    /* A CSV train file and the default IDX test files. */
    {"[data]\ntrain_images = a.csv\ntrain_labels =\n", 0, NULL},
    {"[data]\ntrain_images = a.csv\ntrain_labels =\ntest_images = b.csv\n", 0, NULL},
    {"[data]\ntrain_images = a.csv\ntest_images = b.csv\ntest_labels = l\n", 4,
     "test_labels must be empty"},
    {"[data]\ntrain_images = a.csv\ntrain_labels =\ntest_images = b.csv\n"
     "test_labels =\n", 0, NULL},
    {"[data]\nformat = csv\ntrain_images = a\ntrain_labels =\ntest_images = b\n"
     "test_labels =\n", 0, NULL},
    {"[data]\nformat = idx\ntrain_images = a.csv\n", 0, NULL},
    {"[data]\ntrain_labels =\n", 2, "train_labels must name its labels file"},
    {"[data]\nsplit = fraction\ntrain_images = a.csv\ntrain_labels =\n", 0, NULL},
};

START_TEST(test_check)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    const char *ini = check_cases[_i].ini;
    ck_assert_msg(load_text(&c, "x.ini", ini, &e, NULL) == PL_OK, "%s", e.msg);
    int rc = pl_config_check(&c, &e);
    if (check_cases[_i].line == 0) {
        ck_assert_msg(rc == PL_OK, "%s for:\n%s", e.msg, ini);
        return;
    }
    ck_assert_msg(rc == PL_EINPUT, "rc %d for:\n%s", rc, ini);
    char at[32];
    snprintf(at, sizeof at, "x.ini:%d: ", check_cases[_i].line);
    ck_assert_msg(strstr(e.msg, at) != NULL, "'%s' not in '%s' for:\n%s", at, e.msg, ini);
    ck_assert_msg(strstr(e.msg, check_cases[_i].word) != NULL, "'%s' not in '%s'",
                  check_cases[_i].word, e.msg);
}
END_TEST

START_TEST(test_check_cites_set_and_default)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_int_eq(pl_config_set(&c, "data.split=rows", &e), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_EINPUT);
    ck_assert_msg(strncmp(e.msg, "--set: split = rows needs train_rows", 36) == 0, "%s",
                  e.msg);
    /* A struct nobody filled has no tasks. */
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "default: nothing to train"));
}
END_TEST

/* ---- the effective config ----------------------------------------------- */

/* foreach callback: writes an INI file, a section header at each change. */
struct ini_out {
    FILE *f;
    char section[32];
    int keys;
};

static void write_ini(void *ctx, const char *section, const char *key, const char *value)
{
    struct ini_out *o = ctx;
    if (strcmp(o->section, section) != 0) {
        fprintf(o->f, "[%s]\n", section);
        snprintf(o->section, sizeof o->section, "%s", section);
    }
    fprintf(o->f, "%s = %s\n", key, value);
    o->keys++;
}

/* The value foreach reports for section.key. */
struct one {
    const char *section, *key;
    char value[4096];
    int found;
};

static void find_value(void *ctx, const char *section, const char *key, const char *value)
{
    struct one *o = ctx;
    if (strcmp(section, o->section) == 0 && strcmp(key, o->key) == 0) {
        snprintf(o->value, sizeof o->value, "%s", value);
        o->found++;
    }
}

static void assert_value(const pl_config *c, const char *section, const char *key,
                         const char *want)
{
    struct one o = {.section = section, .key = key};
    pl_config_foreach(c, find_value, &o);
    ck_assert_msg(o.found == 1, "%s.%s reported %d times", section, key, o.found);
    ck_assert_msg(strcmp(o.value, want) == 0, "%s.%s = '%s', want '%s'", section, key,
                  o.value, want);
}

START_TEST(test_foreach_text)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    struct text t = {.only = NULL};
    pl_config_foreach(&c, add_line, &t);
    ck_assert_str_eq(t.buf,
                     "data.dir=data/mnist\n"
                     "data.train_images=train-images-idx3-ubyte.gz\n"
                     "data.train_labels=train-labels-idx1-ubyte.gz\n"
                     "data.test_images=t10k-images-idx3-ubyte.gz\n"
                     "data.test_labels=t10k-labels-idx1-ubyte.gz\n"
                     "data.format=auto\n"
                     "data.csv_label=first\n"
                     "data.csv_header=auto\n"
                     "data.shape=auto\n"
                     "data.pixel_max=255\n"
                     "data.split=files\n"
                     "data.train_rows=\n"
                     "data.test_rows=\n"
                     "data.test_fraction=0.2\n"
                     "data.train_size=0\n"
                     "data.test_size=0\n"
                     "data.seed=42\n"
                     "data.validation_fraction=0\n"
                     "task.pairs=1-7\n" "task.multiclass=none\n" "task.classes=0-9\n"
                     "train.learning_rates=0.1\n"
                     "train.iterations=100\n" "train.solver=gd\n" "train.penalty=none\n" "train.C=1\n" "train.l1_ratio=0.5\n" "train.tol=0.0001\n" "train.max_iter=100\n"
                     "train.batch_size=32\n" "train.epochs=10\n" "train.shuffle_seed=0\n"
                     "train.lr_schedule=constant\n" "train.power_t=0.5\n" "train.eval_every=0\n"
                     "train.warm_start=true\n"
                     "engine.threads=auto\n"
                     "engine.bind=core\n"
                     "engine.simd=auto\n"
                     "engine.strategy=auto\n"
                     "engine.distribute=auto\n"
                     "engine.wait=auto\n"
                     "output.dir=runs/default\n"
                     "output.plots=false\n"
                     "output.model_files=false\n"
                     "preprocess.alpha_paper=255\n"
                     "preprocess.work_side=1000\n"
                     "preprocess.invert=auto\n"
                     "preprocess.shading=auto\n"
                     "preprocess.shading_cells=6\n"
                     "preprocess.paper_percentile=50\n"
                     "preprocess.blur_radius=1\n"
                     "preprocess.threshold=otsu\n"
                     "preprocess.threshold_level=128\n"
                     "preprocess.min_contrast=32\n"
                     "preprocess.min_blob=0.02\n"
                     "preprocess.edge_fraction=0.25\n"
                     "preprocess.ink_percentile=90\n"
                     "preprocess.box=20\n"
                     "preprocess.field=28\n");
    ck_assert_int_eq(pl_config_set(&c, "train.learning_rates=0.30000000000000004, "
                                       "0.33333333333333331, 1e-5, 1.0, 123456789012", &e),
                     PL_OK);
    assert_value(&c, "train", "learning_rates",
                 "0.30000000000000004, 0.3333333333333333, 1e-05, 1, 123456789012");
    ck_assert_int_eq(pl_config_set(&c, "task.pairs=1-7, 0-6, 1-rest", &e), PL_OK);
    assert_value(&c, "task", "pairs", "1-7, 0-6, 1-rest");
    ck_assert_int_eq(pl_config_set(&c, "task.pairs=all", &e), PL_OK);
    assert_value(&c, "task", "pairs", "all");
    /* The 45 pairs in another order are not "all". */
    ck_assert_int_eq(pl_config_set(&c, "task.pairs=0-2,0-1", &e), PL_OK);
    assert_value(&c, "task", "pairs", "0-2, 0-1");
    ck_assert_int_eq(pl_config_set(&c, "data.train_rows=3:9", &e), PL_OK);
    assert_value(&c, "data", "train_rows", "3:9");
    ck_assert_int_eq(pl_config_set(&c, "engine.threads=12", &e), PL_OK);
    assert_value(&c, "engine", "threads", "12");
    ck_assert_int_eq(pl_config_set(&c, "data.csv_header=no", &e), PL_OK);
    assert_value(&c, "data", "csv_header", "no");
}
END_TEST

/* The fields a run depends on are equal (everything but path and origins). */
static void assert_same(const pl_config *a, const pl_config *b)
{
    ck_assert_str_eq(a->data.dir, b->data.dir);
    ck_assert_str_eq(a->data.train_images, b->data.train_images);
    ck_assert_str_eq(a->data.train_labels, b->data.train_labels);
    ck_assert_str_eq(a->data.test_images, b->data.test_images);
    ck_assert_str_eq(a->data.test_labels, b->data.test_labels);
    ck_assert_int_eq(a->data.format, b->data.format);
    ck_assert_int_eq(a->data.csv_label, b->data.csv_label);
    ck_assert_int_eq(a->data.csv_header, b->data.csv_header);
    ck_assert_uint_eq(a->data.height, b->data.height);
    ck_assert_uint_eq(a->data.width, b->data.width);
    ck_assert_int_eq(a->data.pixel_max, b->data.pixel_max);
    ck_assert_int_eq(a->data.split, b->data.split);
    ck_assert_uint_eq(a->data.train_lo, b->data.train_lo);
    ck_assert_uint_eq(a->data.train_hi, b->data.train_hi);
    ck_assert_uint_eq(a->data.test_lo, b->data.test_lo);
    ck_assert_uint_eq(a->data.test_hi, b->data.test_hi);
    ck_assert(a->data.test_fraction == b->data.test_fraction);
    ck_assert_uint_eq(a->data.train_size, b->data.train_size);
    ck_assert_uint_eq(a->data.test_size, b->data.test_size);
    ck_assert_uint_eq(a->data.seed, b->data.seed);
    ck_assert_int_eq(a->task.ntasks, b->task.ntasks);
    ck_assert_mem_eq(a->task.tasks, b->task.tasks,
                     (size_t)a->task.ntasks * sizeof(pl_task));
    ck_assert_int_eq(a->train.nlr, b->train.nlr);
    for (int i = 0; i < a->train.nlr; i++)
        ck_assert_msg(a->train.lr[i] == b->train.lr[i], "lr[%d]: %.17g != %.17g", i,
                      a->train.lr[i], b->train.lr[i]);
    ck_assert_int_eq(a->train.niters, b->train.niters);
    ck_assert_mem_eq(a->train.iters, b->train.iters, (size_t)a->train.niters * sizeof(int));
    ck_assert_int_eq(a->train.nsolvers, b->train.nsolvers);
    ck_assert_mem_eq(a->train.solvers, b->train.solvers, (size_t)a->train.nsolvers * sizeof(int));
    ck_assert_int_eq(a->train.batch_size, b->train.batch_size);
    ck_assert_int_eq(a->train.epochs, b->train.epochs);
    ck_assert(a->train.shuffle_seed == b->train.shuffle_seed);
    ck_assert_int_eq(a->train.lr_schedule, b->train.lr_schedule);
    ck_assert(a->train.power_t == b->train.power_t);
    ck_assert_int_eq(a->train.eval_every, b->train.eval_every);
    ck_assert_int_eq(a->train.warm_start, b->train.warm_start);
    ck_assert_int_eq(a->train.npenalties, b->train.npenalties);
    ck_assert_mem_eq(a->train.penalties, b->train.penalties,
                     (size_t)a->train.npenalties * sizeof(int));
    ck_assert_int_eq(a->engine.threads, b->engine.threads);
    ck_assert_int_eq(a->engine.bind, b->engine.bind);
    ck_assert_int_eq(a->engine.simd, b->engine.simd);
    ck_assert_int_eq(a->engine.wait, b->engine.wait);
    ck_assert_str_eq(a->output.dir, b->output.dir);
}

/* Writes c's effective config as an INI file and loads it into fresh defaults. */
static void round_trip(const pl_config *c)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/effective.ini", tmp);
    struct ini_out o = {.f = fopen(path, "w")};
    ck_assert_ptr_nonnull(o.f);
    pl_config_foreach(c, write_ini, &o);
    ck_assert_int_eq(fclose(o.f), 0);
    ck_assert_int_eq(o.keys, 60);
    pl_config back;
    pl_error e = {0};
    pl_config_defaults(&back);
    /* Start from values unlike the defaults, so every key must be read. */
    ck_assert_int_eq(pl_config_set(&back, "train.learning_rates=7", &e), PL_OK);
    ck_assert_int_eq(pl_config_set(&back, "data.train_rows=1:2", &e), PL_OK);
    ck_assert_msg(pl_config_load(&back, path, &e) == PL_OK, "%s", e.msg);
    assert_same(c, &back);
}

START_TEST(test_foreach_round_trip)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    round_trip(&c);
    load_shipped(&c, "configs/default.ini");
    round_trip(&c);
    load_shipped(&c, "configs/one-vs-rest-1.ini");
    round_trip(&c);
    load_shipped(&c, "configs/sgd-0-1.ini");
    round_trip(&c);
    static const char *const sets[] = {
        "train.learning_rates=0.30000000000000004, 0.33333333333333331, 1e-300, "
        "1.7976931348623157e308, 4.9406564584124654e-300",
        "train.iterations=10000000, 1, 77",
        "task.pairs=9-8, 0-1, 5-rest, 3-4",
        "data.test_fraction=0.1",
        "data.seed=18446744073709551615",
        "data.train_size=123",
        "data.test_rows=10:20",
        "data.train_labels=",
        "data.format=csv",
        "data.csv_label=last",
        "data.csv_header=yes",
        "engine.threads=3",
        "engine.bind=none",
        "engine.simd=avx512",
        "engine.wait=sleep",
        "output.dir=out dir/x",
        "train.solver=sgd, gd, lbfgs",
        "train.batch_size=7",
        "train.epochs=3",
        "train.shuffle_seed=18446744073709551615",
        "train.lr_schedule=invscaling",
        "train.power_t=0.30000000000000004",
        "train.eval_every=11",
        "train.warm_start=no",
        "train.penalty=elasticnet, none, l1",
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        ck_assert_msg(pl_config_set(&c, sets[i], &e) == PL_OK, "%s", e.msg);
    round_trip(&c);
}
END_TEST

START_TEST(test_task_name)
{
    char buf[PL_TASK_NAME_MAX];
    ck_assert_str_eq(pl_task_name((pl_task){.pos = 7, .neg = 1}, buf), "1-7");
    ck_assert_str_eq(pl_task_name((pl_task){.pos = 0, .neg = 6}, buf), "6-0");
    ck_assert_str_eq(pl_task_name((pl_task){.pos = 1, .neg = PL_REST}, buf), "1-rest");
    const pl_task sm = {.kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES};
    const pl_task ovr3 = {.kind = PL_KIND_OVR, .classes = 0x7};
    const pl_task sm9 = {.kind = PL_KIND_SOFTMAX, .classes = 0x1ff};
    ck_assert_str_eq(pl_task_name(sm, buf), "softmax");
    ck_assert_str_eq(pl_task_name(ovr3, buf), "ovr-012");
    ck_assert_str_eq(pl_task_name(sm9, buf), "softmax-012345678");   /* the longest */
    ck_assert_uint_lt(strlen(buf), PL_TASK_NAME_MAX);
    /* every name reads back as its task; others are refused */
    const pl_task all[] = {sm, ovr3, sm9, {.pos = 7, .neg = 1}, {.pos = 2, .neg = PL_REST}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        pl_task t;
        ck_assert_int_eq(pl_task_from_name(pl_task_name(all[i], buf), &t), 0);
        ck_assert_msg(pl_task_equal(t, all[i]), "%s", buf);
    }
    const char *bad[] = {"softmax-", "softmax-1", "softmax-11", "ovr-0a", "ovrx", "soft",
                         "7-7", "1-", "12-3", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_task t;
        ck_assert_msg(pl_task_from_name(bad[i], &t) == -1, "'%s' accepted", bad[i]);
    }
    /* outputs, classes and the rows a task uses */
    ck_assert_int_eq(pl_task_outputs(sm), 10);
    ck_assert_int_eq(pl_task_outputs(ovr3), 3);
    ck_assert_int_eq(pl_task_outputs((pl_task){.pos = 7, .neg = 1}), 1);
    ck_assert_int_eq(pl_task_output_class(ovr3, 2), 2);
    ck_assert_int_eq(pl_task_output_class((pl_task){.kind = PL_KIND_OVR, .classes = 0x284}, 1), 7);
    ck_assert_int_eq(pl_task_output_of((pl_task){.kind = PL_KIND_OVR, .classes = 0x284}, 9), 2);
    ck_assert_int_eq(pl_task_output_of(ovr3, 5), -1);
    ck_assert(pl_task_uses(ovr3, 1) && !pl_task_uses(ovr3, 3));
    ck_assert(!pl_task_equal(sm, (pl_task){.kind = PL_KIND_OVR, .classes = PL_ALL_CLASSES}));
}
END_TEST

/* multiclass alone replaces the default pair; with pairs given, both train;
 * pairs = none; classes; the effective config reads back the same. */
START_TEST(test_multiclass)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, "m.ini", "[task]\nmulticlass = softmax, ovr\nclasses = 0-3, 7\n",
                               &e, NULL), PL_OK);
    ck_assert_int_eq(c.task.ntasks, 0);
    ck_assert_int_eq(c.task.nmulti, 2);
    ck_assert_int_eq(c.task.multiclass[0], PL_KIND_SOFTMAX);
    ck_assert_int_eq(c.task.multiclass[1], PL_KIND_OVR);
    ck_assert_uint_eq(c.task.classes, 0x8f);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_OK);
    assert_value(&c, "task", "pairs", "none");
    assert_value(&c, "task", "multiclass", "softmax, ovr");
    assert_value(&c, "task", "classes", "0, 1, 2, 3, 7");
    pl_plan plan;
    ck_assert_int_eq(pl_plan_from_config(&c, &plan, &e), PL_OK);
    ck_assert_uint_eq(plan.njobs, 2);
    ck_assert_int_eq(plan.jobs[0].task.kind, PL_KIND_SOFTMAX);
    ck_assert_uint_eq(plan.jobs[1].task.classes, 0x8f);
    pl_plan_free(&plan);

    pl_config_defaults(&c);   /* pairs given (before or after): kept */
    ck_assert_int_eq(load_text(&c, "m.ini", "[task]\npairs = 0-6\nmulticlass = ovr\n", &e, NULL),
                     PL_OK);
    ck_assert_int_eq(c.task.ntasks, 1);
    ck_assert_int_eq(c.task.tasks[0].neg, 0);
    ck_assert_uint_eq(c.task.classes, PL_ALL_CLASSES);
    assert_value(&c, "task", "classes", "0-9");
    pl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, "m.ini", "[task]\nmulticlass = ovr\npairs = 0-6, 1-7\n", &e,
                               NULL), PL_OK);
    ck_assert_int_eq(c.task.ntasks, 2);
    ck_assert_int_eq(pl_plan_from_config(&c, &plan, &e), PL_OK);
    ck_assert_uint_eq(plan.njobs, 3);   /* pairs first, then the ten-class model */
    ck_assert_int_eq(plan.jobs[2].task.kind, PL_KIND_OVR);
    pl_plan_free(&plan);

    pl_config_defaults(&c);   /* nothing at all to train */
    ck_assert_int_eq(pl_config_set(&c, "task.pairs=none", &e), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "nothing to train") != NULL, "%s", e.msg);
    ck_assert_int_eq(pl_config_set(&c, "task.multiclass=softmax", &e), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_OK);
    ck_assert_int_eq(pl_config_set(&c, "task.multiclass=none", &e), PL_OK);
    ck_assert_int_eq(c.task.nmulti, 0);
}
END_TEST

/* Solvers: lbfgs with every C (one job without a penalty), gd with every
 * learning rate; an l2 penalty with gd is refused where it was set. */
START_TEST(test_solvers_and_penalties)
{
    pl_config c;
    pl_error e = {0};
    pl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, "s.ini", "[task]\npairs = 1-7, 0-6\n[train]\nsolver = lbfgs, gd\n"
                               "learning_rates = 0.1, 0.5\npenalty = l2\nC = 0.01, 1, 100\n"
                               "tol = 1e-6\nmax_iter = 250\n", &e, NULL), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "s.ini:6: penalty = l2 is trained by solver = lbfgs or sgd only") != NULL,
                  "%s", e.msg);
    ck_assert_int_eq(pl_config_set(&c, "train.solver=lbfgs", &e), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_OK);
    pl_plan plan;
    ck_assert_int_eq(pl_plan_from_config(&c, &plan, &e), PL_OK);
    ck_assert_uint_eq(plan.njobs, 6);   /* 2 tasks x 3 C */
    ck_assert_int_eq(plan.jobs[4].h.solver, PL_SOLVER_LBFGS);
    ck_assert_double_eq(plan.jobs[4].h.C, 1.0);
    ck_assert_double_eq(plan.jobs[4].h.tol, 1e-6);
    ck_assert_int_eq(plan.jobs[4].h.max_iter, 250);
    pl_plan_free(&plan);
    ck_assert_int_eq(pl_config_set(&c, "train.penalty=none", &e), PL_OK);
    ck_assert_int_eq(pl_config_set(&c, "train.solver=gd,lbfgs", &e), PL_OK);
    ck_assert_int_eq(pl_plan_from_config(&c, &plan, &e), PL_OK);
    ck_assert_uint_eq(plan.njobs, 6);   /* per task: gd x 2 rates, one lbfgs */
    ck_assert_int_eq(plan.jobs[1].h.solver, PL_SOLVER_GD);
    ck_assert_double_eq(plan.jobs[1].h.lr, 0.5);
    ck_assert_int_eq(plan.jobs[2].h.solver, PL_SOLVER_LBFGS);
    ck_assert_int_eq(plan.jobs[2].h.penalty, PL_PENALTY_NONE);
    pl_plan_free(&plan);
    assert_value(&c, "train", "solver", "gd, lbfgs");
    assert_value(&c, "train", "C", "0.01, 1, 100");
    assert_value(&c, "train", "tol", "1e-06");
    /* a list of penalties: lbfgs and sgd train each (none once, the others
     * per C); sgd every learning rate of each */
    ck_assert_int_eq(pl_config_set(&c, "train.solver=lbfgs, sgd", &e), PL_OK);
    ck_assert_int_eq(pl_config_set(&c, "train.penalty=none, l1", &e), PL_OK);
    assert_value(&c, "train", "penalty", "none, l1");
    ck_assert_int_eq(pl_plan_from_config(&c, &plan, &e), PL_OK);
    ck_assert_uint_eq(plan.njobs, 2 * (1 + 3 + 2 * (1 + 3)));
    ck_assert_int_eq(plan.jobs[0].h.penalty, PL_PENALTY_NONE);
    ck_assert_int_eq(plan.jobs[1].h.penalty, PL_PENALTY_L1);
    ck_assert_double_eq(plan.jobs[3].h.C, 100);
    ck_assert_int_eq(plan.jobs[4].h.solver, PL_SOLVER_SGD);
    ck_assert_int_eq(plan.jobs[6].h.penalty, PL_PENALTY_L1);
    ck_assert_double_eq(plan.jobs[6].h.C, 0.01);
    ck_assert_double_eq(plan.jobs[7].h.lr, 0.5);
    pl_plan_free(&plan);
    ck_assert_int_eq(pl_config_set(&c, "train.penalty=l1, l1", &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "'l1' appears twice") != NULL, "%s", e.msg);
    ck_assert_int_eq(pl_config_set(&c, "train.penalty=l3", &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "'l3' is not a penalty: expected none, l2, l1, elasticnet") !=
                  NULL, "%s", e.msg);
    ck_assert_int_eq(pl_config_set(&c, "train.solver=gd", &e), PL_OK);
    ck_assert_int_eq(pl_config_check(&c, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "penalty = l1 is trained by solver = lbfgs or sgd only") != NULL,
                  "%s", e.msg);
}
END_TEST

Suite *suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_default_data_dir);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_shipped_configs_parse_and_check);
    tcase_add_test(tc, test_shipped_default);
    tcase_add_test(tc, test_shipped_pairs);
    tcase_add_test(tc, test_shipped_one_vs_rest);
    tcase_add_test(tc, test_shipped_bench_sweep_is_default_workload);
    tcase_add_test(tc, test_syntax_accepted);
    tcase_add_loop_test(tc, test_syntax_errors, 0,
                        (int)(sizeof syntax_errors / sizeof syntax_errors[0]));
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_missing_file);
    tcase_add_loop_test(tc, test_value_errors, 0,
                        (int)(sizeof value_errors / sizeof value_errors[0]));
    tcase_add_test(tc, test_too_many_values);
    tcase_add_test(tc, test_values_accepted);
    tcase_add_test(tc, test_pairs_all);
    tcase_add_test(tc, test_output_dir_from_file_name);
    tcase_add_test(tc, test_set);
    tcase_add_loop_test(tc, test_set_errors, 0,
                        (int)(sizeof set_errors / sizeof set_errors[0]));
    tcase_add_test(tc, test_set_long_path);
    tcase_add_test(tc, test_origins);
    tcase_add_loop_test(tc, test_check, 0,
                        (int)(sizeof check_cases / sizeof check_cases[0]));
    tcase_add_test(tc, test_check_cites_set_and_default);
    tcase_add_test(tc, test_foreach_text);
    tcase_add_test(tc, test_foreach_round_trip);
    tcase_add_test(tc, test_task_name);
    tcase_add_test(tc, test_multiclass);
    tcase_add_test(tc, test_solvers_and_penalties);
    suite_add_tcase(s, tc);
    return s;
}
