/*
 * readfile.c - a whole file into memory: the run's model files (.npy, the
 * .npz archive) are read so and parsed from the buffer.  See util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int pl_read_fd(int fd, const char *path, size_t size, unsigned char **buf, size_t *len,
               pl_error *e)
{
    *buf = NULL;
    *len = 0;
    if (size > PL_READ_FILE_MAX)
        return pl_errorf(e, PL_EINPUT, "%s: %zu bytes, more than a model file can hold (%zu)",
                         path, size, PL_READ_FILE_MAX);
    unsigned char *b = malloc(size ? size : 1);
    if (!b)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory for %zu bytes", path, size);
    size_t got = 0;
    while (got < size) {
        const ssize_t r = pread(fd, b + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {   /* an error, or shorter than fstat said: changed while read */
            free(b);
            return pl_errorf(e, PL_EIO, "%s: read error after %zu of %zu bytes", path, got,
                             size);
        }
        got += (size_t)r;
    }
    *buf = b;
    *len = size;
    return PL_OK;
}

int pl_open_regular(const char *path, int missing, int *fd, struct stat *st, pl_error *e)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return pl_errorf(e, errno == ENOENT ? missing : PL_EIO, "%s: cannot open: %s", path,
                         strerror(errno));
    if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(*fd);
        *fd = -1;
        return pl_errorf(e, PL_EINPUT, "%s: not a regular file", path);
    }
    return PL_OK;
}

int pl_read_file(const char *path, unsigned char **buf, size_t *len, pl_error *e)
{
    *buf = NULL;
    *len = 0;
    int fd;
    struct stat st;
    int rc = pl_open_regular(path, PL_EIO, &fd, &st, e);
    if (rc)
        return rc;
    rc = pl_read_fd(fd, path, (size_t)st.st_size, buf, len, e);
    close(fd);
    return rc;
}
