/*
 * check_model.c - models as values (include/parlogit/model.h): a run's
 * binary, ovr and softmax models written with pl_write_run and loaded back
 * with pl_model_load are the trained weights; their probabilities sum to 1,
 * predict the largest output and agree with the training's accuracy; bad
 * names and files of the wrong shape are errors that say what was expected;
 * predictions.csv is in file order with the model's classes as columns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parlogit/model.h"
#include "parlogit/output.h"
#include "parlogit/train.h"
#include "synth.h"
#include "util/util.h"

static char tmp[512];

static void setup(void)
{
    tu_tmpdir(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_rmtree(tmp);
}

/* A softmax over 0-9, an ovr over 2,5,7 and the pair 1-7, 25 iterations. */
static void train_three(pl_dataset *tr, pl_dataset *te, pl_run *run)
{
    synth_dataset(900, 64, 31, tr);
    synth_dataset(200, 64, 32, te);
    pl_job jobs[3] = {
        { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES }, .h = { 1.0 } },
        { .task = { .kind = PL_KIND_OVR, .classes = (1u << 2) | (1u << 5) | (1u << 7) },
          .h = { 1.0 } },
        { .task = { .pos = 7, .neg = 1 }, .h = { 1.0 } },
    };
    pl_plan plan = { .jobs = jobs, .njobs = 3, .iters = { 25 }, .niters = 1 };
    pl_engine *eng;
    pl_error e;
    ck_assert_int_eq(pl_engine_create(&(pl_engine_opts){ 1, PL_BIND_NONE, 0, PL_WAIT_AUTO }, &eng, &e), PL_OK);
    ck_assert_msg(pl_train(eng, &plan, tr, te, NULL, run, &e) == PL_OK, "%s", e.msg);
    pl_engine_destroy(eng);
}

START_TEST(test_models_load_back_and_predict)
{
    pl_dataset tr, te;
    pl_run run;
    train_three(&tr, &te, &run);
    pl_config cfg;
    pl_config_defaults(&cfg);
    pl_data data = { .test = te };
    pl_error e;
    ck_assert_msg(pl_write_run(tmp, &cfg, &data, &run, &e) == PL_OK, "%s", e.msg);
    for (size_t i = 0; i < run.nresults; i++) {
        const pl_result *r = &run.results[i];
        char name[64];
        pl_model m;
        ck_assert_msg(pl_model_load(tmp, pl_model_name(r, name), &m, &e) == PL_OK, "%s", e.msg);
        ck_assert(pl_task_equal(m.task, r->task));
        ck_assert_int_eq(m.k, r->k);
        ck_assert_uint_eq(m.dim, 64);
        ck_assert_int_eq(m.iterations, 25);
        ck_assert(memcmp(m.w, r->w, (size_t)r->k * 64 * sizeof(float)) == 0);
        ck_assert(memcmp(m.b, r->b, (size_t)r->k * sizeof(float)) == 0);
        /* probabilities: sum 1, the largest is the prediction; accuracy as trained */
        int cls[PL_CLASSES];
        const int n = pl_model_classes(&m, cls);
        ck_assert_int_eq(n, r->k == 1 ? 2 : r->k);
        size_t rows = 0, right = 0;
        for (size_t q = 0; q < te.n; q++) {
            if (!pl_task_uses(m.task, te.label[q]))
                continue;
            double p[PL_CLASSES], sum = 0;
            const int pred = pl_model_predict(&m, te.pix + q * te.dim, p);
            int best = 0;
            for (int k = 0; k < n; k++) {
                ck_assert(p[k] >= 0 && p[k] <= 1);
                sum += p[k];
                best = p[k] > p[best] ? k : best;
            }
            ck_assert_double_eq_tol(sum, 1.0, 1e-12);
            ck_assert_int_eq(pred, cls[best]);
            int truth = te.label[q];
            if (m.task.kind == PL_KIND_BINARY && m.task.neg == PL_REST && truth != m.task.pos)
                truth = -1;
            rows++;
            right += pred == truth;
        }
        ck_assert_uint_eq(rows, r->test_rows);
        /* the training's test accuracy is the float kernels': a row may flip */
        ck_assert_double_eq_tol((double)right / (double)rows, r->test_acc, 2.0 / (double)rows);
        ck_assert_double_gt(r->test_acc, 0.5);
        pl_model_free(&m);
    }
    /* predictions.csv of the ovr model: its three classes, rows in file order */
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/models/ovr-257_lr1_it25.predictions.csv", tmp);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "row,label,predicted,p2,p5,p7\n");
    long prev = -1;
    size_t lines = 0;
    while (fgets(line, sizeof line, f)) {
        long row = strtol(line, NULL, 10);
        ck_assert_int_gt(row, prev);
        prev = row;
        lines++;
    }
    fclose(f);
    ck_assert_uint_eq(lines, run.results[1].test_rows);
    pl_run_free(&run);
    pl_dataset_free(&tr);
    pl_dataset_free(&te);
}
END_TEST

START_TEST(test_bad_names_and_shapes)
{
    pl_model m;
    pl_error e;
    const char *bad[] = { "softmax", "softmax_lr0.5", "softmax_lr-1_it5", "softmax_lrx_it5",
                          "sofmax_lr1_it5", "softmax_lr1_it5x", "7-7_lr1_it5" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(pl_model_load(tmp, bad[i], &m, &e), PL_EINPUT);
        ck_assert_msg(strstr(e.msg, "is not a model name") != NULL, "%s", e.msg);
        ck_assert_ptr_null(m.w);
    }
    /* a name without files */
    ck_assert_int_ne(pl_model_load(tmp, "softmax_lr1_it5", &m, &e), PL_OK);
    /* a binary-shaped file under a softmax name, and the reverse */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/models", tmp);
    ck_assert_int_eq(pl_mkdirs(dir, &e), PL_OK);
    float w[2 * 64] = { 0 }, b[10] = { 0 };
    char path[1200];
    snprintf(path, sizeof path, "%s/softmax_lr1_it5.w.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, w, 1, (size_t[]){ 64 }, &e), PL_OK);
    snprintf(path, sizeof path, "%s/softmax_lr1_it5.b.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, b, 1, (size_t[]){ 10 }, &e), PL_OK);
    ck_assert_int_eq(pl_model_load(tmp, "softmax_lr1_it5", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "expected shape (10, pixels)") != NULL, "%s", e.msg);
    snprintf(path, sizeof path, "%s/1-7_lr1_it5.w.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, w, 2, (size_t[]){ 2, 64 }, &e), PL_OK);
    snprintf(path, sizeof path, "%s/1-7_lr1_it5.b.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, b, 0, NULL, &e), PL_OK);
    ck_assert_int_eq(pl_model_load(tmp, "1-7_lr1_it5", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "expected shape (pixels,)") != NULL, "%s", e.msg);
    snprintf(path, sizeof path, "%s/ovr-01_lr1_it5.w.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, w, 2, (size_t[]){ 2, 64 }, &e), PL_OK);
    snprintf(path, sizeof path, "%s/ovr-01_lr1_it5.b.npy", dir);
    ck_assert_int_eq(pl_npy_write(path, b, 0, NULL, &e), PL_OK);
    ck_assert_int_eq(pl_model_load(tmp, "ovr-01_lr1_it5", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "expected shape (2,)") != NULL, "%s", e.msg);
    ck_assert_ptr_null(m.w);
}
END_TEST

/* Loads the .npy at arg: 0 when it is refused as truncated (PL_EINPUT),
 * 11 otherwise, 12 for PL_ENOMEM. */
static int npy_is_truncated(void *arg)
{
    float *d;
    int ndim;
    size_t shape[4];
    pl_error e;
    int rc = pl_npy_read(arg, &d, &ndim, shape, &e);
    free(d);
    return rc == PL_EINPUT && strstr(e.msg, "data truncated") ? 0 : rc == PL_ENOMEM ? 12 : 11;
}

/* A header that claims the most the reader accepts (2^30 floats, 4 GiB) over
 * a file without that data: refused as truncated with 64 MiB to allocate (the
 * reader used to malloc the 4 GiB first). */
START_TEST(test_npy_claim_costs_no_memory)
{
    const char *head = "{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824,), }";
    unsigned char file[256] = "\x93NUMPY\x01\x00";
    size_t n = strlen(head);
    file[8] = (unsigned char)n;
    memcpy(file + 10, head, n);
    char path[1024];
    tu_write(tmp, "big.npy", file, 10 + n + 8, path, sizeof path);
    int got = tu_with_memory_limit(npy_is_truncated, path, 64);
    ck_assert_msg(got == 0, "%s (%d)", got == 12 ? "out of memory" : got != 11 ?
                  "died (allocation failed)" : "not refused as truncated", got);
}
END_TEST

/* .npy headers the reader must refuse, each with what was wrong: shapes
 * whose product wraps size_t or is huge, truncated data, another dtype. */
START_TEST(test_npy_reader_refuses_bad_headers)
{
    static const struct {
        const char *shape, *descr;
        size_t floats;
        const char *word;
    } bad[] = {
        { "(1073741824, 1073741824, 16, 1)", "<f4", 0, "more than 2^30 floats" },
        { "(65536, 65536, 65536, 65536)", "<f4", 0, "more than 2^30 floats" },
        { "(2000000000,)", "<f4", 0, "bad shape" },
        { "(3, 4)", "<f4", 5, "data truncated, expected 12 floats" },
        { "(4,)", "<f8", 4, "expected little-endian float32" },
        { "(1, 2, 3, 4, 5)", "<f4", 120, "bad shape" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char head[256], path[1024];
        int n = snprintf(head, sizeof head, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                         bad[i].descr, bad[i].shape);
        unsigned char file[2048] = "\x93NUMPY\x01\x00";
        file[8] = (unsigned char)n;
        file[9] = 0;
        memcpy(file + 10, head, (size_t)n);
        memset(file + 10 + n, 0, bad[i].floats * 4);
        tu_write(tmp, "bad.npy", file, 10 + (size_t)n + bad[i].floats * 4, path, sizeof path);
        float *d = (float *)1;
        int ndim;
        size_t shape[4];
        pl_error e;
        ck_assert_int_eq(pl_npy_read(path, &d, &ndim, shape, &e), PL_EINPUT);
        ck_assert_msg(strstr(e.msg, bad[i].word) != NULL, "%s: %s", bad[i].shape, e.msg);
        ck_assert_ptr_null(d);
    }
}
END_TEST

Suite *suite_model(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_models_load_back_and_predict);
    tcase_add_test(tc, test_bad_names_and_shapes);
    tcase_add_test(tc, test_npy_reader_refuses_bad_headers);
    tcase_add_test(tc, test_npy_claim_costs_no_memory);
    suite_add_tcase(s, tc);
    return s;
}
