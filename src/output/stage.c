/*
 * stage.c - a run directory replaced as a whole.  See pl_stage in
 * include/parlogit/output.h.
 *
 * `train` writes the whole run into PARENT/.NAME.new-PID, a sibling of NAME
 * on the same file system, marked by a "parlogit-run" file.  Nothing looks
 * there.  Only when every file is written does pl_stage_commit make them
 * durable (one syncfs), then swap the staging directory with NAME in one
 * step (renameat2 RENAME_EXCHANGE), fsync PARENT and remove the old run,
 * which the swap left under the staging name.  So a kill, a crash or a full
 * disk at any moment leaves NAME the complete old run or the complete new
 * one.  What such a moment can leave beside NAME, a staging directory, is
 * removed by the next pl_stage_open for NAME once its PID is gone.
 *
 * Where the file system cannot exchange (EINVAL: some network and FUSE file
 * systems; ENOSYS: kernels before 3.15), NAME is renamed to
 * PARENT/.NAME.old-PID and the staging directory to NAME: between those two
 * renames NAME is missing (never mixed); a kill there leaves the complete old
 * run as .NAME.old-PID, which the next pl_stage_open renames back to NAME.
 *
 * A directory is replaced only when it is ours: empty, marked, or written by
 * parlogit before the marker existed (every name in it one parlogit writes,
 * and summary.json and results.csv of our layout).  Anything else is refused
 * and left untouched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parlogit/output.h"
#include "util/util.h"

#define MARKER_LINE "parlogit run directory"

/* out = a/b; 0 when it does not fit (the entry is then left alone). */
static int join(char *out, size_t len, const char *a, const char *b)
{
    int n = snprintf(out, len, "%s/%s", a, b);
    return n > 0 && (size_t)n < len;
}

/* ---------------------------------------------------------------- is it ours? */

/* Whether dir/parlogit-run is our marker.  A marker cut short (a kill while a
 * staging directory was being created) still counts: its text is a prefix of
 * ours. */
static int has_marker(const char *dir)
{
    char path[PL_STAGE_PATH_MAX + 32], buf[64];
    snprintf(path, sizeof path, "%s/" PL_RUN_MARKER, dir);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    size_t m = strlen(MARKER_LINE);
    return n < m ? strncmp(buf, MARKER_LINE, n) == 0 && strlen(buf) == n
                 : strncmp(buf, MARKER_LINE, m) == 0 && (n == m || buf[m] == '\n');
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A name parlogit writes inside models/ or plots/ (or an earlier version's
 * temporary file there). */
static int inner_name(const char *name)
{
    return ends_with(name, ".npy") || ends_with(name, ".json") || ends_with(name, ".csv") ||
           ends_with(name, ".png") || strstr(name, ".tmp") != NULL;
}

/* Whether ok(path, name) holds for every entry of dir (path = dir/name; not
 * "." and ".."), stopping at the first that fails; a name too long to join is
 * not ours, nor is a dir that cannot be opened.  *empty, when not NULL, says
 * whether an opened dir has no entry at all. */
static int every_entry(const char *dir, int (*ok)(const char *path, const char *name),
                       int *empty)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int ours = 1;
    if (empty)
        *empty = 1;
    char path[PL_STAGE_PATH_MAX + 300];
    while (ours && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (empty)
            *empty = 0;
        ours = join(path, sizeof path, dir, de->d_name) && ok(path, de->d_name);
    }
    closedir(d);
    return ours;
}

/* An entry of models/ or plots/: a regular file with a name inner_name allows. */
static int inner_entry(const char *path, const char *name)
{
    struct stat st;
    return inner_name(name) && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A top-level name parlogit writes; *is_dir says whether it is a directory. */
static int top_name(const char *name, int *is_dir)
{
    static const char *const files[] = {
        PL_RUN_MARKER, "results.csv", "curves.csv", "best.csv", "pair_accuracy.csv",
        "ovo_confusion.csv", "ovr_confusion.csv", "predictions.csv", "summary.json",
        "report.html", "models.npz", "models.json",
    };
    *is_dir = 0;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
        if (!strcmp(name, files[k]))
            return 1;
    if (!strncmp(name, "confusion_", 10) && ends_with(name, ".csv"))
        return 1;
    if (strstr(name, ".tmp"))   /* an earlier version's temporary file */
        return 1;
    *is_dir = 1;
    return !strcmp(name, "models") || !strcmp(name, "plots") ||
           !strncmp(name, ".models.new", 11) || !strncmp(name, ".models.old", 11);
}

/* A top-level entry: a file top_name allows, or one of its directories whose
 * every entry is an inner_entry. */
static int top_entry(const char *path, const char *name)
{
    int is_dir;
    struct stat st;
    return top_name(name, &is_dir) && lstat(path, &st) == 0 &&
           (is_dir ? S_ISDIR(st.st_mode) && every_entry(path, inner_entry, NULL)
                   : S_ISREG(st.st_mode));
}

/* Whether every entry of dir (and of its models/ and plots/) is a name
 * parlogit writes; *empty says whether dir has no entry at all. */
static int only_our_names(const char *dir, int *empty)
{
    return every_entry(dir, top_entry, empty);
}

/* Whether dir/name starts with text. */
static int starts(const char *dir, const char *name, const char *text)
{
    char path[PL_STAGE_PATH_MAX + 32], buf[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strncmp(buf, text, strlen(text)) == 0;
}

enum kind { FOREIGN, EMPTY, MARKED, OLD_FORMAT, OUR_NAMES };

static enum kind classify(const char *dir)
{
    if (has_marker(dir))
        return MARKED;
    int empty;
    if (!only_our_names(dir, &empty))
        return FOREIGN;
    if (empty)
        return EMPTY;
    char models[PL_STAGE_PATH_MAX + 16];
    struct stat st;
    snprintf(models, sizeof models, "%s/models", dir);
    /* the layout every earlier parlogit wrote: summary.json's first key is the
     * config, results.csv's header starts with these columns */
    if (stat(models, &st) == 0 && S_ISDIR(st.st_mode) &&
        starts(dir, "summary.json", "{\n  \"config\": {") &&
        starts(dir, "results.csv", "pair,lr,iterations,train_loss,train_acc,"))
        return OLD_FORMAT;
    return OUR_NAMES;
}

/* ---------------------------------------------------------------- names */

/* Splits dir into parent and base ("runs/x/" -> "runs", "x"; "x" -> ".", "x"). */
static int split_name(pl_stage *s, const char *dir, pl_error *e)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= PL_PATH_MAX)
        return pl_errorf(e, PL_EINPUT, "output directory '%s': empty or too long a name", dir);
    memcpy(s->dir, dir, n);
    s->dir[n] = '\0';
    char *slash = strrchr(s->dir, '/');
    const char *base = slash ? slash + 1 : s->dir;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strlen(base) > 200)
        return pl_errorf(e, PL_EINPUT, "output directory '%s': a run directory is replaced "
                         "as a whole, so it must be named by its own path (not '/', '.' or "
                         "'..', and at most 200 bytes long)", dir);
    memcpy(s->base, base, strlen(base) + 1);   /* at most 200 bytes, checked above */
    if (!slash)
        snprintf(s->parent, sizeof s->parent, ".");
    else if (slash == s->dir)
        snprintf(s->parent, sizeof s->parent, "/");
    else
        snprintf(s->parent, sizeof s->parent, "%.*s", (int)(slash - s->dir), s->dir);
    return PL_OK;
}

/* PARENT/.NAME.<what>-PID (split_name keeps it short enough). */
static void sibling(char *out, size_t len, const pl_stage *s, const char *what, long pid)
{
    if (snprintf(out, len, "%s/.%s.%s-%ld", s->parent, s->base, what, pid) >= (int)len)
        out[0] = '\0';
}

/* The PID of a leftover ".NAME.new-PID" / ".NAME.old-PID" of ours, else 0;
 * *old says which. */
static long leftover_pid(const pl_stage *s, const char *entry, int *old)
{
    size_t b = strlen(s->base);
    if (entry[0] != '.' || strncmp(entry + 1, s->base, b) != 0)
        return 0;
    const char *p = entry + 1 + b;
    if (!strncmp(p, ".new-", 5))
        *old = 0;
    else if (!strncmp(p, ".old-", 5))
        *old = 1;
    else
        return 0;
    p += 5;
    if (*p < '1' || *p > '9' || strlen(p) > 10)
        return 0;
    char *end;
    long pid = strtol(p, &end, 10);
    return *end ? 0 : pid;
}

static int alive(long pid)
{
    return pid == (long)getpid() ? 0 : kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Removes, or for an "old" one whose NAME is missing puts back, what killed
 * runs into NAME left in PARENT.  A leftover that is not ours stays. */
static void clean_leftovers(pl_stage *s)
{
    DIR *d = opendir(s->parent);
    if (!d)
        return;
    struct dirent *de;
    char path[PL_STAGE_PATH_MAX];
    while ((de = readdir(d))) {
        int old;
        long pid = leftover_pid(s, de->d_name, &old);
        struct stat st;
        if (!pid || !join(path, sizeof path, s->parent, de->d_name) || alive(pid) || lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
            classify(path) == FOREIGN)
            continue;
        if (old && lstat(s->dir, &st) != 0 && errno == ENOENT && rename(path, s->dir) == 0) {
            s->restored = 1;
            continue;
        }
        if (pl_rmtree(path, NULL) == PL_OK)
            s->cleaned++;
    }
    closedir(d);
}

/* ---------------------------------------------------------------- open, commit */

/* The output directory is unusable: bad input (exit 2), not a failure of the run. */
static int input_error(pl_error *e, const pl_stage *s)
{
    pl_error_prefix(e, "output directory %s", s->dir);
    e->code = PL_EINPUT;
    return PL_EINPUT;
}

int pl_stage_open(pl_stage *s, const char *dir, pl_error *e)
{
    memset(s, 0, sizeof *s);
    int rc = split_name(s, dir, e);
    if (rc)
        return rc;
    rc = pl_mkdirs(s->parent, e);
    if (rc)
        return input_error(e, s);
    clean_leftovers(s);

    struct stat st;
    if (lstat(s->dir, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return pl_errorf(e, PL_EINPUT, "%s: is a symbolic link; a run directory is "
                             "replaced as a whole: give the path it points to", s->dir);
        if (!S_ISDIR(st.st_mode))
            return pl_errorf(e, PL_EINPUT, "%s: exists and is not a directory", s->dir);
        enum kind k = classify(s->dir);
        if (k == FOREIGN || k == OUR_NAMES)
            return pl_errorf(e, PL_EINPUT, "%s: exists, is not empty and is not a parlogit run "
                             "directory (no %s file in it); it is left as it is: choose "
                             "another output directory, or empty or remove this one", s->dir,
                             PL_RUN_MARKER);
    } else if (errno != ENOENT) {
        return pl_errorf(e, PL_EINPUT, "%s: %s", s->dir, strerror(errno));
    }

    sibling(s->path, sizeof s->path, s, "new", (long)getpid());
    if (mkdir(s->path, 0755) != 0)
        return pl_errorf(e, PL_EINPUT, "output directory %s: cannot create %s beside it: %s",
                         s->dir, s->path, strerror(errno));
    s->open = 1;
    pl_afile m;
    rc = pl_afile_open_in(&m, s->path, PL_RUN_MARKER, e);
    if (!rc) {
        fprintf(m.f, MARKER_LINE "\nformat %d\n", PL_RUN_FORMAT);
        rc = pl_afile_commit(&m, e);
    }
    if (rc) {
        pl_stage_abort(s);
        return input_error(e, s);
    }
    return PL_OK;
}

static const char *bytes_text(char buf[32], uint64_t n)
{
    if (n >= (uint64_t)1 << 30)
        snprintf(buf, 32, "%.1f GiB", (double)n / (1 << 30));
    else if (n >= (uint64_t)1 << 20)
        snprintf(buf, 32, "%.1f MiB", (double)n / (1 << 20));
    else
        snprintf(buf, 32, "%.0f KiB", (double)n / 1024);
    return buf;
}

int pl_stage_check_space(const pl_stage *s, uint64_t need, pl_error *e)
{
    struct statvfs v;
    if (statvfs(s->path, &v) != 0)
        return pl_errorf(e, PL_EINPUT, "output directory %s: %s", s->dir, strerror(errno));
    uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
    char a[32], b[32];
    if (avail < need)
        return pl_errorf(e, PL_EINPUT, "output directory %s: %s free on its file system, the "
                         "run needs about %s (its estimated size); nothing was trained",
                         s->dir, bytes_text(a, avail), bytes_text(b, need));
    return PL_OK;
}

static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return r;
}

/* renameat2(RENAME_EXCHANGE) through the system call: glibc before 2.28 has
 * no wrapper. */
static int exchange(const char *a, const char *b)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pl_stage_commit(pl_stage *s, pl_error *e)
{
    /* One sync of the file system for every file of the run, then the
     * directory entries of the staging directory itself. */
    int fd = open(s->path, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        pl_stage_abort(s);
        return pl_errorf(e, PL_EIO, "%s: sync failed: %s; %s was left as it was", s->path,
                         strerror(err), s->dir);
    }
    close(fd);

    struct stat st;
    int had = lstat(s->dir, &st) == 0;
    int swapped = had && exchange(s->path, s->dir) == 0;
    if (had && !swapped && errno != EINVAL && errno != ENOSYS) {
        int err = errno;
        pl_stage_abort(s);
        return pl_errorf(e, PL_EIO, "%s: cannot swap the new run in: %s; %s was left as it "
                         "was", s->path, strerror(err), s->dir);
    }
    char old[PL_STAGE_PATH_MAX];
    if (swapped) {
        snprintf(old, sizeof old, "%s", s->path);   /* the swap put the old run there */
    } else {
        if (had) {   /* no exchange on this file system: the old run aside first */
            sibling(old, sizeof old, s, "old", (long)getpid());
            if (rename(s->dir, old) != 0) {
                int err = errno;
                pl_stage_abort(s);
                return pl_errorf(e, PL_EIO, "%s: cannot move the old run aside: %s", s->dir,
                                 strerror(err));
            }
        }
        if (rename(s->path, s->dir) != 0) {
            int err = errno;
            if (had)
                (void)rename(old, s->dir);   /* put the old one back */
            pl_stage_abort(s);
            return pl_errorf(e, PL_EIO, "%s: cannot move the new run in: %s", s->dir,
                             strerror(err));
        }
    }
    s->open = 0;
    if (sync_dir(s->parent) != 0)
        return pl_errorf(e, PL_EIO, "%s: sync failed: %s", s->parent, strerror(errno));
    if (had && pl_rmtree(old, NULL) != PL_OK &&
        snprintf(s->note, sizeof s->note, "the old run could not be removed entirely from %s; "
                 "the next train into the same directory removes it", old) < 0)
        s->note[0] = '\0';
    return PL_OK;
}

void pl_stage_abort(pl_stage *s)
{
    if (s->open)
        (void)pl_rmtree(s->path, NULL);
    s->open = 0;
}
