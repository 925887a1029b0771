/*
 * cmd_fetch.c - `parlogit fetch CONFIG`: make the MNIST files a config names
 * present and verified (SHA-256), from $MNIST_MIRROR or the public mirrors.
 */
#include <stdio.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: parlogit fetch CONFIG [--set SECTION.KEY=VALUE]...\n"
    "\n"
    "Gets the MNIST files CONFIG names into data.dir and checks their SHA-256\n"
    "($MNIST_MIRROR: a directory or URL prefix to use instead of the public mirrors).\n"
    "\n"
    "example:\n"
    "  MNIST_MIRROR=/srv/mnist parlogit fetch configs/default.ini";

int pl_cmd_fetch(int argc, char **argv)
{
    pl_cli_opts o;
    pl_error e = { 0 };
    static pl_config cfg;
    int rc = pl_cli_parse(argc, argv, usage, 1, &o, &e);
    if (!rc)
        rc = pl_cli_config(&o, &cfg, &e);
    if (!rc)
        rc = pl_cli_fetch_data(&cfg, &e);
    if (rc)
        return pl_cli_fail(&e);
    if (!o.quiet)
        fprintf(stderr, "parlogit: data for %s is in place in %s\n", o.config, cfg.data.dir);
    return PL_EXIT_OK;
}
