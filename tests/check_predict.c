/*
 * check_predict.c - `parlogit predict` end to end (issue 13): on two runs the
 * fixture trains on MNIST's 10k set (rows 0:8000; a softmax model beside all
 * 45 pairs, and the 45 pairs alone), predicting the 10k images file, CSV files
 * with and without labels, and photos the test makes (tests/make_photos.py),
 * checked against tests/predict_ref.py (NumPy, float64, from the .npy files);
 * the default model of each run; the files and the page written; every bad
 * input's exit status 2 and message.
 */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>

#include "parlogit/dataset.h"
#include "png.h"
#include "testutil.h"

static char tmp[PATH_MAX], images[PATH_MAX + 64];

static void train(const char *name, const char *task)
{
    char data[PATH_MAX], text[4096], ini[PATH_MAX + 64], cmd[8192], out[16384];
    tu_mnist_dir(data, sizeof data);
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n%s"
                     "[train]\nlearning_rates = 0.5\niterations = 40\n", data, task);
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s.ini", name);
    tu_write(tmp, file, text, (size_t)n, ini, sizeof ini);
    snprintf(cmd, sizeof cmd, "%s train %s --quiet --out %s/%s", tu_bin(), ini, tmp, name);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
}

static void predict_setup(void)
{
    tu_tmpdir(tmp, sizeof tmp);
    char data[PATH_MAX];
    tu_mnist_dir(data, sizeof data);
    snprintf(images, sizeof images, "%s/t10k-images-idx3-ubyte.gz", data);
    train("both", "[task]\npairs = all\nmulticlass = softmax\n");
    train("pairs", "[task]\npairs = all\n");
}

static void predict_teardown(void)
{
    tu_rmtree(tmp);
}

/* Runs predict; returns its exit status, output in out. */
static int predict(const char *args, char *out, size_t len)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s predict %s", tu_bin(), args);
    return tu_run(cmd, out, len);
}

/* Compares the rows of input `input` in dir/predictions.csv with
 * predict_ref.py's for model on the first n rows of the images file. */
static void agrees_with_ref(const char *run, const char *model, const char *dir,
                            const char *input, int n)
{
    char cmd[8192], ref[1 << 20];
    snprintf(cmd, sizeof cmd, "%s tests/predict_ref.py --run %s/%s --model %s --images %s "
             "--rows %d", tu_python(), tmp, run, model, images, n);
    ck_assert_msg(tu_run(cmd, ref, sizeof ref) == 0, "%s", ref);
    char path[PATH_MAX + 64], line[4096];
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));   /* header */
    const char *r = ref;
    int seen = 0;
    size_t ilen = strlen(input);
    while (seen < n && fgets(line, sizeof line, f)) {
        if (strncmp(line, input, ilen) || line[ilen] != ',')
            continue;
        const char *a = line + ilen + 1, *b = r;
        /* index and predicted exactly, then every probability within 1e-9 */
        for (int col = 0; *a && *a != '\n'; col++) {
            const char *ea = strpbrk(a, ",\n"), *eb = strpbrk(b, ",\n");
            ck_assert_ptr_nonnull(ea);
            ck_assert_ptr_nonnull(eb);
            if (col < 2)
                ck_assert_msg(ea - a == eb - b && !strncmp(a, b, (size_t)(ea - a)),
                              "row %d column %d: %.*s vs the reference's %.*s", seen, col,
                              (int)(ea - a), a, (int)(eb - b), b);
            else
                ck_assert_msg(fabs(strtod(a, NULL) - strtod(b, NULL)) < 1e-9,
                              "row %d p column %d: %.*s vs %.*s", seen, col - 2,
                              (int)(ea - a), a, (int)(eb - b), b);
            a = *ea == ',' ? ea + 1 : ea;
            b = *eb == ',' ? eb + 1 : eb;
        }
        r = strchr(r, '\n');
        ck_assert_ptr_nonnull(r);
        r++;
        seen++;
    }
    fclose(f);
    ck_assert_int_eq(seen, n);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* The IDX images file through the run's default model (its softmax): every
 * row predicted, and the first 200 as NumPy computes them. */
START_TEST(test_idx_agrees_with_numpy)
{
    char args[4096], out[1 << 16], dir[PATH_MAX + 16], path[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/p_idx", tmp);
    snprintf(args, sizeof args, "%s/both %s --out %s --pictures 2", tmp, images, dir);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "predicted by softmax_lr0.5_it40");
    TU_ASSERT_HAS(out, "9990 more rows");
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    ck_assert_int_eq(count_lines(path), 10001);
    agrees_with_ref("both", "softmax_lr0.5_it40", dir, images, 200);
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte_row1_panel.png", dir);
    ck_assert_int_eq(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte_row2_panel.png", dir);
    ck_assert_int_ne(access(path, R_OK), 0);   /* --pictures 2: rows 0 and 1 only */
}
END_TEST

/* Writes the first n rows of the images file as CSV, with the label first
 * (labelled) or pixels only. */
static void write_csv(const char *path, int n, int labelled)
{
    pl_raw raw;
    pl_error e = { 0 };
    char labels[PATH_MAX + 64];
    snprintf(labels, sizeof labels, "%.*s/t10k-labels-idx1-ubyte.gz",
             (int)(strrchr(images, '/') - images), images);
    ck_assert_msg(pl_idx_load(images, labels, &raw, &e) == 0, "%s", e.msg);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    if (labelled)
        fputs("label", f);
    for (int j = 0; j < 784; j++)
        fprintf(f, "%spixel%d", j || labelled ? "," : "", j);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        if (labelled)
            fprintf(f, "%d,", raw.label[i]);
        for (int j = 0; j < 784; j++)
            fprintf(f, j ? ",%d" : "%d", raw.pix[(size_t)i * 784 + (size_t)j]);
        fputc('\n', f);
    }
    ck_assert_int_eq(fclose(f), 0);
    pl_raw_free(&raw);
}

/* A Kaggle-style test.csv (784 columns, header, no label) and a train.csv
 * (label first): the same probabilities as NumPy's for those rows; the
 * labelled file's accuracy is printed. */
START_TEST(test_csv_with_and_without_labels)
{
    char args[4096], out[1 << 16], dir[PATH_MAX + 16], csv[PATH_MAX + 32], csv2[PATH_MAX + 32];
    snprintf(csv, sizeof csv, "%s/test.csv", tmp);
    snprintf(csv2, sizeof csv2, "%s/train.csv", tmp);
    write_csv(csv, 30, 0);
    write_csv(csv2, 30, 1);
    snprintf(dir, sizeof dir, "%s/p_csv", tmp);
    snprintf(args, sizeof args, "%s/both %s %s --out %s --pictures 0", tmp, csv, csv2, dir);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "of 30 labelled images right");
    TU_ASSERT_HAS(out, "(label 7, right)");   /* row 0 of the 10k set is a 7 */
    agrees_with_ref("both", "softmax_lr0.5_it40", dir, csv, 30);
    agrees_with_ref("both", "softmax_lr0.5_it40", dir, csv2, 30);
}
END_TEST

/* A binary model by name (columns p_neg,p_pos), the pairs' vote by name, and
 * the vote as the default of a run without a ten-class model. */
START_TEST(test_binary_model_and_vote)
{
    char args[4096], out[1 << 16], dir[PATH_MAX + 16], path[PATH_MAX + 64], line[256];
    snprintf(dir, sizeof dir, "%s/p_bin", tmp);
    snprintf(args, sizeof args, "%s/both %s --model 1-7_lr0.5_it40 --out %s --pictures 1", tmp,
             images, dir);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "input,index,predicted,p_neg,p_pos\n");
    fclose(f);
    agrees_with_ref("both", "1-7_lr0.5_it40", dir, images, 100);

    snprintf(dir, sizeof dir, "%s/p_vote", tmp);
    snprintf(args, sizeof args, "%s/both %s --model ovo_vote --out %s --pictures 1", tmp,
             images, dir);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    agrees_with_ref("both", "ovo_vote", dir, images, 300);

    snprintf(dir, sizeof dir, "%s/p_vote2", tmp);
    snprintf(args, sizeof args, "%s/pairs %s --out %s --pictures 1", tmp, images, dir);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "predicted by ovo_vote");
    agrees_with_ref("pairs", "ovo_vote", dir, images, 100);
}
END_TEST

static void check_png_size(const char *path, int w, int h)
{
    tu_png img;
    char err[512];
    ck_assert_msg(tu_png_read(path, &img, err, sizeof err) == 0, "%s: %s", path, err);
    if (w)
        ck_assert_int_eq(img.w, w);
    if (h)
        ck_assert_int_eq(img.h, h);
    ck_assert_msg(tu_png_colours(&img) > 1, "%s is blank", path);
    tu_png_free(&img);
}

/* Photos of six test digits (PNG and JPEG each): the printed class is the
 * label for at least 10 of the 12 (the model is 40 iterations of gradient
 * descent; the library's own test holds the preprocessing to >= 95 % of 200
 * photos); every file is written; the page renders with every picture; a
 * second predict into the directory leaves none of the first one's files. */
START_TEST(test_photos)
{
    char cmd[8192], out[1 << 16], dir[PATH_MAX + 16], path[PATH_MAX + 64], ph[PATH_MAX + 16];
    snprintf(ph, sizeof ph, "%s/photos", tmp);
    ck_assert_int_eq(mkdir(ph, 0755), 0);
    snprintf(cmd, sizeof cmd, "%s tests/make_photos.py %s %s 0 1 2 3 4 5", tu_python(), images, ph);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    static const int label[6] = { 7, 2, 1, 0, 4, 1 };   /* rows 0..5 of the 10k set */
    snprintf(dir, sizeof dir, "%s/p_photo", tmp);
    char args[8192];
    int n = snprintf(args, sizeof args, "%s/both --steps --out %s", tmp, dir);
    for (int r = 0; r < 6; r++)
        n += snprintf(args + n, sizeof args - (size_t)n, " %s/row%d.png %s/row%d.jpg", ph, r, ph, r);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    int right = 0;
    for (int r = 0; r < 6; r++)
        for (int k = 0; k < 2; k++) {
            char want[PATH_MAX + 64];
            snprintf(want, sizeof want, "%s/row%d.%s: %d ", ph, r, k ? "jpg" : "png", label[r]);
            right += strstr(out, want) != NULL;
        }
    ck_assert_msg(right >= 10, "%d of 12 photos right:\n%s", right, out);
    /* the stems of row0.png and row0.jpg: "row0" and "row0_2" */
    static const char *files[] = { "row0_row.png", "row0.csv", "row0_steps.png",
                                   "row0_probs.png", "row0_panel.png", "row0_2_row.png",
                                   "row5_2_panel.png", "predictions.csv", "report.html" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
    }
    snprintf(path, sizeof path, "%s/row0_row.png", dir);
    check_png_size(path, 28, 28);
    snprintf(path, sizeof path, "%s/row0_steps.png", dir);
    check_png_size(path, 0, 140);
    snprintf(path, sizeof path, "%s/row0.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int cells = 1, c, high = 0, v = 0;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (c == ',') {
            high += v > 128;
            v = 0;
            cells++;
        } else {
            v = v * 10 + (c - '0');
        }
    }
    fclose(f);
    ck_assert_int_eq(cells, 784);
    ck_assert_msg(high > 40 && high < 400, "%d ink pixels in the row", high);
    /* the page: every picture it links loads (headless Chromium) */
    snprintf(cmd, sizeof cmd, "timeout 120 %s --headless --no-sandbox --disable-gpu "
             "--no-first-run --disable-background-networking --disable-component-update "
             "--disable-sync --virtual-time-budget=5000 --user-data-dir=%s/prof --dump-dom "
             "file://%s/report.html", getenv("CHROMIUM") ? getenv("CHROMIUM") : "chromium",
             tmp, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    /* 12 photos x (steps, row, probs, panel) */
    TU_ASSERT_HAS(out, "data-images-ok=\"48/48\"");
    /* again with one photo: the others' files are gone */
    snprintf(args, sizeof args, "%s/both --out %s %s/row3.png", tmp, dir, ph);
    ck_assert_msg(predict(args, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/row0_row.png", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    ck_assert_int_eq(count_lines(path), 2);
}
END_TEST

/* Each bad input: exit 2, a message that names it and says what is wrong;
 * nothing written. */
START_TEST(test_bad_inputs_exit_2)
{
    char args[4096], out[1 << 16], path[PATH_MAX + 64];
    char run[PATH_MAX + 16];
    snprintf(run, sizeof run, "%s/both", tmp);
    /* a CSV line of 100 cells */
    char text[1024] = "";
    for (int j = 0; j < 100; j++)
        strcat(text, j ? ",0" : "0");
    strcat(text, "\n");
    tu_write(tmp, "short.csv", text, strlen(text), path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, path, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "short.csv:1: expected 785 cells (images of 28 x 28 pixels and a label), "
                  "found 100");
    /* an empty file, bytes of no known kind, a directory, a labels file */
    tu_write(tmp, "empty.png", "", 0, path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, path, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "empty.png: empty file");
    const unsigned char junk[16] = { 0x01, 0x02, 0xfe, 0x00, 0x99, 0x80, 0x07 };
    tu_write(tmp, "junk.bin", junk, sizeof junk, path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, path, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "junk.bin: not a file parlogit can read");
    tu_write(tmp, "digit.gif", "GIF89a\x10\x00", 8, path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, path, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "digit.gif: a GIF image: parlogit reads PNG and JPEG photos");
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, tmp, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "is a directory, not a data file");
    snprintf(args, sizeof args, "%s %.*s/t10k-labels-idx1-ubyte.gz --out %s/bad", run,
             (int)(strrchr(images, '/') - images), images, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "not of images");
    /* a truncated PNG and a blank page, from a photo */
    char ph[PATH_MAX + 16], cmd[8192];
    snprintf(ph, sizeof ph, "%s/badph", tmp);
    ck_assert_int_eq(mkdir(ph, 0755), 0);
    snprintf(cmd, sizeof cmd, "%s tests/make_photos.py %s %s 0 && head -c 3000 %s/row0.png > "
             "%s/cut.png && %s -c 'from PIL import Image; Image.new(\"RGB\", (400, 300), "
             "(231, 229, 226)).save(\"%s/blank.png\")'", tu_python(), images, ph, ph, ph,
             tu_python(), ph);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(args, sizeof args, "%s %s/cut.png --out %s/bad", run, ph, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "cut.png");
    snprintf(args, sizeof args, "%s %s/blank.png --out %s/bad", run, ph, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "blank.png");
    TU_ASSERT_HAS(out, "no ink");
    /* 8 x 8 images for a 784-input model: both sizes named */
    unsigned char idx[16 + 2 * 64] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0, 8 };
    tu_write(tmp, "small-idx3-ubyte", idx, sizeof idx, path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s/bad", run, path, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "images of 8 x 8 = 64 pixels, but model softmax_lr0.5_it40 has 784 "
                       "inputs (28 x 28)");
    /* a model the run does not have; keys predict does not take; a bad value */
    snprintf(args, sizeof args, "%s %s --model softmax_lr9_it9 --out %s/bad", run, images, tmp);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "no model 'softmax_lr9_it9'");
    snprintf(args, sizeof args, "%s %s --set train.iterations=3", run, images);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "[preprocess] keys only");
    snprintf(args, sizeof args, "%s %s --set preprocess.box=0", run, images);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "preprocess.box");
    snprintf(args, sizeof args, "%s", run);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "no INPUT");
    snprintf(path, sizeof path, "%s/bad", tmp);
    ck_assert_msg(access(path, F_OK) != 0, "a failed predict wrote %s", path);
    /* --out a directory of someone else's: refused, its file untouched */
    char other[PATH_MAX + 16];
    snprintf(other, sizeof other, "%s/mine", tmp);
    ck_assert_int_eq(mkdir(other, 0755), 0);
    tu_write(other, "notes.txt", "keep", 4, path, sizeof path);
    snprintf(args, sizeof args, "%s %s --out %s", run, images, other);
    ck_assert_int_eq(predict(args, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "is not the output of parlogit predict");
    ck_assert_int_eq(access(path, R_OK), 0);
}
END_TEST

START_TEST(test_help)
{
    char out[1 << 14];
    ck_assert_int_eq(predict("--help", out, sizeof out), 0);
    TU_ASSERT_HAS(out, "usage: parlogit predict RUN_DIR INPUT...");
    TU_ASSERT_HAS(out, "example:");
}
END_TEST

Suite *suite_predict(void)
{
    Suite *s = suite_create("predict");
    TCase *tc = tcase_create("predict");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, predict_setup, predict_teardown);
    tcase_add_test(tc, test_idx_agrees_with_numpy);
    tcase_add_test(tc, test_csv_with_and_without_labels);
    tcase_add_test(tc, test_binary_model_and_vote);
    tcase_add_test(tc, test_photos);
    tcase_add_test(tc, test_bad_inputs_exit_2);
    tcase_add_test(tc, test_help);
    suite_add_tcase(s, tc);
    return s;
}
