/*
 * fuzz_rundir.c - pl_run_dir_open on a run directory's results.csv and
 * best.csv (RESULTS FZ_SEP BEST; without the separator there is no
 * best.csv), then what explain does next: pick each task's model and find
 * each row's by name.
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *tail;
    size_t nhead, ntail;
    fz_split(data, size, FZ_SEP, &tail, &nhead, &ntail);
    char path[512], name[64];
    fz_write("results.csv", data, nhead, path, sizeof path);
    snprintf(path, sizeof path, "%s/best.csv", fz_dir());
    if (nhead < size)
        fz_write("best.csv", tail, ntail, path, sizeof path);
    else
        unlink(path);
    static pl_run_dir r;
    pl_error e;
    int rc = pl_run_dir_open(fz_dir(), &r, &e);
    fz_check(rc, &e);
    if (rc)
        return 0;
    const pl_result_row *row;
    for (int k = 0; k < r.npairs; k++)
        fz_check(pl_run_dir_pick(&r, r.pairs[k], 0, 0, &row, &e), &e);
    for (int k = 0; k < r.nmulti; k++)
        fz_check(pl_run_dir_pick(&r, r.multi[k], 0, 0, &row, &e), &e);
    for (size_t i = 0; i < r.nrows; i++)
        if (pl_run_dir_find(&r, pl_result_row_name(&r.rows[i], name)) == NULL)
            abort();   /* a row is always found by its own name */
    pl_run_dir_free(&r);
    return 0;
}
