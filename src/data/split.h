/*
 * split.h - which rows of the loaded files become the train and test sets:
 * the split modes of config.h followed by random subsampling.  Private to
 * src/data/ (used by load.c).
 */
#ifndef PARLOGIT_DATA_SPLIT_H
#define PARLOGIT_DATA_SPLIT_H

#include <stddef.h>

#include "parlogit/config.h"
#include "parlogit/error.h"

/* A list of row indices into one file, ascending.  Owns idx. */
typedef struct pl_rows {
    size_t *idx;
    size_t n;
} pl_rows;

/*
 * Chooses the rows as c->data says.  ntrain is the row count of the train file
 * (named train_path in messages); ntest that of the test file (split = files
 * only; ignored otherwise).  split = files: all rows of each file; rows: the
 * train_rows and test_rows ranges of the train file (test_rows empty: no test
 * set); fraction: a seeded shuffle, the last round(n * test_fraction) to test.
 * Then train_size / test_size (0 = all) draw a seeded random subset.  Both
 * lists come back ascending.  Errors (PL_EINPUT) cite pl_config_where of the
 * offending key; on error both lists are empty and own nothing.
 */
int pl_split_select(const pl_config *c, const char *train_path, size_t ntrain,
                    size_t ntest, pl_rows *train, pl_rows *test, pl_error *e);

/*
 * Moves a seeded random round(n * validation_fraction) of the training rows
 * into val (nothing when the fraction is 0); both lists stay ascending.  An
 * empty validation or training set is PL_EINPUT.
 */
int pl_split_validation(const pl_config *c, pl_rows *train, pl_rows *val, pl_error *e);

void pl_rows_free(pl_rows *r);

#endif
