/*
 * split.c - pl_split_select: train and test row lists from the config's split
 * mode and subsample sizes.
 *
 * Randomness comes from util/rng.h only, one independent stream per use
 * (the fraction shuffle, the train subsample, the test subsample), so the rows
 * chosen depend only on data.seed and the sizes involved, never on the
 * machine, the thread count or the order of other draws; changing train_size
 * does not change which test rows are drawn.  Lists are returned in ascending
 * file order: pl_dataset_build keeps that order within each digit, so a
 * dataset lists rows of one digit as they appear in the file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/split.h"
#include "util/rng.h"

enum { STREAM_FRACTION = 1, STREAM_TRAIN_SIZE = 2, STREAM_TEST_SIZE = 3, STREAM_VALIDATION = 4 };

void pl_rows_free(pl_rows *r)
{
    free(r->idx);
    r->idx = NULL;
    r->n = 0;
}

static const char *where(const pl_config *c, const char *key)
{
    const char *w = pl_config_where(c, "data", key);
    return w && *w ? w : "config";
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* r = lo, lo+1, ..., hi-1. */
static int rows_range(pl_rows *r, size_t lo, size_t hi, pl_error *e)
{
    r->n = hi - lo;
    r->idx = malloc((r->n ? r->n : 1) * sizeof *r->idx);
    if (!r->idx)
        return pl_errorf(e, PL_ENOMEM, "split: out of memory for %zu rows", r->n);
    for (size_t i = 0; i < r->n; i++)
        r->idx[i] = lo + i;
    return PL_OK;
}

/* r = a copy of idx[0..n), sorted ascending. */
static int rows_sorted_copy(pl_rows *r, const size_t *idx, size_t n, pl_error *e)
{
    r->n = n;
    r->idx = malloc((n ? n : 1) * sizeof *r->idx);
    if (!r->idx)
        return pl_errorf(e, PL_ENOMEM, "split: out of memory for %zu rows", n);
    memcpy(r->idx, idx, n * sizeof *idx);
    qsort(r->idx, n, sizeof *r->idx, cmp_size);
    return PL_OK;
}

/* Moves a uniformly random k-subset of idx[0..n) to its front (partial
 * Fisher-Yates). */
static void shuffle_front(size_t *idx, size_t n, size_t k, pl_rng *g)
{
    for (size_t i = 0; i < k && i + 1 < n; i++) {
        size_t j = i + (size_t)pl_rng_below(g, n - i);
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* Keeps a seeded random `size` of r's rows (size 0 = all), ascending. */
static int subsample(const pl_config *c, pl_rows *r, size_t size, const char *key,
                     const char *set, uint64_t stream, pl_error *e)
{
    if (size == 0 || size == r->n)
        return PL_OK;
    if (size > r->n)
        return pl_errorf(e, PL_EINPUT, "%s: %s = %zu is more than the %zu %s rows "
                         "available", where(c, key), key, size, r->n, set);
    pl_rng g;
    pl_rng_seed(&g, c->data.seed, stream);
    shuffle_front(r->idx, r->n, size, &g);
    r->n = size;
    qsort(r->idx, r->n, sizeof *r->idx, cmp_size);
    return PL_OK;
}

/* split = rows: one range of the train file. */
static int split_range(const pl_config *c, const char *key, size_t lo, size_t hi,
                       int may_be_empty, const char *path, size_t n, pl_rows *r,
                       pl_error *e)
{
    if (hi < lo || (hi == lo && !may_be_empty))
        return pl_errorf(e, PL_EINPUT, "%s: %s = %zu:%zu is an empty range (expected "
                         "A:B with A < B)", where(c, key), key, lo, hi);
    if (hi > n)
        return pl_errorf(e, PL_EINPUT, "%s: %s = %zu:%zu goes beyond the %zu rows of "
                         "'%s'", where(c, key), key, lo, hi, n, path);
    return rows_range(r, lo, hi, e);
}

/* split = fraction: a seeded shuffle of 0..n-1, the tail to test. */
static int split_fraction(const pl_config *c, const char *path, size_t n, pl_rows *train,
                          pl_rows *test, pl_error *e)
{
    double f = c->data.test_fraction;
    if (!(f > 0 && f < 1))
        return pl_errorf(e, PL_EINPUT, "%s: test_fraction = %g is not in (0, 1)",
                         where(c, "test_fraction"), f);
    size_t ntest = (size_t)floor((double)n * f + 0.5);
    if (ntest == 0 || ntest == n)
        return pl_errorf(e, PL_EINPUT, "%s: test_fraction = %g of the %zu rows of '%s' "
                         "leaves the %s set empty", where(c, "test_fraction"), f, n, path,
                         ntest == 0 ? "test" : "train");
    size_t *perm = malloc(n * sizeof *perm);
    if (!perm)
        return pl_errorf(e, PL_ENOMEM, "split: out of memory for %zu rows", n);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    pl_rng g;
    pl_rng_seed(&g, c->data.seed, STREAM_FRACTION);
    shuffle_front(perm, n, n, &g);
    int rc = rows_sorted_copy(train, perm, n - ntest, e);
    if (rc == PL_OK)
        rc = rows_sorted_copy(test, perm + (n - ntest), ntest, e);
    free(perm);
    return rc;
}

int pl_split_select(const pl_config *c, const char *train_path, size_t ntrain,
                    size_t ntest, pl_rows *train, pl_rows *test, pl_error *e)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    int rc;
    switch (c->data.split) {
    case PL_SPLIT_FILES:
        rc = rows_range(train, 0, ntrain, e);
        if (rc == PL_OK)
            rc = rows_range(test, 0, ntest, e);
        break;
    case PL_SPLIT_ROWS:
        rc = split_range(c, "train_rows", c->data.train_lo, c->data.train_hi, 0,
                         train_path, ntrain, train, e);
        if (rc == PL_OK)
            rc = split_range(c, "test_rows", c->data.test_lo, c->data.test_hi, 1,
                             train_path, ntrain, test, e);
        break;
    case PL_SPLIT_FRACTION:
        rc = split_fraction(c, train_path, ntrain, train, test, e);
        break;
    default:
        rc = pl_errorf(e, PL_EINPUT, "%s: unknown split mode %d", where(c, "split"),
                       c->data.split);
        break;
    }
    if (rc == PL_OK)
        rc = subsample(c, train, c->data.train_size, "train_size", "training",
                       STREAM_TRAIN_SIZE, e);
    if (rc == PL_OK)
        rc = subsample(c, test, c->data.test_size, "test_size", "test",
                       STREAM_TEST_SIZE, e);
    if (rc != PL_OK) {
        pl_rows_free(train);
        pl_rows_free(test);
    }
    return rc;
}

int pl_split_validation(const pl_config *c, pl_rows *train, pl_rows *val, pl_error *e)
{
    memset(val, 0, sizeof *val);
    const double f = c->data.validation_fraction;
    if (f <= 0.0)
        return PL_OK;
    size_t k = (size_t)(f * (double)train->n + 0.5);
    if (k == 0 || k >= train->n)
        return pl_errorf(e, PL_EINPUT, "%s: validation_fraction = %g of %zu training rows "
                         "leaves %s empty", where(c, "validation_fraction"), f, train->n,
                         k == 0 ? "the validation set" : "the training set");
    val->idx = malloc(k * sizeof *val->idx);
    if (!val->idx)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    pl_rng g;
    pl_rng_seed(&g, c->data.seed, STREAM_VALIDATION);
    shuffle_front(train->idx, train->n, k, &g);
    memcpy(val->idx, train->idx, k * sizeof *val->idx);
    val->n = k;
    memmove(train->idx, train->idx + k, (train->n - k) * sizeof *train->idx);
    train->n -= k;
    qsort(val->idx, val->n, sizeof *val->idx, cmp_size);
    qsort(train->idx, train->n, sizeof *train->idx, cmp_size);
    return PL_OK;
}
