/*
 * cmd_explain.c - `parlogit explain RUN_DIR [--pair P]...`: seed 000's
 * analysis of a pair's model.  Draws its weight map, the most confidently
 * misclassified training image of each direction with its contribution map,
 * and the grid of misclassified digits into RUN_DIR/plots/, and prints the
 * analysis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parlogit/data.h"
#include "parlogit/report.h"

static const char usage[] =
    "usage: parlogit explain RUN_DIR [--pair I-J]... [--lr LR] [--iterations N] [--top K]\n"
    "  (no --pair: every pair of the run; no --lr/--iterations: the pair's best model)";

static void print_pick(const pl_explain_pick *p, pl_task t, int k, const char *png)
{
    char pos[16], neg[16];
    pl_task_names(t, pos, neg);
    const char *truth = k == 0 ? pos : neg, *other = k == 0 ? neg : pos;
    if (!p->found) {
        printf("  a %s called %s: no training image of %s\n", truth, other, truth);
        return;
    }
    printf("  a %s called %s: training row %u (digit %d), P(%s) = %.4f: %s (%zu of %zu "
           "misclassified)\n", truth, other, (unsigned)p->orig, p->label, other, p->p_other,
           p->wrong ? "misclassified" : "still correct", p->nwrong, p->nrows);
    printf("      evidence for %s %+.4f, for %s %+.4f, bias %+.4f: logit %.4f\n", pos,
           p->for_pos, neg, p->for_neg, p->logit - p->for_pos - p->for_neg, p->logit);
    printf("      picture: %s\n", png);
}

int pl_cmd_explain(int argc, char **argv)
{
    pl_error e = { 0 };
    const char *dir = NULL;
    pl_task pairs[PL_MAX_TASKS];
    int npairs = 0, iterations = 0, rc = PL_OK;
    double lr = 0;
    long top = 24;
    for (int i = 1; !rc && i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--pair") && has) {
            if (npairs == PL_MAX_TASKS)
                rc = pl_errorf(&e, PL_EINPUT, "too many --pair options");
            else
                rc = pl_task_parse(argv[++i], &pairs[npairs++], &e);
        } else if (!strcmp(a, "--lr") && has) {
            lr = strtod(argv[++i], &end);
            if (*end || !(lr > 0))
                rc = pl_errorf(&e, PL_EINPUT, "--lr %s: expected a number > 0", argv[i]);
        } else if (!strcmp(a, "--iterations") && has) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1L << 30)
                rc = pl_errorf(&e, PL_EINPUT, "--iterations %s: expected an integer >= 1",
                               argv[i]);
            iterations = (int)v;
        } else if (!strcmp(a, "--top") && has) {
            top = strtol(argv[++i], &end, 10);
            if (*end || top < 0 || top > 1000)
                rc = pl_errorf(&e, PL_EINPUT, "--top %s: expected 0..1000", argv[i]);
        } else if (a[0] == '-' || dir) {
            rc = pl_errorf(&e, PL_EINPUT, "unexpected argument '%s'\n%s", a, usage);
        } else {
            dir = a;
        }
    }
    if (!rc && !dir)
        rc = pl_errorf(&e, PL_EINPUT, "a run directory is needed\n%s", usage);
    pl_run_dir r = { 0 };
    if (!rc)
        rc = pl_run_dir_open(dir, &r, &e);
    if (!rc && npairs == 0) {
        memcpy(pairs, r.pairs, sizeof r.pairs[0] * (size_t)r.npairs);
        npairs = r.npairs;
    }
    /* Check every pair first, so that a typo fails before any drawing. */
    for (int k = 0; !rc && k < npairs; k++) {
        const pl_result_row *row;
        rc = pl_run_dir_pick(&r, pairs[k], lr, iterations, &row, &e);
    }
    /* The training rows, loaded once for all pairs. */
    pl_data data = { 0 };
    static pl_config cfg;
    if (!rc) {
        const pl_result_row *row;
        pl_run_dir_pick(&r, pairs[0], lr, iterations, &row, &e);
        rc = pl_run_dir_config(&r, row, &cfg, &e);
        if (!rc)
            rc = pl_data_load(&cfg, 1, &data, &e);
    }
    for (int k = 0; !rc && k < npairs; k++) {
        pl_pair_pictures pp;
        rc = pl_report_explain_pair(&r, &data.train, pairs[k], lr, iterations, (size_t)top,
                                    &pp, &e);
        if (rc)
            break;
        char pos[16], neg[16];
        pl_task_names(pairs[k], pos, neg);
        printf("%s: model lr %g, %d iterations (training accuracy %.2f%%, test accuracy "
               "%.2f%%)\n", pp.model.pair, pp.model.lr, pp.model.iterations,
               100 * pp.model.train_acc, 100 * pp.model.test_acc);
        printf("  weight map: %s (blue favours %s, red favours %s)\n", pp.weights, pos, neg);
        for (int d = 0; d < 2; d++)
            print_pick(&pp.x.pick[d], pairs[k], d, pp.pick[d]);
        printf("  misclassified training images (%zu shown): %s\n", pp.x.ntop, pp.misses);
        pl_explanation_free(&pp.x);
    }
    pl_data_free(&data);
    pl_run_dir_free(&r);
    return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
}
