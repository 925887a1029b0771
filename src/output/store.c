/*
 * store.c - a run directory's models read back.  See store.h.
 *
 * A run written since the archive keeps every model's weights and bias in
 * models.npz (npz.c) and every sidecar in models.json ({"models": {NAME:
 * {...}}, "data_files": [...], "config": {...}}: what an old per-model
 * sidecar held, the run-wide part once).  A report loads hundreds of models
 * one by one through pl_model_load(dir, name), so the archive (read whole)
 * and its JSON are parsed once and kept in a one-entry cache, checked on
 * every call against the files' identity (device, inode, size, mtime; both
 * are held open, so their inode numbers cannot be given to new files): a run
 * replaced by a new one (a renamed staging directory, a renamed file) is new
 * files.
 * A mutex serializes the calls; what they return is copied out of the cache.
 * Runs without models.json are read file by file, as they were written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/npy.h"
#include "output/npz.h"
#include "output/store.h"
#include "parlogit/output.h"
#include "util/util.h"

/* The JSON of the open file fd (named path; fd stays open).  Errors as
 * pl_json_load_path. */
static int load_json_fd(int fd, const char *path, json_t **root, pl_error *e)
{
    *root = NULL;
    const int own = dup(fd);
    FILE *f = own >= 0 ? fdopen(own, "rb") : NULL;
    if (!f) {
        if (own >= 0)
            close(own);
        return pl_errorf(e, PL_ENOMEM, "%s: cannot open: %s", path, strerror(errno));
    }
    json_error_t je;
    *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    int err = ferror(f);
    fclose(f);
    if (err) {
        json_decref(*root);
        *root = NULL;
        return pl_errorf(e, PL_EIO, "%s: read error", path);
    }
    if (!*root)
        return pl_errorf(e, json_error_code(&je) == json_error_out_of_memory ? PL_ENOMEM
                                                                              : PL_EINPUT,
                         "%s:%d:%d: not a valid JSON sidecar: %s", path, je.line, je.column,
                         je.text);
    return PL_OK;
}

int pl_json_load_path(const char *path, json_t **root, pl_error *e)
{
    *root = NULL;
    int fd;
    struct stat st;
    int rc = pl_open_regular(path, PL_EINPUT, &fd, &st, e);
    if (rc)
        return rc;
    rc = load_json_fd(fd, path, root, e);
    close(fd);
    return rc;
}

void pl_stored_free(pl_stored *s)
{
    free(s->w);
    free(s->b);
    json_decref(s->sidecar);
    s->w = s->b = NULL;
    s->sidecar = NULL;
}

/* ------------------------------------------------- the archive, cached */

typedef struct archive {
    char jpath[PL_PATH_MAX + 32], zpath[PL_PATH_MAX + 32];
    int jfd, zfd;             /* held open: their inodes cannot be reused     */
    struct stat js, zs;
    json_t *root;             /* models.json                                  */
    const json_t *models;     /* its "models" object                          */
    unsigned char *buf;       /* models.npz, whole                            */
    size_t len;
    pl_npz z;
} archive;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static archive *cache;

static void archive_free(archive *a)
{
    if (!a)
        return;
    pl_npz_free(&a->z);
    free(a->buf);
    json_decref(a->root);
    if (a->jfd >= 0)
        close(a->jfd);
    if (a->zfd >= 0)
        close(a->zfd);
    free(a);
}

void pl_store_forget(void)
{
    pthread_mutex_lock(&cache_lock);
    archive_free(cache);
    cache = NULL;
    pthread_mutex_unlock(&cache_lock);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Opens models.json and models.npz (jpath, zpath) into *out (a fresh archive). */
static int archive_open(const char *jpath, const char *zpath, archive **out, pl_error *e)
{
    archive *a = calloc(1, sizeof *a);
    if (!a)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    a->jfd = a->zfd = -1;
    snprintf(a->jpath, sizeof a->jpath, "%s", jpath);
    snprintf(a->zpath, sizeof a->zpath, "%s", zpath);
    int rc = pl_open_regular(jpath, PL_EINPUT, &a->jfd, &a->js, e);
    if (!rc)
        rc = load_json_fd(a->jfd, jpath, &a->root, e);
    if (!rc) {
        a->models = json_object_get(a->root, "models");
        if (!json_is_object(a->models))
            rc = pl_errorf(e, PL_EINPUT, "%s: no \"models\" object", jpath);
    }
    if (!rc)
        rc = pl_open_regular(zpath, PL_EINPUT, &a->zfd, &a->zs, e);
    if (!rc)
        rc = pl_read_fd(a->zfd, zpath, (size_t)a->zs.st_size, &a->buf, &a->len, e);
    if (!rc)
        rc = pl_npz_index(&a->z, a->buf, a->len, a->zpath, e);
    if (rc) {
        archive_free(a);
        return rc;
    }
    *out = a;
    return PL_OK;
}

/* The cached archive of dir, opened when the cache holds other files; *none
 * when dir has no models.json (an old run).  The cached one is used while
 * both paths still name the files it holds open, unchanged.  Called with
 * cache_lock held. */
static int archive_get(const char *dir, archive **a, int *none, pl_error *e)
{
    char jpath[PL_PATH_MAX + 32], zpath[PL_PATH_MAX + 32];
    *a = NULL;
    *none = 0;
    if ((size_t)snprintf(jpath, sizeof jpath, "%s/models.json", dir) >= sizeof jpath ||
        (size_t)snprintf(zpath, sizeof zpath, "%s/models.npz", dir) >= sizeof zpath)
        return pl_errorf(e, PL_EINPUT, "%s: path too long", dir);
    struct stat js, zs;
    if (stat(jpath, &js) != 0) {
        if (errno != ENOENT)
            return pl_errorf(e, PL_EIO, "%s: %s", jpath, strerror(errno));
        *none = 1;
        return PL_OK;
    }
    if (stat(zpath, &zs) != 0)
        return pl_errorf(e, errno == ENOENT ? PL_EINPUT : PL_EIO, "%s: %s (models.json is "
                         "there: the run's weights are missing)", zpath, strerror(errno));
    if (cache && !strcmp(cache->jpath, jpath) && same_file(&cache->js, &js) &&
        same_file(&cache->zs, &zs)) {
        *a = cache;
        return PL_OK;
    }
    archive *fresh = NULL;
    int rc = archive_open(jpath, zpath, &fresh, e);
    if (rc)
        return rc;
    archive_free(cache);
    cache = fresh;
    *a = fresh;
    return PL_OK;
}

/* Model name from the archive a. */
static int archive_model(const archive *a, const char *name, pl_stored *s, pl_error *e)
{
    const json_t *m = json_object_get(a->models, name);
    if (!json_is_object(m))
        return pl_errorf(e, PL_EINPUT, "%s: no model %s", a->jpath, name);
    const json_t *st = json_object_get(m, "status"), *w = json_object_get(m, "weights");
    if (json_is_null(w))
        return pl_errorf(e, PL_EINPUT, "%s: model %s has no weights (status %s: it was "
                         "never trained)", a->jpath, name,
                         json_is_string(st) ? json_string_value(st) : "?");
    char member[256];
    snprintf(s->swhat, sizeof s->swhat, "%s", a->jpath);
    s->sidecar = json_incref((json_t *)m);
    snprintf(member, sizeof member, "%s.w.npy", name);
    snprintf(s->wwhat, sizeof s->wwhat, "%s: %s", a->zpath, member);
    int rc = pl_npz_read(&a->z, member, &s->w, &s->wnd, s->wshape, e);
    snprintf(member, sizeof member, "%s.b.npy", name);
    snprintf(s->bwhat, sizeof s->bwhat, "%s: %s", a->zpath, member);
    if (!rc)
        rc = pl_npz_read(&a->z, member, &s->b, &s->bnd, s->bshape, e);
    return rc;
}

/* ------------------------------------------------- per-model files */

/* Model name from models/NAME.w.npy, NAME.b.npy and (when there and JSON)
 * NAME.json, as every run was written before the archive. */
static int files_model(const char *dir, const char *name, pl_stored *s, pl_error *e)
{
    snprintf(s->wwhat, sizeof s->wwhat, "%s/models/%s.w.npy", dir, name);
    snprintf(s->bwhat, sizeof s->bwhat, "%s/models/%s.b.npy", dir, name);
    snprintf(s->swhat, sizeof s->swhat, "%s/models/%s.json", dir, name);
    int rc = pl_npy_read(s->wwhat, &s->w, &s->wnd, s->wshape, e);
    if (!rc)
        rc = pl_npy_read(s->bwhat, &s->b, &s->bnd, s->bshape, e);
    if (!rc) {   /* no sidecar (or none readable): the weights alone decide */
        json_error_t je;
        s->sidecar = json_load_file(s->swhat, JSON_REJECT_DUPLICATES, &je);
    }
    return rc;
}

int pl_store_model(const char *dir, const char *name, pl_stored *s, pl_error *e)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&cache_lock);
    archive *a;
    int none;
    int rc = archive_get(dir, &a, &none, e);
    if (!rc)
        rc = none ? files_model(dir, name, s, e) : archive_model(a, name, s, e);
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

int pl_store_config(const char *dir, const char *name, json_t **config,
                    char where[PL_PATH_MAX + 200], pl_error *e)
{
    *config = NULL;
    pthread_mutex_lock(&cache_lock);
    archive *a;
    int none;
    json_t *root = NULL;
    int rc = archive_get(dir, &a, &none, e);
    if (!rc && none) {
        snprintf(where, PL_PATH_MAX + 200, "%s/models/%s.json", dir, name);
        rc = pl_json_load_path(where, &root, e);
    } else if (!rc) {
        snprintf(where, PL_PATH_MAX + 200, "%s", a->jpath);
        root = json_incref(a->root);
    }
    pthread_mutex_unlock(&cache_lock);
    if (rc)
        return rc;
    json_t *c = json_object_get(root, "config");   /* NULL unless root is an object */
    if (json_is_object(c))
        *config = json_incref(c);
    json_decref(root);
    if (!*config)
        return pl_errorf(e, PL_EINPUT, "%s: no \"config\" object", where);
    return PL_OK;
}
