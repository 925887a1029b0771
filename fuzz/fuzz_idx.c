/*
 * fuzz_idx.c - pl_idx_load on an images file and a labels file, each plain
 * or gzip (zlib reads both): the input is IMAGES FZ_SEP LABELS.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_idx_pair(data, size, fz_write, "images", "labels");
}
