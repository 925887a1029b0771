/*
 * common.c - what the commands share: option parsing, building the config,
 * fetching data, turning errors into exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parlogit/data.h"

int pl_cli_fail(const pl_error *e)
{
    fprintf(stderr, "parlogit: %s\n", e->msg);
    switch (e->code) {
    case PL_EINPUT: return PL_EXIT_INPUT;
    case PL_EINTR: return PL_EXIT_INTERRUPTED;
    default: return PL_EXIT_FAIL;
    }
}

static int need_value(int argc, char **argv, int i, pl_error *e)
{
    if (i + 1 >= argc)
        return pl_errorf(e, PL_EINPUT, "%s needs a value", argv[i]);
    return PL_OK;
}

int pl_cli_parse(int argc, char **argv, const char *usage, int need_config, pl_cli_opts *o,
                 pl_error *e)
{
    memset(o, 0, sizeof *o);
    o->threads = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = PL_OK;
        if (!strcmp(a, "--set")) {
            if ((rc = need_value(argc, argv, i, e)))
                return rc;
            if (o->nsets == (int)(sizeof o->sets / sizeof o->sets[0]))
                return pl_errorf(e, PL_EINPUT, "too many --set options");
            o->sets[o->nsets++] = argv[++i];
        } else if (!strcmp(a, "--threads")) {
            if ((rc = need_value(argc, argv, i, e)))
                return rc;
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (!strcmp(argv[i], "auto"))
                v = 0;
            else if (*end || end == argv[i] || v < 1 || v > 4096)
                return pl_errorf(e, PL_EINPUT, "--threads %s: expected auto or 1..4096",
                                 argv[i]);
            o->threads = (int)v;
        } else if (!strcmp(a, "--out")) {
            if ((rc = need_value(argc, argv, i, e)))
                return rc;
            o->out = argv[++i];
        } else if (!strcmp(a, "--simd")) {
            if ((rc = need_value(argc, argv, i, e)))
                return rc;
            o->simd = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("%s\n", usage);   /* the command's whole help, on stdout */
            exit(PL_EXIT_OK);
        } else if (a[0] == '-' && a[1]) {
            return pl_errorf(e, PL_EINPUT, "unknown option '%s'\n%s", a, usage);
        } else if (!o->config) {
            o->config = a;
        } else {
            return pl_errorf(e, PL_EINPUT, "unexpected argument '%s'\n%s", a, usage);
        }
    }
    if (need_config && !o->config)
        return pl_errorf(e, PL_EINPUT, "a config file is needed\n%s", usage);
    return PL_OK;
}

int pl_cli_config(const pl_cli_opts *o, pl_config *c, pl_error *e)
{
    pl_config_defaults(c);
    int rc = o->config ? pl_config_load(c, o->config, e) : PL_OK;
    for (int i = 0; !rc && i < o->nsets; i++)
        rc = pl_config_set(c, o->sets[i], e);
    char buf[PL_PATH_MAX + 32];
    if (!rc && o->threads >= 0) {
        if (o->threads)
            snprintf(buf, sizeof buf, "engine.threads=%d", o->threads);
        else
            snprintf(buf, sizeof buf, "engine.threads=auto");
        rc = pl_config_set(c, buf, e);
    }
    if (!rc && o->simd) {
        snprintf(buf, sizeof buf, "engine.simd=%s", o->simd);
        rc = pl_config_set(c, buf, e);
    }
    if (!rc && o->out) {
        snprintf(buf, sizeof buf, "output.dir=%s", o->out);
        rc = pl_config_set(c, buf, e);
    }
    if (!rc)
        rc = pl_config_check(c, e);
    return rc;
}

int pl_cli_fetch_data(const pl_config *c, pl_error *e)
{
    const char *names[4] = { c->data.train_images, c->data.train_labels, c->data.test_images,
                             c->data.test_labels };
    const char *roles[4] = { "train_images", "train_labels", "test_images", "test_labels" };
    const char *mirror = getenv("MNIST_MIRROR");
    pl_data_file used[4];   /* the files the run reads: no labels file for a CSV */
    const int nused = pl_data_files(c, used);
    for (int i = 0; i < 4; i++) {
        int needed = 0;
        for (int k = 0; k < nused; k++)
            needed |= !strcmp(used[k].role, roles[i]);
        if (!needed || !names[i][0] || strchr(names[i], '/') || !pl_mnist_sha256(names[i]))
            continue;   /* not read, or not one of the published MNIST files: the user's own */
        int fetched = 0;
        int rc = pl_fetch(c->data.dir, names[i], mirror, &fetched, e);
        if (rc) {
            pl_error_prefix(e, "%s: %s", pl_config_where(c, "data", roles[i]), roles[i]);
            return rc;
        }
        if (fetched == PL_FETCH_NOT_MNIST)
            fprintf(stderr, "parlogit: note: %s/%s is not MNIST's published file (its SHA-256 "
                    "differs); it is used as your own data and never replaced\n", c->data.dir,
                    names[i]);
        else if (fetched)
            fprintf(stderr, "parlogit: fetched %s/%s (SHA-256 verified)\n", c->data.dir,
                    names[i]);
    }
    return PL_OK;
}
