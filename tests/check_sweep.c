/*
 * check_sweep.c - a sweep's results (include/parlogit/sweep.h): the choice of
 * each task's best model on hand-made runs (every tie-break, diverged and
 * interrupted checkpoints skipped, validation versus training rows), the
 * one-vs-one vote and one-vs-rest argmax on synthetic rows whose votes are
 * known exactly (ties to the smaller digit, pairs of either orientation), the
 * files and tables, and on MNIST's real 10k set the vote of 45 trained pair
 * models against an independent NumPy computation (tests/ovo_ref.py).
 *
 * PYTHON names the Python with NumPy (default /usr/bin/python3).  A missing
 * MNIST file fails the MNIST test.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <sys/wait.h>

#include "parlogit/data.h"
#include "parlogit/engine.h"
#include "parlogit/output.h"
#include "parlogit/sweep.h"
#include "testutil.h"
#include "util/util.h"

/* ---------------------------------------------------------------- helpers */

/* A hand-made run of n results over dim pixels; every result starts ok with
 * NaN metrics and zero weights (freed by pl_run_free). */
static void run_alloc(pl_run *run, size_t n, size_t dim)
{
    memset(run, 0, sizeof *run);
    run->dim = dim;
    run->results = calloc(n, sizeof *run->results);
    ck_assert_ptr_nonnull(run->results);
    run->nresults = n;
    run->threads = 1;
    run->simd = "scalar";
    for (size_t i = 0; i < n; i++) {
        pl_result *r = &run->results[i];
        *r = (pl_result){ .status = PL_RUN_OK, .train_loss = NAN, .train_acc = NAN,
                          .val_loss = NAN, .val_acc = NAN, .test_loss = NAN,
                          .test_acc = NAN, .seconds = 0, .k = 1 };
        r->w = calloc(dim, sizeof *r->w);
        ck_assert_ptr_nonnull(r->w);
    }
}

/* Sets result i: task neg-pos (neg PL_REST for pos-rest), lr, iterations. */
static pl_result *set(pl_run *run, size_t i, int neg, int pos, double lr, int iters)
{
    pl_result *r = &run->results[i];
    r->task = (pl_task){ .pos = pos, .neg = neg };
    r->lr = lr;
    r->iterations = iters;
    return r;
}

static void metrics(pl_result *r, double val_acc, double val_loss, double train_acc,
                    double train_loss, double test_acc)
{
    r->val_acc = val_acc;
    r->val_loss = val_loss;
    r->train_acc = train_acc;
    r->train_loss = train_loss;
    r->test_acc = test_acc;
    r->test_loss = 0.25;
}

static void config_with_val(pl_config *c, double fraction)
{
    pl_config_defaults(c);
    c->data.validation_fraction = fraction;
}

/* The best of task neg-pos in s, or fails. */
static const pl_sweep_best *best_of(const pl_sweep *s, int neg, int pos)
{
    for (int k = 0; k < s->nbest; k++)
        if (s->best[k].task.neg == neg && s->best[k].task.pos == pos)
            return &s->best[k];
    ck_abort_msg("no best model for %d-%d", neg, pos);
    return NULL;
}

/* A test set over dim pixels from rows given as (label, lit pixel or -1, level). */
typedef struct { int label, pixel, level; } row_spec;

static void test_set(const row_spec *rows, size_t n, size_t dim, pl_dataset *d)
{
    pl_raw raw = { .n = n, .height = 1, .width = dim, .dim = dim };
    raw.pix = calloc(n * dim, 1);
    raw.label = malloc(n);
    ck_assert(raw.pix && raw.label);
    for (size_t i = 0; i < n; i++) {
        raw.label[i] = (uint8_t)rows[i].label;
        if (rows[i].pixel >= 0)
            raw.pix[i * dim + (size_t)rows[i].pixel] = (uint8_t)rows[i].level;
    }
    pl_error e;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, n, 1, d, &e), PL_OK);
    pl_raw_free(&raw);
}

/* ---------------------------------------------------------------- selection */

START_TEST(test_best_on_validation_with_tie_breaks)
{
    pl_config c;
    config_with_val(&c, 0.2);
    pl_run run;
    run_alloc(&run, 15, 4);
    /* 1-7: equal validation accuracy, lower validation loss wins; the diverged
     * checkpoint and the higher training accuracy do not count */
    metrics(set(&run, 0, 1, 7, 0.1, 10), 0.90, 0.30, 0.99, 0.1, 0.80);
    metrics(set(&run, 1, 1, 7, 0.1, 20), 0.95, 0.20, 0.99, 0.1, 0.81);
    metrics(set(&run, 2, 1, 7, 0.5, 10), 0.99, 0.01, 0.99, 0.1, 0.82);
    run.results[2].status = PL_RUN_DIVERGED;
    metrics(set(&run, 3, 1, 7, 0.5, 20), 0.95, 0.10, 0.90, 0.3, 0.83);
    /* 0-6: accuracy and loss tie between lr 0.5 and 0.1 (config order 0.5, 0.1):
     * the smaller lr wins */
    metrics(set(&run, 4, 0, 6, 0.5, 10), 0.90, 0.20, 0.5, 0.5, 0.70);
    metrics(set(&run, 5, 0, 6, 0.5, 20), 0.90, 0.20, 0.5, 0.5, 0.71);
    metrics(set(&run, 6, 0, 6, 0.1, 10), 0.80, 0.10, 0.5, 0.5, 0.72);
    metrics(set(&run, 7, 0, 6, 0.1, 20), 0.90, 0.20, 0.5, 0.5, 0.73);
    /* 3-2 (negative 3, positive 2): a full tie, the fewer iterations win; an
     * interrupted checkpoint with better numbers is skipped */
    metrics(set(&run, 8, 3, 2, 0.1, 10), 0.90, 0.20, 0.5, 0.5, 0.60);
    metrics(set(&run, 9, 3, 2, 0.1, 20), 0.90, 0.20, 0.5, 0.5, 0.61);
    metrics(set(&run, 10, 3, 2, 0.1, 30), 1.00, 0.00, 1.0, 0.0, 0.62);
    run.results[10].status = PL_RUN_INTERRUPTED;
    /* 4-5: nothing usable */
    set(&run, 11, 4, 5, 0.1, 10)->status = PL_RUN_DIVERGED;
    set(&run, 12, 4, 5, 0.1, 20)->status = PL_RUN_INTERRUPTED;
    /* 8-rest: a NaN validation accuracy ranks last */
    metrics(set(&run, 13, PL_REST, 8, 0.1, 10), NAN, 0.10, 0.99, 0.1, 0.50);
    metrics(set(&run, 14, PL_REST, 8, 0.1, 20), 0.50, 0.90, 0.60, 0.9, 0.51);

    pl_sweep s;
    pl_error e;
    ck_assert_msg(pl_sweep_summarize(&c, &run, NULL, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(s.nbest, 4);
    ck_assert_int_eq(s.npairs, 3);
    const pl_sweep_best *b = best_of(&s, 1, 7);
    ck_assert(b->lr == 0.5 && b->iterations == 20 && b->on_val == 1);
    ck_assert_uint_eq(b->result, 3);
    b = best_of(&s, 0, 6);
    ck_assert(b->lr == 0.1 && b->iterations == 20);
    b = best_of(&s, 3, 2);
    ck_assert(b->lr == 0.1 && b->iterations == 10);
    b = best_of(&s, PL_REST, 8);
    ck_assert_int_eq(b->iterations, 20);
    ck_assert_int_eq(s.rest_best[8], (int)(b - s.best));
    ck_assert_int_eq(s.nunresolved, 1);
    ck_assert(s.unresolved[0].neg == 4 && s.unresolved[0].pos == 5);

    /* the pair table: symmetric, either orientation, NaN where no model */
    ck_assert_double_eq(s.pair_acc[1][7], 0.83);
    ck_assert_double_eq(s.pair_acc[7][1], 0.83);
    ck_assert_double_eq(s.pair_acc[0][6], 0.73);
    ck_assert_double_eq(s.pair_acc[2][3], 0.60);
    ck_assert_double_eq(s.pair_acc[3][2], 0.60);
    ck_assert(isnan(s.pair_acc[4][5]) && isnan(s.pair_acc[5][4]));
    for (int d = 0; d < PL_CLASSES; d++)
        ck_assert(isnan(s.pair_acc[d][d]) && s.pair_best[d][d] == -1);
    ck_assert_int_eq(s.pair_best[4][5], -1);
    ck_assert(!s.ovo.ran && !s.ovr.ran);
    pl_run_free(&run);
}
END_TEST

START_TEST(test_best_on_training_without_validation)
{
    pl_config c;
    pl_run run;
    pl_sweep s;
    pl_error e;
    /* no validation split: training accuracy, then training loss */
    config_with_val(&c, 0);
    run_alloc(&run, 3, 4);
    metrics(set(&run, 0, 1, 7, 0.1, 10), NAN, NAN, 0.97, 0.2, 0.9);
    metrics(set(&run, 1, 1, 7, 1.0, 10), NAN, NAN, 0.98, 0.3, 0.8);
    metrics(set(&run, 2, 1, 7, 1.0, 20), NAN, NAN, 0.98, 0.1, 0.7);
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, NULL, &s, &e), PL_OK);
    ck_assert(s.best[0].result == 2 && s.best[0].on_val == 0);

    /* validation numbers present but the config has no split: not used */
    run.results[0].val_acc = 1.0;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, NULL, &s, &e), PL_OK);
    ck_assert_uint_eq(s.best[0].result, 2);
    /* with a split they are */
    config_with_val(&c, 0.1);
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, NULL, &s, &e), PL_OK);
    ck_assert(s.best[0].result == 0 && s.best[0].on_val == 1);
    /* a split but no finite validation accuracy: back to training rows */
    run.results[0].val_acc = NAN;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, NULL, &s, &e), PL_OK);
    ck_assert(s.best[0].result == 2 && s.best[0].on_val == 0);
    pl_run_free(&run);
}
END_TEST

/* ---------------------------------------------------------------- votes */

#define VDIM 12

/*
 * 45 pair models and ten d-rest models over VDIM pixels where pixel d speaks
 * for digit d: pair neg-pos has w[pos] = +1, w[neg] = -1, b = 0, so a row with
 * only pixel d lit gets z > 0 from pairs with positive d, z < 0 from pairs
 * with negative d and z = 0 (a vote for the negative digit) from the rest.
 * Pair {2, 7} is trained as "7-2" (negative 7).  d-rest has w[d] = 1.
 */
static void known_run(pl_run *run)
{
    run_alloc(run, 55, VDIM);
    size_t k = 0;
    for (int i = 0; i < PL_CLASSES; i++)
        for (int j = i + 1; j < PL_CLASSES; j++) {
            int neg = i, pos = j;
            if (i == 2 && j == 7) {
                neg = 7;
                pos = 2;
            }
            pl_result *r = set(run, k++, neg, pos, 0.5, 10);
            metrics(r, NAN, NAN, 1.0, 0.1, 0.5 + 0.01 * i + 0.001 * j);
            r->w[pos] = 1;
            r->w[neg] = -1;
        }
    for (int d = 0; d < PL_CLASSES; d++) {
        pl_result *r = set(run, k++, PL_REST, d, 0.5, 10);
        metrics(r, NAN, NAN, 1.0, 0.1, 0.9);
        r->w[d] = 1;
    }
}

static const row_spec known_rows[] = {
    { 0, 0, 200 }, { 1, 1, 200 }, { 2, 2, 1 }, { 3, 3, 200 }, { 4, 4, 255 },
    { 5, 5, 200 }, { 6, 6, 200 }, { 7, 7, 200 }, { 8, 8, 200 }, { 9, 9, 200 },
    { 5, 3, 100 },   /* a 5 that looks like a 3: confusion[5][3]        */
    { 9, 2, 100 },   /* a 9 that looks like a 2 (the swapped pair votes 2) */
    { 6, -1, 0 },    /* blank: every pair votes its negative digit; 0 has 9 votes;
                      * the ten d-rest margins tie at 0: argmax 0       */
    { 4, 11, 255 },  /* a pixel no model looks at: as blank             */
};

START_TEST(test_votes_known_exactly)
{
    pl_config c;
    config_with_val(&c, 0);
    pl_run run;
    known_run(&run);
    pl_dataset test;
    test_set(known_rows, sizeof known_rows / sizeof known_rows[0], VDIM, &test);
    pl_sweep s;
    pl_error e;
    ck_assert_msg(pl_sweep_summarize(&c, &run, &test, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(s.npairs, 45);
    ck_assert_int_eq(s.pair_best[2][7], s.pair_best[7][2]);
    ck_assert_double_eq_tol(s.pair_acc[7][2], 0.527, 1e-12);

    size_t want[PL_CLASSES][PL_CLASSES] = { { 0 } };
    for (int d = 0; d < PL_CLASSES; d++)
        want[d][d] = 1;
    want[5][3] = want[9][2] = want[6][0] = want[4][0] = 1;
    for (int pass = 0; pass < 2; pass++) {
        const pl_sweep_vote *v = pass ? &s.ovr : &s.ovo;
        ck_assert(v->ran);
        ck_assert_uint_eq(v->rows, 14);
        ck_assert_uint_eq(v->correct, 10);
        ck_assert_double_eq(v->acc, 10.0 / 14.0);
        for (int i = 0; i < PL_CLASSES; i++)
            for (int j = 0; j < PL_CLASSES; j++)
                ck_assert_msg(v->confusion[i][j] == want[i][j], "%s [%d][%d] = %zu",
                              pass ? "ovr" : "ovo", i, j, v->confusion[i][j]);
    }
    pl_dataset_free(&test);

    /* the wrong pixel count is an input error */
    row_spec one = { 1, 1, 9 };
    test_set(&one, 1, VDIM + 1, &test);
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, &test, &s, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "pixels"));
    pl_dataset_free(&test);
    pl_run_free(&run);
}
END_TEST

/*
 * Weights zero, biases set so that pair i-j is won by a chosen digit: 3 beats
 * all but 7, 7 beats all but 0, 1 beats 0, everything else goes to the smaller
 * digit.  Votes: 3 and 7 have 8 each, 0 and 1 have 7: the tie goes to 3.
 */
static int winner(int i, int j)
{
    if (i == 3 && j == 7)
        return 7;
    if (i == 0 && j == 7)
        return 0;
    if (i == 3 || j == 3)
        return 3;
    if (i == 7 || j == 7)
        return 7;
    if (i == 0 && j == 1)
        return 1;
    return i;
}

START_TEST(test_vote_tie_goes_to_smaller_digit)
{
    pl_config c;
    config_with_val(&c, 0);
    pl_run run;
    run_alloc(&run, 45, VDIM);
    size_t k = 0;
    for (int i = 0; i < PL_CLASSES; i++)
        for (int j = i + 1; j < PL_CLASSES; j++) {
            pl_result *r = set(&run, k++, i, j, 0.1, 5);
            metrics(r, NAN, NAN, 1, 0, 1);
            r->b[0] = winner(i, j) == j ? 1.0f : -1.0f;
        }
    row_spec rows[] = { { 7, 5, 255 }, { 3, -1, 0 } };
    pl_dataset test;
    test_set(rows, 2, VDIM, &test);
    pl_sweep s;
    pl_error e;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, &test, &s, &e), PL_OK);
    ck_assert(s.ovo.ran && !s.ovr.ran);
    ck_assert_uint_eq(s.ovo.confusion[7][3], 1);
    ck_assert_uint_eq(s.ovo.confusion[3][3], 1);
    ck_assert_uint_eq(s.ovo.correct, 1);

    /* one pair diverged everywhere: no vote */
    run.results[44].status = PL_RUN_DIVERGED;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, &test, &s, &e), PL_OK);
    ck_assert(!s.ovo.ran && s.npairs == 44 && s.nunresolved == 1);
    /* no test set: no vote */
    run.results[44].status = PL_RUN_OK;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, NULL, &s, &e), PL_OK);
    ck_assert(!s.ovo.ran && s.npairs == 45);
    pl_dataset_free(&test);
    pl_run_free(&run);
}
END_TEST

/* ---------------------------------------------------------------- files and tables */

static char *slurp(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int exists(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

START_TEST(test_write_files)
{
    pl_config c;
    config_with_val(&c, 0);
    pl_run run;
    known_run(&run);
    run.results[0].status = PL_RUN_DIVERGED;   /* pair 0-1: no model */
    pl_dataset test;
    test_set(known_rows, sizeof known_rows / sizeof known_rows[0], VDIM, &test);
    pl_sweep s;
    pl_error e;
    ck_assert_int_eq(pl_sweep_summarize(&c, &run, &test, &s, &e), PL_OK);
    ck_assert(!s.ovo.ran && s.ovr.ran);
    char tmp[PATH_MAX], dir[PATH_MAX + 8];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(dir, sizeof dir, "%s/a/b", tmp);   /* created */
    /* a stale vote file from an earlier run into the same directory */
    ck_assert_int_eq(pl_sweep_write(dir, &c, NULL, &run, &s, &e), PL_OK);
    char stale[PATH_MAX + 64];
    tu_write(dir, "ovo_confusion.csv", "x\n", 2, stale, sizeof stale);
    ck_assert_msg(pl_sweep_write(dir, &c, NULL, &run, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert(!exists(dir, "ovo_confusion.csv"));
    ck_assert(tu_no_temp_files(dir));

    const char *t = slurp(dir, "best.csv");
    ck_assert(starts(t, "pair,lr,iterations,val_acc,train_acc,test_acc,test_loss,model\n"
                        "0-2,0.5,10,nan,1,0.502,0.25,0-2_lr0.5_it10\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n7-2,0.5,10,nan,1,0.527,0.25,7-2_lr0.5_it10\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n9-rest,0.5,10,nan,1,0.9,0.25,9-rest_lr0.5_it10\n"));
    int lines = 0;
    for (const char *p = t; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 1 + 44 + 10);

    t = slurp(dir, "pair_accuracy.csv");
    ck_assert(starts(t, "digit,0,1,2,3,4,5,6,7,8,9\n0,,,0.502,"));
    ck_assert_ptr_nonnull(strstr(t, "\n1,,,0.512,"));
    ck_assert_ptr_nonnull(strstr(t, "\n2,0.502,0.512,,0.523,0.524,0.525,0.526,0.527,0.528,0.529\n"));
    ck_assert_ptr_nonnull(strstr(t, ",0.589,\n"));   /* row 9 ends with the diagonal */

    t = slurp(dir, "ovr_confusion.csv");
    ck_assert(starts(t, "actual,0,1,2,3,4,5,6,7,8,9\n0,1,0,0,0,0,0,0,0,0,0\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n5,0,0,0,1,0,1,0,0,0,0\n"));

    t = slurp(dir, "summary.json");
    ck_assert_ptr_nonnull(strstr(t, "\"one_vs_one\": null,"));
    ck_assert_ptr_nonnull(strstr(t, "\"no_model\": [\"0-1\"],"));
    ck_assert_ptr_nonnull(strstr(t, "\"status\": \"diverged\""));
    ck_assert_ptr_nonnull(strstr(t, "\"config\": {"));
    ck_assert_ptr_nonnull(strstr(t, "\"interrupted\": false,"));
    ck_assert_ptr_nonnull(strstr(t, "[null, null, 0.502,"));
    ck_assert_ptr_nonnull(strstr(t, "\"model\": \"7-2_lr0.5_it10\""));

    /* the summary is valid JSON (Python's parser) */
    char cmd[PATH_MAX + 256];
    const char *py = getenv("PYTHON");
    snprintf(cmd, sizeof cmd, "%s -c 'import json,sys; json.load(open(sys.argv[1]))' "
             "%s/summary.json", py && *py ? py : "/usr/bin/python3", dir);
    ck_assert_int_eq(system(cmd), 0);

    /* the tables for people */
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    ck_assert_ptr_nonnull(f);
    pl_sweep_print(f, &s);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(mem, "7-2"));
    ck_assert_ptr_nonnull(strstr(mem, "    0     -     -  50.2"));   /* row 0 of the pair table */
    ck_assert_ptr_nonnull(strstr(mem, "no model"));
    ck_assert_ptr_nonnull(strstr(mem, "10 of 14 test rows right, accuracy 71.43%"));
    ck_assert_ptr_null(strstr(mem, "one-vs-one"));
    free(mem);
    pl_dataset_free(&test);
    pl_run_free(&run);
    tu_rmtree(tmp);
}
END_TEST

/* ---------------------------------------------------------------- MNIST against NumPy */

START_TEST(test_mnist_vote_matches_numpy)
{
    char data[PATH_MAX], tmp[PATH_MAX], ini[PATH_MAX + 64], dir[PATH_MAX + 8];
    char *abs = realpath(TU_MNIST_DIR, NULL);
    ck_assert_msg(abs != NULL, "%s missing: run `make test` (it fetches MNIST)", TU_MNIST_DIR);
    snprintf(data, sizeof data, "%s", abs);
    free(abs);
    tu_tmpdir(tmp, sizeof tmp);
    char text[4096];
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n"
                     "[task]\npairs = all\n[train]\nlearning_rates = 0.5\niterations = 20\n",
                     data);
    tu_write(tmp, "sweep.ini", text, (size_t)n, ini, sizeof ini);

    /* as the CLI does it: config, engine, data, training, files */
    static pl_config cfg;
    pl_error e;
    pl_config_defaults(&cfg);
    ck_assert_msg(pl_config_load(&cfg, ini, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_config_check(&cfg, &e) == PL_OK, "%s", e.msg);
    pl_engine *eng;
    ck_assert_msg(pl_engine_create(&(pl_engine_opts){ 2, PL_BIND_NONE, PL_SIMD_AUTO, PL_WAIT_AUTO }, &eng,
                                   &e) == PL_OK, "%s", e.msg);
    pl_data d = { 0 };
    ck_assert_msg(pl_data_load(&cfg, 2, &d, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(d.test.n, 2000);
    pl_run run;
    pl_plan plan;
    ck_assert_int_eq(pl_plan_from_config(&cfg, &plan, &e), PL_OK);
    ck_assert_msg(pl_train(eng, &plan, &d.train, &d.test, NULL, &run, &e) == PL_OK, "%s", e.msg);
    pl_plan_free(&plan);
    ck_assert_uint_eq(run.nresults, 45);
    snprintf(dir, sizeof dir, "%s/run", tmp);
    ck_assert_msg(pl_write_run(dir, &cfg, &d, &run, &e) == PL_OK, "%s", e.msg);
    pl_sweep s;
    ck_assert_msg(pl_sweep_summarize(&cfg, &run, &d.test, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_sweep_write(dir, &cfg, &d, &run, &s, &e) == PL_OK, "%s", e.msg);
    ck_assert(s.ovo.ran && s.ovo.rows == 2000);
    /* 20 steps of lr 0.5 already separate most pairs; the vote does far
     * better than chance */
    ck_assert_msg(s.ovo.acc > 0.8, "vote accuracy %g", s.ovo.acc);
    for (int i = 0; i < PL_CLASSES; i++)
        for (int j = 0; j < PL_CLASSES; j++)
            ck_assert(i == j ? isnan(s.pair_acc[i][j]) : s.pair_acc[i][j] > 0.8);

    char cmd[4 * PATH_MAX], out[65536];
    const char *py = getenv("PYTHON");
    snprintf(cmd, sizeof cmd,
             "%s tests/ovo_ref.py %s --images %s/t10k-images-idx3-ubyte.gz "
             "--labels %s/t10k-labels-idx1-ubyte.gz --test-rows 8000:10000 2>&1",
             py && *py ? py : "/usr/bin/python3", dir, data, data);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = fread(out, 1, sizeof out - 1, p);
    out[got] = '\0';
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ovo_ref.py disagrees:\n%s", out);
    ck_assert_ptr_nonnull(strstr(out, "one-vs-one vote of 45 pairs on 2000 rows agrees"));

    pl_run_free(&run);
    pl_data_free(&d);
    pl_engine_destroy(eng);
    tu_rmtree(tmp);
}
END_TEST

/* Number text: pl_fmt_double (shortest), pl_fmt_double17 (bulk curves) and
 * pl_fmt_float read back as exactly the value, over random bit patterns of
 * every magnitude and the usual suspects; non-finite values as words. */
START_TEST(test_number_text_round_trips)
{
    char b[32];
    uint64_t s = 99;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = tu_rand(&s) << 32 ^ tu_rand(&s);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        ck_assert_msg(strtod(pl_fmt_double(b, x), NULL) == x, "%s", b);
        ck_assert_msg(strtod(pl_fmt_double17(b, x), NULL) == x, "%s", b);
        const float f = (float)tu_uniform(&s, -1e3, 1e3) * (float)(i % 7);
        ck_assert_msg(strtof(pl_fmt_float(b, f), NULL) == f, "%s", b);
    }
    const double odd[] = { 0.0, -0.0, 0.1, 0.015, 1.0 / 3.0, 0.6931471805599453, 5e-324,
                           1.7976931348623157e308 };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        ck_assert(strtod(pl_fmt_double(b, odd[i]), NULL) == odd[i]);
        ck_assert(strtod(pl_fmt_double17(b, odd[i]), NULL) == odd[i]);
    }
    ck_assert_str_eq(pl_fmt_double(b, 0.015), "0.015");
    /* pl_fmt_double17 writes its own digits (fmt.c): the very bytes of
     * printf's %.17g, on random bit patterns, probabilities, dyadic numbers
     * whose 18th digit is an exact tie (x 10^k = q + 1/2), and powers of ten
     * with their neighbours */
    char c[40];
    for (int i = 0; i < 40000; i++) {
        const uint64_t r = tu_rand(&s) << 32 ^ tu_rand(&s), j = (r >> 11) | 1;
        double xs[4];
        memcpy(&xs[0], &r, sizeof xs[0]);
        xs[1] = (double)(r >> 11) * 0x1p-53 * pow(10.0, -(double)(i % 19));
        xs[2] = ldexp((double)j, -(int)(tu_rand(&s) % 70));
        xs[3] = ldexp((double)(j >> (i % 40)), -(int)(tu_rand(&s) % 70));
        for (int q = 0; q < 4; q++) {
            const double x = i % 2 ? -xs[q] : xs[q];
            if (!isfinite(x))
                continue;
            snprintf(c, sizeof c, "%.17g", x);
            ck_assert_str_eq(pl_fmt_double17(b, x), c);
        }
    }
    for (int e = -330; e <= 310; e++) {
        const double p = pow(10.0, e), near[3] = { p, nextafter(p, 0.0), nextafter(p, INFINITY) };
        for (int q = 0; q < 3; q++) {
            snprintf(c, sizeof c, "%.17g", near[q]);
            ck_assert_str_eq(pl_fmt_double17(b, near[q]), c);
        }
    }
    ck_assert_str_eq(pl_fmt_double17(b, 1234567890123456.25), "1234567890123456.2");   /* a tie: even */
    ck_assert_str_eq(pl_fmt_double17(b, -0.0), "-0");
    ck_assert_str_eq(pl_fmt_double17(b, NAN), "nan");
    ck_assert_str_eq(pl_fmt_double17(b, -INFINITY), "-inf");
}
END_TEST

Suite *suite_sweep(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("select");
    tcase_add_test(tc, test_best_on_validation_with_tie_breaks);
    tcase_add_test(tc, test_best_on_training_without_validation);
    suite_add_tcase(s, tc);
    tc = tcase_create("vote");
    tcase_add_test(tc, test_votes_known_exactly);
    tcase_add_test(tc, test_vote_tie_goes_to_smaller_digit);
    tcase_add_test(tc, test_write_files);
    tcase_add_test(tc, test_number_text_round_trips);
    suite_add_tcase(s, tc);
    tc = tcase_create("mnist");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_mnist_vote_matches_numpy);
    suite_add_tcase(s, tc);
    return s;
}
