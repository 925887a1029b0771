/*
 * fuzz_results.c - pl_read_results: a run's results.csv.
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], name[64];
    fz_write("results.csv", data, size, path, sizeof path);
    pl_result_row *rows;
    size_t n;
    pl_error e;
    int rc = pl_read_results(path, &rows, &n, &e);
    fz_check(rc, &e);
    if (!rc) {
        for (size_t i = 0; i < n; i++)   /* the names its models are loaded by */
            pl_result_row_name(&rows[i], name);
        free(rows);
    }
    return 0;
}
