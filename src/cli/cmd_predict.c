/*
 * cmd_predict.c - `parlogit predict RUN_DIR INPUT... [--model NAME] [--out DIR]
 * [--steps] [--pictures N] [--csv-label first|last|none] [--set preprocess.KEY=V]`:
 * classifies images that are not rows of the run (a photographed digit, an
 * IDX images file, a CSV with or without labels) with the run's best
 * ten-class model or any model named, prints every class's probability per
 * image, and writes DIR (default RUN_DIR/predict) as pl_predict_write says.
 *
 * The [preprocess] parameters that turn a photo into an MNIST row come from
 * the run's effective config (a training config may set them), then --set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parlogit/predict.h"

static const char usage[] =
    "usage: parlogit predict RUN_DIR INPUT... [--model NAME] [--out DIR] [--steps]\n"
    "                        [--pictures N] [--csv-label auto|first|last|none]\n"
    "                        [--set preprocess.KEY=VALUE]...\n"
    "\n"
    "Classifies each INPUT with a model of the run in RUN_DIR and prints every class's\n"
    "probability.  INPUT is a PNG or JPEG photo of a digit (any size, colour or grey; made\n"
    "a 28 x 28 MNIST row: grey, paper and ink found, inverted when the ink is dark,\n"
    "cropped, scaled into 20 x 20 and centred by its centre of mass), an IDX images file\n"
    "or a CSV file of the model's pixel columns (784 for MNIST's 28 x 28), with or without\n"
    "a label column.  A model trained on other images (e.g. 8 x 8 of 0..16) reads IDX and\n"
    "CSV rows of its shape; a photo is made a preprocess.field-square row (28 by default;\n"
    "--set preprocess.field=8 and a smaller preprocess.box for an 8 x 8 model), put on the\n"
    "model's pixel scale.\n"
    "\n"
    "  --model NAME     a model of results.csv (e.g. softmax_lr0.5_it500, 1-7_lr0.1_it100)\n"
    "                   or ovo_vote (the 45 pairs' vote); default: the run's best ten-class\n"
    "                   model, else the pairs' vote, else its only binary task's best\n"
    "  --out DIR        where predictions.csv, the rows and the pictures go\n"
    "                   (default RUN_DIR/predict; replaced as a whole)\n"
    "  --steps          also draw each photo's preprocessing: original, grey, ink,\n"
    "                   cropped, 28 x 28\n"
    "  --pictures N     draw the first N images of each IDX or CSV input (default 8;\n"
    "                   photos are always drawn)\n"
    "  --csv-label L    where a CSV's label is: auto (the model's pixel count of cells:\n"
    "                   none; one more: on the side of the run's data.csv_label, first\n"
    "                   by default), first,\n"
    "                   last, none\n"
    "  --set preprocess.KEY=VALUE  a preprocessing parameter (README: Your own digit)\n"
    "\n"
    "example:\n"
    "  parlogit predict runs/softmax-10 my-digit.jpg --steps\n"
    "exit status: 0 done, 1 runtime failure, 2 bad input";

typedef struct opts {
    const char *dir, *model, *out;
    const char *inputs[256];
    int ninputs, steps, csv_label;
    long pictures;
    const char *sets[64];
    int nsets;
} opts;

static int parse(int argc, char **argv, opts *o, pl_error *e)
{
    memset(o, 0, sizeof *o);
    o->pictures = 8;
    o->csv_label = PL_CSV_LABEL_DETECT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--model") && has) {
            o->model = argv[++i];
        } else if (!strcmp(a, "--out") && has) {
            o->out = argv[++i];
        } else if (!strcmp(a, "--steps")) {
            o->steps = 1;
        } else if (!strcmp(a, "--pictures") && has) {
            o->pictures = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || o->pictures < 0 || o->pictures > 1000)
                return pl_errorf(e, PL_EINPUT, "--pictures %s: expected 0..1000", argv[i]);
        } else if (!strcmp(a, "--csv-label") && has) {
            const char *v = argv[++i];
            o->csv_label = !strcmp(v, "auto") ? PL_CSV_LABEL_DETECT
                           : !strcmp(v, "first") ? PL_CSV_LABEL_FIRST
                           : !strcmp(v, "last") ? PL_CSV_LABEL_LAST
                           : !strcmp(v, "none") ? PL_CSV_LABEL_NONE : -1;
            if (o->csv_label < 0)
                return pl_errorf(e, PL_EINPUT, "--csv-label %s: expected auto, first, last or "
                                 "none", v);
        } else if (!strcmp(a, "--set") && has) {
            if (o->nsets == 64)
                return pl_errorf(e, PL_EINPUT, "too many --set options");
            if (strncmp(argv[i + 1], "preprocess.", 11))
                return pl_errorf(e, PL_EINPUT, "--set %s: predict takes [preprocess] keys "
                                 "only (the model's training is fixed)", argv[i + 1]);
            o->sets[o->nsets++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return pl_errorf(e, PL_EINPUT, "unexpected argument '%s'\n%s", a, usage);
        } else if (!o->dir) {
            o->dir = a;
        } else {
            if (o->ninputs == 256)
                return pl_errorf(e, PL_EINPUT, "too many inputs (at most 256; a file can hold "
                                 "many images)");
            o->inputs[o->ninputs++] = a;
        }
    }
    if (!o->dir)
        return pl_errorf(e, PL_EINPUT, "a run directory is needed\n%s", usage);
    if (!o->ninputs)
        return pl_errorf(e, PL_EINPUT, "no INPUT: name a photo, an IDX images file or a CSV "
                         "file\n%s", usage);
    return PL_OK;
}

/* The run's [preprocess] keys (from a model's sidecar), then --set. */
static int preprocessing(const pl_run_dir *r, const opts *o, pl_config *cfg, pl_error *e)
{
    pl_config_defaults(cfg);
    int rc = r->nrows ? pl_run_dir_config(r, &r->rows[0], cfg, e) : PL_OK;
    if (rc)
        return rc;
    for (int i = 0; !rc && i < o->nsets; i++)
        rc = pl_config_set(cfg, o->sets[i], e);
    return rc ? rc : pl_prep_check(&cfg->preprocess, e);
}

static void print_prediction(const pl_predictor *p, const pl_predict_input *in,
                             const pl_prediction *pr)
{
    char c[16];
    if (in->kind == PL_INPUT_PHOTO)
        printf("%s: %s", in->path, pl_class_name(pr->predicted, c));
    else
        printf("%s row %zu: %s", in->path, pr->index, pl_class_name(pr->predicted, c));
    if (pr->label >= 0)
        printf(" (label %d, %s)", pr->label, pr->label == pr->predicted ? "right" : "wrong");
    printf("  ");
    for (int k = 0; k < p->k; k++)
        printf(" p%s=%.4f", pl_class_name(p->classes[k], c), pr->p[k]);
    printf("\n");
}

int pl_cmd_predict(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts(usage);
            return PL_EXIT_OK;
        }
    pl_error e = { 0 };
    opts o;
    static pl_config cfg;
    pl_run_dir r = { 0 };
    pl_predictor p = { 0 };
    pl_predict_input *in = NULL;
    pl_prediction *pr = NULL;
    int nin = 0;
    size_t npr = 0;
    int rc = parse(argc, argv, &o, &e);
    if (!rc)
        rc = pl_run_dir_open(o.dir, &r, &e);
    if (!rc)
        rc = preprocessing(&r, &o, &cfg, &e);
    if (!rc)
        rc = pl_predictor_open(&r, o.model, &p, &e);
    if (!rc && !(in = calloc((size_t)o.ninputs, sizeof *in)))
        rc = pl_errorf(&e, PL_ENOMEM, "out of memory");
    /* every input is read and checked before anything is predicted or written */
    /* auto: a label, when there is one, on the side the run's CSV had it */
    const int label = o.csv_label == PL_CSV_LABEL_DETECT && cfg.data.csv_label == PL_CSV_LABEL_LAST
                          ? PL_CSV_LABEL_DETECT_LAST : o.csv_label;
    for (; !rc && nin < o.ninputs; nin++) {
        const pl_csv_opts csv = { .label = label, .header = PL_CSV_HEADER_AUTO,
                                  .height = p.height, .width = p.width,
                                  .pixel_max = p.pixel_max };
        rc = pl_predict_read(o.inputs[nin], &cfg.preprocess, &csv, &in[nin], &e);
        const pl_raw *raw = &in[nin].rows;
        if (!rc && (raw->dim != p.dim || raw->height != p.height || raw->width != p.width))
            rc = pl_errorf(&e, PL_EINPUT, "%s: images of %zu x %zu = %zu pixels, but model %s "
                           "has %zu inputs (%zu x %zu)", o.inputs[nin], raw->height, raw->width,
                           raw->dim, p.name, p.dim, p.height, p.width);
        const size_t j = rc ? 0 : pl_raw_above(raw, p.pixel_max);
        if (!rc && j < raw->n * raw->dim)
            rc = pl_errorf(&e, PL_EINPUT, "%s: pixel %zu of image %zu is %u, above the "
                           "model's pixel_max %u (its images were 0..%u)", o.inputs[nin],
                           j % raw->dim, j / raw->dim, (unsigned)raw->pix[j], p.pixel_max,
                           p.pixel_max);
        if (!rc)
            npr += raw->n;
    }
    if (!rc && !(pr = calloc(npr, sizeof *pr)))
        rc = pl_errorf(&e, PL_ENOMEM, "out of memory for %zu predictions", npr);
    size_t k = 0, labelled = 0, right = 0;
    for (int i = 0; !rc && i < nin; i++)
        for (size_t j = 0; j < in[i].rows.n; j++, k++) {
            const pl_raw *raw = &in[i].rows;
            pr[k].input = i;
            pr[k].index = j;
            pr[k].label = raw->unlabelled ? -1 : raw->label[j];
            pr[k].predicted = pl_predictor_predict(&p, raw->pix + j * raw->dim, pr[k].p);
            pr[k].drawn = in[i].kind == PL_INPUT_PHOTO || (long)j < o.pictures;
            if (pr[k].label >= 0) {
                labelled++;
                right += pr[k].label == pr[k].predicted;
            }
            if (in[i].kind == PL_INPUT_PHOTO || raw->n <= 20 || j < 10)
                print_prediction(&p, &in[i], &pr[k]);
            else if (j == 10)
                printf("%s: ... (%zu more rows in predictions.csv)\n", in[i].path, raw->n - 10);
        }
    char out[PL_PATH_MAX + 16];
    snprintf(out, sizeof out, "%s", o.out ? o.out : "");
    if (!o.out)
        snprintf(out, sizeof out, "%s/predict", o.dir);
    if (!rc)
        rc = pl_predict_write(out, &p, in, nin, pr, npr,
                              &(pl_predict_opts){ .run_dir = o.dir, .steps = o.steps }, &e);
    if (!rc) {
        fflush(stdout);
        if (labelled)
            fprintf(stderr, "parlogit: %zu of %zu labelled images right (%.2f%%)\n", right,
                    labelled, 100.0 * (double)right / (double)labelled);
        fprintf(stderr, "parlogit: %zu image(s) predicted by %s; %s/predictions.csv, pictures "
                "and %s/report.html\n", npr, p.name, out, out);
    }
    for (int i = 0; i < nin; i++)
        pl_predict_input_free(&in[i]);
    free(in);
    free(pr);
    pl_predictor_free(&p);
    pl_run_dir_free(&r);
    return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
}
