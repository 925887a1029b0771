/*
 * sha256_file.c - pl_sha256_file: the SHA-256 of a file's bytes as stored
 * (a .gz file is hashed compressed, as its published digest is).  Used to record
 * the inputs of a run and to verify fetched MNIST files.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "data/reader.h"
#include "parlogit/data.h"
#include "util/sha256.h"

int pl_sha256_file(const char *path, char hex[65], pl_error *e)
{
    hex[0] = '\0';
    int fd = pl_data_open(path, e);
    if (fd < 0)
        return e->code;
    pl_sha256 s;
    pl_sha256_init(&s);
    unsigned char buf[1 << 16];
    for (;;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int err = errno;
            close(fd);
            return pl_errorf(e, PL_EIO, "%s: read error: %s", path, strerror(err));
        }
        if (k == 0)
            break;
        pl_sha256_update(&s, buf, (size_t)k);
    }
    close(fd);
    uint8_t digest[32];
    pl_sha256_final(&s, digest);
    pl_sha256_hex(digest, hex);
    return PL_OK;
}
