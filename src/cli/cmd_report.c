/*
 * cmd_report.c - `parlogit report RUN_DIR`: draw every picture of a run and
 * write RUN_DIR/report.html; also what `parlogit train` calls after a run
 * when [output] plots = true.  The pictures are drawn by worker processes
 * (pl_report_build_opts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parlogit/report.h"

static const char usage[] =
    "usage: parlogit report RUN_DIR [--workers N] [--quiet]\n"
    "  draws every picture of the run into RUN_DIR/plots/ and writes RUN_DIR/report.html:\n"
    "  the data, the best models, the sweep (for two pairs or more, and the votes that\n"
    "  ran), each ten-class model (weights, confusion matrices, top confusions, its most\n"
    "  confidently wrong test image) and each pair\n"
    "  --workers N   draw with N processes (default: $PARLOGIT_REPORT_WORKERS, else one per\n"
    "                CPU this process may use); the pictures are the same for any N\n"
    "example: parlogit report runs/softmax-10";

int pl_cli_report(const char *dir, const char *name, int workers, pl_error *e)
{
    pl_report_summary s;
    int rc = pl_report_build_opts(dir, &(pl_report_opts){ .workers = workers, .name = name },
                                  &s, e);
    if (rc)
        return rc;
    if (!name)
        name = dir;
    fprintf(stderr, "parlogit: %d picture(s) in %s/plots/ (%d worker process%s); report in "
            "%s/report.html\n", s.pictures, name, s.workers, s.workers == 1 ? "" : "es", name);
    for (int k = 0; k < s.nnotes; k++)
        fprintf(stderr, "parlogit: note: %s\n", s.notes[k]);
    return PL_OK;
}

int pl_cmd_report(int argc, char **argv)
{
    pl_error e = { 0 };
    const char *dir = NULL;
    int workers = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts(usage);
            return PL_EXIT_OK;
        }
        if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
            continue;
        if (!strcmp(argv[i], "--workers")) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (!end || *end || v < 1 || v > 1024) {
                pl_errorf(&e, PL_EINPUT, "--workers %s: expected a number from 1 to 1024\n%s",
                          i + 1 < argc ? argv[i + 1] : "(missing)", usage);
                return pl_cli_fail(&e);
            }
            workers = (int)v;
            i++;
            continue;
        }
        if (argv[i][0] == '-' || dir) {
            pl_errorf(&e, PL_EINPUT, "unexpected argument '%s'\n%s", argv[i], usage);
            return pl_cli_fail(&e);
        }
        dir = argv[i];
    }
    if (!dir) {
        pl_errorf(&e, PL_EINPUT, "a run directory is needed\n%s", usage);
        return pl_cli_fail(&e);
    }
    return pl_cli_report(dir, NULL, workers, &e) ? pl_cli_fail(&e) : PL_EXIT_OK;
}
