/*
 * fuzz_curves.c - pl_read_curves: a run's curves.csv, one loss per
 * iteration per (task, job).
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_curves(const char *path, pl_error *e)
{
    pl_loss_curve *cv;
    size_t n;
    int rc = pl_read_curves(path, &cv, &n, e);
    if (!rc) {
        for (size_t i = 0; i < n; i++)   /* each curve holds len losses: ASan checks */
            if (cv[i].len > 0)
                cv[i].loss[cv[i].len - 1] += cv[i].loss[0];
        pl_loss_curves_free(cv, n);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_one_file(data, size, "curves.csv", read_curves);
}
