/*
 * open_data.c - pl_data_open: the one way a data file is opened, for the
 * loaders and for hashing.  Only regular files are data: a directory, a
 * device such as /dev/zero (endless: hashing it never ends) or a FIFO
 * (open blocks until a writer comes) is refused at once with a message.  The
 * file is opened non-blocking, so a FIFO cannot hang the open, then checked
 * with fstat, then switched back to blocking reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/reader.h"

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
           S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a pipe (FIFO)" :
           S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int pl_data_open(const char *path, pl_error *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return pl_errorf(e, PL_EINPUT, "%s: cannot open: %s", path, strerror(errno)), -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return pl_errorf(e, PL_EIO, "%s: cannot read: %s", path, strerror(err)), -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pl_errorf(e, PL_EINPUT, "%s: is %s, not a data file (expected a regular file)",
                         path, kind_of(st.st_mode)), -1;
    }
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int err = errno;
        close(fd);
        return pl_errorf(e, PL_EIO, "%s: cannot read: %s", path, strerror(err)), -1;
    }
    return fd;
}
