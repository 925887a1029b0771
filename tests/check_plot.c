/*
 * check_plot.c - the pictures (plot.h): every kind is a PNG of the expected
 * size that is not blank, and a machine without the pngcairo device gets a
 * clear error instead of a prompt, an exit or a crash.
 */
#include <limits.h>
#include <math.h>

#include "parlogit/plot.h"
#include "png.h"
#include "testutil.h"

/* Asserts path is a w x h PNG with more than a few colours. */
static void check_png(const char *path, int w, int h)
{
    tu_png img;
    char err[512];
    ck_assert_msg(tu_png_read(path, &img, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(img.w, w);
    ck_assert_int_eq(img.h, h);
    ck_assert_msg(tu_png_colours(&img) > 8, "%s looks blank", path);
    tu_png_free(&img);
}

static void synthetic_digit(uint8_t *pix, uint64_t *s)
{
    memset(pix, 0, PL_PIXELS);
    for (int y = 4; y < 24; y++)   /* a thick stroke with noise */
        for (int x = 12; x < 16; x++)
            pix[y * PL_SIDE + x] = (uint8_t)(200 + tu_rand(s) % 56);
}

START_TEST(test_weights_and_pick)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    uint64_t s = 1;
    float w[PL_PIXELS];
    for (int i = 0; i < PL_PIXELS; i++)
        w[i] = tu_uniform(&s, -0.3f, 0.3f);
    pl_error e;
    snprintf(path, sizeof path, "%s/w.png", tmp);
    pl_task t = { .pos = 7, .neg = 1 };
    ck_assert_msg(pl_plot_weights(path, t, w, "lr 0.1", &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_WEIGHTS_W, PL_PLOT_WEIGHTS_H);

    uint8_t pix[PL_PIXELS];
    synthetic_digit(pix, &s);
    static pl_explain_pick p;
    p.found = 1;
    p.label = 7;
    p.logit = pl_contributions(pix, w, PL_PIXELS, p.contrib, &p.for_pos, &p.for_neg) + 0.1;
    p.p_other = 1 / (1 + exp(p.logit));
    p.wrong = p.p_other > 0.5;
    snprintf(path, sizeof path, "%s/pick.png", tmp);
    ck_assert_msg(pl_plot_pick(path, t, &p, pix, 0.1f, &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_PICK_W, PL_PLOT_PICK_H);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_digit_grid_sizes)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    uint64_t s = 2;
    static uint8_t pix[13][PL_PIXELS];
    const uint8_t *pp[13];
    const char *caps[13];
    for (int k = 0; k < 13; k++) {
        synthetic_digit(pix[k], &s);
        pp[k] = pix[k];
        caps[k] = k % 2 ? "7 as 1: 0.9\nrow 12" : "one line";
    }
    pl_error e;
    size_t counts[3] = { 1, 10, 13 };
    for (int c = 0; c < 3; c++) {
        int w, h;
        snprintf(path, sizeof path, "%s/grid%d.png", tmp, c);
        ck_assert_msg(pl_plot_digits(path, "title", pp, caps, counts[c], 10, &e) == PL_OK, "%s",
                      e.msg);
        pl_plot_digits_size(counts[c], 10, &w, &h);
        check_png(path, w, h);
    }
    int w, h;
    pl_plot_digits_size(13, 10, &w, &h);   /* two rows of ten */
    ck_assert_int_eq(w, 10 * PL_PLOT_CELL);
    ck_assert_int_eq(h, 2 * (PL_PLOT_CELL + 40) + 70);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_curves_accuracy_matrix)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    pl_task t = { .pos = 5, .neg = 3 };
    double l1[101], l2[101];
    for (int i = 0; i <= 100; i++) {
        l1[i] = 0.69 * exp(-i / 30.0) + 0.05;
        l2[i] = i < 60 ? 0.69 * exp(-i / 10.0) + 0.02 : NAN;   /* a diverged run */
    }
    pl_loss_curve cv[2] = { { t, 0.1, 101, l1 }, { t, 1.0, 101, l2 } };
    const pl_loss_curve *cp[2] = { &cv[0], &cv[1] };
    pl_error e;
    snprintf(path, sizeof path, "%s/loss.png", tmp);
    ck_assert_msg(pl_plot_curves(path, t, cp, 2, &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H);

    pl_result_row rows[4];
    const pl_result_row *rp[4];
    for (int k = 0; k < 4; k++) {
        rows[k] = (pl_result_row){ .task = t, .lr = k < 2 ? 0.1 : 1.0,
                                   .iterations = k % 2 ? 500 : 100,
                                   .train_acc = 0.95 + 0.01 * k, .test_acc = 0.94 + 0.005 * k };
        rp[k] = &rows[k];
    }
    snprintf(path, sizeof path, "%s/acc.png", tmp);
    ck_assert_msg(pl_plot_accuracy(path, t, rp, 4, &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_ACC_W, PL_PLOT_ACC_H);

    double m[10][10];
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            m[i][j] = i == j ? NAN : 0.9 + 0.01 * ((i + j) % 10);
    pl_matrix_style st = { "heatmap", "digit j", "digit i", "accuracy (%)", "%.1f", 100, 0.9, 1 };
    snprintf(path, sizeof path, "%s/m.png", tmp);
    ck_assert_msg(pl_plot_matrix(path, m, &st, &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_unknown_device_is_a_clear_error)
{
    pl_error e = { 0 };
    ck_assert_int_eq(pl_plot_check_device("nosuchdevice", &e), PL_EIO);
    ck_assert_ptr_nonnull(strstr(e.msg, "'nosuchdevice'"));
    ck_assert_ptr_nonnull(strstr(e.msg, "plplot-driver-cairo"));
    ck_assert_int_eq(pl_plot_check_device(PL_PLOT_DEVICE, &e), PL_OK);
}
END_TEST

/* A driver directory without the cairo driver (as on a machine without
 * plplot-driver-cairo): drawing fails with the message, nothing is written,
 * and PLplot neither prompts nor exits. */
START_TEST(test_missing_cairo_driver)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    setenv("PLPLOT_DRV_DIR", tmp, 1);
    float w[PL_PIXELS] = { 0 };
    pl_error e = { 0 };
    snprintf(path, sizeof path, "%s/w.png", tmp);
    int rc = pl_plot_weights(path, (pl_task){ 7, 1 }, w, NULL, &e);
    unsetenv("PLPLOT_DRV_DIR");
    ck_assert_int_eq(rc, PL_EIO);
    ck_assert_ptr_nonnull(strstr(e.msg, "pngcairo"));
    ck_assert_ptr_nonnull(strstr(e.msg, "PLPLOT_DRV_DIR"));
    ck_assert_int_ne(access(path, F_OK), 0);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_unwritable_path_is_an_error)
{
    float w[PL_PIXELS] = { 0 };
    pl_error e = { 0 };
    int rc = pl_plot_weights("/nonexistent-dir/w.png", (pl_task){ 7, 1 }, w, NULL, &e);
    ck_assert_int_eq(rc, PL_EIO);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent-dir/w.png"));
}
END_TEST

Suite *suite_plot(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("pictures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_weights_and_pick);
    tcase_add_test(tc, test_digit_grid_sizes);
    tcase_add_test(tc, test_curves_accuracy_matrix);
    tcase_add_test(tc, test_unknown_device_is_a_clear_error);
    tcase_add_test(tc, test_missing_cairo_driver);
    tcase_add_test(tc, test_unwritable_path_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
