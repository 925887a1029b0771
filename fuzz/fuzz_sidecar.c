/*
 * fuzz_sidecar.c - pl_run_dir_config: a model's JSON sidecar (jansson), its
 * "config" object applied key by key on the defaults, as explain, report
 * and show read a run's effective config back.
 */
#include "fuzz.h"
#include "parlogit/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pl_run_dir r;
    static pl_config c;
    static pl_result_row row = { .model = "1-7_lr0.1_it100" };
    char path[512];
    fz_write("models/1-7_lr0.1_it100.json", data, size, path, sizeof path);
    snprintf(r.dir, sizeof r.dir, "%s", fz_dir());
    pl_error e;
    int rc = pl_run_dir_config(&r, &row, &c, &e);
    fz_check(rc, &e);
    if (!rc)
        fz_check(pl_config_check(&c, &e), &e);
    return 0;
}
