/*
 * cli.h - the parlogit command line: one function per command, each returning
 * the process exit status (0 ok, 1 runtime failure, 2 bad input, 130 interrupted).
 */
#ifndef PARLOGIT_CLI_H
#define PARLOGIT_CLI_H

#include "parlogit/config.h"
#include "parlogit/error.h"

#define PL_EXIT_OK 0
#define PL_EXIT_FAIL 1
#define PL_EXIT_INPUT 2
#define PL_EXIT_INTERRUPTED 130

int pl_cmd_train(int argc, char **argv);
int pl_cmd_fetch(int argc, char **argv);
int pl_cmd_info(int argc, char **argv);
int pl_cmd_explain(int argc, char **argv);
int pl_cmd_show(int argc, char **argv);
int pl_cmd_report(int argc, char **argv);
int pl_cmd_predict(int argc, char **argv);

/* Draws every picture of the run in dir with `workers` processes (0: the
 * default of pl_report_build_opts) and writes dir/report.html; says on
 * stderr where they are, calling the run name (NULL: dir; train draws in its
 * staging directory the run it will name). */
int pl_cli_report(const char *dir, const char *name, int workers, pl_error *e);

/* Prints "parlogit: MESSAGE" on stderr and returns the exit status for e. */
int pl_cli_fail(const pl_error *e);

/* Options common to commands that read a config. */
typedef struct pl_cli_opts {
    const char *config;   /* the INI path (NULL: defaults only)      */
    int threads;          /* --threads N, -1 when not given           */
    const char *out;      /* --out DIR                               */
    const char *simd;     /* --simd LEVEL                            */
    int quiet;            /* --quiet                                 */
    const char *sets[64]; /* --set section.key=value, in order        */
    int nsets;
} pl_cli_opts;

/* Parses argv[1..] into o; errors are PL_EINPUT with a usage hint. */
int pl_cli_parse(int argc, char **argv, const char *usage, int need_config, pl_cli_opts *o,
                 pl_error *e);

/* Defaults, the file, the --set list, --threads/--out/--simd, then checks. */
int pl_cli_config(const pl_cli_opts *o, pl_config *c, pl_error *e);

/* Makes every known MNIST file the config names present and verified, from
 * $MNIST_MIRROR or the public mirrors; says on stderr what it fetched. */
int pl_cli_fetch_data(const pl_config *c, pl_error *e);

#endif
