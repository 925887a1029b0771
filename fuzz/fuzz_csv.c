/*
 * fuzz_csv.c - pl_csv_load.  The first byte picks the options (label first
 * or last; header auto, no or yes); the rest is the file, plain or gzip.
 */
#include "fuzz.h"
#include "parlogit/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    pl_csv_opts o = { .label = data[0] & 1 ? PL_CSV_LABEL_LAST : PL_CSV_LABEL_FIRST,
                      .header = (int)(data[0] >> 1) % 3 - 1 };
    char path[512];
    fz_write("data.csv", data + 1, size - 1, path, sizeof path);
    pl_raw raw;
    pl_error e;
    int rc = pl_csv_load(path, &o, &raw, &e);
    fz_check(rc, &e);
    if (!rc && raw.n)
        raw.pix[raw.n * raw.dim - 1] ^= raw.label[raw.n - 1];
    pl_raw_free(&raw);
    return 0;
}
