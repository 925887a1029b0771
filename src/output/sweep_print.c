/*
 * sweep_print.c - pl_sweep_print: a sweep's results as tables for people.  The
 * only place the library prints, and only to the FILE * it is given.
 */
#include <math.h>

#include "parlogit/sweep.h"

/* A percentage in a field of width w, or "-" when x is NaN. */
static void pct(FILE *f, int w, double x)
{
    if (isnan(x))
        fprintf(f, " %*s", w, "-");
    else
        fprintf(f, " %*.1f", w, 100.0 * x);
}

static void print_best(FILE *f, const pl_sweep *s)
{
    if (!s->nbest)
        return;
    int on_val = 0;
    for (int k = 0; k < s->nbest; k++)
        on_val |= s->best[k].on_val;
    fprintf(f, "best model per task (chosen on %s accuracy; test shown for reference):\n",
            on_val ? "validation" : "training");
    fprintf(f, "%-8s %8s %6s %8s %8s %8s %10s\n", "pair", "lr / C", "iters", "val%", "train%",
            "test%", "test_loss");
    for (int k = 0; k < s->nbest; k++) {
        const pl_sweep_best *b = &s->best[k];
        char t[PL_TASK_NAME_MAX], h[40];
        fprintf(f, "%-8s %8s %6d", pl_task_name(b->task, t), pl_hyper_label(&b->h, h), b->iterations);
        pct(f, 8, b->val_acc);
        pct(f, 8, b->train_acc);
        pct(f, 8, b->test_acc);
        fprintf(f, " %10.6f\n", b->test_loss);
    }
    for (int k = 0; k < s->nunresolved; k++) {
        char t[PL_TASK_NAME_MAX];
        fprintf(f, "%-8s no model: every checkpoint diverged or was interrupted\n",
                pl_task_name(s->unresolved[k], t));
    }
}

/* The column numbers of a 10x10 digit table. */
static void digit_header(FILE *f)
{
    fputs("     ", f);
    for (int j = 0; j < PL_CLASSES; j++)
        fprintf(f, " %5d", j);
    fputc('\n', f);
}

static void print_pairs(FILE *f, const pl_sweep *s)
{
    if (s->npairs < 2)   /* one pair: its line in the best table says it all */
        return;
    fputs("\npair test accuracy (%): row i, column j = pair i-j's best model\n", f);
    digit_header(f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fprintf(f, "%5d", i);
        for (int j = 0; j < PL_CLASSES; j++)
            pct(f, 5, s->pair_acc[i][j]);
        fputc('\n', f);
    }
}

static void print_vote(FILE *f, const char *what, const pl_sweep_vote *v)
{
    if (!v->ran)
        return;
    fprintf(f, "\n%s: %zu of %zu test rows right, accuracy %.2f%%\n", what, v->correct,
            v->rows, 100.0 * v->acc);
    fputs("confusion (rows: actual digit, columns: predicted)\n", f);
    digit_header(f);
    for (int i = 0; i < PL_CLASSES; i++) {
        fprintf(f, "%5d", i);
        for (int j = 0; j < PL_CLASSES; j++)
            fprintf(f, " %5zu", v->confusion[i][j]);
        fputc('\n', f);
    }
}

void pl_sweep_print(FILE *f, const pl_sweep *s)
{
    print_best(f, s);
    print_pairs(f, s);
    print_vote(f, "one-vs-one vote of the 45 best pair models", &s->ovo);
    print_vote(f, "one-vs-rest argmax of the ten best d-rest models", &s->ovr);
    for (int q = 0; q < s->nmulti; q++) {
        const pl_sweep_best *b = &s->best[s->multi_best[q]];
        char t[PL_TASK_NAME_MAX], what[160], h[40];
        snprintf(what, sizeof what, "%s model (best: %s%s, %d iterations)",
                 pl_task_name(b->task, t), b->h.solver == PL_SOLVER_GD ? "lr " : "",
                 pl_hyper_label(&b->h, h), b->iterations);
        print_vote(f, what, &s->multi[q]);
    }
}
