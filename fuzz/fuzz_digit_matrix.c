/*
 * fuzz_digit_matrix.c - pl_read_digit_matrix: a sweep's pair_accuracy.csv
 * (corner "digit") and ovo_confusion.csv / ovr_confusion.csv (corner
 * "actual"); the first byte picks the corner.
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[512];
    fz_write("matrix.csv", data + 1, size - 1, path, sizeof path);
    double m[10][10];
    pl_error e;
    fz_check(pl_read_digit_matrix(path, data[0] & 1 ? "actual" : "digit", m, &e), &e);
    return 0;
}
