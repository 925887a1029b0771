/*
 * cmd_show.c - `parlogit show DATA_SPEC INDEX`: one digit of a data file as a
 * picture (and in the terminal).  DATA_SPEC is a run directory (its training
 * file), a config file (its train_images) or an images file itself (IDX with
 * its labels file beside it or given by --labels, or CSV).  INDEX is the row
 * in that file, as the report's captions give it.  The image's shape, ink
 * scale and a CSV's label column are the config's (a run's or the .ini's);
 * for a file given by itself, --csv-label and --pixel-max say them (the
 * shape of a CSV row is then its cell count's square).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "parlogit/data.h"
#include "parlogit/plot.h"
#include "parlogit/report.h"

static const char usage[] =
    "usage: parlogit show DATA_SPEC INDEX [--test] [--labels FILE] [--out FILE.png]\n"
    "                     [--csv-label first|last] [--pixel-max N]\n"
    "  DATA_SPEC: a run directory, a config file, or an images file (IDX or CSV)";

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The images and labels files DATA_SPEC names, where the picture goes, and
 * how to read a CSV (*o, and its pixel_max for IDX too: the config's when
 * DATA_SPEC is a run or a config, else left as the caller set it). */
static int resolve(const char *spec, int test, const char *labels, char *images, char *lab,
                   char *outdir, int *csv, pl_csv_opts *o, pl_error *e)
{
    static pl_config cfg;
    struct stat st;
    int rc = PL_OK;
    *csv = 0;
    outdir[0] = '\0';
    if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode)) {
        pl_run_dir r;
        rc = pl_run_dir_open(spec, &r, e);
        const pl_result_row *row = NULL;
        for (size_t k = 0; !rc && k < r.nrows && !row; k++)
            if (!strcmp(r.rows[k].status, "ok"))
                row = &r.rows[k];
        if (!rc && !row)
            rc = pl_errorf(e, PL_EINPUT, "%s: no trained model to read the config from", spec);
        if (!rc)
            rc = pl_run_dir_config(&r, row, &cfg, e);
        if (!rc)
            snprintf(outdir, PL_PATH_MAX, "%s/plots", spec);
        pl_run_dir_free(&r);
    } else if (ends_with(spec, ".ini")) {
        pl_config_defaults(&cfg);
        rc = pl_config_load(&cfg, spec, e);
    } else {
        snprintf(images, PL_PATH_MAX * 2, "%s", spec);
        *csv = ends_with(spec, ".csv") || ends_with(spec, ".csv.gz");
        if (labels) {
            snprintf(lab, PL_PATH_MAX * 2, "%s", labels);
        } else if (!*csv) {   /* MNIST's naming: ...-images-idx3-ubyte -> ...-labels-idx1-ubyte */
            char *p = strstr(images, "images-idx3");
            if (!p)
                return pl_errorf(e, PL_EINPUT, "%s: which labels file goes with it? use "
                                 "--labels FILE", spec);
            snprintf(lab, PL_PATH_MAX * 2, "%.*slabels-idx1%s", (int)(p - images), images,
                     p + strlen("images-idx3"));
        }
        return PL_OK;
    }
    if (rc)
        return rc;
    pl_data_file files[4];
    int n = pl_data_files(&cfg, files);
    const char *want = test ? "test_images" : "train_images";
    const char *wantl = test ? "test_labels" : "train_labels";
    images[0] = lab[0] = '\0';
    for (int k = 0; k < n; k++) {
        if (!strcmp(files[k].role, want))
            snprintf(images, PL_PATH_MAX * 2, "%s", files[k].path);
        if (!strcmp(files[k].role, wantl))
            snprintf(lab, PL_PATH_MAX * 2, "%s", files[k].path);
    }
    if (!images[0])
        return pl_errorf(e, PL_EINPUT, "%s: names no %s", spec, want);
    *o = (pl_csv_opts){ .label = cfg.data.csv_label, .header = cfg.data.csv_header,
                        .height = cfg.data.height, .width = cfg.data.width,
                        .pixel_max = (unsigned)cfg.data.pixel_max };
    *csv = ends_with(images, ".csv") || ends_with(images, ".csv.gz") ||
           cfg.data.format == PL_FORMAT_CSV;
    return PL_OK;
}

int pl_cmd_show(int argc, char **argv)
{
    pl_error e = { 0 };
    const char *spec = NULL, *index = NULL, *labels = NULL, *out = NULL;
    int test = 0, rc = PL_OK;
    pl_csv_opts o = { .label = PL_CSV_LABEL_FIRST, .header = PL_CSV_HEADER_AUTO,
                      .pixel_max = PL_PIXEL_MAX };
    for (int i = 1; !rc && i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n\nDraws one digit as a picture: row INDEX of the images file DATA_SPEC "
                   "names (a run's or a config's\ntraining file, its test file with --test, or an "
                   "images file itself), numbered as the report\nand predictions.csv number "
                   "rows.\n\nexample:\n  parlogit show runs/default 8003 --out digit.png\n",
                   usage);
            return PL_EXIT_OK;
        }
        if (!strcmp(a, "--test"))
            test = 1;
        else if (!strcmp(a, "--labels") && i + 1 < argc)
            labels = argv[++i];
        else if (!strcmp(a, "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(a, "--csv-label") && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "first") && strcmp(v, "last"))
                rc = pl_errorf(&e, PL_EINPUT, "--csv-label %s: expected first or last", v);
            o.label = strcmp(v, "last") ? PL_CSV_LABEL_FIRST : PL_CSV_LABEL_LAST;
        } else if (!strcmp(a, "--pixel-max") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > 255)
                rc = pl_errorf(&e, PL_EINPUT, "--pixel-max %s: expected 1..255", argv[i]);
            o.pixel_max = (unsigned)v;
        }
        else if (a[0] == '-' || (spec && index))
            rc = pl_errorf(&e, PL_EINPUT, "unexpected argument '%s'\n%s", a, usage);
        else if (!spec)
            spec = a;
        else
            index = a;
    }
    if (!rc && !index)
        rc = pl_errorf(&e, PL_EINPUT, "DATA_SPEC and INDEX are needed\n%s", usage);
    char *end = NULL;
    long idx = index ? strtol(index, &end, 10) : 0;
    if (!rc && (*end || idx < 0))
        rc = pl_errorf(&e, PL_EINPUT, "INDEX '%s': expected a row number >= 0", index);

    static char images[PL_PATH_MAX * 2], lab[PL_PATH_MAX * 2], outdir[PL_PATH_MAX];
    int csv = 0;
    if (!rc)
        rc = resolve(spec, test, labels, images, lab, outdir, &csv, &o, &e);
    pl_raw raw = { 0 };
    if (!rc)
        rc = csv ? pl_csv_load(images, &o, &raw, &e) : pl_idx_load(images, lab, &raw, &e);
    if (!rc && (size_t)idx >= raw.n)
        rc = pl_errorf(&e, PL_EINPUT, "INDEX %ld: %s has rows 0..%zu", idx, images, raw.n - 1);
    char path[PL_PATH_MAX * 2 + 64];
    if (!rc) {
        if (out)
            snprintf(path, sizeof path, "%s", out);
        else if (outdir[0])
            snprintf(path, sizeof path, "%s/digit-%s%ld.png", outdir, test ? "test-" : "", idx);
        else
            snprintf(path, sizeof path, "digit-%s%ld.png", test ? "test-" : "", idx);
        if (outdir[0] && !out)
            mkdir(outdir, 0777);
        const uint8_t *pix = raw.pix + (size_t)idx * raw.dim;
        char title[PL_PATH_MAX * 2 + 64], cap[32];
        const char *slash = strrchr(images, '/');
        snprintf(title, sizeof title, "%s row %ld", slash ? slash + 1 : images, idx);
        snprintf(cap, sizeof cap, "label %d", raw.label[idx]);
        const char *caps[1] = { cap };
        rc = pl_plot_digits(path, title, &pix, raw.height, raw.width, o.pixel_max, caps, 1, 1,
                            &e);
        if (!rc) {
            for (size_t y = 0; y < raw.height; y++) {   /* the digit in the terminal too */
                for (size_t x = 0; x < raw.width; x++) {
                    /* ink as a share of full ink: 255ths, whatever the scale */
                    unsigned v = pix[y * raw.width + x] * 255u / pl_pixel_max(o.pixel_max);
                    fputs(v > 170 ? "##" : v > 85 ? "++" : v > 20 ? ".." : "  ", stdout);
                }
                putchar('\n');
            }
            printf("%s row %ld: label %d; picture: %s\n", images, idx, raw.label[idx], path);
        }
    }
    pl_raw_free(&raw);
    return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
}
