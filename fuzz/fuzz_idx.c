/*
 * fuzz_idx.c - pl_idx_load on an images file and a labels file, each plain
 * or gzip (zlib reads both): the input is IMAGES FZ_SEP LABELS.
 */
#include "fuzz.h"
#include "parlogit/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *tail;
    size_t nhead, ntail;
    fz_split(data, size, FZ_SEP, &tail, &nhead, &ntail);
    char images[512], labels[512];
    fz_write("images", data, nhead, images, sizeof images);
    fz_write("labels", tail, ntail, labels, sizeof labels);
    pl_raw raw;
    pl_error e;
    int rc = pl_idx_load(images, labels, &raw, &e);
    fz_check(rc, &e);
    if (!rc && raw.n)   /* touch what was loaded: ASan checks the sizes */
        raw.pix[raw.n * raw.dim - 1] ^= raw.label[raw.n - 1];
    pl_raw_free(&raw);
    return 0;
}
