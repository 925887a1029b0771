/*
 * check_plot.c - the pictures (plot.h): every kind is a PNG of the expected
 * size that is not blank, and a machine without the pngcairo device gets a
 * clear error instead of a prompt, an exit or a crash.  Pictures that
 * compare: a pick on a shared colour scale, grids of 0 or 1 digits with
 * room for their title, an accuracy plot of one learning rate as a line,
 * loss curves whose first updates' spike is clipped and marked.
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
    ck_assert_msg(pl_plot_weights(path, t, w, PL_SIDE, PL_SIDE, "lr 0.1", &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_WEIGHTS_W, PL_PLOT_WEIGHTS_H);

    uint8_t pix[PL_PIXELS];
    synthetic_digit(pix, &s);
    static pl_explain_pick p;
    static double contrib[PL_PIXELS];
    p.contrib = contrib;
    p.found = 1;
    p.label = 7;
    p.logit = pl_contributions(pix, w, PL_PIXELS, 255, p.contrib, &p.for_pos, &p.for_neg) + 0.1;
    p.p_other = 1 / (1 + exp(p.logit));
    p.wrong = p.p_other > 0.5;
    snprintf(path, sizeof path, "%s/pick.png", tmp);
    ck_assert_msg(pl_plot_pick(path, t, &p, pix, PL_SIDE, PL_SIDE, 255, 0.1f, 0, &e) == PL_OK, "%s", e.msg);
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
        ck_assert_msg(pl_plot_digits(path, "title", pp, PL_SIDE, PL_SIDE, 255, caps, counts[c], 10, &e) == PL_OK, "%s",
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
    pl_loss_curve cv[2] = { { .task = t, .lr = 0.1, .label = "lr 0.1", .len = 101, .loss = l1 },
                            { .task = t, .lr = 1.0, .label = "lr 1", .len = 101, .loss = l2 } };
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
    int rc = pl_plot_weights(path, (pl_task){ .pos = 7, .neg = 1 }, w, PL_SIDE, PL_SIDE, NULL, &e);
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
    int rc = pl_plot_weights("/nonexistent-dir/w.png", (pl_task){ .pos = 7, .neg = 1 }, w, PL_SIDE,
                             PL_SIDE, NULL, &e);
    ck_assert_int_eq(rc, PL_EIO);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent-dir/w.png"));
}
END_TEST

/* Pixel (x, y) of a decoded PNG (RGB or RGBA). */
static const uint8_t *px_at(const tu_png *img, int x, int y)
{
    return img->pix + ((size_t)y * (size_t)img->w + (size_t)x) * (size_t)img->channels;
}

static int px_near(const uint8_t *p, uint32_t rgb, int tol)
{
    int want[3] = { (int)(rgb >> 16) & 255, (int)(rgb >> 8) & 255, (int)rgb & 255 };
    for (int c = 0; c < 3; c++)
        if (abs(p[c] - want[c]) > tol)
            return 0;
    return 1;
}

/* Neither white, gray nor black: a colour of the palette or an edge of one. */
static int px_colourful(const uint8_t *p)
{
    int lo = p[0], hi = p[0];
    for (int c = 1; c < 3; c++) {
        lo = p[c] < lo ? p[c] : lo;
        hi = p[c] > hi ? p[c] : hi;
    }
    return hi - lo > 40;
}

/* The ends and the middle of the RdBu palette (palette.c), the gray of
 * blank cells and other bars, and the bar colours of the prediction and the
 * true label (the first and third line colours). */
enum { DARK_BLUE = 0x053061, DARK_RED = 0x67001f, RDBU_WHITE = 0xf7f7f7, GRAY = 0xc8c8c8,
       LINE_BLUE = 0x1f77b4, LINE_GREEN = 0x2ca02c };

typedef struct box { int x0, y0, x1, y1, n; } box;

/* The leftmost group of columns holding pixels of colour rgb, and their
 * bounding box; n = 0 when there are none.  Two columns without are still
 * the group: where two cells touch only at a corner, the column between them
 * is a blend of both with the white around. */
static box leftmost(const tu_png *img, uint32_t rgb)
{
    box b = { INT_MAX, INT_MAX, -1, -1, 0 };
    for (int x = 0, empty = 0; x < img->w; x++) {
        int found = 0;
        for (int y = 0; y < img->h; y++)
            if (px_near(px_at(img, x, y), rgb, 10)) {
                found = 1;
                b.n++;
                b.y0 = y < b.y0 ? y : b.y0;
                b.y1 = y > b.y1 ? y : b.y1;
            }
        if (found) {
            b.x0 = b.x0 == INT_MAX ? x : b.x0;
            b.x1 = x;
            empty = 0;
        } else if (b.n && ++empty > 2) {
            break;
        }
    }
    return b;
}

static int in_box(const box *b, int x, int y, int pad)
{
    return x >= b->x0 - pad && x <= b->x1 + pad && y >= b->y0 - pad && y <= b->y1 + pad;
}

static void read_png(const char *path, tu_png *img, int w, int h)
{
    char err[512];
    ck_assert_msg(tu_png_read(path, img, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(img->w, w);
    ck_assert_int_eq(img->h, h);
    ck_assert_int_ge(img->channels, 3);
}

/* One strongly positive pixel near the top-left corner of map 0 and one
 * strongly negative near the bottom-right of map K-1, every other weight 0:
 * the picture's only blue and red left of the colour bar are those two
 * pixels, each as big as the other, blue in the first map and red in the
 * last. */
START_TEST(test_class_weights_colours)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    const struct { size_t K, h, w; } shapes[2] = { { 10, 28, 28 }, { 3, 8, 8 } };
    for (int s = 0; s < 2; s++) {
        size_t K = shapes[s].K, dim = shapes[s].h * shapes[s].w;
        float *W = calloc(K * dim, sizeof *W);
        W[shapes[s].w] = 0.8f;                          /* row 1, column 0 */
        W[(K - 1) * dim + dim - 2] = -0.8f;             /* last row, column w - 2 */
        pl_error e;
        snprintf(path, sizeof path, "%s/cw%d.png", tmp, s);
        ck_assert_msg(pl_plot_class_weights(path, W, K, digits, shapes[s].h, shapes[s].w, NULL,
                                            &e) == PL_OK, "%s", e.msg);
        free(W);
        tu_png img;
        read_png(path, &img, PL_PLOT_CLASS_WEIGHTS_W, PL_PLOT_CLASS_WEIGHTS_H);
        box blue = leftmost(&img, DARK_BLUE), red = leftmost(&img, DARK_RED);
        ck_assert_int_gt(blue.n, 0);
        ck_assert_int_gt(red.n, 0);
        ck_assert_int_lt(blue.x1, red.x0);
        ck_assert_int_lt(blue.y1, red.y1);   /* top row of its map against the bottom row */
        ck_assert_int_lt(blue.y0, red.y0);
        int bw = blue.x1 - blue.x0, rw = red.x1 - red.x0;
        ck_assert_int_le(abs(bw - rw), 1);
        ck_assert_int_le(abs(bw - (blue.y1 - blue.y0)), 1);
        ck_assert_int_ge(bw, (int)(80 / shapes[s].w));   /* a pixel of a map is a few px */
        for (int y = 0; y < img.h; y++)
            for (int x = 0; x <= red.x1 + 2; x++)
                if (px_colourful(px_at(&img, x, y)))
                    ck_assert_msg(in_box(&blue, x, y, 2) || in_box(&red, x, y, 2),
                                  "K = %zu: colour at (%d, %d), outside the two pixels", K, x,
                                  y);
        tu_png_free(&img);
    }

    /* All weights 0: white maps, and the colour bar the only colour. */
    static float zero[10 * PL_PIXELS];
    pl_error e;
    snprintf(path, sizeof path, "%s/zero.png", tmp);
    ck_assert_msg(pl_plot_class_weights(path, zero, 10, digits, PL_SIDE, PL_SIDE, "untrained",
                                        &e) == PL_OK, "%s", e.msg);
    tu_png img;
    read_png(path, &img, PL_PLOT_CLASS_WEIGHTS_W, PL_PLOT_CLASS_WEIGHTS_H);
    int first = -1, last = -1;
    for (int x = 0; x < img.w; x++)
        for (int y = 0; y < img.h; y++)
            if (px_colourful(px_at(&img, x, y))) {
                first = first < 0 ? x : first;
                last = x;
            }
    ck_assert_int_ge(first, 0);
    ck_assert_int_lt(last - first, 30);   /* one narrow bar */
    ck_assert_int_gt(first, img.w / 2);
    tu_png_free(&img);
    tu_rmtree(tmp);
}
END_TEST

/* The bars, left to right, of a probability chart: one per class, as the
 * columns of bar colour (gray, or blue / green for the prediction / label)
 * at least a few pixels high; their heights go to height[k], their colour
 * to colour[k]. */
static int bars(const tu_png *img, int *height, uint32_t *colour, int max)
{
    static const uint32_t cols[3] = { GRAY, LINE_BLUE, LINE_GREEN };
    int n = 0, in_bar = 0, x0 = 0, best = 0;
    uint32_t top = 0;
    for (int x = 0; x <= img->w; x++) {
        int count = 0, of[3] = { 0 };
        for (int y = 0; x < img->w && y < img->h; y++)
            for (int k = 0; k < 3; k++)
                if (px_near(px_at(img, x, y), cols[k], 12)) {
                    of[k]++;
                    count++;
                }
        /* blue or green when there is a bar of it: the line at 1 and the
         * edges of the text are gray too */
        uint32_t c = cols[of[1] > 8 ? 1 : of[2] > 8 ? 2 : 0];
        if (count > 8 && !in_bar) {
            in_bar = 1;
            x0 = x;
            best = 0;
        }
        if (count > 8 && count > best) {
            best = count;
            top = c;
        }
        if (count <= 8 && in_bar) {
            in_bar = 0;
            if (x - x0 >= 5 && n < max) {   /* not a legend's edge */
                height[n] = best;
                colour[n++] = top;
            }
        }
    }
    return n;
}

START_TEST(test_class_probs_tallest_bar)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, three[3] = { 0, 1, 2 };
    const double p10[10] = { 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.55, 0.05, 0.05, 0.05 };
    const double p3[3] = { 0.2, 0.1, 0.7 };
    const struct { size_t K; const int *classes; const double *p; int label, best; } cases[3] = {
        { 10, digits, p10, 4, 6 },    /* wrong: the label's bar green */
        { 3, three, p3, 2, 2 },       /* right */
        { 3, three, p3, -1, 2 },      /* a user's image */
    };
    for (int c = 0; c < 3; c++) {
        pl_error e;
        snprintf(path, sizeof path, "%s/p%d.png", tmp, c);
        ck_assert_msg(pl_plot_class_probs(path, cases[c].p, cases[c].K, cases[c].classes,
                                          cases[c].label, cases[c].best, NULL, &e) == PL_OK,
                      "%s", e.msg);
        tu_png img;
        read_png(path, &img, PL_PLOT_CLASS_PROBS_W, PL_PLOT_CLASS_PROBS_H);
        int height[16], tallest = 0;
        uint32_t colour[16];
        int n = bars(&img, height, colour, 16);
        ck_assert_int_eq(n, (int)cases[c].K);
        for (int k = 1; k < n; k++)
            if (height[k] > height[tallest])
                tallest = k;
        ck_assert_int_eq(tallest, cases[c].best);
        ck_assert_uint_eq(colour[tallest], LINE_BLUE);
        for (int k = 0; k < n; k++)
            if (k != cases[c].best)
                ck_assert_uint_eq(colour[k], k == cases[c].label ? LINE_GREEN : GRAY);
        tu_png_free(&img);
    }
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_class_explain)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    uint64_t s = 3;
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, three[3] = { 0, 1, 2 };
    static float W[10 * PL_PIXELS];
    float b[10];
    for (size_t i = 0; i < 10 * PL_PIXELS; i++)
        W[i] = tu_uniform(&s, -0.2f, 0.2f);
    for (int k = 0; k < 10; k++)
        b[k] = tu_uniform(&s, -1, 1);
    uint8_t pix[PL_PIXELS], small[64];
    synthetic_digit(pix, &s);
    for (int j = 0; j < 64; j++)
        small[j] = (uint8_t)(j % 8 == 3 ? 16 : 0);   /* an 8 x 8 digit, pixels 0..16 */
    double p10[10] = { 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.8, 0.04, 0.02 };
    double p3[3] = { 0.3, 0.6, 0.1 };
    pl_error e;
    snprintf(path, sizeof path, "%s/x10.png", tmp);
    ck_assert_msg(pl_plot_class_explain(path, pix, 255, W, b, 10, digits, PL_SIDE, PL_SIDE, p10,
                                        1, &e) == PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_CLASS_EXPLAIN_W, PL_PLOT_CLASS_EXPLAIN_H);
    snprintf(path, sizeof path, "%s/x3.png", tmp);
    ck_assert_msg(pl_plot_class_explain(path, small, 16, W, b, 3, three, 8, 8, p3, -1, &e) ==
                  PL_OK, "%s", e.msg);
    check_png(path, PL_PLOT_CLASS_EXPLAIN_W, PL_PLOT_CLASS_EXPLAIN_H);
    tu_rmtree(tmp);
}
END_TEST

/* pl_canvas_image draws every cell of an image: a 4 x 4 map (K = 1) whose
 * corners are +1 (top-left, bottom-right: dark blue) and -1 (top-right,
 * bottom-left: dark red), 0 elsewhere, shows all four corner cells at their
 * places, each a quarter of the map wide, and white between them.  (PLplot
 * takes an image's values as grid corners; given rows x cols of them it drew
 * only (rows - 1) x (cols - 1) cells, losing the top row and right column.) */
START_TEST(test_image_shows_every_corner)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    static const int one[1] = { 3 };
    float W[16] = { 0 };
    W[0] = W[15] = 1;
    W[3] = W[12] = -1;
    pl_error e;
    snprintf(path, sizeof path, "%s/corners.png", tmp);
    ck_assert_msg(pl_plot_class_weights(path, W, 1, one, 4, 4, NULL, &e) == PL_OK, "%s", e.msg);
    tu_png img;
    read_png(path, &img, PL_PLOT_CLASS_WEIGHTS_W, PL_PLOT_CLASS_WEIGHTS_H);
    /* the leftmost blue is the top-left cell, the leftmost red the
     * bottom-left one (the colour bar is right of the map) */
    box tl = leftmost(&img, DARK_BLUE), bl = leftmost(&img, DARK_RED);
    int cs = tl.x1 - tl.x0 + 1;
    ck_assert_msg(cs >= 20 && abs((tl.y1 - tl.y0 + 1) - cs) <= 2,
                  "top-left cell %dx%d px: a corner is missing", cs, tl.y1 - tl.y0 + 1);
    ck_assert_int_le(abs(bl.x0 - tl.x0), 1);
    ck_assert_int_le(abs((bl.x1 - bl.x0 + 1) - cs), 2);
    ck_assert_int_le(abs(bl.y0 - (tl.y0 + 3 * cs)), 3);   /* three cells lower */
    int cx[4] = { 0, 3, 0, 3 }, cy[4] = { 0, 0, 3, 3 };
    uint32_t want[4] = { DARK_BLUE, DARK_RED, DARK_RED, DARK_BLUE };
    for (int k = 0; k < 4; k++) {
        int x = tl.x0 + cx[k] * cs + cs / 2, y = tl.y0 + cy[k] * cs + cs / 2;
        ck_assert_msg(px_near(px_at(&img, x, y), want[k], 10), "corner %d (%d, %d) of the "
                      "map is not drawn in its colour", k, cx[k], cy[k]);
    }
    for (int i = 0; i < 4; i++)   /* the cells between: white */
        for (int j = 0; j < 4; j++) {
            if ((i == 0 || i == 3) && (j == 0 || j == 3))
                continue;
            ck_assert(px_near(px_at(&img, tl.x0 + j * cs + cs / 2, tl.y0 + i * cs + cs / 2),
                              RDBU_WHITE, 10));
        }
    tu_png_free(&img);
    tu_rmtree(tmp);
}
END_TEST

/* The table of a confusion picture whose diagonal is the darkest colour: the
 * diagonal cells touch corner to corner, so the leftmost dark columns span
 * the table. */
static box table_of(const tu_png *img)
{
    box t = leftmost(img, DARK_BLUE);
    ck_assert_int_gt(t.n, 0);
    ck_assert_int_le(abs((t.x1 - t.x0) - (t.y1 - t.y0)), 2);   /* square */
    return t;
}

/* The pixel a fifth into cell (i, j) of table t: clear of its annotation. */
static const uint8_t *cell_px(const tu_png *img, const box *t, size_t K, size_t i, size_t j)
{
    double cs = (double)(t->x1 - t->x0 + 1) / (double)K;
    return px_at(img, t->x0 + (int)(((double)j + 0.2) * cs), t->y0 + (int)(((double)i + 0.2) * cs));
}

START_TEST(test_confusion_diagonal)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, some[4] = { 0, 1, 2, 5 };
    size_t counts[100] = { 0 };
    pl_error e;
    tu_png img;

    /* Ten classes, counts: the diagonal, all equal, is the darkest. */
    for (size_t i = 0; i < 10; i++)
        counts[i * 10 + i] = 25;
    snprintf(path, sizeof path, "%s/c10.png", tmp);
    ck_assert_msg(pl_plot_confusion(path, counts, 10, digits, 0, NULL, &e) == PL_OK, "%s",
                  e.msg);
    read_png(path, &img, PL_PLOT_CONFUSION_W, PL_PLOT_CONFUSION_H);
    box t = table_of(&img);
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < 10; j++)
            ck_assert(px_near(cell_px(&img, &t, 10, i, j), i == j ? DARK_BLUE : RDBU_WHITE, 10));
    tu_png_free(&img);

    /* Three classes, normalized: 1 on the diagonal, 0 elsewhere. */
    size_t c3[9] = { 7, 0, 0, 0, 3, 0, 0, 0, 12 };
    snprintf(path, sizeof path, "%s/c3.png", tmp);
    ck_assert_msg(pl_plot_confusion(path, c3, 3, digits, 1, "three", &e) == PL_OK, "%s", e.msg);
    read_png(path, &img, PL_PLOT_CONFUSION_W, PL_PLOT_CONFUSION_H);
    t = table_of(&img);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            ck_assert(px_near(cell_px(&img, &t, 3, i, j), i == j ? DARK_BLUE : RDBU_WHITE, 10));
    tu_png_free(&img);

    /* Four classes, normalized, one actual class without images: its row is
     * blank (gray) on the same table as before. */
    size_t c4[16] = { 2, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4 };
    snprintf(path, sizeof path, "%s/c4.png", tmp);
    ck_assert_msg(pl_plot_confusion(path, c4, 4, some, 1, NULL, &e) == PL_OK, "%s", e.msg);
    read_png(path, &img, PL_PLOT_CONFUSION_W, PL_PLOT_CONFUSION_H);
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++)
            ck_assert(px_near(cell_px(&img, &t, 4, i, j),
                              i == 2 ? GRAY : i == j ? DARK_BLUE : RDBU_WHITE, 10));
    tu_png_free(&img);
    tu_rmtree(tmp);
}
END_TEST

/* pl_plot_class_matrix generalises pl_plot_matrix: at K = 10 with classes
 * 0..9 the two pictures are the same pixels. */
START_TEST(test_class_matrix_is_pl_plot_matrix)
{
    char tmp[PATH_MAX], a[PATH_MAX + 64], b[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    static const int digits[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    double m[10][10];
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            m[i][j] = i == j ? NAN : 0.9 + 0.01 * ((i * 3 + j) % 10);
    pl_matrix_style st = { "heatmap", "digit j", "digit i", "accuracy (%)", "%.1f", 100, 0.9, 1 };
    pl_error e;
    snprintf(a, sizeof a, "%s/a.png", tmp);
    snprintf(b, sizeof b, "%s/b.png", tmp);
    ck_assert_msg(pl_plot_matrix(a, m, &st, &e) == PL_OK, "%s", e.msg);
    ck_assert_msg(pl_plot_class_matrix(b, &m[0][0], 10, digits, &st, &e) == PL_OK, "%s", e.msg);
    tu_png pa, pb;
    read_png(a, &pa, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H);
    read_png(b, &pb, PL_PLOT_MATRIX_W, PL_PLOT_MATRIX_H);
    ck_assert_int_eq(pa.channels, pb.channels);
    ck_assert(memcmp(pa.pix, pb.pix, (size_t)pa.w * (size_t)pa.h * (size_t)pa.channels) == 0);
    tu_png_free(&pa);
    tu_png_free(&pb);
    tu_rmtree(tmp);
}
END_TEST

START_TEST(test_class_pictures_bad_arguments)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/bad.png", tmp);
    static const int classes[11] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    static float W[11 * 64];
    float b[11] = { 0 };
    uint8_t x[64] = { 0 };
    double p[11] = { 0.1, 0.2, 0.7 };
    size_t counts[121] = { 0 };
    pl_error e;
    const size_t Ks[2] = { 0, 11 };
    for (int i = 0; i < 2; i++) {
        size_t K = Ks[i];
        ck_assert_int_eq(pl_plot_class_weights(path, W, K, classes, 8, 8, NULL, &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "classes, expected 1 to 10");
        ck_assert_int_eq(pl_plot_class_probs(path, p, K, classes, -1, 0, NULL, &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "classes, expected 1 to 10");
        ck_assert_int_eq(pl_plot_class_explain(path, x, 16, W, b, K, classes, 8, 8, p, -1, &e),
                         PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "classes, expected 1 to 10");
        ck_assert_int_eq(pl_plot_confusion(path, counts, K, classes, 1, NULL, &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "classes, expected 1 to 10");
    }
    const size_t hw[2][2] = { { 0, 8 }, { 8, 0 } };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pl_plot_class_weights(path, W, 3, classes, hw[i][0], hw[i][1], NULL,
                                               &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "expected at least 1 x 1");
        ck_assert_int_eq(pl_plot_class_explain(path, x, 16, W, b, 3, classes, hw[i][0], hw[i][1],
                                               p, -1, &e), PL_EINPUT);
        TU_ASSERT_HAS(e.msg, "expected at least 1 x 1");
    }
    ck_assert_int_eq(pl_plot_class_probs(path, p, 3, classes, 1, 7, NULL, &e), PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "predicted class 7 is not one of the 3 classes");
    ck_assert_int_eq(pl_plot_class_explain(path, x, 0, W, b, 3, classes, 8, 8, p, -1, &e),
                     PL_EINPUT);
    TU_ASSERT_HAS(e.msg, "pixel_max");
    ck_assert_int_eq(pl_plot_class_weights(path, W, 3, NULL, 8, 8, NULL, &e), PL_EINPUT);
    ck_assert_int_ne(access(path, F_OK), 0);   /* nothing written */
    tu_rmtree(tmp);
}
END_TEST

/* ---- comparable pictures (issue 16, item 5) ------------------------------ */

/* Pixels of colour rgb (within tol) in the px rectangle [x0, x1) x [y0, y1). */
static int count_near(const tu_png *img, uint32_t rgb, int tol, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += px_near(px_at(img, x, y), rgb, tol);
    return n;
}

/* Seed 004's comparison: an 8 x 8 model without zeros above one whose
 * weights are all 0 but one, zeros drawn black: the lower half of the
 * picture is mostly black, the upper half only has its text; bad shapes are
 * errors. */
START_TEST(test_weights_sparsity_zeros_black)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/l1.png", tmp);
    float W0[2 * 64], W1[2 * 64] = { 0 };
    for (int i = 0; i < 2 * 64; i++)
        W0[i] = i % 2 ? 0.5f : -0.25f;
    W1[9] = 1.0f;
    const int classes[2] = { 3, 8 };
    pl_error e;
    ck_assert_msg(pl_plot_weights_sparsity(path, W0, W1, 2, classes, 8, 8, "dense", "sparse",
                                           &e) == PL_OK, "%s", e.msg);
    tu_png img;
    read_png(path, &img, PL_PLOT_CLASS_WEIGHTS_W, 612);   /* two rows of 200 px maps */
    const int top = count_near(&img, 0x000000, 40, 0, 0, img.w, img.h / 2);
    const int bottom = count_near(&img, 0x000000, 40, 0, img.h / 2, img.w, img.h);
    /* 127 of 128 cells of 25 x 25 px black below; above, text alone */
    ck_assert_msg(bottom > 60000 && top < 15000, "black pixels: %d above, %d below", top,
                  bottom);
    free(img.pix);
    ck_assert_int_eq(pl_plot_weights_sparsity(path, W0, NULL, 2, classes, 8, 8, "a", "b", &e),
                     PL_EINPUT);
    ck_assert_int_eq(pl_plot_weights_sparsity(path, W0, W1, 0, classes, 8, 8, "a", "b", &e),
                     PL_EINPUT);
    tu_rmtree(tmp);
}
END_TEST

/* A pick drawn on a scale ten times its own largest contribution (the other
 * direction's, say) is paler: no pixel of the map reaches the palette's dark
 * ends, which on its own scale it does. */
START_TEST(test_pick_on_a_shared_scale)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    uint64_t s = 3;
    float w[PL_PIXELS];
    for (int i = 0; i < PL_PIXELS; i++)
        w[i] = tu_uniform(&s, -0.3f, 0.3f);
    uint8_t pix[PL_PIXELS];
    synthetic_digit(pix, &s);
    static pl_explain_pick p;
    static double contrib[PL_PIXELS];
    p.contrib = contrib;
    p.found = 1;
    p.label = 7;
    p.logit = pl_contributions(pix, w, PL_PIXELS, 255, p.contrib, &p.for_pos, &p.for_neg);
    double m = 0;
    for (int i = 0; i < PL_PIXELS; i++)
        m = fmax(m, fabs(p.contrib[i]));
    pl_task t = { .pos = 7, .neg = 1 };
    pl_error e;
    int dark[2];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/pick%d.png", tmp, k);
        ck_assert_msg(pl_plot_pick(path, t, &p, pix, PL_SIDE, PL_SIDE, 255, 0, k ? 10 * m : 0,
                                   &e) == PL_OK, "%s",
                      e.msg);
        tu_png img;
        read_png(path, &img, PL_PLOT_PICK_W, PL_PLOT_PICK_H);
        /* the contribution map's square (pick.c), inside its frame */
        dark[k] = count_near(&img, DARK_BLUE, 40, 545, 85, 915, 455) +
                  count_near(&img, DARK_RED, 40, 545, 85, 915, 455);
        tu_png_free(&img);
    }
    ck_assert_int_gt(dark[0], 100);
    ck_assert_int_eq(dark[1], 0);
    tu_rmtree(tmp);
}
END_TEST

/* A grid of 0 or 1 digits is as wide as a title needs, and the title is not
 * cut at the edges: the outermost columns of the title band are white. */
START_TEST(test_small_grids_are_readable)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    uint64_t s = 4;
    uint8_t pix[PL_PIXELS];
    synthetic_digit(pix, &s);
    const uint8_t *pp[1] = { pix };
    const char *caps[1] = { "7 as 1: 0.93\nrow 4242" };
    for (size_t n = 0; n <= 1; n++) {
        int w, h;
        pl_plot_digits_size(n, 8, &w, &h);
        ck_assert_int_eq(w, PL_PLOT_DIGITS_MIN_W);
        ck_assert_int_eq(h, PL_PLOT_CELL + 40 + 70);
        snprintf(path, sizeof path, "%s/grid%zu.png", tmp, n);
        pl_error e;
        ck_assert_msg(pl_plot_digits(path, "1-7: the only misclassified training image of "
                                     "the 8000 rows of the pair's training set", pp, PL_SIDE,
                                     PL_SIDE, 255, caps, n, 8, &e) == PL_OK, "%s", e.msg);
        tu_png img;
        read_png(path, &img, w, h);
        int ink = 0, edge = 0;
        for (int y = 0; y < 60; y++)
            for (int x = 0; x < w; x++) {
                int white = px_near(px_at(&img, x, y), 0xffffff, 60);
                ink += !white;
                edge += !white && (x < 6 || x >= w - 6);
            }
        ck_assert_int_gt(ink, 200);   /* a title */
        ck_assert_int_eq(edge, 0);    /* all of it */
        tu_png_free(&img);
    }
    tu_rmtree(tmp);
}
END_TEST

/* One learning rate and three iteration counts: a line across the plot, not
 * a column of dots over the one learning rate.  The plot area (accuracy.c)
 * is x 100..770. */
START_TEST(test_accuracy_of_one_learning_rate_is_a_line)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    pl_task t = { .pos = 1, .neg = 0 };
    pl_result_row rows[3];
    const pl_result_row *rp[3];
    const int its[3] = { 300, 20, 100 };   /* any order */
    for (int k = 0; k < 3; k++) {
        rows[k] = (pl_result_row){ .task = t, .lr = 0.5, .iterations = its[k],
                                   .train_acc = 0.99 + 0.003 * k, .test_acc = 0.985 + 0.002 * k };
        rp[k] = &rows[k];
    }
    snprintf(path, sizeof path, "%s/acc.png", tmp);
    pl_error e;
    ck_assert_msg(pl_plot_accuracy(path, t, rp, 3, &e) == PL_OK, "%s", e.msg);
    tu_png img;
    read_png(path, &img, PL_PLOT_ACC_W, PL_PLOT_ACC_H);
    int x0 = INT_MAX, x1 = -1;
    for (int y = 60; y < 510; y++)
        for (int x = 100; x < 770; x++)
            if (px_near(px_at(&img, x, y), LINE_BLUE, 30)) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
            }
    ck_assert_msg(x1 - x0 > 670 / 2, "the train line spans x %d..%d", x0, x1);
    tu_png_free(&img);
    tu_rmtree(tmp);
}
END_TEST

/* A spike in the first updates (0.69 -> 6.4, as lr 1 does on 8-9) does not
 * flatten the rest: at iteration 50 the curve (loss 0.3) is in the top
 * third of the plot area (y 60..510 in curves.c), where a scale up to the
 * spike would put it at 43 % of the height. */
START_TEST(test_loss_spike_is_clipped)
{
    char tmp[PATH_MAX], path[PATH_MAX + 64];
    tu_tmpdir(tmp, sizeof tmp);
    pl_task t = { .pos = 9, .neg = 8 };
    enum { LEN = 500 };
    static double l[LEN];
    for (int i = 0; i < LEN; i++)
        l[i] = i == 0 ? 0.69 : i <= 3 ? 6.4 : 0.5 * exp(-(i - 0) / 100.0) + 0.004;
    pl_loss_curve cv = { .task = t, .lr = 1, .label = "lr 1", .len = LEN, .loss = l };
    const pl_loss_curve *cp[1] = { &cv };
    snprintf(path, sizeof path, "%s/loss.png", tmp);
    pl_error e;
    ck_assert_msg(pl_plot_curves(path, t, cp, 1, &e) == PL_OK, "%s", e.msg);
    tu_png img;
    read_png(path, &img, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H);
    int x = 100 + 670 * 50 / (LEN - 1), top = -1;
    for (int y = 60; y < 510 && top < 0; y++)
        for (int dx = -1; dx <= 1; dx++)
            if (px_near(px_at(&img, x + dx, y), LINE_BLUE, 30))
                top = y;
    ck_assert_msg(top >= 0, "no curve at iteration 50");
    ck_assert_msg((top - 60) / 450.0 < 0.3, "the curve at iteration 50 is at %.0f %% of the "
                  "height", 100 * (top - 60) / 450.0);
    /* and the clipped peak is marked: its triangle, in the curve's colour,
     * over the plot area near iteration 1..3 */
    ck_assert_int_gt(count_near(&img, LINE_BLUE, 40, 90, 48, 115, 64), 5);
    tu_png_free(&img);
    tu_rmtree(tmp);
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
    tcase_add_test(tc, test_class_weights_colours);
    tcase_add_test(tc, test_class_probs_tallest_bar);
    tcase_add_test(tc, test_class_explain);
    tcase_add_test(tc, test_confusion_diagonal);
    tcase_add_test(tc, test_class_matrix_is_pl_plot_matrix);
    tcase_add_test(tc, test_class_pictures_bad_arguments);
    tcase_add_test(tc, test_image_shows_every_corner);
    tcase_add_test(tc, test_pick_on_a_shared_scale);
    tcase_add_test(tc, test_small_grids_are_readable);
    tcase_add_test(tc, test_accuracy_of_one_learning_rate_is_a_line);
    tcase_add_test(tc, test_loss_spike_is_clipped);
    tcase_add_test(tc, test_weights_sparsity_zeros_black);
    suite_add_tcase(s, tc);
    return s;
}
