/*
 * cmd_info.c - `parlogit info [CONFIG]`: what the engine sees and would do.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "parlogit/dist.h"
#include "parlogit/engine.h"

static const char usage[] =
    "usage: parlogit info [CONFIG] [--threads N] [--simd LEVEL] [--set SECTION.KEY=VALUE]...\n"
    "\n"
    "The topology hwloc sees, the SIMD levels supported and chosen, and how the\n"
    "threads are bound (for CONFIG's [engine] settings when given).  Under mpirun:\n"
    "the ranks, their hosts, each rank's threads and cores (rank 0's engine above).\n"
    "\n"
    "example:\n"
    "  parlogit info configs/default.ini --threads 2";

int pl_cmd_info(int argc, char **argv)
{
    pl_cli_opts o;
    pl_error e = { 0 };
    static pl_config cfg;
    pl_engine *eng = NULL;
    pl_dist dist;   /* MPI ranks (one when not launched by mpirun) */
    int rc = pl_dist_init(NULL, NULL, &dist, &e);
    if (!rc)
        rc = pl_cli_parse(argc, argv, usage, 0, &o, &e);
    if (!rc)
        rc = pl_cli_config(&o, &cfg, &e);
    if (!rc)
        rc = pl_engine_create(&(pl_engine_opts){ cfg.engine.threads, cfg.engine.bind,
                                                 cfg.engine.simd, cfg.engine.wait }, &eng, &e);
    if (!rc)
        rc = pl_dist_bind(&dist, eng, cfg.engine.threads == 0, &e);
    rc = pl_dist_agree(&dist, rc, &e);
    if (rc) {   /* printed before any rank may leave (pl_dist_finalize) */
        pl_engine_destroy(eng);
        const int status = dist.rank == 0 ? pl_cli_fail(&e) : PL_EXIT_FAIL;
        fflush(stderr);
        pl_dist_finalize(&dist);
        return status;
    }
    static char buf[16384], ranks[1 << 16];
    pl_engine_describe(eng, buf, sizeof buf);
    pl_dist_describe(&dist, eng, ranks, sizeof ranks);
    if (dist.rank != 0) {
        pl_engine_destroy(eng);
        pl_dist_finalize(&dist);
        return PL_EXIT_OK;
    }
    fputs(buf, stdout);
    fputs(ranks, stdout);
    const char *env[] = { "OMP_NUM_THREADS", "OMP_PLACES", "OMP_PROC_BIND", "PARLOGIT_SIMD",
                          "MNIST_MIRROR" };
    for (size_t i = 0; i < sizeof env / sizeof *env; i++) {
        const char *v = getenv(env[i]);
        if (v && *v)
            printf("env:       %s=%s\n", env[i], v);
    }
    pl_engine_destroy(eng);
    fflush(stdout);
    pl_dist_finalize(&dist);
    return PL_EXIT_OK;
}
