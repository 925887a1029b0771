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
    double total = pl_contributions(pix, w, PL_PIXELS, c, &pos, &neg);
    ck_assert_double_eq_tol(total, pl_logit(pix, w, PL_PIXELS, 0.75f) - 0.75, 1e-12);
    double sum = 0;
    for (int i = 0; i < PL_PIXELS; i++) {
        sum += c[i];
        ck_assert_double_eq_tol(c[i], w[i] * (pix[i] / 255.0), 1e-12);
    }
    ck_assert_double_eq_tol(sum, total, 1e-9);
    ck_assert_double_eq_tol(pos + neg, total, 1e-9);
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

/* Trains 1-7 and 0-6 on the 10k set (0:8000 train, 8000:10000 test) into
 * tmp/run with plots = true, then adds the sweep files as fixtures. */
static void train_run(const char *tmp)
{
    char data[PATH_MAX], text[4096], ini[PATH_MAX + 64], cmd[8192], out[65536];
    tu_mnist_dir(data, sizeof data);
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n[task]\npairs = 1-7, 0-6\n"
                     "[train]\nlearning_rates = 0.1, 0.5\niterations = 50, 200\n"
                     "[output]\nplots = true\n", data);
    tu_write(tmp, "run.ini", text, (size_t)n, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --threads 2 --quiet --out %s/run", tu_bin(), ini, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "report in"), "train with plots = true said: %s", out);
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
    /* without sweep files: those pictures are skipped with a note */
    snprintf(cmd, sizeof cmd, "rm -f %s/pair_accuracy.csv %s/ovo_confusion.csv && %s report %s",
             dir, dir, tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "note: No pair_accuracy.csv"));
    snprintf(cmd, sizeof cmd, "grep -c 'No ovo_confusion.csv' %s", path);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);

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

START_TEST(test_report_renders_in_chromium)
{
    char tmp[PATH_MAX], dir[PATH_MAX + 16], cmd[16384], out[1 << 16], prof[PATH_MAX + 32];
    tu_tmpdir(tmp, sizeof tmp);
    train_run(tmp);
    snprintf(dir, sizeof dir, "%s/run", tmp);
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
        snprintf(cmd, sizeof cmd, "%s tests/explain_ref.py %s/models/%s_lr0.5_it200 "
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
    tcase_add_test(tc, test_show_and_missing_driver);
    suite_add_tcase(s, tc);
    return s;
}
