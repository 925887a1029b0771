/*
 * fuzz_npy.c - pl_npy_read: the .npy reader of a run's weights and biases.
 */
#include "fuzz.h"
#include "parlogit/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fz_write("a.npy", data, size, path, sizeof path);
    float *a;
    int ndim;
    size_t shape[4];
    pl_error e;
    int rc = pl_npy_read(path, &a, &ndim, shape, &e);
    fz_check(rc, &e);
    if (!rc)
        fz_touch(a, ndim, shape);
    free(a);
    return 0;
}
