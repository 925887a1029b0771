/*
 * fetch.c - pl_mnist_sha256 and pl_fetch: getting the MNIST files, verified.
 *
 * A file is fetched into a temporary file made with mkstemp beside the target
 * (same directory, so the final rename is atomic), flushed with fsync, checked
 * against the published SHA-256 and only then renamed into place: a reader of
 * dir/name sees either nothing, the old file or the complete verified one,
 * never a partial download.  Each mirror is tried in turn; what went wrong
 * with each is collected into the final message.  A mirror is a local
 * directory (copied with read/write) or a URL prefix, downloaded by curl(1)
 * started with posix_spawnp and an argv (no shell, so no quoting problems);
 * curl's messages are captured through a pipe, since the library never prints.
 *
 * Only a file parlogit fetched itself is ever replaced.  Each fetch records
 * the file's name and digest in DIR/.parlogit-fetched (rewritten atomically).
 * A present file with one of MNIST's names but another digest is replaced only
 * when that record says parlogit put it there (it has been damaged since);
 * otherwise it is the user's own data under a known name (other data sets are
 * published under exactly MNIST's names) and is used as it is, with a note.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/reader.h"
#include "parlogit/data.h"

static const struct {
    const char *name, *sha256;
} MNIST_FILES[] = {
    {"train-images-idx3-ubyte.gz",
     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
    {"train-labels-idx1-ubyte.gz",
     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
    {"t10k-images-idx3-ubyte.gz",
     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
    {"t10k-labels-idx1-ubyte.gz",
     "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
};

/* Tried in this order when no mirror is given. */
static const char *const DEFAULT_MIRRORS[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
};

/* Writes a mirror's failure reason; cutting a long one short is fine. */
__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

const char *pl_mnist_sha256(const char *name)
{
    for (size_t i = 0; i < sizeof MNIST_FILES / sizeof MNIST_FILES[0]; i++)
        if (strcmp(name, MNIST_FILES[i].name) == 0)
            return MNIST_FILES[i].sha256;
    return NULL;
}

/* mkdir -p dir.  PL_EIO naming the component that failed. */
static int mkdir_p(const char *dir, pl_error *e)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return pl_errorf(e, PL_EINPUT, "%s: directory name too long", dir);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return pl_errorf(e, PL_EIO, "%s: cannot create directory: %s", buf,
                             strerror(errno));
        *p = saved;
        if (!saved)
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pl_errorf(e, PL_EIO, "%s: not a directory", dir);
    return PL_OK;
}

/* Copies the file src to fd.  0, or -1 with the reason in why. */
static int copy_local(const char *src, int fd, char *why, size_t whylen)
{
    pl_error oe;
    int in = pl_data_open(src, &oe);   /* a mirror's FIFO or device would never end */
    if (in < 0) {
        say(why, whylen, "%s", oe.msg);
        return -1;
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            say(why, whylen, "%s: read error: %s", src, strerror(errno));
            break;
        }
        if (k == 0) {
            close(in);
            return 0;
        }
        for (ssize_t off = 0; off < k;) {
            ssize_t w = write(fd, buf + off, (size_t)(k - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                say(why, whylen, "write error: %s", strerror(errno));
                close(in);
                return -1;
            }
            off += w;
        }
    }
    close(in);
    return -1;
}

/* Keeps curl's last message line (its retries repeat it) in why. */
static void curl_message(const char *text, size_t n, int status, char *why, size_t whylen)
{
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    size_t start = n;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    char line[200];
    size_t k = 0;
    for (size_t i = start; i < n && k + 1 < sizeof line; i++)
        line[k++] = text[i] == '\r' ? ' ' : text[i];
    line[k] = '\0';
    say(why, whylen, "curl exited with status %d%s%s", status, k ? ": " : "", line);
}

/* Runs curl -fsSL --retry 2 -o tmp url.  0, or -1 with the reason in why. */
static int run_curl(const char *url, const char *tmp, char *why, size_t whylen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        say(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    char *argv[] = {"curl", "-fsSL", "--retry", "2", "-o", (char *)tmp, (char *)url, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "curl", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (err != 0) {
        close(pfd[0]);
        say(why, whylen, "cannot run curl: %s", strerror(err));
        return -1;
    }
    /* Read all of curl's output (so it never blocks on a full pipe), keep the start. */
    char text[512];
    size_t n = 0;
    for (;;) {
        char chunk[512];
        ssize_t k = read(pfd[0], chunk, sizeof chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        size_t keep = sizeof text - n < (size_t)k ? sizeof text - n : (size_t)k;
        memcpy(text + n, chunk, keep);
        n += keep;
    }
    close(pfd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            say(why, whylen, "waiting for curl: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        curl_message(text, n, WEXITSTATUS(status), why, whylen);
    else
        say(why, whylen, "curl killed by signal %d", WIFSIGNALED(status) ?
                 WTERMSIG(status) : 0);
    return -1;
}

/* Fetches mirror's copy of name into the open temporary file fd (path tmp).
 * 0, or -1 with the reason in why. */
static int fetch_one(const char *mirror, const char *name, int fd, const char *tmp,
                     char *why, size_t whylen)
{
    char src[PATH_MAX + 256];
    const char *sep = mirror[0] && mirror[strlen(mirror) - 1] == '/' ? "" : "/";
    if (strncmp(mirror, "file://", 7) == 0)
        mirror += 7;
    else if (strstr(mirror, "://")) {
        snprintf(src, sizeof src, "%s%s%s", mirror, sep, name);
        return run_curl(src, tmp, why, whylen);
    }
    snprintf(src, sizeof src, "%s%s%s", mirror, sep, name);
    return copy_local(src, fd, why, whylen);
}

/* Makes a temporary file beside target, fills it from mirror, verifies it
 * against expected (if not NULL) and renames it to target.  PL_OK; -1 when this
 * mirror failed (reason in why, nothing left behind); or an error code with e
 * filled when the target directory itself is unusable. */
static int try_mirror(const char *dir, const char *name, const char *target,
                      const char *mirror, const char *expected, char *why,
                      size_t whylen, pl_error *e)
{
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return pl_errorf(e, PL_EIO, "%s: cannot create a temporary file: %s", dir,
                         strerror(errno));
    int ok = fetch_one(mirror, name, fd, tmp, why, whylen) == 0;
    if (ok && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
        say(why, whylen, "%s: cannot flush: %s", tmp, strerror(errno));
        ok = 0;
    }
    if (close(fd) != 0 && ok) {
        say(why, whylen, "%s: cannot close: %s", tmp, strerror(errno));
        ok = 0;
    }
    char got[65];
    if (ok && expected) {
        pl_error he;
        if (pl_sha256_file(tmp, got, &he) != PL_OK) {
            say(why, whylen, "%s", he.msg);
            ok = 0;
        } else if (strcmp(got, expected) != 0) {
            say(why, whylen, "SHA-256 %s, expected %s", got, expected);
            ok = 0;
        }
    }
    if (!ok) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, target) != 0) {
        int err = errno;
        unlink(tmp);
        return pl_errorf(e, PL_EIO, "%s: cannot rename %s into place: %s", target, tmp,
                         strerror(err));
    }
    /* Make the rename itself durable. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return PL_OK;
}

#define FETCHED_LOG ".parlogit-fetched"

/* Whether DIR/.parlogit-fetched says parlogit fetched name. */
static int fetched_by_us(const char *dir, const char *name)
{
    char path[PATH_MAX + 64], line[512], n[300], d[80];
    snprintf(path, sizeof path, "%s/" FETCHED_LOG, dir);
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "%299s %79s", n, d) == 2 && !strcmp(n, name);
    if (f)
        fclose(f);
    return found;
}

/* Adds "name sha256" to DIR/.parlogit-fetched (a temporary file renamed over
 * it, keeping the other names' lines).  A failure only loses the record. */
static void record_fetch(const char *dir, const char *name, const char *sha256)
{
    char path[PATH_MAX + 64], tmp[PATH_MAX + 80], line[512], n[300];
    snprintf(path, sizeof path, "%s/" FETCHED_LOG, dir);
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return;
    }
    FILE *in = fopen(path, "r");
    while (in && fgets(line, sizeof line, in))
        if (sscanf(line, "%299s", n) == 1 && strcmp(n, name))
            fputs(line, out);
    if (in)
        fclose(in);
    fprintf(out, "%s %s\n", name, sha256 ? sha256 : "-");
    if (fflush(out) != 0 || fsync(fileno(out)) != 0 || fclose(out) != 0 ||
        rename(tmp, path) != 0)
        unlink(tmp);
}

int pl_fetch(const char *dir, const char *name, const char *mirror, int *fetched,
             pl_error *e)
{
    if (fetched)
        *fetched = 0;
    if (!dir || !*dir)
        dir = ".";
    if (!*name || strchr(name, '/'))
        return pl_errorf(e, PL_EINPUT, "fetch: '%s' is not a plain file name", name);
    int rc = mkdir_p(dir, e);
    if (rc != PL_OK)
        return rc;
    char target[PATH_MAX + 256];
    snprintf(target, sizeof target, "%s/%s", dir, name);
    const char *expected = pl_mnist_sha256(name);

    char report[sizeof e->msg] = "";
    struct stat st;
    if (stat(target, &st) == 0) {
        if (!expected)
            return PL_OK;
        char have[65];
        if ((rc = pl_sha256_file(target, have, e)) != PL_OK)
            return rc;
        if (strcmp(have, expected) == 0)
            return PL_OK;
        if (!fetched_by_us(dir, name)) {   /* the user's own file: used, never replaced */
            if (fetched)
                *fetched = PL_FETCH_NOT_MNIST;
            return PL_OK;
        }
        snprintf(report, sizeof report, "the present copy (fetched by parlogit) has SHA-256 "
                 "%.16s..., expected %.16s...; it is fetched again\n", have, expected);
    }

    const char *const *mirrors = DEFAULT_MIRRORS;
    size_t nmirrors = sizeof DEFAULT_MIRRORS / sizeof DEFAULT_MIRRORS[0];
    if (mirror && *mirror) {
        mirrors = &mirror;
        nmirrors = 1;
    }
    for (size_t i = 0; i < nmirrors; i++) {
        char why[600] = "";
        rc = try_mirror(dir, name, target, mirrors[i], expected, why, sizeof why, e);
        if (rc == PL_OK) {
            record_fetch(dir, name, expected);
            if (fetched)
                *fetched = 1;
            return PL_OK;
        }
        if (rc > 0)
            return rc;
        size_t used = strlen(report);
        snprintf(report + used, sizeof report - used, "  %s: %s\n", mirrors[i], why);
    }
    char must[100] = "";
    if (expected)
        snprintf(must, sizeof must, " (its SHA-256 must be %s)", expected);
    return pl_errorf(e, PL_EIO, "%s: cannot fetch it:\n%s"
                     "fetch %s by hand into %s%s, or set MNIST_MIRROR to a directory or URL "
                     "that holds it", target, report, name, dir, must);
}
