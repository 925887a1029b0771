/*
 * atomic.c - atomic output files and directory creation.  See util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int pl_afile_open_staged(pl_afile *a, const pl_sdir *d, const char *name, pl_error *e)
{
    memset(a, 0, sizeof *a);
    a->staged = 1;
    if ((size_t)snprintf(a->path, sizeof a->path, "%s/%s", d->stage, name) >= sizeof a->path)
        return pl_errorf(e, PL_EINPUT, "%s/%s: path too long", d->path, name);
    a->f = fopen(a->path, "wbx");   /* the staging directory is new: nothing to replace */
    if (!a->f)
        return pl_errorf(e, PL_EIO, "%s: cannot create: %s", a->path, strerror(errno));
    return PL_OK;
}

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

int pl_afile_open_in(pl_afile *a, const char *dir, const char *name, pl_error *e)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return pl_errorf(e, PL_EINPUT, "%s/%s: path too long", dir, name);
    return pl_afile_open(a, path, e);
}

int pl_afile_commit(pl_afile *a, pl_error *e)
{
    int bad = ferror(a->f) || fflush(a->f) != 0 || (!a->staged && fsync(fileno(a->f)) != 0);
    int err = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    a->f = NULL;
    if (a->staged)   /* the directory commit makes it durable and visible */
        return bad ? pl_errorf(e, PL_EIO, "%s: write failed: %s", a->path, strerror(err)) : PL_OK;
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
    if (a->staged)
        unlink(a->path);
    else if (a->tmp[0])
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

int pl_rmtree(const char *path, pl_error *e)
{
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT)
            return PL_OK;
        return pl_errorf(e, PL_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    int rc = PL_OK;
    struct dirent *de;
    char sub[8192];
    while (!rc && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            rc = pl_rmtree(sub, e);
        else if (unlink(sub) != 0)
            rc = pl_errorf(e, PL_EIO, "%s: cannot remove: %s", sub, strerror(errno));
    }
    closedir(d);
    if (!rc && rmdir(path) != 0)
        rc = pl_errorf(e, PL_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return rc;
}

/* "parent/.name.<what>XXXXXX" for mkdtemp. */
static int sibling(char *out, size_t len, const char *path, const char *what)
{
    const char *slash = strrchr(path, '/');
    int n = slash ? snprintf(out, len, "%.*s/.%s.%sXXXXXX", (int)(slash - path), path, slash + 1, what)
                  : snprintf(out, len, ".%s.%sXXXXXX", path, what);
    return n > 0 && (size_t)n < len;
}

int pl_sdir_open(pl_sdir *d, const char *path, pl_error *e)
{
    memset(d, 0, sizeof *d);
    if (strlen(path) >= sizeof d->path || !sibling(d->stage, sizeof d->stage, path, "new"))
        return pl_errorf(e, PL_EINPUT, "%s: path too long", path);
    snprintf(d->path, sizeof d->path, "%s", path);
    if (!mkdtemp(d->stage))
        return pl_errorf(e, PL_EIO, "%s: cannot create a staging directory: %s", path,
                         strerror(errno));
    return PL_OK;
}

int pl_sdir_commit(pl_sdir *d, pl_error *e)
{
    /* One sync of the file system holding the files, instead of one fsync each. */
    int fd = open(d->stage, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        pl_sdir_abort(d);
        return pl_errorf(e, PL_EIO, "%s: sync failed: %s", d->path, strerror(err));
    }
    close(fd);
    char old[sizeof d->stage];
    struct stat st;
    int had = stat(d->path, &st) == 0;
    if (had && (!sibling(old, sizeof old, d->path, "old") || !mkdtemp(old) ||
                rename(d->path, old) != 0)) {   /* an empty directory is replaced */
        int err = errno;
        pl_sdir_abort(d);
        return pl_errorf(e, PL_EIO, "%s: cannot move the old directory aside: %s", d->path,
                         strerror(err));
    }
    if (rename(d->stage, d->path) != 0) {
        int err = errno;
        if (had)
            (void)rename(old, d->path);   /* put the old one back */
        pl_sdir_abort(d);
        return pl_errorf(e, PL_EIO, "%s: cannot move the new directory in: %s", d->path,
                         strerror(err));
    }
    return had ? pl_rmtree(old, e) : PL_OK;
}

void pl_sdir_abort(pl_sdir *d)
{
    if (d->stage[0])
        (void)pl_rmtree(d->stage, NULL);
}
