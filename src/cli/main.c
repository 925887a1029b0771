/*
 * main.c - parlogit's entry point: picks the command.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: parlogit COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  train CONFIG   train the models CONFIG asks for (pairs, one-vs-rest, ten-class\n"
    "                 ovr and softmax) and write its run directory\n"
    "  fetch CONFIG   get and verify the MNIST files CONFIG names ($MNIST_MIRROR: a\n"
    "                 directory or URL to use instead of the public mirrors)\n"
    "  info [CONFIG]  topology seen by hwloc, SIMD level chosen, thread binding\n"
    "  explain RUN_DIR [--pair I-J]...  why a pair's model decides as it does: weight\n"
    "                 map, most confidently misclassified images (RUN_DIR/plots/)\n"
    "  explain RUN_DIR --model NAME --row N  one test image through any model of the\n"
    "                 run (e.g. softmax_lr0.5_it500): every class's probability, and\n"
    "                 pixel x weight for each class\n"
    "  report RUN_DIR [--workers N]  draw every picture of a run (N worker processes,\n"
    "                 default one per CPU) and write RUN_DIR/report.html\n"
    "  predict RUN_DIR INPUT...  classify photos of digits (PNG, JPEG), IDX or CSV\n"
    "                 images with the run's best ten-class model (or --model NAME)\n"
    "  show DATA_SPEC INDEX  one digit (row INDEX of a run's, a config's or a file's\n"
    "                 images) as a picture\n"
    "\n"
    "options:\n"
    "  --set SECTION.KEY=VALUE   override a config key (repeatable)\n"
    "  --threads N               same as --set engine.threads=N\n"
    "  --simd LEVEL              same as --set engine.simd=LEVEL\n"
    "  --out DIR                 same as --set output.dir=DIR\n"
    "  --quiet                   no progress or summary on the terminal\n"
    "\n"
    "\n"
    "parlogit help COMMAND (or COMMAND --help): the command's options and an example.\n"
    "exit status: 0 done, 1 runtime failure, 2 bad input, 130 interrupted\n";

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "help")) {   /* help CMD: CMD --help */
        static char help[] = "--help";
        argv[1] = argv[2];
        argv[2] = help;
        argc = 3;
    }
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PL_EXIT_INPUT : PL_EXIT_OK;
    }
    for (int i = 1; i < argc; i++)   /* --version anywhere: "parlogit train --version" */
        if (!strcmp(argv[i], "--version")) {
            puts("parlogit 0.1.0");
            return PL_EXIT_OK;
        }
    if (!strcmp(argv[1], "train"))
        return pl_cmd_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "fetch"))
        return pl_cmd_fetch(argc - 1, argv + 1);
    if (!strcmp(argv[1], "info"))
        return pl_cmd_info(argc - 1, argv + 1);
    if (!strcmp(argv[1], "predict"))
        return pl_cmd_predict(argc - 1, argv + 1);
    if (!strcmp(argv[1], "explain"))
        return pl_cmd_explain(argc - 1, argv + 1);
    if (!strcmp(argv[1], "report"))
        return pl_cmd_report(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return pl_cmd_show(argc - 1, argv + 1);
    fprintf(stderr, "parlogit: unknown command '%s'\n\n%s", argv[1], usage);
    return PL_EXIT_INPUT;
}
