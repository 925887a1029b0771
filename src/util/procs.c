/*
 * procs.c - a table of jobs run in forked worker processes.  See procs.h.
 *
 * The workers share the table through a counter in a shared anonymous
 * mapping: each takes the next job not yet taken, so a worker that gets
 * less of its core (another process is busy on it) takes fewer jobs and
 * none waits idle while another still has a long share: pictures cost from
 * 20 to 400 ms, and with fixed shares (job i in worker i mod W) the default
 * report's costs put one of two workers about 10 % behind the other even on
 * an idle machine.  Which worker runs a job depends on timing, what a
 * job does must not: each job reads only the parent's memory as it was at
 * the fork and writes only its own files.  Each worker has a pipe to the parent; it
 * writes one record only when a job fails (the job's index, code and
 * message) and then _exits, without running atexit handlers or flushing the
 * stdio buffers it inherited (the parent's half-written files stay the
 * parent's).  The parent polls the pipes until every one is at end of file,
 * then reaps every worker with waitpid: no zombie is left.  A worker asks
 * the kernel to kill it when its parent dies (PR_SET_PDEATHSIG), so none is
 * left as an orphan either, even when the parent is killed with SIGKILL.
 *
 * SIGINT and SIGTERM: workers get the default actions back, so a Ctrl-C at
 * the terminal (sent to the whole process group) ends them at once.  While
 * the parent waits, its own handler passes either signal on to the workers
 * (a signal sent to the parent alone stops them too), and the run ends with
 * PL_EINTR; the caller's handlers are restored before returning.  A signal
 * the caller ignores stays ignored, in the workers too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/procs.h"

int pl_affinity_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

/* What a failed worker sends up its pipe. */
typedef struct report {
    uint64_t job;
    int code;
    char msg[sizeof ((pl_error *)0)->msg];
} report;

enum { MAX_WORKERS = 256 };

/* The workers of the run in progress, for the signal handler. */
static pid_t live[MAX_WORKERS];
static volatile sig_atomic_t nlive, caught;

static void pass_on(int sig)
{
    caught = sig;
    for (sig_atomic_t k = 0; k < nlive; k++)
        if (live[k] > 0)
            kill(live[k], sig);
}

/* Writes all of buf, retrying short writes. */
static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        len -= (size_t)w;
    }
}

_Noreturn static void worker(int fd, pid_t parent, atomic_size_t *next, size_t n,
                             pl_proc_job job, void *ctx)
{
    struct sigaction sa;
    for (int k = 0; k < 2; k++) {   /* the caller's own handler, if any, is not ours */
        int sig = k ? SIGTERM : SIGINT;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
            signal(sig, SIG_DFL);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)   /* the parent died before the line above */
        _exit(1);
    for (size_t i; (i = atomic_fetch_add(next, 1)) < n;) {
        pl_error e = { 0 };
        int rc = job(ctx, i, &e);
        if (rc) {
            report r = { .job = i, .code = rc };
            snprintf(r.msg, sizeof r.msg, "%s", e.msg);
            write_all(fd, &r, sizeof r);
            _exit(1);
        }
    }
    _exit(0);
}

static int run_here(size_t n, pl_proc_job job, void *ctx, pl_error *e)
{
    for (size_t i = 0; i < n; i++) {
        int rc = job(ctx, i, e);
        if (rc)
            return rc;
    }
    return PL_OK;
}

/* Reads the pipes until every worker has closed its end; keeps the report
 * of lowest job index in *best (best->code 0: none).  After the first
 * failure the other workers are stopped: their share would be thrown away. */
static void collect(int *fd, int W, report *best)
{
    struct pollfd pfd[MAX_WORKERS];
    size_t got[MAX_WORKERS] = { 0 };
    static report part[MAX_WORKERS];   /* large: off the stack */
    int open = W, stopped = 0;
    for (int k = 0; k < W; k++)
        pfd[k] = (struct pollfd){ .fd = fd[k], .events = POLLIN };
    while (open) {
        if (caught && !stopped) {
            stopped = 1;
            pass_on((int)caught);
        }
        if (poll(pfd, (nfds_t)W, -1) < 0)
            continue;   /* EINTR: a signal, handled above */
        for (int k = 0; k < W; k++) {
            if (pfd[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(fd[k], (char *)&part[k] + got[k], sizeof part[k] - got[k]);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0) {
                got[k] += (size_t)r;
                if (got[k] == sizeof part[k] && (!best->code || part[k].job < best->job))
                    *best = part[k];
                if (got[k] == sizeof part[k] && !stopped) {
                    stopped = 1;
                    for (int j = 0; j < W; j++)
                        if (j != k)
                            kill(live[j], SIGTERM);
                }
                continue;
            }
            close(fd[k]);   /* end of file (or an error): this worker is done */
            pfd[k].fd = -1;
            open--;
        }
    }
}

int pl_proc_run(size_t n, int workers, pl_proc_job job, void *ctx, pl_error *e)
{
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    int W = (size_t)workers < n ? workers : (int)n;
    if (W <= 1)
        return run_here(n, job, ctx, e);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pass_on;
    sigemptyset(&sa.sa_mask);
    caught = 0;
    nlive = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* A signal the caller ignores (a shell's background job, nohup) stays
     * ignored, in the workers too. */
    if (old_int.sa_handler == SIG_IGN)
        sigaction(SIGINT, &old_int, NULL);
    if (old_term.sa_handler == SIG_IGN)
        sigaction(SIGTERM, &old_term, NULL);
    fflush(NULL);   /* nothing buffered twice, even if a job writes to stdio */

    int fd[MAX_WORKERS], rc = PL_OK, forked = 0;
    pid_t parent = getpid();
    atomic_size_t *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (next == MAP_FAILED) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        return pl_errorf(e, PL_EIO, "cannot start picture workers: mmap: %s", strerror(errno));
    }
    atomic_init(next, 0);
    for (int k = 0; k < W; k++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            rc = pl_errorf(e, PL_EIO, "cannot start picture workers: pipe: %s", strerror(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            rc = pl_errorf(e, PL_EIO, "cannot start picture workers: fork: %s", strerror(errno));
            close(p[0]);
            close(p[1]);
            break;
        }
        if (pid == 0) {
            close(p[0]);
            for (int j = 0; j < k; j++)
                close(fd[j]);
            worker(p[1], parent, next, n, job, ctx);
        }
        close(p[1]);
        fd[k] = p[0];
        live[k] = pid;
        nlive = (sig_atomic_t)(++forked);
    }
    if (rc)   /* some could not start: stop those that did */
        for (int k = 0; k < forked; k++)
            kill(live[k], SIGTERM);

    report best = { 0 };
    collect(fd, forked, &best);
    int died = 0, status_of_died = 0;
    for (int k = 0; k < forked; k++) {
        int st;
        while (waitpid(live[k], &st, 0) < 0 && errno == EINTR)
            ;
        if (!died && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) &&
            !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM && best.code)) {
            died = k + 1;
            status_of_died = st;
        }
    }
    nlive = 0;
    munmap(next, sizeof *next);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    if (rc)
        return rc;
    if (caught)
        return pl_errorf(e, PL_EINTR, "interrupted by %s while drawing pictures",
                         caught == SIGINT ? "SIGINT" : "SIGTERM");
    if (best.code) {
        if (e) {
            e->code = best.code;
            snprintf(e->msg, sizeof e->msg, "%s", best.msg);
        }
        return best.code;
    }
    if (died) {
        int st = status_of_died;
        if (WIFSIGNALED(st))
            return pl_errorf(e, PL_EIO, "picture worker %d of %d was killed by signal %d (%s)",
                             died, forked, WTERMSIG(st), strsignal(WTERMSIG(st)));
        return pl_errorf(e, PL_EIO, "picture worker %d of %d exited with status %d", died,
                         forked, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    return PL_OK;
}
