/*
 * fuzz_csv.c - pl_csv_load.  The first byte picks the options: bits 0-1 the
 * label (first, last, none, detect), bits 2-3 the header (auto, no, yes), bit
 * 4 the shape (from the first line, or 8 x 8), bit 5 pixel_max (255 or 16);
 * the rest is the file, plain or gzip.
 */
#include "fuzz.h"
#include "parlogit/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const int labels[4] = { PL_CSV_LABEL_FIRST, PL_CSV_LABEL_LAST, PL_CSV_LABEL_NONE,
                                   PL_CSV_LABEL_DETECT };
    const size_t side = data[0] & 16 ? 8 : 0;
    pl_csv_opts o = { .label = labels[data[0] & 3], .header = (int)((data[0] >> 2) & 3) % 3 - 1,
                      .height = side, .width = side, .pixel_max = data[0] & 32 ? 16 : 255 };
    char path[512];
    fz_write("data.csv", data + 1, size - 1, path, sizeof path);
    pl_raw raw;
    pl_error e;
    int rc = pl_csv_load(path, &o, &raw, &e);
    fz_check(rc, &e);
    if (!rc && raw.n) {   /* within the options, and every byte is there */
        if (raw.dim != raw.height * raw.width || (side && raw.dim != 64) ||
            raw.pixel_max != o.pixel_max)
            __builtin_trap();
        for (size_t i = 0; i < raw.n * raw.dim; i++)
            if (raw.pix[i] > o.pixel_max)
                __builtin_trap();
        raw.pix[raw.n * raw.dim - 1] ^= raw.label[raw.n - 1];
    }
    pl_raw_free(&raw);
    return 0;
}
