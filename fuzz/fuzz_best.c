/*
 * fuzz_best.c - pl_read_best: a sweep's best.csv (columns found by name).
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fz_write("best.csv", data, size, path, sizeof path);
    pl_best_row *rows;
    size_t n;
    pl_error e;
    int rc = pl_read_best(path, &rows, &n, &e);
    fz_check(rc, &e);
    if (!rc)
        free(rows);
    return 0;
}
