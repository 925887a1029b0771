/*
 * fuzz_best.c - pl_read_best: a sweep's best.csv (columns found by name).
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_best(const char *path, pl_error *e)
{
    pl_best_row *rows;
    size_t n;
    int rc = pl_read_best(path, &rows, &n, e);
    if (!rc)
        free(rows);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_one_file(data, size, "best.csv", read_best);
}
