/*
 * sweep.h - the results of a sweep: the best model of every task, the 10x10
 * table of pair test accuracies, and the best pair models voting as one
 * ten-class classifier.
 *
 * Choosing the best model of a task.  Among the task's results whose status is
 * ok (diverged and interrupted checkpoints never compete), the winner is the
 * one that is first in this order:
 *   1. higher accuracy on the selection rows,
 *   2. lower log-loss on the selection rows,
 *   3. smaller learning rate,
 *   4. fewer iterations.
 * The selection rows are the validation rows when the config has a validation
 * split (data.validation_fraction > 0) and the task's results carry a finite
 * validation accuracy; otherwise the training rows.  The test set is never
 * looked at.  A NaN metric ranks below every number.
 *
 * The one-vs-one vote (run when the best models of all 45 digit pairs exist
 * and there is a test set): for every test row each pair model i-j computes
 * z = (x/255)·w + b in double from its stored float weights and votes for its
 * positive digit j if z > 0, else for its negative digit i.  The prediction is
 * the digit with the most votes; a tie goes to the smaller digit (libsvm's
 * rule).  When the best models of all ten "d-rest" tasks exist, they also form
 * a one-vs-rest classifier: the prediction is the digit whose model gives the
 * largest z, a tie again going to the smaller digit.
 *
 * Ten-class models (ovr, softmax): the best of each task is chosen by the
 * same rule (their accuracies are K-class accuracies) and scored on the test
 * set by its own probabilities (include/parlogit/model.h): a confusion matrix
 * per task, and the best of them all is the run's ten-class model (its
 * predictions are predictions.csv).
 *
 * A pl_sweep is a plain value: it copies what it reports and points into
 * nothing, so it outlives the run and needs no freeing.
 */
#ifndef PARLOGIT_SWEEP_H
#define PARLOGIT_SWEEP_H

#include <stddef.h>
#include <stdio.h>

#include "parlogit/config.h"
#include "parlogit/data.h"
#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/train.h"

#define PL_SWEEP_MULTI 8      /* ovr / softmax tasks in one run */

/* The chosen model of one task (a copy of its result's numbers). */
typedef struct pl_sweep_best {
    pl_task task;
    size_t result;            /* index into run->results                     */
    int on_val;               /* 1: chosen on validation rows, 0: on training */
    pl_hyper h;               /* how it was trained                           */
    double lr;
    int iterations;
    double train_loss, train_acc;
    double val_loss, val_acc;     /* NaN without a validation split          */
    double test_loss, test_acc;   /* NaN without a test set                  */
} pl_sweep_best;

/* A ten-class classifier made of binary models, scored on the test set. */
typedef struct pl_sweep_vote {
    int ran;                  /* 0: not computed (models or test set missing) */
    size_t rows, correct;
    double acc;               /* correct / rows                              */
    size_t confusion[PL_CLASSES][PL_CLASSES];   /* [actual][predicted]       */
} pl_sweep_vote;

typedef struct pl_sweep {
    pl_sweep_best best[PL_MAX_TASKS];   /* tasks with an ok result, run order */
    int nbest;
    pl_task unresolved[PL_MAX_TASKS];   /* tasks without any ok result         */
    int nunresolved;
    int pair_best[PL_CLASSES][PL_CLASSES];  /* index into best[] of the pair
                                             * {i, j} (either orientation), or -1;
                                             * symmetric, -1 on the diagonal  */
    int rest_best[PL_CLASSES];          /* index into best[] of "d-rest", or -1 */
    double pair_acc[PL_CLASSES][PL_CLASSES];  /* test_acc of pair_best; NaN if none */
    int npairs;               /* pairs with a best model (at most 45)        */
    pl_sweep_vote ovo;        /* one-vs-one vote of the 45 pair models       */
    pl_sweep_vote ovr;        /* one-vs-rest argmax of the ten d-rest models */
    /* the ovr and softmax tasks (run order): index into best[] of each, and its
     * best model scored on the test set (confusion over digits) */
    int multi_best[PL_SWEEP_MULTI];
    pl_sweep_vote multi[PL_SWEEP_MULTI];
    int nmulti;
    int top;                  /* index into best[] of the best ten-class model
                                 (by the rule above, among the multi tasks), -1 */
} pl_sweep;

/*
 * Chooses the best model of every task of run (see the rule above), fills the
 * pair accuracy table and, when the models and a test set are there, runs the
 * votes on test (which may be NULL or empty).  cfg gives the validation split.
 * PL_EINPUT if test's rows do not have run->dim pixels.  *out is fully
 * written on success.
 */
int pl_sweep_summarize(const pl_config *cfg, const pl_run *run, const pl_dataset *test,
                       pl_sweep *out, pl_error *e);

/*
 * Writes into dir (created if needed), each file atomically, numbers lossless:
 *   best.csv            pair,lr,iterations,val_acc,train_acc,test_acc,test_loss,model
 *                       (one row per task with a best model, run order; lr empty
 *                       for L-BFGS; model: its file name)
 *   pair_accuracy.csv   digit,0,...,9; row i column j: test accuracy of pair
 *                       i-j's best model; empty on the diagonal and for pairs
 *                       not trained
 *   ovo_confusion.csv   actual,0,...,9; counts [actual][predicted] of the vote
 *   ovr_confusion.csv   the same for the one-vs-rest classifier
 *   confusion_TASK.csv  the same for the best model of each ovr / softmax task
 *                       (e.g. confusion_softmax.csv)
 *   predictions.csv     the best ten-class model on the test rows in file order:
 *                       row,label,predicted,p<c>... (row: the index in its file)
 *   summary.json        the whole run: effective config, data files and their
 *                       SHA-256, threads, simd, seconds, interrupted, rows,
 *                       every result, the best per task, the pair table, the
 *                       votes
 * A confusion file whose classifier did not run is removed if an earlier run
 * left one there, so the directory never mixes two runs.  data may be NULL
 * (no data files listed).
 */
int pl_sweep_write(const char *dir, const pl_config *cfg, const pl_data *data,
                   const pl_run *run, const pl_sweep *s, pl_error *e);

/* Prints the human tables to f: the best model per task, the pair accuracy
 * table (percent, one decimal, "-" on the diagonal), the votes' accuracy and
 * confusion matrices.  The only printing the library does. */
void pl_sweep_print(FILE *f, const pl_sweep *s);

#endif
