/*
 * fuzz_idx_gz.c - pl_idx_load through a well-formed gzip layer: the input
 * (IMAGES FZ_SEP LABELS, as fuzz_idx) is gzip-compressed before it is
 * written, so the mutations reach the IDX parser behind zlib; fuzz_idx
 * feeds broken gzip streams themselves.
 */
#include <zlib.h>

#include "fuzz.h"
#include "parlogit/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes p[0..n) gzip-compressed (level 1) to fz_dir()/name.  One deflate
 * state and buffer serve every run: gzopen's own would be most of the time. */
static void write_gz(const char *name, const uint8_t *p, size_t n, char *path, size_t len)
{
    static z_stream z;
    static int ready;
    static uint8_t *buf;
    static size_t cap;
    if (!ready) {
        if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        ready = 1;
    }
    deflateReset(&z);   /* before deflateBound: it counts the gzip header of a fresh stream */
    size_t need = deflateBound(&z, (uLong)n);
    if (need > cap) {
        free(buf);
        cap = need;
        buf = malloc(cap);
        if (!buf)
            abort();
    }
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    fz_write(name, buf, cap - z.avail_out, path, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *tail;
    size_t nhead, ntail;
    fz_split(data, size, FZ_SEP, &tail, &nhead, &ntail);
    char images[512], labels[512];
    write_gz("images.gz", data, nhead, images, sizeof images);
    write_gz("labels.gz", tail, ntail, labels, sizeof labels);
    pl_raw raw;
    pl_error e;
    int rc = pl_idx_load(images, labels, &raw, &e);
    fz_check(rc, &e);
    if (!rc && raw.n)
        raw.pix[raw.n * raw.dim - 1] ^= raw.label[raw.n - 1];
    pl_raw_free(&raw);
    return 0;
}
