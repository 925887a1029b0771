/*
 * check_digits.c - images of any shape and pixel range, on a real data set
 * that ships in Debian: scikit-learn's 8 x 8 handwritten digits (1797 rows of
 * 64 pixels 0..16 and the label last, digits.csv.gz in python3-sklearn).
 *
 * End to end with the shipped configs/digits-8x8.ini (rows 0:1400 train,
 * 1400:1797 test): all 45 pairs and the softmax and one-vs-rest models train,
 * the report draws (its pictures are 8 x 8 maps), and tests/digits_ref.py
 * recomputes every model's test accuracy from its .npy files in NumPy and
 * trains 1-7 and softmax again in float64 on pixels / 16 (weights within
 * 1e-3 of the largest, loss within 1e-4).  explain, show and predict read the
 * 8 x 8 run.  Seed 004's L1 softmax (solver lbfgs, OWL-QN) against
 * scikit-learn's saga at C = 0.1: the objective within 1e-4 relative
 * (measured 1.5e-6), the zero weights alike for 99 % (measured 99.8 %, 561
 * and 562 of 640).  The shape and scale keys: a CSV that is not square without
 * data.shape, one that is with it, cells above data.pixel_max, an IDX file of
 * another shape than data.shape or with a pixel above pixel_max, each a
 * message naming the file and the key, exit 2.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char dir[PATH_MAX], digits[PATH_MAX];

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "%s tests/digits_ref.py path", tu_python());
    ck_assert_msg(tu_run(cmd, digits, sizeof digits) == 0, "%s", digits);
    digits[strcspn(digits, "\n")] = '\0';
    ck_assert_msg(access(digits, R_OK) == 0, "%s: scikit-learn's digits.csv.gz is missing "
                  "(Debian: python3-sklearn)", digits);
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* Runs "parlogit ARGS" and returns its exit status, its output in out. */
static int parlogit(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int parlogit(char *out, size_t len, const char *fmt, ...)
{
    char args[8192], cmd[8400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s", tu_bin(), args);
    return tu_run(cmd, out, len);
}

/* Whether a PNG file exists and is not empty. */
static int png_there(const char *run, const char *name)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/plots/%s", run, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char sig[8] = { 0 };
    size_t n = fread(sig, 1, 8, f);
    fclose(f);
    return n == 8 && sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G';
}

START_TEST(test_digits_end_to_end)
{
    static char out[1 << 16];
    char run[PATH_MAX + 16];
    snprintf(run, sizeof run, "%s/digits", dir);
    int rc = parlogit(out, sizeof out, "train configs/digits-8x8.ini --quiet --threads 2 "
                      "--set data.train_images=%s --set train.learning_rates=0.5 "
                      "--set train.iterations=100,300 --out %s", digits, run);
    ck_assert_msg(rc == 0, "%s", out);
    /* 45 pairs x 2 iteration counts + softmax and ovr x 2 */
    char cmd[PATH_MAX * 2 + 128];
    snprintf(cmd, sizeof cmd, "grep -c ',ok,' %s/results.csv", run);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), 94);
    /* both sidecars (tests/runload.py: either layout) say the image is 8 x 8 */
    snprintf(cmd, sizeof cmd, "for m in softmax_lr0.5_it300 1-7_lr0.5_it100; do %s " TU_RUNLOAD
             " sidecar %s $m | grep -c '\"image\": \\[8, 8\\]'; done | grep -c '^1$'",
             tu_python(), run);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_eq(atoi(out), 2);

    /* NumPy: every model's test accuracy from its files, two models trained again */
    snprintf(cmd, sizeof cmd, "%s tests/digits_ref.py check %s --train 0:1400 --test 1400:1797",
             tu_python(), run);
    rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "%s", out);
    TU_ASSERT_HAS(out, "94 models checked over 47 tasks");

    /* the report's pictures, of every kind */
    const char *pics[] = { "1-7_weights.png", "1-7_7_as_1.png", "1-7_misses.png",
                           "softmax_weights.png", "ovr_weights.png", "montage.png",
                           "softmax_confusions.png", "softmax_example_explain.png" };
    for (size_t i = 0; i < sizeof pics / sizeof *pics; i++)
        ck_assert_msg(png_there(run, pics[i]), "%s/plots/%s missing", run, pics[i]);
    snprintf(cmd, sizeof cmd, "grep -c 'as a 8 x 8 image' %s/report.html", run);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_ge(atoi(out), 45);
    rc = parlogit(out, sizeof out, "report %s", run);   /* drawn again from the run alone */
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert(png_there(run, "1-7_weights.png"));

    /* explain a test row of the softmax model; show an 8 x 8 digit */
    rc = parlogit(out, sizeof out, "explain %s --model softmax_lr0.5_it300 --row 1500", run);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert(png_there(run, "explain_softmax_lr0.5_it300_row1500_panel.png"));
    rc = parlogit(out, sizeof out, "show %s 5 --out %s/five.png", run, dir);
    ck_assert_msg(rc == 0, "%s", out);
    TU_ASSERT_HAS(out, "label 5");
    const char *nl = strchr(out, '\n');   /* the digit in the terminal: 8 cells a line */
    ck_assert_ptr_nonnull(nl);
    ck_assert_int_eq((int)(nl - out), 16);

    /* predict rows of the file itself: the same classes as NumPy's argmax */
    snprintf(cmd, sizeof cmd, "zcat %s | sed -n '1401,1420p' > %s/rows.csv", digits, dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    /* --csv-label auto: 65 cells have the label where the run's CSV had it, last */
    rc = parlogit(out, sizeof out, "predict %s %s/rows.csv --model softmax_lr0.5_it300 "
                  "--out %s/pred", run, dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    TU_ASSERT_HAS(out, "of 20 labelled images right");
    snprintf(cmd, sizeof cmd, "%s -c \"import csv,numpy as np; r=list(csv.DictReader(open('%s/pred/"
             "predictions.csv'))); x=np.loadtxt('%s/rows.csv',delimiter=',')[:,:64]/16; "
             "import sys; sys.path.insert(0, 'tests'); import runload; "
             "W,b=runload.open_run('%s').weights('softmax_lr0.5_it300'); "
             "p=np.argmax(x@W.T+b,axis=1); "
             "print(len(r), sum(int(a['predicted'])==int(c) for a,c in zip(r,p)))\"",
             tu_python(), dir, dir, run);
    rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0 && !strcmp(out, "20 20\n"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s -c \"import csv; r=list(csv.DictReader(open('%s/pred/"
             "predictions.csv'))); print(sum(int(a['predicted'])==int(l.split(',')[64]) for a,l "
             "in zip(r, open('%s/rows.csv'))))\"", tu_python(), dir, dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_int_ge(atoi(out), 15);   /* labels read from the wrong side match 1 in 10 */

    /* a photo made an 8 x 8 row on the model's 0..16 scale; its picture in 255ths */
    snprintf(cmd, sizeof cmd, "%s -c \"from PIL import Image, ImageDraw; im=Image.new('L', "
             "(200, 240), 235); d=ImageDraw.Draw(im); d.line([(100, 30), (100, 210)], fill=20, "
             "width=28); im.save('%s/one.png')\"", tu_python(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    rc = parlogit(out, sizeof out, "predict %s %s/one.png --model softmax_lr0.5_it300 --set "
                  "preprocess.field=8 --set preprocess.box=6 --out %s/photo", run, dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s -c \"from PIL import Image; import numpy as np; "
             "a=np.asarray(Image.open('%s/photo/one_row.png')); c=np.loadtxt('%s/photo/one.csv', "
             "delimiter=','); print(a.shape, a.max(), int(c.max()), c.size)\"", tu_python(), dir,
             dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(!strcmp(out, "(8, 8) 255 16 64\n"), "%s", out);

    /* an IDX file with pixels above the model's 16 is refused, naming both */
    snprintf(cmd, sizeof cmd, "%s -c \"import struct, gzip; open('%s/hot.idx', 'wb').write("
             "struct.pack('>IIII', 0x803, 1, 8, 8) + bytes([200] * 64))\"", tu_python(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    rc = parlogit(out, sizeof out, "predict %s %s/hot.idx --model softmax_lr0.5_it300 --out "
                  "%s/hot", run, dir, dir);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "hot.idx: pixel 0 of image 0 is 200, above the model's pixel_max 16");
}
END_TEST

START_TEST(test_l1_softmax_against_saga)
{
    static char out[1 << 14];
    int rc = parlogit(out, sizeof out, "train configs/digits-8x8.ini --quiet --set "
                      "data.train_images=%s --set task.pairs=none --set task.multiclass=softmax "
                      "--set train.solver=lbfgs --set train.penalty=l1 --set train.C=0.1 "
                      "--set train.tol=1e-8 --set train.max_iter=5000 --set output.plots=false "
                      "--out %s/l1", digits, dir);
    ck_assert_msg(rc == 0, "%s", out);
    char cmd[PATH_MAX * 2 + 128];
    snprintf(cmd, sizeof cmd, "%s tests/digits_ref.py saga %s/l1 --train 0:1400 "
             "--model softmax_lbfgs_l1_C0.1 --C 0.1", tu_python(), dir);
    rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc == 0, "%s", out);
    const char *g = strstr(out, "\"relative_gap\": "), *z = strstr(out, "\"zero_agreement\": ");
    ck_assert_msg(g && z, "%s", out);
    const double gap = strtod(g + 16, NULL), agree = strtod(z + 18, NULL);
    ck_assert_msg(gap < 1e-4 && gap > -1e-4, "%s", out);
    ck_assert_msg(agree >= 0.99, "%s", out);
}
END_TEST

/* Writes dir/name: n rows of cells pixel cells (value v) and a label last. */
static void write_csv(const char *name, int n, int cells, int v)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < cells; j++)
            fprintf(f, "%d,", j % 7 == (i % 10) % 7 ? v : 0);
        fprintf(f, "%d\n", i % 2 ? 7 : 1);
    }
    fclose(f);
}

/* Trains the 1-7 pair on dir/file with extra --set options; exit status. */
static int train_on(const char *file, const char *sets, char *out, size_t len)
{
    return parlogit(out, len, "train configs/digits-8x8.ini --quiet --threads 1 "
                    "--set data.train_images=%s/%s --set task.pairs=1-7 "
                    "--set task.multiclass=none --set data.train_rows=0:30 "
                    "--set data.test_rows=30:40 --set train.learning_rates=0.5 "
                    "--set train.iterations=5 --set output.plots=false %s --out %s/run",
                    dir, file, sets, dir);
}

/* Trains 1-7 on MNIST's 10k IDX files with the digits config and sets; exit
 * status. */
static int train_mnist_idx(const char *sets, char *out, size_t len)
{
    char data[PATH_MAX];
    tu_mnist_dir(data, sizeof data);
    return parlogit(out, len, "train configs/digits-8x8.ini --quiet --set data.format=idx "
                    "--set data.csv_label=first --set data.train_images=%s/t10k-images-idx3-"
                    "ubyte.gz --set data.train_labels=%s/t10k-labels-idx1-ubyte.gz %s --set "
                    "task.pairs=1-7 --set task.multiclass=none --set output.plots=false "
                    "--out %s/run", data, data, sets, dir);
}

START_TEST(test_shape_and_scale_keys)
{
    static char out[1 << 14];
    write_csv("wide.csv", 40, 50, 16);   /* 50 pixels: no square */
    int rc = train_on("wide.csv", "", out, sizeof out);
    ck_assert_msg(rc == 2, "%d: %s", rc, out);
    TU_ASSERT_HAS(out, "wide.csv:1: 51 cells, so 50 pixels and a label: not a square image; "
                  "set data.shape = HEIGHTxWIDTH");
    rc = train_on("wide.csv", "--set data.shape=5x10", out, sizeof out);
    ck_assert_msg(rc == 0, "%s", out);
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "%s " TU_RUNLOAD " sidecar %s/run 1-7_lr0.5_it5 | "
             "grep -c '\"image\": \\[5, 10\\]'", tu_python(), dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    rc = train_on("wide.csv", "--set data.shape=8x8", out, sizeof out);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "wide.csv:1: expected 65 cells (images of 8 x 8 pixels and a label), "
                  "found 51");

    write_csv("digits.csv", 40, 64, 16);
    rc = train_on("digits.csv", "--set data.pixel_max=10", out, sizeof out);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "digits.csv:1: column 1: pixel value 16 out of range 0..10 "
                  "(data.pixel_max)");
    rc = train_on("digits.csv", "--set data.pixel_max=0", out, sizeof out);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "pixel_max = 0: expected 1..255");
    rc = train_on("digits.csv", "--set data.shape=8by8", out, sizeof out);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "is not an image shape: expected auto or HEIGHTxWIDTH");
    rc = train_on("digits.csv", "--set data.shape=300x300", out, sizeof out);
    ck_assert_int_eq(rc, 2);
    TU_ASSERT_HAS(out, "expected 1 to 65536 pixels");

    /* IDX: MNIST's 28 x 28 against data.shape, and its ink against pixel_max */
    ck_assert_int_eq(train_mnist_idx("--set data.shape=8x8", out, sizeof out), 2);
    TU_ASSERT_HAS(out, "t10k-images-idx3-ubyte.gz: offset 8: images of 28 x 28 pixels, but "
                  "data.shape = 8x8");
    ck_assert_int_eq(train_mnist_idx("--set data.shape=auto --set data.pixel_max=16", out,
                                     sizeof out), 2);
    TU_ASSERT_HAS(out, "above data.pixel_max = 16");
}
END_TEST

Suite *suite_digits(void)
{
    Suite *s = suite_create("digits");
    TCase *tc = tcase_create("8x8");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_digits_end_to_end);
    tcase_add_test(tc, test_shape_and_scale_keys);
    tcase_add_test(tc, test_l1_softmax_against_saga);
    suite_add_tcase(s, tc);
    return s;
}
