/*
 * sweep_impl.h - private to src/output/sweep*.c and vote.c: the two ten-class
 * classifiers built from a sweep's best models.  See include/parlogit/sweep.h
 * for the rules.
 */
#ifndef PARLOGIT_SWEEP_IMPL_H
#define PARLOGIT_SWEEP_IMPL_H

#include "parlogit/sweep.h"

/* The one-vs-one vote of s->pair_best over test (all 45 pairs present, test
 * non-empty, test->dim == run->dim: the caller checks).  PL_OK, or PL_ENOMEM
 * for the row's pixel list. */
int pl_vote_ovo(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                pl_sweep_vote *v);

/* The one-vs-rest argmax of s->rest_best over test (all ten present). */
int pl_vote_ovr(const pl_run *run, const pl_sweep *s, const pl_dataset *test,
                pl_sweep_vote *v);

/* The K-class model of best b scored on test by its probabilities
 * (model.h): the confusion over digits. */
void pl_score_model(const pl_run *run, const pl_sweep_best *b, const pl_dataset *test,
                    pl_sweep_vote *v);

#endif
