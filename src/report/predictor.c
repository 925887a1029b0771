/*
 * predictor.c - the model `parlogit predict` asks: one model of a run, loaded
 * with pl_model_load, or the one-vs-one vote of the best models of its 45
 * digit pairs; and the choice of a run's default (see predict.h).
 *
 * The vote is computed as the run's own (src/output/vote.c) computes it on
 * the test set: each pair model votes for the digit its logit favours
 * (pl_model_predict, z > 0 for the pair's second digit), the most voted digit
 * wins, a tie goes to the smaller digit.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parlogit/predict.h"

/* The best row.csv row of task t; NULL when the task has no trained model. */
static const pl_result_row *best_row(const pl_run_dir *r, pl_task t)
{
    const pl_result_row *row = NULL;
    pl_error e = { 0 };
    return pl_run_dir_pick(r, t, 0, 0, &row, &e) == PL_OK ? row : NULL;
}

/* How a candidate default is judged: best.csv's validation accuracy when the
 * run has one, else the test accuracy, else the training accuracy. */
static double merit(const pl_run_dir *r, const pl_result_row *row)
{
    for (size_t i = 0; i < r->nbest; i++)
        if (!strcmp(r->best[i].model, row->model) && isfinite(r->best[i].validation_acc))
            return r->best[i].validation_acc;
    return isfinite(row->test_acc) ? row->test_acc : row->train_acc;
}

/* The pair task of digits i < j in the run (either orientation), or -1. */
static int find_pair(const pl_run_dir *r, int i, int j)
{
    for (int k = 0; k < r->npairs; k++) {
        const pl_task t = r->pairs[k];
        if (t.kind == PL_KIND_BINARY && t.neg >= 0 &&
            ((t.neg == i && t.pos == j) || (t.neg == j && t.pos == i)))
            return k;
    }
    return -1;
}

static int open_vote(const pl_run_dir *r, pl_predictor *p, pl_error *e)
{
    int n = 0;
    for (int i = 0; i < PL_CLASSES; i++)
        for (int j = i + 1; j < PL_CLASSES; j++) {
            int k = find_pair(r, i, j);
            const pl_result_row *row = k < 0 ? NULL : best_row(r, r->pairs[k]);
            if (!row)
                return pl_errorf(e, PL_EINPUT, "%s: the vote needs a trained model of every "
                                 "pair, and %d-%d has none", r->dir, i, j);
            int rc = pl_model_load(r->dir, row->model, &p->pair[n], e);
            if (rc)
                return rc;
            n++;
        }
    snprintf(p->name, sizeof p->name, "%s", PL_VOTE_NAME);
    p->vote = 1;
    p->k = PL_CLASSES;
    for (int c = 0; c < PL_CLASSES; c++)
        p->classes[c] = c;
    p->dim = p->pair[0].dim;
    for (int k = 1; k < PL_VOTE_PAIRS; k++)
        if (p->pair[k].dim != p->dim)
            return pl_errorf(e, PL_EINPUT, "%s: the pair models have different input sizes",
                             r->dir);
    return PL_OK;
}

static int open_model(const pl_run_dir *r, const char *name, pl_predictor *p, pl_error *e)
{
    if (!pl_run_dir_find(r, name)) {
        char example[64];
        return pl_errorf(e, PL_EINPUT, "%s: no model '%s' in this run (results.csv lists its "
                         "models, e.g. %s%s)", r->dir, name,
                         r->nrows ? pl_result_row_name(&r->rows[0], example) : "softmax_lr0.5_it500",
                         r->npairs >= PL_VOTE_PAIRS ? "; " PL_VOTE_NAME " is the pairs' vote" : "");
    }
    int rc = pl_model_load(r->dir, name, &p->model, e);
    if (rc)
        return rc;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->k = pl_model_classes(&p->model, p->classes);
    p->dim = p->model.dim;
    return PL_OK;
}

/* The default's name into name (see predict.h), or "" for the vote. */
static int default_name(const pl_run_dir *r, char name[64], pl_error *e)
{
    const pl_result_row *pick = NULL;
    double best = -1;
    for (int pass = 0; pass < 2 && !pick; pass++)   /* ten classes first, then fewer */
        for (int k = 0; k < r->nmulti; k++) {
            const pl_task t = r->multi[k];
            if (pass == 0 && pl_task_outputs(t) != PL_CLASSES)
                continue;
            const pl_result_row *row = best_row(r, t);
            double m = row ? merit(r, row) : -1;
            if (row && m > best) {
                best = m;
                pick = row;
            }
        }
    if (pick) {
        snprintf(name, 64, "%s", pick->model);
        return PL_OK;
    }
    int all = 1;
    for (int i = 0; i < PL_CLASSES && all; i++)
        for (int j = i + 1; j < PL_CLASSES && all; j++)
            all = find_pair(r, i, j) >= 0;
    if (all) {
        name[0] = '\0';
        return PL_OK;
    }
    if (r->npairs == 1 && (pick = best_row(r, r->pairs[0]))) {
        snprintf(name, 64, "%s", pick->model);
        return PL_OK;
    }
    return pl_errorf(e, PL_EINPUT, "%s: no ten-class model, no full set of 45 pairs to vote "
                     "and %d binary tasks: name the model with --model (results.csv lists "
                     "them)", r->dir, r->npairs);
}

int pl_predictor_open(const pl_run_dir *r, const char *name, pl_predictor *p, pl_error *e)
{
    memset(p, 0, sizeof *p);
    char chosen[64];
    int rc = PL_OK;
    if (!name) {
        rc = default_name(r, chosen, e);
        name = chosen[0] ? chosen : PL_VOTE_NAME;
    }
    if (!rc)
        rc = !strcmp(name, PL_VOTE_NAME) ? open_vote(r, p, e) : open_model(r, name, p, e);
    if (rc) {
        pl_predictor_free(p);
        return rc;
    }
    /* the shape and scale the run's data had (the model's sidecar) */
    const pl_model *m = p->vote ? &p->pair[0] : &p->model;
    p->height = m->height;
    p->width = m->width;
    p->pixel_max = m->pixel_max;
    return PL_OK;
}

int pl_predictor_predict(const pl_predictor *p, const uint8_t *x, double *prob)
{
    if (!p->vote)
        return pl_model_predict(&p->model, x, prob);
    int votes[PL_CLASSES] = { 0 };
    double q[2];
    for (int k = 0; k < PL_VOTE_PAIRS; k++)
        votes[pl_model_predict(&p->pair[k], x, q)]++;
    int win = 0;
    for (int c = 0; c < PL_CLASSES; c++) {
        prob[c] = votes[c] / (double)PL_VOTE_PAIRS;
        win = votes[c] > votes[win] ? c : win;
    }
    return win;
}

const pl_model *pl_predictor_explainer(const pl_predictor *p, const uint8_t *x)
{
    if (!p->vote)
        return &p->model;
    double v[PL_CLASSES];
    int first = pl_predictor_predict(p, x, v), second = first == 0 ? 1 : 0;
    for (int c = 0; c < PL_CLASSES; c++)
        if (c != first && v[c] > v[second])
            second = c;
    for (int k = 0; k < PL_VOTE_PAIRS; k++) {
        const pl_task t = p->pair[k].task;
        if ((t.pos == first && t.neg == second) || (t.pos == second && t.neg == first))
            return &p->pair[k];
    }
    return &p->pair[0];
}

void pl_predictor_free(pl_predictor *p)
{
    pl_model_free(&p->model);
    for (int k = 0; k < PL_VOTE_PAIRS; k++)
        pl_model_free(&p->pair[k]);
    memset(p, 0, sizeof *p);
}
