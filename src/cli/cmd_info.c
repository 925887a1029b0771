/*
 * cmd_info.c - `parlogit info [CONFIG]`: what the engine sees and would do.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "parlogit/engine.h"

static const char usage[] =
    "usage: parlogit info [CONFIG] [--threads N] [--simd LEVEL] [--set SECTION.KEY=VALUE]...\n"
    "\n"
    "The topology hwloc sees, the SIMD levels supported and chosen, and how the\n"
    "threads are bound (for CONFIG's [engine] settings when given).\n"
    "\n"
    "example:\n"
    "  parlogit info configs/default.ini --threads 2";

int pl_cmd_info(int argc, char **argv)
{
    pl_cli_opts o;
    pl_error e = { 0 };
    static pl_config cfg;
    pl_engine *eng = NULL;
    int rc = pl_cli_parse(argc, argv, usage, 0, &o, &e);
    if (!rc)
        rc = pl_cli_config(&o, &cfg, &e);
    if (!rc)
        rc = pl_engine_create(&(pl_engine_opts){ cfg.engine.threads, cfg.engine.bind,
                                                 cfg.engine.simd, cfg.engine.wait }, &eng, &e);
    if (rc)
        return pl_cli_fail(&e);
    static char buf[16384];
    pl_engine_describe(eng, buf, sizeof buf);
    fputs(buf, stdout);
    const char *env[] = { "OMP_NUM_THREADS", "OMP_PLACES", "OMP_PROC_BIND", "PARLOGIT_SIMD",
                          "MNIST_MIRROR" };
    for (size_t i = 0; i < sizeof env / sizeof *env; i++) {
        const char *v = getenv(env[i]);
        if (v && *v)
            printf("env:       %s=%s\n", env[i], v);
    }
    pl_engine_destroy(eng);
    return PL_EXIT_OK;
}
