/*
 * atomic.c - atomic output files and directory creation.  See util.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int pl_afile_open(pl_afile *a, const char *path, pl_error *e)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return pl_errorf(e, PL_EINPUT, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0)
        return pl_errorf(e, PL_EIO, "%s: cannot create a temporary file: %s", path,
                         strerror(errno));
    (void)fchmod(fd, 0644);
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        unlink(a->tmp);
        return pl_errorf(e, PL_EIO, "%s: %s", a->tmp, strerror(err));
    }
    return PL_OK;
}

int pl_afile_commit(pl_afile *a, pl_error *e)
{
    int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
    int err = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    a->f = NULL;
    if (!bad && rename(a->tmp, a->path) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        unlink(a->tmp);
        return pl_errorf(e, PL_EIO, "%s: write failed: %s", a->path, strerror(err));
    }
    return PL_OK;
}

void pl_afile_abort(pl_afile *a)
{
    if (a->f) {
        fclose(a->f);
        a->f = NULL;
    }
    if (a->tmp[0])
        unlink(a->tmp);
}

int pl_mkdirs(const char *path, pl_error *e)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf)
        return pl_errorf(e, PL_EINPUT, "%s: path too long", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return pl_errorf(e, PL_EIO, "%s: cannot create directory: %s", buf,
                                 strerror(errno));
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return pl_errorf(e, PL_EIO, "%s: exists and is not a directory", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return PL_OK;
}
