/*
 * predict_write.c - the output of `parlogit predict`: predictions.csv, every
 * photo's 28 x 28 row (PNG and one CSV line), its preprocessing strip, the
 * pictures of why (the bar chart of the probabilities and the 2 x K panel of
 * weights over pixel x weight, as `explain --model` draws them for test rows)
 * and report.html tying them together.  See pl_predict_write in predict.h.
 *
 * The directory is written as a whole through a pl_sdir (staged beside it,
 * swapped in when complete), so a second predict into it leaves none of the
 * first one's pictures, and a failure leaves the earlier output untouched.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parlogit/plot.h"
#include "parlogit/predict.h"
#include "report/html.h"
#include "report/rowdraw.h"
#include "util/util.h"

#define STEM_MAX 80
/* A picture's name: a stem and "_row" with a row index of up to 20 digits. */
#define PICTURE_MAX (STEM_MAX + 24)

/* Refuses to replace a directory that is not an earlier predict output. */
static int check_target(const char *dir, pl_error *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? PL_OK
                               : pl_errorf(e, PL_EINPUT, "%s: not a directory parlogit can "
                                           "write into: %s", dir, strerror(errno));
    int entries = 0, ours = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        entries++;
        ours |= !strcmp(de->d_name, "predictions.csv");
    }
    closedir(d);
    if (entries && !ours)
        return pl_errorf(e, PL_EINPUT, "%s: exists and is not the output of parlogit predict "
                         "(no predictions.csv): it is not replaced; choose another --out",
                         dir);
    return PL_OK;
}

/* The file name of path without directories and extensions, kept to
 * [A-Za-z0-9_-] (others become '_'), unique among stems[0..n). */
static void make_stem(const char *path, char stems[][STEM_MAX], int n, char *out)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = 0;
    for (const char *c = base; *c && *c != '.' && len < STEM_MAX - 8; c++)
        out[len++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                            (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ? *c : '_');
    if (len == 0)
        out[len++] = 'x';
    out[len] = '\0';
    char base_stem[STEM_MAX];
    snprintf(base_stem, sizeof base_stem, "%s", out);
    for (int k = 2;; k++) {
        int clash = 0;
        for (int i = 0; i < n && !clash; i++)
            clash = !strcmp(stems[i], out);
        if (!clash)
            return;
        snprintf(out, STEM_MAX, "%.60s_%d", base_stem, k % 100000);
    }
}

static const char *kind_name(int kind)
{
    return kind == PL_INPUT_PHOTO ? "photo" : kind == PL_INPUT_IDX ? "IDX images" : "CSV";
}

static int write_csv(const pl_sdir *sd, const pl_predictor *p, const pl_predict_input *in,
                     const pl_prediction *pr, size_t npr, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_staged(&f, sd, "predictions.csv", e);
    if (rc)
        return rc;
    char c[16];
    fputs("input,index,predicted", f.f);
    const int binary = !p->vote && p->model.task.kind == PL_KIND_BINARY;
    for (int k = 0; k < p->k; k++)
        if (binary)
            fputs(k == 0 ? ",p_neg" : ",p_pos", f.f);
        else
            fprintf(f.f, ",p%s", pl_class_name(p->classes[k], c));
    fputc('\n', f.f);
    for (size_t i = 0; i < npr; i++) {
        const char *path = in[pr[i].input].path;
        /* a path with a comma or a quote is quoted, as RFC 4180 */
        if (strpbrk(path, ",\"\n")) {
            fputc('"', f.f);
            for (const char *s = path; *s; s++) {
                if (*s == '"')
                    fputc('"', f.f);
                fputc(*s, f.f);
            }
            fputc('"', f.f);
        } else {
            fputs(path, f.f);
        }
        fprintf(f.f, ",%zu,%s", pr[i].index, pl_class_name(pr[i].predicted, c));
        for (int k = 0; k < p->k; k++) {
            char num[32];
            fprintf(f.f, ",%s", pl_fmt_double(num, pr[i].p[k]));
        }
        fputc('\n', f.f);
    }
    return pl_afile_commit(&f, e);
}

/* A photo's row as one CSV line of its pixels. */
static int write_row_csv(const pl_sdir *sd, const char *name, const pl_raw *r, pl_error *e)
{
    pl_afile f;
    int rc = pl_afile_open_staged(&f, sd, name, e);
    if (rc)
        return rc;
    for (size_t j = 0; j < r->dim; j++)
        fprintf(f.f, j ? ",%u" : "%u", r->pix[j]);
    fputc('\n', f.f);
    return pl_afile_commit(&f, e);
}

/* The name of one prediction's pictures (NAME_probs.png, NAME_panel.png),
 * which also starts their title and caption: the input's stem, and for a row
 * of an IDX or CSV file its index ("digits_row3"). */
static void picture_name(const char *stem, const pl_predict_input *in, const pl_prediction *pr,
                         char out[PICTURE_MAX])
{
    if (in->kind == PL_INPUT_PHOTO)
        snprintf(out, PICTURE_MAX, "%s", stem);
    else
        snprintf(out, PICTURE_MAX, "%s_row%zu", stem, pr->index);
}

/* The bar chart and the panel of one prediction. */
static int draw(const pl_sdir *sd, const pl_predictor *p, const pl_predict_input *in,
                const pl_prediction *pr, const char *stem, pl_error *e)
{
    const pl_raw *r = &in->rows;
    const uint8_t *x = r->pix + pr->index * r->dim;
    char probs[sizeof sd->stage + 128], panel[sizeof sd->stage + 128], title[200], c[16];
    char name[PICTURE_MAX];
    picture_name(stem, in, pr, name);
    snprintf(probs, sizeof probs, "%s/%s_probs.png", sd->stage, name);
    snprintf(panel, sizeof panel, "%s/%s_panel.png", sd->stage, name);
    snprintf(title, sizeof title, "%s: %s says %s", name, p->name,
             pl_class_name(pr->predicted, c));
    int rc = pl_plot_class_probs(probs, pr->p, (size_t)p->k, p->classes, pr->label,
                                 pr->predicted, title, e);
    if (rc)
        return rc;
    const pl_model *m = pl_predictor_explainer(p, x);
    double q[PL_CLASSES];
    int mp = pl_model_predict(m, x, q);
    return pl_pixels_draw(m, x, p->height, p->width, pr->label, q, mp, NULL, NULL, panel, e);
}

/* The figure of picture NAME_WHAT.png. */
static void figure(FILE *f, const char *name, const char *what, const char *caption)
{
    char src[STEM_MAX + 80];
    snprintf(src, sizeof src, "%s_%s.png", name, what);
    pl_html_figure(f, src, what, caption);
}

static int write_page(const pl_sdir *sd, const pl_predictor *p, const pl_predict_input *in,
                      int nin, const pl_prediction *pr, size_t npr, char stems[][STEM_MAX],
                      const pl_predict_opts *o, pl_error *e)
{
    pl_afile a;
    int rc = pl_afile_open_staged(&a, sd, "report.html", e);
    if (rc)
        return rc;
    FILE *f = a.f;
    char c[16], line[512];
    pl_html_begin(f, "parlogit predict");
    fputs("<p class=\"key\">Model <b>", f);
    pl_html_text(f, p->name);
    fputs("</b> of run <code>", f);
    pl_html_text(f, o->run_dir ? o->run_dir : "");
    fputs("</code>", f);
    if (p->vote)
        fputs(": the vote of the best models of the 45 digit pairs (p = each digit's share of "
              "the 45 votes; the panel explains the pair model of the two most voted digits)",
              f);
    fputs(". Every prediction is in <a href=\"predictions.csv\">predictions.csv</a>.</p>\n", f);
    for (int i = 0; i < nin; i++) {
        fputs("<h2>", f);
        pl_html_text(f, in[i].path);
        fprintf(f, "</h2>\n<p>%s, %zu image(s)</p>\n", kind_name(in[i].kind), in[i].rows.n);
        if (in[i].kind == PL_INPUT_PHOTO) {
            if (o->steps) {
                snprintf(line, sizeof line, "The preprocessing: the photo, its grey, the ink "
                         "(paper's shading removed, %s), the ink cropped to its box, the "
                         "%dx%d row.", in[i].steps.inverted ? "inverted: dark ink" : "light ink",
                         (int)in[i].rows.height, (int)in[i].rows.width);
                figure(f, stems[i], "steps", line);
            }
            snprintf(line, sizeof line, "The %zu x %zu row the model saw (STEM.csv holds its "
                     "pixels).", in[i].rows.height, in[i].rows.width);
            figure(f, stems[i], "row", line);
        }
        for (size_t k = 0; k < npr; k++) {
            if (pr[k].input != i || !pr[k].drawn)
                continue;
            char name[PICTURE_MAX];
            picture_name(stems[i], &in[i], &pr[k], name);
            snprintf(line, sizeof line, "%s: predicted %s with p = %.3f%s", name,
                     pl_class_name(pr[k].predicted, c),
                     pr[k].p[pl_class_slot(p->classes, p->k, pr[k].predicted)],
                     pr[k].label >= 0 ? "" : "");
            figure(f, name, "probs", line);
            figure(f, name, "panel", "Why: each class's weights (top) and pixel x "
                   "weight (bottom); the sums are the logits z.");
        }
    }
    pl_html_end(f);
    return pl_afile_commit(&a, e);
}

int pl_predict_write(const char *dir, const pl_predictor *p, const pl_predict_input *in,
                     int nin, const pl_prediction *pr, size_t npr, const pl_predict_opts *o,
                     pl_error *e)
{
    int rc = check_target(dir, e);
    if (rc)
        return rc;
    char parent[PL_PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if ((rc = pl_mkdirs(parent, e)))
            return rc;
    }
    char (*stems)[STEM_MAX] = calloc((size_t)nin + 1, sizeof *stems);
    if (!stems)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    pl_sdir sd;
    rc = pl_sdir_open(&sd, dir, e);
    const int opened = !rc;
    for (int i = 0; !rc && i < nin; i++) {
        make_stem(in[i].path, stems, i, stems[i]);
        if (in[i].kind != PL_INPUT_PHOTO)
            continue;
        char name[STEM_MAX + 16], path[sizeof sd.stage + STEM_MAX + 16];
        /* the picture in full-ink 255ths whatever the model's scale (STEM.csv keeps
         * the model's values) */
        const pl_raw *rw = &in[i].rows;
        const unsigned pm = pl_pixel_max(rw->pixel_max);
        uint8_t *grey = malloc(rw->dim ? rw->dim : 1);
        if (!grey) {
            rc = pl_errorf(e, PL_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = 0; j < rw->dim; j++)
            grey[j] = (uint8_t)(rw->pix[j] >= pm ? 255 : rw->pix[j] * 255u / pm);
        pl_image row = { (int)rw->width, (int)rw->height, 1, grey };
        snprintf(path, sizeof path, "%s/%s_row.png", sd.stage, stems[i]);
        rc = pl_image_write_png(path, &row, e);
        free(grey);
        snprintf(name, sizeof name, "%s.csv", stems[i]);
        if (!rc)
            rc = write_row_csv(&sd, name, &in[i].rows, e);
        snprintf(path, sizeof path, "%s/%s_steps.png", sd.stage, stems[i]);
        if (!rc && o->steps)
            rc = pl_prep_steps_write(path, &in[i].steps, 140, e);
    }
    for (size_t k = 0; !rc && k < npr; k++)
        if (pr[k].drawn)
            rc = draw(&sd, p, &in[pr[k].input], &pr[k], stems[pr[k].input], e);
    if (!rc)
        rc = write_csv(&sd, p, in, pr, npr, e);
    if (!rc)
        rc = write_page(&sd, p, in, nin, pr, npr, stems, o, e);
    if (!rc)
        rc = pl_sdir_commit(&sd, e);
    else if (opened)
        pl_sdir_abort(&sd);
    free(stems);
    return rc;
}
