/*
 * check_procs.c - jobs in worker processes (src/util/procs.h), the way the
 * report draws its pictures:
 *   - every job runs exactly once (each job writes a file naming the
 *     process that ran it, and a second run of a job would fail), in a
 *     worker and not in the caller, by at most W processes, for W = 2, 3
 *     and more workers than jobs; W = 1 runs them in the caller;
 *   - a failing job fails the run with its code and message, the same in a
 *     worker as in the calling process;
 *   - a worker killed by a signal is an error naming the signal;
 *   - SIGINT sent to the parent alone while it waits stops every worker and
 *     gives PL_EINTR, and the caller's handler is back afterwards;
 *   - no worker is left behind: after each run the test process has no
 *     child at all (waitpid(-1) says ECHILD), so none is a zombie.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "util/procs.h"

typedef struct ctx {
    char dir[PATH_MAX];
    size_t fail;                 /* the job that fails (SIZE_MAX: none)  */
    size_t crash, interrupt;     /* the job that dies / sends SIGINT      */
} ctx;

static int job(void *p, size_t i, pl_error *e)
{
    const ctx *c = p;
    if (i == c->crash)
        raise(SIGKILL);
    if (i == c->interrupt) {
        kill(getppid(), SIGINT);
        pause();   /* until the parent passes the signal on */
    }
    if (i == c->fail)
        return pl_errorf(e, PL_EINPUT, "job %zu failed", i);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%zu", c->dir, i);
    FILE *f = fopen(path, "wx");   /* "x": a job run twice fails */
    if (!f)
        return pl_errorf(e, PL_EIO, "%s: %s", path, strerror(errno));
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    return PL_OK;
}

static void no_children(void)
{
    errno = 0;
    ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}

static ctx fresh(void)
{
    ctx c = { .fail = SIZE_MAX, .crash = SIZE_MAX, .interrupt = SIZE_MAX };
    tu_tmpdir(c.dir, sizeof c.dir);
    return c;
}

static long pid_of(const ctx *c, size_t i)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%zu", c->dir, i);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "job %zu did not run", i);
    long pid = 0;
    ck_assert_int_eq(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    return pid;
}

START_TEST(test_each_job_once_in_its_worker)
{
    const int workers[4] = { 1, 2, 3, 40 };
    const size_t n = 17;
    for (int t = 0; t < 4; t++) {
        ctx c = fresh();
        pl_error e = { 0 };
        ck_assert_msg(pl_proc_run(n, workers[t], job, &c, &e) == PL_OK, "%s", e.msg);
        no_children();
        int W = workers[t] < (int)n ? workers[t] : (int)n;
        long seen[64];
        int nseen = 0;
        for (size_t i = 0; i < n; i++) {
            long pid = pid_of(&c, i);
            if (W == 1) {
                ck_assert_int_eq(pid, (long)getpid());   /* run here */
                continue;
            }
            ck_assert_int_ne(pid, (long)getpid());
            int known = 0;
            for (int j = 0; j < nseen; j++)
                known |= seen[j] == pid;
            if (!known)
                seen[nseen++] = pid;
        }
        ck_assert_int_le(nseen, W);
        tu_rmtree(c.dir);
    }
}
END_TEST

START_TEST(test_failures_and_crashes)
{
    ctx c = fresh();
    pl_error e = { 0 };
    c.fail = 5;   /* in worker 1 of 2 */
    ck_assert_int_eq(pl_proc_run(12, 2, job, &c, &e), PL_EINPUT);
    ck_assert_str_eq(e.msg, "job 5 failed");
    no_children();
    tu_rmtree(c.dir);
    c = fresh();
    c.fail = 5;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(pl_proc_run(12, 1, job, &c, &e), PL_EINPUT);   /* here: the same */
    ck_assert_str_eq(e.msg, "job 5 failed");
    tu_rmtree(c.dir);

    c = fresh();
    c.crash = 4;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(pl_proc_run(9, 3, job, &c, &e), PL_EIO);
    ck_assert_msg(strstr(e.msg, "killed by signal 9"), "%s", e.msg);
    no_children();
    tu_rmtree(c.dir);
}
END_TEST

static volatile sig_atomic_t mine;
static void my_handler(int sig)
{
    mine = sig;
}

START_TEST(test_sigint_stops_every_worker)
{
    struct sigaction sa, back;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = my_handler;
    sigaction(SIGINT, &sa, NULL);
    ctx c = fresh();
    c.interrupt = 1;   /* worker 1 signals the parent alone, then waits */
    pl_error e = { 0 };
    ck_assert_int_eq(pl_proc_run(40, 2, job, &c, &e), PL_EINTR);
    ck_assert_msg(strstr(e.msg, "SIGINT"), "%s", e.msg);
    no_children();
    ck_assert_int_eq(mine, 0);   /* the run's handler took it, not ours */
    sigaction(SIGINT, NULL, &back);
    ck_assert_ptr_eq((void *)back.sa_handler, (void *)my_handler);
    tu_rmtree(c.dir);
}
END_TEST

Suite *suite_procs(void)
{
    Suite *s = suite_create("procs");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_each_job_once_in_its_worker);
    tcase_add_test(tc, test_failures_and_crashes);
    tcase_add_test(tc, test_sigint_stops_every_worker);
    suite_add_tcase(s, tc);
    return s;
}
