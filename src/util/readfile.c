/*
 * readfile.c - a whole file into memory: the run's model files (.npy, the
 * .npz archive) are read so and parsed from the buffer.  See util.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

int pl_read_file(const char *path, unsigned char **buf, size_t *len, pl_error *e)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_errorf(e, PL_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return pl_errorf(e, PL_EINPUT, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > PL_READ_FILE_MAX) {
        fclose(f);
        return pl_errorf(e, PL_EINPUT, "%s: %llu bytes, more than a model file can hold "
                         "(%llu)", path, (unsigned long long)st.st_size,
                         (unsigned long long)PL_READ_FILE_MAX);
    }
    const size_t n = (size_t)st.st_size;
    unsigned char *b = malloc(n ? n : 1);
    if (!b) {
        fclose(f);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for %zu bytes", path, n);
    }
    const size_t got = fread(b, 1, n, f);
    const int err = ferror(f);
    fclose(f);
    if (err || got != n) {   /* shorter than fstat said: changed while read */
        free(b);
        return pl_errorf(e, PL_EIO, "%s: read error after %zu of %zu bytes", path, got, n);
    }
    *buf = b;
    *len = n;
    return PL_OK;
}
