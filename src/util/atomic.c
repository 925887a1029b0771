/*
 * atomic.c - atomic output files and directory creation.  See util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int pl_afile_open(pl_afile *a, const char *path, pl_error *e)
{
    return pl_afile_open_in(a, path, NULL, e);
}

int pl_afile_open_in(pl_afile *a, const char *path, pl_abatch *b, pl_error *e)
{
    memset(a, 0, sizeof *a);
    a->batch = b;
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

/* Records a staged file in its batch. */
static int stage(pl_afile *a, pl_error *e)
{
    pl_abatch *b = a->batch;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        char **t = realloc(b->tmp, cap * sizeof *t), **p = t ? realloc(b->path, cap * sizeof *p) : NULL;
        if (t)
            b->tmp = t;
        if (p)
            b->path = p;
        if (!t || !p)
            return pl_errorf(e, PL_ENOMEM, "out of memory");
        b->cap = cap;
    }
    b->tmp[b->n] = strdup(a->tmp);
    b->path[b->n] = strdup(a->path);
    if (!b->tmp[b->n] || !b->path[b->n]) {
        free(b->tmp[b->n]);
        free(b->path[b->n]);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    b->n++;
    return PL_OK;
}

int pl_afile_commit(pl_afile *a, pl_error *e)
{
    int bad = ferror(a->f) || fflush(a->f) != 0 || (!a->batch && fsync(fileno(a->f)) != 0);
    int err = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    a->f = NULL;
    if (!bad && a->batch) {
        int rc = stage(a, e);
        if (rc)
            unlink(a->tmp);
        return rc;
    }
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

static void batch_free(pl_abatch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->tmp[i]);
        free(b->path[i]);
    }
    free(b->tmp);
    free(b->path);
    memset(b, 0, sizeof *b);
}

int pl_abatch_commit(pl_abatch *b, pl_error *e)
{
    if (b->n == 0) {
        batch_free(b);
        return PL_OK;
    }
    /* One sync of the file system holding the files, instead of one fsync each. */
    int fd = open(b->tmp[0], O_RDONLY);
    if (fd < 0 || syncfs(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        pl_errorf(e, PL_EIO, "%s: sync failed: %s", b->path[0], strerror(err));
        pl_abatch_abort(b);
        return PL_EIO;
    }
    close(fd);
    for (size_t i = 0; i < b->n; i++)
        if (rename(b->tmp[i], b->path[i]) != 0) {
            pl_errorf(e, PL_EIO, "%s: rename failed: %s", b->path[i], strerror(errno));
            for (size_t k = i; k < b->n; k++)
                unlink(b->tmp[k]);
            batch_free(b);
            return PL_EIO;
        }
    batch_free(b);
    return PL_OK;
}

void pl_abatch_abort(pl_abatch *b)
{
    for (size_t i = 0; i < b->n; i++)
        unlink(b->tmp[i]);
    batch_free(b);
}
