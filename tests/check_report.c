/*
 * check_report.c - reading a run back and explaining its models (report.h),
 * and the pictures and report page end to end:
 *   - the "most confidently wrong" image is the true arg-max, checked by brute
 *     force here and by NumPy (tests/explain_ref.py) on MNIST;
 *   - contribution maps sum to the logit minus the bias;
 *   - the readers of results.csv, best.csv, curves.csv and the 10 x 10 sweep
 *     tables, with errors naming file:line;
 *   - `parlogit train` with plots = true and `parlogit report` draw every
 *     picture (expected size, not blank) and a report.html that headless
 *     Chromium renders with every image loaded;
 *   - a ten-class model judged on a test set (confusion, top confusions, the
 *     most confidently wrong row) against a brute-force recomputation;
 *   - the report's ten-class section for runs with softmax and ovr models,
 *     with or without binary ones, and no pair heatmap, vote or ten-class
 *     pictures where the run has none of those models;
 *   - `explain --model` on any model prints the probabilities of
 *     predictions.csv, and refuses unknown models and rows that are not test
 *     rows;
 *   - `explain`, `show` and `report` exit 2 on bad input and 1, with a clear
 *     message, where the cairo driver is missing.
 * PARLOGIT_BIN, PYTHON and the MNIST files as in check_e2e.c; CHROMIUM names
 * the browser (default chromium).
 */
#include <limits.h>
#include <math.h>
#include <sys/wait.h>

#include "parlogit/plot.h"
#include "parlogit/report.h"
#include "png.h"
#include "testutil.h"

/* ---- explain: synthetic data --------------------------------------------- */

/* n random images with labels cycling over digits, grouped as pl_dataset. */
static void make_dataset(size_t n, uint64_t seed, pl_dataset *ds)
{
    pl_raw raw = { .n = n, .height = PL_SIDE, .width = PL_SIDE, .dim = PL_PIXELS };
    raw.pix = malloc(n * PL_PIXELS);
    raw.label = malloc(n);
    uint64_t s = seed;
    for (size_t r = 0; r < n; r++) {
        raw.label[r] = (uint8_t)(tu_rand(&s) % 10);
        for (int i = 0; i < PL_PIXELS; i++)
            raw.pix[r * PL_PIXELS + i] = tu_rand(&s) % 3 ? 0 : (uint8_t)(tu_rand(&s) % 256);
    }
    pl_error e;
    ck_assert_msg(pl_dataset_build(&raw, NULL, n, 1, ds, &e) == PL_OK, "%s", e.msg);
    free(raw.pix);
    free(raw.label);
}

/* The probability of the other class, the slow and obvious way (float). */
static double brute_p_other(const uint8_t *pix, const float *w, float b, int positive)
{
    float z = b;
    for (int i = 0; i < PL_PIXELS; i++)
        z += w[i] * (float)pix[i] / 255.0f;
    double p = 1.0 / (1.0 + exp(-(double)z));
    return positive ? 1 - p : p;
}

static void check_task(const pl_dataset *ds, pl_task t, const float *w, float b)
{
    pl_explanation x;
    pl_error e;
    ck_assert_msg(pl_explain(ds, t, w, b, 1000, &x, &e) == PL_OK, "%s", e.msg);
    for (int k = 0; k < 2; k++) {
        int want_positive = k == 0;
        double best = -1;
        size_t arg = 0, nwrong = 0, nrows = 0;
        for (size_t r = 0; r < ds->n; r++) {
            int cls = pl_task_class(t, ds->label[r]);
            if (cls != want_positive)
                continue;
            double p = brute_p_other(ds->pix + r * PL_PIXELS, w, b, cls);
            nrows++;
            nwrong += p > 0.5;
            if (p > best + 1e-12) {   /* float vs double: keep clear winners */
                best = p;
                arg = r;
            }
        }
        const pl_explain_pick *p = &x.pick[k];
        ck_assert(p->found);
        ck_assert_uint_eq(p->nrows, nrows);
        ck_assert_uint_eq(p->nwrong, nwrong);
        ck_assert_msg(p->row == arg || fabs(p->p_other - best) < 1e-6,
                      "pick %d: row %zu (p %.9f), brute force row %zu (p %.9f)", k, p->row,
                      p->p_other, arg, best);
        ck_assert_double_eq_tol(p->p_other, best, 1e-5);
        ck_assert_uint_eq(p->orig, ds->orig[p->row]);
        /* the contribution map sums to the logit minus the bias */
        double sum = 0;
        for (int i = 0; i < PL_PIXELS; i++)
            sum += p->contrib[i];
        double z = brute_p_other(ds->pix + p->row * PL_PIXELS, w, b, 1);
        z = log((1 - z) / z);   /* the logit back from sigmoid, independently */
        ck_assert_double_eq_tol(sum, p->logit - b, 1e-9);
        ck_assert_double_eq_tol(sum + b, z, 1e-4);
        ck_assert_double_eq_tol(p->for_pos + p->for_neg, sum, 1e-9);
        ck_assert(p->for_pos >= 0 && p->for_neg <= 0);
    }
    /* the misclassified list: every one wrong, most confident first */
    ck_assert_uint_eq(x.ntop, x.pick[0].nwrong + x.pick[1].nwrong);
    for (size_t k = 0; k < x.ntop; k++) {
        ck_assert(x.top[k].p_other > 0.5);
        if (k)
            ck_assert(x.top[k].p_other <= x.top[k - 1].p_other);
    }
    if (x.ntop)
        ck_assert_double_eq_tol(x.top[0].p_other, fmax(x.pick[0].p_other, x.pick[1].p_other),
                                1e-12);
    pl_explanation_free(&x);
}

START_TEST(test_explain_picks_the_argmax)
{
    pl_dataset ds;
    make_dataset(600, 7, &ds);
    uint64_t s = 99;
    float w[PL_PIXELS];
    for (int i = 0; i < PL_PIXELS; i++)
        w[i] = tu_uniform(&s, -0.05f, 0.05f);
    check_task(&ds, (pl_task){ .pos = 7, .neg = 1 }, w, 0.2f);
    check_task(&ds, (pl_task){ .pos = 6, .neg = 0 }, w, -0.3f);
    check_task(&ds, (pl_task){ .pos = 3, .neg = PL_REST }, w, 0.0f);
    pl_dataset_free(&ds);
}
END_TEST

START_TEST(test_explain_without_rows_is_an_error)
{
    pl_dataset ds;
    make_dataset(50, 3, &ds);
    ds.n = 0;   /* no rows at all */
    float w[PL_PIXELS] = { 0 };
    pl_explanation x;
    pl_error e;
    ck_assert_int_eq(pl_explain(&ds, (pl_task){ .pos = 7, .neg = 1 }, w, 0, 10, &x, &e), PL_EINPUT);
    ds.n = 50;
    pl_dataset_free(&ds);
}
END_TEST

START_TEST(test_contributions_sum_to_logit_minus_bias)
{
    uint64_t s = 5;
    uint8_t pix[PL_PIXELS];
    float w[PL_PIXELS];
    for (int i = 0; i < PL_PIXELS; i++) {
        pix[i] = (uint8_t)(tu_rand(&s) % 256);
        w[i] = tu_uniform(&s, -1, 1);
    }
    double c[PL_PIXELS], pos, neg;
    double total = pl_contributions(pix, w, PL_PIXELS, 255, c, &pos, &neg);
    ck_assert_double_eq_tol(total, pl_logit(pix, w, PL_PIXELS, 255, 0.75f) - 0.75, 1e-12);
    double sum = 0;
    for (int i = 0; i < PL_PIXELS; i++) {
        sum += c[i];
        ck_assert_double_eq_tol(c[i], w[i] * (pix[i] / 255.0), 1e-12);
    }
    ck_assert_double_eq_tol(sum, total, 1e-9);
    ck_assert_double_eq_tol(pos + neg, total, 1e-9);
}
END_TEST

/* ---- ten-class models on a test set -------------------------------------- */

/* A softmax model over classes (mask) with random weights; w owned by m. */
static pl_model random_softmax(unsigned classes, uint64_t seed)
{
    pl_model m = { .task = { .kind = PL_KIND_SOFTMAX, .classes = classes }, .dim = PL_PIXELS };
    m.k = pl_task_outputs(m.task);
    m.w = malloc((size_t)m.k * PL_PIXELS * sizeof *m.w);
    uint64_t s = seed;
    for (size_t i = 0; i < (size_t)m.k * PL_PIXELS; i++)
        m.w[i] = tu_uniform(&s, -0.02f, 0.02f);
    for (int k = 0; k < m.k; k++)
        m.b[k] = tu_uniform(&s, -0.5f, 0.5f);
    return m;
}

/* The confusion matrix, its top cells and the example row, against the
 * obvious recomputation: logits in double, the class of the largest one,
 * softmax for its probability. */
static void check_evaluate(const pl_dataset *ds, const pl_model *m)
{
    pl_class_eval ev;
    pl_error e;
    ck_assert_msg(pl_class_evaluate(m, ds, &ev, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(ev.k, m->k);
    size_t counts[PL_CLASSES][PL_CLASSES] = { { 0 } }, rows = 0, correct = 0;
    double best[PL_CLASSES][PL_CLASSES], worst = -1;
    size_t worst_row = 0;
    for (size_t r = 0; r < ds->n; r++) {
        int a = pl_task_output_of(m->task, ds->label[r]);
        if (a < 0)
            continue;
        double z[PL_CLASSES], sum = 0;
        int q = 0;
        for (int k = 0; k < m->k; k++) {
            z[k] = m->b[k];
            for (int i = 0; i < PL_PIXELS; i++)
                z[k] += (double)m->w[k * PL_PIXELS + i] * (ds->pix[r * PL_PIXELS + i] / 255.0);
            q = z[k] > z[q] ? k : q;
        }
        for (int k = 0; k < m->k; k++)
            sum += exp(z[k] - z[q]);
        double p = 1 / sum;
        if (!counts[a][q] || p > best[a][q])
            best[a][q] = p;
        counts[a][q]++;
        rows++;
        correct += a == q;
        if (a != q && p > worst + 1e-12) {
            worst = p;
            worst_row = r;
        }
    }
    ck_assert_uint_eq(ev.rows, rows);
    ck_assert_uint_eq(ev.correct, correct);
    for (int a = 0; a < m->k; a++)
        for (int q = 0; q < m->k; q++)
            ck_assert_uint_eq(ev.counts[a * m->k + q], counts[a][q]);
    int off = 0;
    for (int a = 0; a < m->k; a++)
        for (int q = 0; q < m->k; q++)
            off += a != q && counts[a][q];
    ck_assert_int_eq(ev.ntop, off < PL_TOP_CONFUSIONS ? off : PL_TOP_CONFUSIONS);
    for (int t = 0; t < ev.ntop; t++) {
        const pl_confusion_cell *c = &ev.top[t];
        int a = pl_task_output_of(m->task, c->actual), q = pl_task_output_of(m->task, c->predicted);
        ck_assert(a >= 0 && q >= 0 && a != q);
        ck_assert_uint_eq(c->count, counts[a][q]);
        if (t)
            ck_assert_uint_le(c->count, ev.top[t - 1].count);
        ck_assert_int_eq(ds->label[c->example], c->actual);
        ck_assert_uint_eq(c->orig, ds->orig[c->example]);
        ck_assert_double_eq_tol(c->p, best[a][q], 1e-9);
    }
    /* no cell left out has more rows than the last one shown */
    for (int a = 0; ev.ntop && a < m->k; a++)
        for (int q = 0; q < m->k; q++) {
            int shown = 0;
            for (int t = 0; t < ev.ntop; t++)
                shown |= ev.top[t].actual == ev.classes[a] && ev.top[t].predicted == ev.classes[q];
            if (a != q && !shown)
                ck_assert_uint_le(counts[a][q], ev.top[ev.ntop - 1].count);
        }
    ck_assert(ev.example.found);
    ck_assert(ev.example.wrong);
    ck_assert_msg(ev.example.row == worst_row || fabs(ev.example.p[pl_task_output_of(
                  m->task, ev.example.predicted)] - worst) < 1e-9, "example row %zu, brute force %zu",
                  ev.example.row, worst_row);
    double sum = 0;
    for (int k = 0; k < ev.k; k++)
        sum += ev.example.p[k];
    ck_assert_double_eq_tol(sum, 1, 1e-12);
}

START_TEST(test_class_evaluate)
{
    pl_dataset ds;
    make_dataset(700, 11, &ds);
    pl_model m = random_softmax(PL_ALL_CLASSES, 21);
    check_evaluate(&ds, &m);
    pl_model_free(&m);
    m = random_softmax((1u << 0) | (1u << 3) | (1u << 8), 22);   /* softmax-038 */
    check_evaluate(&ds, &m);
    pl_model_free(&m);
    pl_dataset_free(&ds);
}
END_TEST

START_TEST(test_class_slot_and_names)
{
    const int digits[3] = { 0, 4, 7 }, rest[2] = { -1, 3 };
    ck_assert_int_eq(pl_class_slot(digits, 3, 4), 1);
    ck_assert_int_eq(pl_class_slot(digits, 3, 5), -1);
    ck_assert_int_eq(pl_class_slot(rest, 2, 3), 1);
    ck_assert_int_eq(pl_class_slot(rest, 2, 5), 0);    /* a 5 is in "rest" of 3-rest */
    ck_assert_int_eq(pl_class_slot(rest, 2, -1), 0);   /* the prediction "rest" */
    char b[16];
    ck_assert_str_eq(pl_class_name(-1, b), "rest");
    ck_assert_str_eq(pl_class_name(7, b), "7");
}
END_TEST

/* ---- readers ------------------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text, char *path,
                       size_t len)
{
    tu_write(dir, name, text, strlen(text), path, len);
}

START_TEST(test_task_parse)
{
    pl_task t;
    pl_error e;
    ck_assert_int_eq(pl_task_parse("1-7", &t, &e), PL_OK);
    ck_assert_int_eq(t.pos, 7);
    ck_assert_int_eq(t.neg, 1);
    ck_assert_int_eq(pl_task_parse("3-rest", &t, &e), PL_OK);
    ck_assert_int_eq(t.pos, 3);
    ck_assert_int_eq(t.neg, PL_REST);
    const char *bad[] = { "7-7", "17", "1-", "a-b", "1-72", "" };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        ck_assert_int_eq(pl_task_parse(bad[k], &t, &e), PL_EINPUT);
    char pos[16], neg[16];
    pl_task_names((pl_task){ .pos = 3, .neg = PL_REST }, pos, neg);
    ck_assert_str_eq(pos, "3");
    ck_assert_str_eq(neg, "not-3");
}
END_TEST

START_TEST(test_read_results_and_best)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    write_text(tmp, "results.csv",
               "pair,lr,iterations,train_loss,train_acc,test_loss,test_acc,seconds,status\n"
               "1-7,0.1,100,0.06,0.98,0.04,0.99,0.02,ok\n"
               "1-7,1,100,nan,nan,nan,nan,0.02,diverged\n"
               "3-rest,0.015,500,0.1,0.97,0.1,0.96,0.5,ok\n", path, sizeof path);
    pl_result_row *rows;
    size_t n;
    pl_error e;
    ck_assert_msg(pl_read_results(path, &rows, &n, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(rows[2].pair, "3-rest");
    ck_assert_int_eq(rows[2].task.neg, PL_REST);
    ck_assert(isnan(rows[1].train_loss));
    ck_assert_str_eq(rows[1].status, "diverged");
    char name[64];
    ck_assert_str_eq(pl_result_row_name(&rows[2], name), "3-rest_lr0.015_it500");
    free(rows);

    pl_run_dir r;
    ck_assert_msg(pl_run_dir_open(tmp, &r, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(r.npairs, 2);
    const pl_result_row *pick;
    ck_assert_int_eq(pl_run_dir_pick(&r, (pl_task){ .pos = 7, .neg = 1 }, 0, 0, &pick, &e), PL_OK);
    ck_assert(pick->lr == 0.1);   /* the diverged one is never chosen */
    ck_assert_int_eq(pl_run_dir_pick(&r, (pl_task){ .pos = 6, .neg = 0 }, 0, 0, &pick, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "not in this run"));
    ck_assert_int_eq(pl_run_dir_pick(&r, (pl_task){ .pos = 7, .neg = 1 }, 0.5, 0, &pick, &e), PL_EINPUT);
    pl_run_dir_free(&r);

    /* best.csv decides when present; columns are found by name */
    write_text(tmp, "best.csv", "pair,lr,iterations,val_acc,train_acc,test_acc,test_loss\n"
               "3-rest,0.015,500,nan,0.97,0.96,0.1\n", path, sizeof path);
    ck_assert_msg(pl_run_dir_open(tmp, &r, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(r.nbest, 1);
    ck_assert(isnan(r.best[0].validation_acc));
    ck_assert_double_eq(r.best[0].test_acc, 0.96);
    pl_run_dir_free(&r);
    write_text(tmp, "best.csv", "pair,lr,iterations,validation_acc,test_acc\n"
               "1-7,0.1,100,0.99,0.98\n", path, sizeof path);
    ck_assert_msg(pl_run_dir_open(tmp, &r, &e) == PL_OK, "%s", e.msg);
    ck_assert_double_eq(r.best[0].validation_acc, 0.99);
    pl_run_dir_free(&r);

    /* errors name file and line */
    write_text(tmp, "results.csv",
               "pair,lr,iterations,train_loss,train_acc,test_loss,test_acc,seconds,status\n"
               "1-7,0.1,100,0.06,0.98,0.04,0.99,0.02,ok\n"
               "1-7,x,100,0.06,0.98,0.04,0.99,0.02,ok\n", path, sizeof path);
    ck_assert_int_eq(pl_run_dir_open(tmp, &r, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "results.csv:3: column lr"));
    write_text(tmp, "results.csv", "pair,lr\n", path, sizeof path);
    ck_assert_int_eq(pl_read_results(path, &rows, &n, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, ":1: unexpected header"));
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_run_dir_without_results)
{
    char tmp[PATH_MAX];
    tu_tmpdir(tmp, sizeof tmp);
    pl_run_dir r;
    pl_error e;
    ck_assert_int_eq(pl_run_dir_open(tmp, &r, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no results.csv"));
    ck_assert_int_eq(pl_run_dir_open("/nonexistent/run", &r, &e), PL_EINPUT);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_read_digit_matrix_and_curves)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64], text[4096];
    tu_tmpdir(tmp, sizeof tmp);
    int k = snprintf(text, sizeof text, "digit,0,1,2,3,4,5,6,7,8,9\n");
    for (int i = 0; i < 10; i++) {
        k += snprintf(text + k, sizeof text - (size_t)k, "%d", i);
        for (int j = 0; j < 10; j++)
            k += i == j ? snprintf(text + k, sizeof text - (size_t)k, ",")
                        : snprintf(text + k, sizeof text - (size_t)k, ",0.9%d", i + j);
        k += snprintf(text + k, sizeof text - (size_t)k, "\n");
    }
    write_text(tmp, "pair_accuracy.csv", text, path, sizeof path);
    double m[10][10];
    pl_error e;
    ck_assert_msg(pl_read_digit_matrix(path, "digit", m, &e) == PL_OK, "%s", e.msg);
    ck_assert(isnan(m[4][4]));
    ck_assert_double_eq(m[2][3], 0.95);
    ck_assert_int_eq(pl_read_digit_matrix(path, "actual", m, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, ":1: expected the header 'actual,"));
    text[strlen(text) - 3] = 'x';   /* a bad last cell */
    write_text(tmp, "bad.csv", text, path, sizeof path);
    ck_assert_int_eq(pl_read_digit_matrix(path, "digit", m, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "bad.csv:11: column "));

    write_text(tmp, "curves.csv", "pair,lr,iteration,train_loss\n1-7,0.1,0,0.69\n"
               "1-7,0.1,1,0.5\n1-7,1,0,0.69\n1-7,1,1,inf\n1-7,1,2,nan\n", path, sizeof path);
    pl_loss_curve *cv;
    size_t n;
    ck_assert_msg(pl_read_curves(path, &cv, &n, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(cv[0].len, 2);
    ck_assert_int_eq(cv[1].len, 3);
    ck_assert(isinf(cv[1].loss[1]));
    ck_assert_str_eq(cv[1].label, "lr 1");   /* a file without the curve column */
    pl_loss_curves_free(cv, n);
    write_text(tmp, "curves.csv", "pair,lr,iteration,train_loss,curve\n1-7,0,0,0.69,L-BFGS C=1\n"
               "1-7,0,1,0.5,L-BFGS C=1\n1-7,0,0,0.69,L-BFGS C=10\n", path, sizeof path);
    ck_assert_msg(pl_read_curves(path, &cv, &n, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(cv[0].label, "L-BFGS C=1");
    ck_assert_str_eq(cv[1].label, "L-BFGS C=10");
    pl_loss_curves_free(cv, n);
    write_text(tmp, "curves.csv", "pair,lr,iteration,train_loss\n1-7,0.1,0,0.69\n"
               "1-7,0.1,2,0.5\n", path, sizeof path);
    ck_assert_int_eq(pl_read_curves(path, &cv, &n, &e), PL_EINPUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "curves.csv:3"));
    tu_rmtree(tmp);
}
END_TEST

/* ---- end to end ----------------------------------------------------------- */

static const char *chromium(void)
{
    const char *p = getenv("CHROMIUM");
    return p && *p ? p : "chromium";
}

/* Trains on the 10k set (0:8000 train, 8000:10000 test) into tmp/NAME with
 * plots = true: the [task] and [train] sections are given. */
static void train_into(const char *tmp, const char *name, const char *task, const char *train)
{
    char data[PATH_MAX], text[4096], ini[PATH_MAX + 64], cmd[8192], out[65536], file[64];
    tu_mnist_dir(data, sizeof data);
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n[task]\n%s\n"
                     "[train]\n%s\n[output]\nplots = true\n", data, task, train);
    snprintf(file, sizeof file, "%s.ini", name);
    tu_write(tmp, file, text, (size_t)n, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --threads 2 --quiet --out %s/%s", tu_bin(), ini, tmp,
             name);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "report in"), "train with plots = true said: %s", out);
}

/* 1-7 and 0-6 into tmp/run. */
static void train_run(const char *tmp)
{
    train_into(tmp, "run", "pairs = 1-7, 0-6", "learning_rates = 0.1, 0.5\niterations = 50, 200");
}

static void check_png_file(const char *path, int w, int h)
{
    tu_png img;
    char err[512];
    ck_assert_msg(tu_png_read(path, &img, err, sizeof err) == 0, "%s", err);
    if (w)
        ck_assert_msg(img.w == w && img.h == h, "%s: %dx%d, expected %dx%d", path, img.w, img.h,
                      w, h);
    ck_assert_msg(tu_png_colours(&img) > 8, "%s looks blank", path);
    tu_png_free(&img);
}

static void write_sweep_fixtures(const char *dir)
{
    char text[4096], path[PATH_MAX + 64];
    int k = snprintf(text, sizeof text, "digit,0,1,2,3,4,5,6,7,8,9\n");
    for (int i = 0; i < 10; i++) {
        k += snprintf(text + k, sizeof text - (size_t)k, "%d", i);
        for (int j = 0; j < 10; j++)
            k += (i == 1 && j == 7) || (i == 7 && j == 1) ? snprintf(text + k, 64, ",0.995")
                 : (i == 0 && j == 6) || (i == 6 && j == 0) ? snprintf(text + k, 64, ",0.99")
                                                            : snprintf(text + k, 64, ",");
        k += snprintf(text + k, sizeof text - (size_t)k, "\n");
    }
    tu_write(dir, "pair_accuracy.csv", text, strlen(text), path, sizeof path);
    k = snprintf(text, sizeof text, "actual,0,1,2,3,4,5,6,7,8,9\n");
    for (int i = 0; i < 10; i++) {
        k += snprintf(text + k, sizeof text - (size_t)k, "%d", i);
        for (int j = 0; j < 10; j++)
            k += snprintf(text + k, 64, ",%d", i == j ? 180 + i : (i + 2 * j) % 5);
        k += snprintf(text + k, sizeof text - (size_t)k, "\n");
    }
    tu_write(dir, "ovo_confusion.csv", text, strlen(text), path, sizeof path);
}

/* Every <img src> of the page: exists, a PNG of sensible size, not blank. */
static int check_page_images(const char *dir)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/report.html", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = '\0';
    fclose(f);
    ck_assert_ptr_null(strstr(html, "http://"));   /* nothing from the network */
    ck_assert_ptr_null(strstr(html, "https://"));
    int count = 0;
    for (const char *p = html; (p = strstr(p, "<img src=\"")); p += 10) {
        const char *s = p + 10, *q = strchr(s, '"');
        ck_assert_ptr_nonnull(q);
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(q - s), s);
        check_png_file(path, 0, 0);
        count++;
    }
    return count;
}

START_TEST(test_train_with_plots_writes_report)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], path[PATH_MAX + 96], cmd[8192], out[65536];
    tu_tmpdir(tmp, sizeof tmp);
    train_run(tmp);
    snprintf(dir, sizeof dir, "%s/run", tmp);
    snprintf(path, sizeof path, "%s/report.html", dir);
    ck_assert_int_eq(access(path, R_OK), 0);   /* written by train itself */
    /* two pairs without pair_accuracy.csv: the heatmap is left out with a
     * note; the vote needs 45 pairs, so its absence is no news */
    snprintf(cmd, sizeof cmd, "rm -f %s/pair_accuracy.csv %s/ovo_confusion.csv && %s report %s",
             dir, dir, tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "note: No pair_accuracy.csv"));
    ck_assert_ptr_null(strstr(out, "ovo_confusion"));
    snprintf(cmd, sizeof cmd, "grep -c 'ovo_confusion\\|id=\"tenclass\"' %s", path);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 1);   /* grep: no line */

    /* with them: every picture */
    write_sweep_fixtures(dir);
    snprintf(cmd, sizeof cmd, "%s report %s", tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    const char *pairs[2] = { "1-7", "0-6" };
    const char *pick[2][2] = { { "7_as_1", "1_as_7" }, { "6_as_0", "0_as_6" } };
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/plots/%s_weights.png", dir, pairs[k]);
        check_png_file(path, PL_PLOT_WEIGHTS_W, PL_PLOT_WEIGHTS_H);
        for (int d = 0; d < 2; d++) {
            snprintf(path, sizeof path, "%s/plots/%s_%s.png", dir, pairs[k], pick[k][d]);
            check_png_file(path, PL_PLOT_PICK_W, PL_PLOT_PICK_H);
        }
        snprintf(path, sizeof path, "%s/plots/%s_loss.png", dir, pairs[k]);
        check_png_file(path, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H);
        snprintf(path, sizeof path, "%s/plots/%s_accuracy.png", dir, pairs[k]);
        check_png_file(path, PL_PLOT_ACC_W, PL_PLOT_ACC_H);
        snprintf(path, sizeof path, "%s/plots/%s_misses.png", dir, pairs[k]);
        check_png_file(path, 0, 0);
    }
    const char *sweep[3] = { "pair_accuracy", "ovo_confusion_counts", "ovo_confusion_rows" };
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/plots/%s.png", dir, sweep[k]);
        check_png_file(path, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H);
    }
    int w, h;
    pl_plot_digits_size(60, 10, &w, &h);
    snprintf(path, sizeof path, "%s/plots/montage.png", dir);
    check_png_file(path, w, h);
    ck_assert_int_eq(check_page_images(dir), 2 * 6 + 3 + 1);
    tu_rmtree(tmp);
}
END_TEST

/* Renders dir/report.html in headless Chromium (profile and screenshot in
 * tmp): every image of the page loads, and a screenshot is not blank. */
static void check_in_chromium(const char *tmp, const char *dir)
{
    char cmd[16384], out[1 << 16], prof[PATH_MAX + 32];
    int images = check_page_images(dir);
    const char *flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                        "--disable-background-networking --disable-component-update "
                        "--disable-sync --virtual-time-budget=5000";
    snprintf(prof, sizeof prof, "%s/profile", tmp);
    snprintf(cmd, sizeof cmd, "timeout 120 %s %s --user-data-dir=%s --dump-dom "
             "file://%s/report.html", chromium(), flags, prof, dir);
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "chromium failed (%d): %s", rc, out);
    char want[64];
    snprintf(want, sizeof want, "data-images-ok=\"%d/%d\"", images, images);
    ck_assert_msg(strstr(out, want), "expected %s in the rendered page", want);

    snprintf(cmd, sizeof cmd, "timeout 120 %s %s --user-data-dir=%s --window-size=1200,3000 "
             "--screenshot=%s/shot.png file://%s/report.html", chromium(), flags, prof, tmp, dir);
    rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "chromium failed (%d): %s", rc, out);
    snprintf(cmd, sizeof cmd, "%s/shot.png", tmp);
    tu_png img;
    char err[512];
    ck_assert_msg(tu_png_read(cmd, &img, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(img.w, 1200);
    ck_assert_int_eq(img.h, 3000);
    ck_assert_msg(tu_png_colours(&img) > 16, "the screenshot is blank");
    tu_png_free(&img);
}

START_TEST(test_report_renders_in_chromium)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16];
    tu_tmpdir(tmp, sizeof tmp);
    train_run(tmp);
    snprintf(dir, sizeof dir, "%s/run", tmp);
    check_in_chromium(tmp, dir);
    tu_rmtree(tmp);
}
END_TEST

/* Whether file dir/name contains text. */
static int file_has(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, text) != NULL;
}

/* The ten-class pictures of task in dir/plots, each of its size. */
static void check_tenclass_pictures(const char *dir, const char *task, int ntop)
{
    char path[PATH_MAX + 96];
    snprintf(path, sizeof path, "%s/plots/%s_weights.png", dir, task);
    check_png_file(path, PL_PLOT_CLASS_WEIGHTS_W, PL_PLOT_CLASS_WEIGHTS_H);
    const char *m[2] = { "confusion_counts", "confusion_rows" };
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/plots/%s_%s.png", dir, task, m[k]);
        check_png_file(path, PL_PLOT_CONFUSION_W, PL_PLOT_CONFUSION_H);
    }
    int w, h;
    pl_plot_digits_size((size_t)ntop, (size_t)ntop, &w, &h);
    snprintf(path, sizeof path, "%s/plots/%s_confusions.png", dir, task);
    check_png_file(path, w, h);
    snprintf(path, sizeof path, "%s/plots/%s_example_probs.png", dir, task);
    check_png_file(path, PL_PLOT_CLASS_PROBS_W, PL_PLOT_CLASS_PROBS_H);
    snprintf(path, sizeof path, "%s/plots/%s_example_explain.png", dir, task);
    check_png_file(path, PL_PLOT_CLASS_EXPLAIN_W, PL_PLOT_CLASS_EXPLAIN_H);
    snprintf(path, sizeof path, "%s/plots/%s_loss.png", dir, task);   /* its loss curves */
    check_png_file(path, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H);
}

/* 1-7, softmax and ovr: the pair's section and one ten-class section per
 * task, each with its six pictures; one pair, so no heatmap, and no vote;
 * the page renders in Chromium. */
START_TEST(test_report_tenclass)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], path[PATH_MAX + 96];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "mix", "pairs = 1-7\nmulticlass = softmax, ovr",
               "learning_rates = 0.5\niterations = 20");
    snprintf(dir, sizeof dir, "%s/mix", tmp);
    check_tenclass_pictures(dir, "softmax", PL_TOP_CONFUSIONS);
    check_tenclass_pictures(dir, "ovr", PL_TOP_CONFUSIONS);
    const char *ids[5] = { "id=\"tenclass\"", "id=\"class-softmax\"", "id=\"class-ovr\"",
                           "id=\"pair-1-7\"", "softmax_lr0.5_it20" };
    for (int k = 0; k < 5; k++)
        ck_assert_msg(file_has(dir, "report.html", ids[k]), "report.html lacks %s", ids[k]);
    ck_assert(!file_has(dir, "report.html", "pair_accuracy"));
    ck_assert(!file_has(dir, "report.html", "ovo_confusion"));
    ck_assert(!file_has(dir, "report.html", "class=\"note\""));
    snprintf(path, sizeof path, "%s/plots/pair_accuracy.png", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(check_page_images(dir), 1 + 6 + 2 * 7);
    check_in_chromium(tmp, dir);
    tu_rmtree(tmp);
}
END_TEST

/* One pair, no ten-class model: no heatmap, no vote, no ten-class section,
 * and no note about any of them. */
START_TEST(test_report_single_pair)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], path[PATH_MAX + 96];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "one", "pairs = 1-7", "learning_rates = 0.5\niterations = 20");
    snprintf(dir, sizeof dir, "%s/one", tmp);
    snprintf(path, sizeof path, "%s/pair_accuracy.csv", dir);
    ck_assert_int_eq(access(path, F_OK), 0);   /* the sweep writes it for one pair too */
    snprintf(path, sizeof path, "%s/plots/pair_accuracy.png", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    const char *absent[5] = { "pair_accuracy", "ovo_confusion", "tenclass", "class=\"note\"",
                              "id=\"sweep\"" };
    for (int k = 0; k < 5; k++)
        ck_assert_msg(!file_has(dir, "report.html", absent[k]), "report.html has %s", absent[k]);
    ck_assert(file_has(dir, "report.html", "id=\"pair-1-7\""));
    ck_assert_int_eq(check_page_images(dir), 1 + 6);
    tu_rmtree(tmp);
}
END_TEST

/* explain --pair with --lr / --iterations for another model than the
 * report's: its pictures carry the model's name, and no picture the report
 * shows changes (issue 16: they were drawn over the report's). */
START_TEST(test_explain_other_model_keeps_report_pictures)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], cmd[8192], before[4096], after[4096], out[16384];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "two", "pairs = 1-7", "learning_rates = 0.05, 0.5\niterations = 5, 40");
    snprintf(dir, sizeof dir, "%s/two", tmp);
    snprintf(cmd, sizeof cmd, "cd %s/plots && md5sum *.png", dir);
    ck_assert_int_eq(tu_run(cmd, before, sizeof before), 0);
    /* the best model is at 40 iterations: 5 iterations of lr 0.05 is another one */
    snprintf(cmd, sizeof cmd, "%s explain %s --pair 1-7 --lr 0.05 --iterations 5", tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "plots/1-7_lr0.05_it5_weights.png");
    snprintf(cmd, sizeof cmd, "cd %s/plots && md5sum $(ls *.png | grep -v _lr0.05_it5_)", dir);
    ck_assert_int_eq(tu_run(cmd, after, sizeof after), 0);
    ck_assert_str_eq(before, after);
    snprintf(cmd, sizeof cmd, "%s/plots/1-7_lr0.05_it5_weights.png", dir);
    ck_assert_int_eq(access(cmd, R_OK), 0);
    tu_rmtree(tmp);
}
END_TEST

/* The pictures are drawn by worker processes: 1, 2 or 3 of them draw the
 * same bytes, every PNG and report.html; a picture that cannot be written
 * fails the report with its path, in a worker as on one, and leaves the
 * previous report.html in place. */
START_TEST(test_report_parallel_is_identical)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], cmd[8192], out[65536];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "par", "pairs = 1-7, 0-6\nmulticlass = softmax",
               "learning_rates = 0.1, 0.5\niterations = 20, 60");
    snprintf(dir, sizeof dir, "%s/par", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf %s/plots && PARLOGIT_REPORT_WORKERS=1 %s report %s && "
             "mkdir %s/one && cp -p %s/plots/*.png %s/report.html %s/one/", dir, tu_bin(), dir,
             tmp, dir, dir, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "(1 worker process)"), "%s", out);
    const char *said1 = strstr(out, "parlogit: ");
    ck_assert_ptr_nonnull(said1);
    int pictures = atoi(said1 + 10);
    /* the pairs, softmax, the montage and the pair heatmap */
    ck_assert_int_eq(pictures, 2 * 6 + 7 + 1 + 1);
    snprintf(cmd, sizeof cmd, "ls %s/one/*.png | wc -l", tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), pictures);
    const int workers[2] = { 2, 3 };
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "rm -rf %s/plots && %s report %s --workers %d", dir, tu_bin(),
                 dir, workers[k]);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
        char said[64];
        snprintf(said, sizeof said, "(%d worker processes)", workers[k]);
        ck_assert_msg(strstr(out, said), "%s", out);
        /* every file the same bytes, and no other file */
        snprintf(cmd, sizeof cmd, "cp %s/report.html %s/plots/ && diff -r %s/one %s/plots",
                 dir, dir, tmp, dir);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%d workers: %s", workers[k], out);
    }

    /* the captions give the colour scales the maps share */
    ck_assert(file_has(dir, "report.html", "shared with the other direction"));
    ck_assert(file_has(dir, "report.html", "the largest |weight| of all of them"));

    /* a picture that cannot be written: its error, exit 1, the old page kept */
    snprintf(cmd, sizeof cmd, "mkdir %s/plots/0-6_misses.png.tmp && %s report %s --workers 2",
             dir, tu_bin(), dir);
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "0-6_misses.png.tmp: cannot create"), "%s", out);
    snprintf(cmd, sizeof cmd, "cmp %s/one/report.html %s/report.html && ls %s | grep -c tmp",
             tmp, dir, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 1, "%s", out);   /* grep: no temporary */
    snprintf(cmd, sizeof cmd, "%s report %s --workers 0", tu_bin(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "PARLOGIT_REPORT_WORKERS=two %s report %s", tu_bin(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "PARLOGIT_REPORT_WORKERS=two"), "%s", out);
    tu_rmtree(tmp);
}
END_TEST

/* A run of one ten-class model over four classes and no binary one: its
 * section, no pairs section, no notes. */
START_TEST(test_report_tenclass_only)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "multi", "pairs = none\nmulticlass = softmax\nclasses = 0, 1, 2, 5",
               "learning_rates = 0.5\niterations = 20");
    snprintf(dir, sizeof dir, "%s/multi", tmp);
    pl_class_eval ev;   /* how many confusions to expect: the model's own */
    pl_model m;
    pl_error e;
    pl_run_dir r;
    ck_assert_msg(pl_run_dir_open(dir, &r, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(r.npairs, 0);
    ck_assert_int_eq(r.nmulti, 1);
    pl_data data;
    ck_assert_msg(pl_run_dir_data(&r, &r.rows[0], &data, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_model_load(dir, "softmax-0125_lr0.5_it20", &m, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_class_evaluate(&m, &data.test, &ev, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(ev.k, 4);
    ck_assert_int_gt(ev.ntop, 0);
    check_tenclass_pictures(dir, "softmax-0125", ev.ntop);
    ck_assert(file_has(dir, "report.html", "id=\"class-softmax-0125\""));
    ck_assert(!file_has(dir, "report.html", "id=\"pairs\""));
    ck_assert(!file_has(dir, "report.html", "class=\"note\""));
    ck_assert_int_eq(check_page_images(dir), 1 + 7);   /* montage; six pictures and the loss curves */
    pl_model_free(&m);
    pl_data_free(&data);
    pl_run_dir_free(&r);
    tu_rmtree(tmp);
}
END_TEST

/* The numbers of line "row,..." of a predictions.csv: label, predicted and
 * n probabilities. */
static void predictions_line(const char *path, unsigned row, double *p, int n)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *q = line;
        if (strtoul(q, &q, 10) != row || *q != ',')
            continue;
        found = 1;
        strtol(q + 1, &q, 10);   /* label */
        q = strchr(q + 1, ',');  /* past predicted */
        for (int k = 0; k < n; k++)
            p[k] = strtod(q + 1, &q);
    }
    fclose(f);
    ck_assert_msg(found, "%s: no row %u", path, row);
}

/* The probabilities `explain --model` printed ("  class C p = X" lines). */
static int printed_probs(const char *out, double *p, int max)
{
    int n = 0;
    for (const char *q = out; n < max && (q = strstr(q, "\n  class ")); q++) {
        const char *eq = strstr(q, "p = ");
        ck_assert_ptr_nonnull(eq);
        p[n++] = strtod(eq + 4, NULL);
    }
    return n;
}

/* explain --model: the probabilities of predictions.csv, summing to 1, two
 * pictures named after the model and row; bad names and rows exit 2. */
START_TEST(test_explain_model)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], cmd[8192], out[65536], path[PATH_MAX + 160];
    tu_tmpdir(tmp, sizeof tmp);
    train_into(tmp, "mix", "pairs = 1-7\nmulticlass = softmax, ovr",
               "learning_rates = 0.5\niterations = 20");
    snprintf(dir, sizeof dir, "%s/mix", tmp);
    const char *models[2] = { "softmax_lr0.5_it20", "ovr_lr0.5_it20" };
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "%s explain %s --model %s --row 8004", tu_bin(), dir,
                 models[k]);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
        double p[PL_CLASSES], want[PL_CLASSES], sum = 0;
        ck_assert_int_eq(printed_probs(out, p, PL_CLASSES), PL_CLASSES);
        snprintf(path, sizeof path, "%s/models/%s.predictions.csv", dir, models[k]);
        predictions_line(path, 8004, want, PL_CLASSES);
        for (int c = 0; c < PL_CLASSES; c++) {
            ck_assert_double_eq_tol(p[c], want[c], 1e-8);
            sum += p[c];
        }
        ck_assert_double_eq_tol(sum, 1, 1e-6);
        ck_assert_ptr_nonnull(strstr(out, "on test row 8004"));
        snprintf(path, sizeof path, "%s/plots/explain_%s_row8004_probs.png", dir, models[k]);
        check_png_file(path, PL_PLOT_CLASS_PROBS_W, PL_PLOT_CLASS_PROBS_H);
        snprintf(path, sizeof path, "%s/plots/explain_%s_row8004_panel.png", dir, models[k]);
        check_png_file(path, PL_PLOT_CLASS_EXPLAIN_W, PL_PLOT_CLASS_EXPLAIN_H);
    }
    /* a binary model: two classes, its most confidently wrong row by default */
    snprintf(cmd, sizeof cmd, "%s explain %s --model 1-7_lr0.5_it20", tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    double p[PL_CLASSES];
    ck_assert_int_eq(printed_probs(out, p, PL_CLASSES), 2);
    ck_assert_double_eq_tol(p[0] + p[1], 1, 1e-6);
    ck_assert_ptr_nonnull(strstr(out, "wrong"));
    ck_assert_ptr_nonnull(strstr(out, "_panel.png"));

    snprintf(cmd, sizeof cmd, "%s explain %s --model softmax_lr9_it9 --row 8004", tu_bin(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "no model 'softmax_lr9_it9' in this run");
    const char *rows[3] = { "17", "10000", "-3" };
    for (int k = 0; k < 3; k++) {
        snprintf(cmd, sizeof cmd, "%s explain %s --model softmax_lr0.5_it20 --row %s", tu_bin(),
                 dir, rows[k]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
        TU_ASSERT_HAS(out, k < 2 ? "is not a test row of this run" : "expected a row number");
    }
    snprintf(cmd, sizeof cmd, "%s explain %s --row 8004", tu_bin(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "--row needs --model");
    snprintf(cmd, sizeof cmd, "%s explain --help", tu_bin());
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    TU_ASSERT_HAS(out, "--model NAME [--row N]");
    TU_ASSERT_HAS(out, "--pair I-J");
    tu_rmtree(tmp);
}
END_TEST

/* seed 000: `parlogit explain` picks what NumPy picks, and exit codes */
START_TEST(test_explain_matches_numpy)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], data[PATH_MAX], cmd[8192], out[65536], ref[4096];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(data, sizeof data);
    train_run(tmp);
    snprintf(dir, sizeof dir, "%s/run", tmp);
    const char *pairs[2] = { "1-7", "0-6" };
    const int digits[2][2] = { { 1, 7 }, { 0, 6 } };
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "%s explain %s --pair %s --lr 0.5 --iterations 200", tu_bin(),
                 dir, pairs[k]);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
        snprintf(cmd, sizeof cmd, "%s tests/explain_ref.py %s %s_lr0.5_it200 "
                 "%s/t10k-images-idx3-ubyte.gz %s/t10k-labels-idx1-ubyte.gz 0:8000 %d %d",
                 tu_python(), dir, pairs[k], data, data, digits[k][0], digits[k][1]);
        ck_assert_msg(tu_run(cmd, ref, sizeof ref) == 0, "%s", ref);
        int truth, other;
        unsigned row;
        double p;
        const char *line = ref;
        for (int d = 0; d < 2; d++) {
            ck_assert_int_eq(sscanf(line, "%d %d %u %lf", &truth, &other, &row, &p), 4);
            char want[128];
            snprintf(want, sizeof want, "a %d called %d: training row %u (digit %d), "
                     "P(%d) = %.4f", truth, other, row, truth, other, p);
            ck_assert_msg(strstr(out, want), "NumPy: %s\nparlogit:\n%s", want, out);
            line = strchr(line, '\n') + 1;
        }
    }
    /* bad input: exit 2 with a message */
    snprintf(cmd, sizeof cmd, "%s explain %s --pair 2-3", tu_bin(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "pair 2-3 is not in this run"));
    snprintf(cmd, sizeof cmd, "%s explain %s --pair 1-7", tu_bin(), tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "no results.csv"));
    snprintf(cmd, sizeof cmd, "%s report %s", tu_bin(), tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_show_and_missing_driver)
{
    char tmp[PATH_MAX], data[PATH_MAX], cmd[8192], out[65536], path[PATH_MAX + 32];
    tu_tmpdir(tmp, sizeof tmp);
    tu_mnist_dir(data, sizeof data);
    snprintf(path, sizeof path, "%s/d.png", tmp);
    snprintf(cmd, sizeof cmd, "%s show %s/t10k-images-idx3-ubyte.gz 0 --out %s", tu_bin(), data,
             path);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "row 0: label 7"));   /* MNIST's first test digit */
    int w, h;
    pl_plot_digits_size(1, 1, &w, &h);
    check_png_file(path, w, h);
    snprintf(cmd, sizeof cmd, "%s show %s/t10k-images-idx3-ubyte.gz 10000", tu_bin(), data);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
    /* no cairo driver: a clear message and exit 1, no prompt, no crash */
    snprintf(cmd, sizeof cmd, "PLPLOT_DRV_DIR=%s %s show %s/t10k-images-idx3-ubyte.gz 0 "
             "--out %s/x.png < /dev/null", tmp, tu_bin(), data, tmp);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "no 'pngcairo' output device") &&
                  strstr(out, "plplot-driver-cairo"), "%s", out);
    tu_rmtree(tmp);
}
END_TEST

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("explain");
    tcase_add_test(tc, test_explain_picks_the_argmax);
    tcase_add_test(tc, test_explain_without_rows_is_an_error);
    tcase_add_test(tc, test_contributions_sum_to_logit_minus_bias);
    tcase_add_test(tc, test_class_evaluate);
    tcase_add_test(tc, test_class_slot_and_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("readers");
    tcase_add_test(tc, test_task_parse);
    tcase_add_test(tc, test_read_results_and_best);
    tcase_add_test(tc, test_run_dir_without_results);
    tcase_add_test(tc, test_read_digit_matrix_and_curves);
    suite_add_tcase(s, tc);
    tc = tcase_create("e2e");
    tcase_set_timeout(tc, 300);   /* Chromium's first start can be slow */
    tcase_add_test(tc, test_train_with_plots_writes_report);
    tcase_add_test(tc, test_report_renders_in_chromium);
    tcase_add_test(tc, test_explain_matches_numpy);
    tcase_add_test(tc, test_report_tenclass);
    tcase_add_test(tc, test_report_single_pair);
    tcase_add_test(tc, test_explain_other_model_keeps_report_pictures);
    tcase_add_test(tc, test_report_parallel_is_identical);
    tcase_add_test(tc, test_report_tenclass_only);
    tcase_add_test(tc, test_explain_model);
    tcase_add_test(tc, test_show_and_missing_driver);
    suite_add_tcase(s, tc);
    return s;
}
