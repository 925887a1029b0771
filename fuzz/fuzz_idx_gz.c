/*
 * fuzz_idx_gz.c - pl_idx_load through a well-formed gzip layer: the input
 * (IMAGES FZ_SEP LABELS, as fuzz_idx) is gzip-compressed before it is
 * written, so the mutations reach the IDX parser behind the gzip reader; fuzz_idx
 * feeds broken gzip streams themselves.
 */
#include <zlib.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes p[0..n) gzip-compressed (level 1) to fz_dir()/name.  One deflate
 * state and buffer serve every run: gzopen's own would be most of the time. */
static void write_gz(const char *name, const void *p, size_t n, char *path, size_t len)
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
    return fz_idx_pair(data, size, write_gz, "images.gz", "labels.gz");
}
