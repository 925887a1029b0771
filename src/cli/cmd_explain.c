/*
 * cmd_explain.c - `parlogit explain`, in two forms:
 *   explain RUN_DIR [--pair I-J]... [--lr LR] [--iterations N] [--top K]
 *     seed 000's analysis of a pair's model on its training rows: its weight
 *     map, the most confidently misclassified training image of each
 *     direction with its contribution map, and the grid of misclassified
 *     digits;
 *   explain RUN_DIR --model NAME [--row N]
 *     one test image (row N of the images file; default: the test row the
 *     model gets most confidently wrong) explained by any model of the run,
 *     binary or ten-class: its class probabilities and prediction, a bar
 *     chart of them and the 2 x K panel of weights and pixel x weight maps.
 * Without --pair and --model it explains every task of the run: each pair
 * the first way, each ten-class task's best model the second.  Pictures go to
 * RUN_DIR/plots/; what they show is printed.
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
    "       parlogit explain RUN_DIR --model NAME [--row N]\n"
    "  --pair I-J    a pair's model on its training rows: weight map, the most confidently\n"
    "                misclassified image each way, the misclassified grid (--top K of them);\n"
    "                --lr/--iterations pick the model, else the pair's best\n"
    "  --model NAME  any model of the run (binary or ten-class, a name of results.csv:\n"
    "                TASK_lrX_itN) on test row N, its index in the images file as in\n"
    "                predictions.csv (default: the test row it gets most confidently wrong):\n"
    "                its class probabilities, a bar chart and the 2 x K weights panel\n"
    "  (neither: every pair, and every ten-class task's best model)\n"
    "  pictures go to RUN_DIR/plots/\n"
    "examples: parlogit explain runs/pair-1-7 --pair 1-7\n"
    "          parlogit explain runs/softmax-10 --model softmax_lr1_it1000 --row 6";

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

/* What --model prints: the row, every class's probability (marking the
 * prediction and the truth), their sum, the logits and the pictures. */
static void print_row(const pl_row_explanation *x)
{
    char c[16];
    printf("%s on test row %u (digit %d): predicted %s, %s\n", x->model, (unsigned)x->orig,
           x->label, pl_class_name(x->predicted, c),
           x->label_slot < 0 ? "the digit is not one of the model's classes"
           : x->classes[x->label_slot] == x->predicted ? "right" : "wrong");
    double sum = 0;
    for (int k = 0; k < x->k; k++) {
        int is_pred = x->classes[k] == x->predicted, is_true = k == x->label_slot;
        printf("  class %-4s p = %.9f%s\n", pl_class_name(x->classes[k], c), x->p[k],
               is_pred && is_true ? "  <- predicted, true" : is_pred ? "  <- predicted"
               : is_true ? "  <- true" : "");
        sum += x->p[k];
    }
    printf("  sum of p = %.9f\n", sum);
    printf("  logits z =");
    for (int k = 0; k < x->nz; k++)
        printf(" %+.4f", x->z[k]);
    printf("%s\n", x->task.kind == PL_KIND_BINARY
                       ? " (binary: p = sigmoid(z) for the second class; the panel draws the "
                         "first as a reference output with z = 0)"
                       : "");
    printf("  probabilities: %s\n  explanation:   %s\n", x->probs, x->panel);
}

static int explain_pairs(const pl_run_dir *r, const pl_dataset *train, const pl_task *pairs,
                         int npairs, double lr, int iterations, long top, pl_error *e)
{
    for (int k = 0; k < npairs; k++) {
        pl_pair_pictures pp;
        int rc = pl_report_explain_pair(r, train, pairs[k], lr, iterations, (size_t)top, &pp, e);
        if (rc)
            return rc;
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
    return PL_OK;
}

static int explain_row(const pl_run_dir *r, const pl_dataset *test, const char *model,
                       long row, pl_error *e)
{
    pl_row_explanation x;
    int rc = pl_report_explain_row(r, test, model, row, &x, e);
    if (!rc)
        print_row(&x);
    return rc;
}

int pl_cmd_explain(int argc, char **argv)
{
    pl_error e = { 0 };
    const char *dir = NULL, *model = NULL;
    pl_task pairs[PL_MAX_TASKS];
    int npairs = 0, iterations = 0, rc = PL_OK;
    double lr = 0;
    long top = 24, row = -1;
    for (int i = 1; !rc && i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            puts(usage);
            return PL_EXIT_OK;
        } else if (!strcmp(a, "--pair") && has) {
            if (npairs == PL_MAX_TASKS)
                rc = pl_errorf(&e, PL_EINPUT, "too many --pair options");
            else
                rc = pl_task_parse(argv[++i], &pairs[npairs++], &e);
        } else if (!strcmp(a, "--model") && has) {
            model = argv[++i];
        } else if (!strcmp(a, "--row") && has) {
            row = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || row < 0)
                rc = pl_errorf(&e, PL_EINPUT, "--row %s: expected a row number >= 0 (the "
                               "row's index in the images file)", argv[i]);
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
    if (!rc && model && (npairs || lr > 0 || iterations))
        rc = pl_errorf(&e, PL_EINPUT, "--model names the model itself: it does not go with "
                       "--pair, --lr or --iterations\n%s", usage);
    if (!rc && row >= 0 && !model)
        rc = pl_errorf(&e, PL_EINPUT, "--row needs --model NAME (the model to explain the "
                       "row with)\n%s", usage);
    pl_run_dir r = { 0 };
    if (!rc)
        rc = pl_run_dir_open(dir, &r, &e);
    if (!rc && model) {   /* one model, one row: it loads the test set itself */
        rc = explain_row(&r, NULL, model, row, &e);
        pl_run_dir_free(&r);
        return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
    }
    int all = !rc && npairs == 0;
    if (all) {
        memcpy(pairs, r.pairs, sizeof r.pairs[0] * (size_t)r.npairs);
        npairs = r.npairs;
    }
    /* Check every pair first, so that a typo fails before any drawing; the
     * data is read with the first one's config. */
    const pl_result_row *first = NULL;
    for (int k = 0; !rc && k < npairs; k++) {
        const pl_result_row *picked;
        rc = pl_run_dir_pick(&r, pairs[k], lr, iterations, &picked, &e);
        first = first ? first : picked;
    }
    for (size_t k = 0; !rc && !first && k < r.nrows; k++)   /* a run of ten-class tasks */
        if (!strcmp(r.rows[k].status, "ok"))
            first = &r.rows[k];
    if (!rc && !first)
        rc = pl_errorf(&e, PL_EINPUT, "%s: no trained model in results.csv", dir);
    pl_data data = { 0 };
    if (!rc)
        rc = pl_run_dir_data(&r, first, &data, &e);
    if (!rc)
        rc = explain_pairs(&r, &data.train, pairs, npairs, lr, iterations, top, &e);
    for (int k = 0; !rc && all && k < r.nmulti; k++) {
        const pl_result_row *best;
        char name[64];
        rc = pl_run_dir_pick(&r, r.multi[k], 0, 0, &best, &e);
        if (!rc)
            rc = explain_row(&r, &data.test, pl_result_row_name(best, name), -1, &e);
    }
    pl_data_free(&data);
    pl_run_dir_free(&r);
    return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
}
