/*
 * check_rundir.c - a run directory is replaced as a whole (src/output/stage.c),
 * through the parlogit binary on MNIST's 10k set:
 *   - SIGKILL at 24 random moments of a sweep trained over an earlier run of
 *     another config leaves NAME exactly the complete old run or the complete
 *     new one (every file and its content, against uninterrupted runs; nothing
 *     else in it), and the next train succeeds and removes the leftovers;
 *   - a full disk while the run is written (a tiny tmpfs in a private mount
 *     namespace) keeps the old run and leaves no staging directory; a disk too
 *     small for the estimated size, and a read-only parent, fail before
 *     training with exit 2;
 *   - a directory that is not a run directory is refused with exit 2 and left
 *     untouched; an empty one and an earlier version's run are replaced;
 *   - no file of the old run (pictures, report, best.csv rows) survives;
 *   - SIGTERM while training and SIGINT while writing: exit 130, NAME the whole
 *     new run.
 * The tests need root for mount(2) in `unshare -m`, as CI and this machine
 * have; without it they fail, they never skip.
 *
 * Every train runs in its parent directory with --out run, so every run's
 * files quote the same output.dir and runs of one config compare equal through
 * tests/rundir_digest.py (wall times taken out).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

/* The old run: one pair.  The new run: another config, two pairs, a sweep;
 * both draw their pictures, so every kind of file is written. */
#define OLD_CONFIG "[task]\npairs = 1-7\n[train]\nlearning_rates = 0.5\niterations = 20, 40\n" \
                   "[output]\nplots = true\n"
#define NEW_CONFIG "[task]\npairs = 0-6, 2-3\n[train]\nlearning_rates = 0.5, 0.1\n" \
                   "iterations = 50, 100\n[output]\nplots = true\n"

static char fx_dir[PATH_MAX];          /* the fixture's directory              */
static char fx_bin[PATH_MAX];          /* the binary, absolute                 */
static char fx_old_ini[PATH_MAX + 64], fx_new_ini[PATH_MAX + 64];
static char fx_ref_old[PATH_MAX + 64], fx_ref_new[PATH_MAX + 64];
static double fx_new_seconds;          /* how long the new run took: kill moments */
static char fx_error[4096];            /* why the fixture failed, or ""        */

static void write_config(const char *dir, const char *name, const char *extra, char *path,
                         size_t len)
{
    char data[PATH_MAX], text[4096];
    tu_mnist_dir(data, sizeof data);
    int n = snprintf(text, sizeof text,
                     "[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\n"
                     "train_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\n"
                     "train_rows = 0:8000\ntest_rows = 8000:10000\n%s",
                     data, extra);
    tu_write(dir, name, text, (size_t)n, path, len);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Starts `parlogit train INI --threads 2 --quiet --out run` in directory cwd,
 * its output into log; returns its PID. */
static pid_t spawn_train(const char *cwd, const char *ini, const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || chdir(cwd) != 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(fx_bin, fx_bin, "train", ini, "--threads", "2", "--quiet", "--out", "run",
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The exit status of pid (128 + signal when killed). */
static int wait_for(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A train run to its end: its exit status, its output in log. */
static int train(const char *cwd, const char *ini, const char *log)
{
    return wait_for(spawn_train(cwd, ini, log));
}

static void read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* tests/rundir_digest.py's listing of dir into out. */
static void digest(const char *dir, char *out, size_t len)
{
    char cmd[PATH_MAX + 256];
    snprintf(cmd, sizeof cmd, "%s tests/rundir_digest.py '%s'", tu_python(), dir);
    ck_assert_msg(tu_run(cmd, out, len) == 0, "rundir_digest.py %s: %s", dir, out);
}

static void rundir_setup(void)
{
    char cwd[PATH_MAX + 64], log[PATH_MAX + 64], cmd[4 * PATH_MAX], out[4096];
    fx_error[0] = '\0';
    tu_tmpdir(fx_dir, sizeof fx_dir);
    char *bin = realpath(tu_bin(), NULL);
    if (!bin) {
        snprintf(fx_error, sizeof fx_error, "%s: %s", tu_bin(), strerror(errno));
        return;
    }
    snprintf(fx_bin, sizeof fx_bin, "%s", bin);
    free(bin);
    write_config(fx_dir, "old.ini", OLD_CONFIG, fx_old_ini, sizeof fx_old_ini);
    write_config(fx_dir, "new.ini", NEW_CONFIG, fx_new_ini, sizeof fx_new_ini);
    snprintf(cwd, sizeof cwd, "%s/p", fx_dir);
    snprintf(log, sizeof log, "%s/ref.log", fx_dir);
    snprintf(fx_ref_old, sizeof fx_ref_old, "%s/ref_old", fx_dir);
    snprintf(fx_ref_new, sizeof fx_ref_new, "%s/ref_new", fx_dir);
    mkdir(cwd, 0755);
    if (train(cwd, fx_old_ini, log) != 0)
        goto failed;
    snprintf(cmd, sizeof cmd, "cp -a '%s/run' '%s'", cwd, fx_ref_old);
    if (system(cmd) != 0)
        goto failed;
    double t0 = now();
    if (train(cwd, fx_new_ini, log) != 0)
        goto failed;
    fx_new_seconds = now() - t0;
    snprintf(cmd, sizeof cmd, "cp -a '%s/run' '%s'", cwd, fx_ref_new);
    if (system(cmd) != 0)
        goto failed;
    return;
failed:
    read_file(log, out, sizeof out);
    snprintf(fx_error, sizeof fx_error, "the reference runs failed: %s", out);
}

static void rundir_teardown(void)
{
    if (fx_dir[0]) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
        (void)system(cmd);
    }
}

static void need_fixture(void)
{
    ck_assert_msg(fx_error[0] == '\0', "%s", fx_error);
}

/* A fresh directory for one test under the fixture's. */
static void test_dir(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", fx_dir, name);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
    ck_assert_int_eq(system(cmd), 0);
}

/* The entries of dir other than "run", space-separated, into out. */
static void others(const char *dir, char *out, size_t len)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    out[0] = '\0';
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "run")) {
            size_t n = strlen(out);
            snprintf(out + n, len - n, "%s ", de->d_name);
        }
    closedir(d);
}

/* Shell: the models run/models.json holds, one "model NAME" line each. */
#define MODEL_NAMES                                                                \
    "sed -n 's/^    \"\\([^\"]*\\)\": {$/model \\1/p' run/models.json"
/* A shell function: "DIR: ENTRIES" per directory argument (ls -A). */
#define LSD "lsd() { for x; do echo \"$x:\" $(ls -A $x); done; }; "

/* ---------------------------------------------------------------- kills */

/* Kills a train of the new config over the old run: at moment `at` seconds
 * after it starts, or (at < 0) as soon as file `when` exists in its staging
 * directory.  Then NAME must be the old or the new run, whole, and the next
 * train (of the old config) must succeed and leave nothing else beside it. */
static void kill_once(const char *parent, const char *ref_old, const char *ref_new, double at,
                      const char *when, int *olds, int *news)
{
    static char listing[65536], other[4096];
    char log[PATH_MAX + 64], stage[PATH_MAX + 64], path[2 * PATH_MAX];
    snprintf(log, sizeof log, "%s.log", parent);
    pid_t pid = spawn_train(parent, fx_new_ini, log);
    snprintf(stage, sizeof stage, "%s/.run.new-%ld", parent, (long)pid);
    int st, done = 0;
    if (at >= 0) {
        struct timespec d = { (time_t)at, (long)((at - (time_t)at) * 1e9) };
        while (nanosleep(&d, &d) != 0 && errno == EINTR)
            ;
    } else {
        snprintf(path, sizeof path, "%s/%s", stage, when);
        while (!(done = waitpid(pid, &st, WNOHANG) == pid) && access(path, F_OK) != 0) {
            struct timespec d = { 0, 500000 };
            nanosleep(&d, NULL);
        }
    }
    if (!done) {
        kill(pid, SIGKILL);
        wait_for(pid);
    }

    snprintf(path, sizeof path, "%s/run", parent);
    digest(path, listing, sizeof listing);
    if (!strcmp(listing, ref_old))
        ++*olds;
    else if (!strcmp(listing, ref_new))
        ++*news;
    else
        ck_abort_msg("killed at %.3f s / on %s: run is neither the old nor the new run:\n%s",
                     at, when ? when : "-", listing);
    /* beside it: at most the killed train's staging directory */
    others(parent, other, sizeof other);
    snprintf(path, sizeof path, ".run.new-%ld ", (long)pid);
    ck_assert_msg(!other[0] || !strcmp(other, path), "killed at %.3f s / on %s: left beside "
                  "run: %s", at, when ? when : "-", other);

    /* the next train succeeds, removes the leftover, and is the old run again */
    char out[4096];
    int rc = train(parent, fx_old_ini, log);
    read_file(log, out, sizeof out);
    ck_assert_msg(rc == 0, "the train after a kill: exit %d: %s", rc, out);
    others(parent, other, sizeof other);
    ck_assert_msg(!other[0], "left after the next train: %s", other);
    snprintf(path, sizeof path, "%s/run", parent);
    digest(path, listing, sizeof listing);
    ck_assert_msg(!strcmp(listing, ref_old), "the train after a kill is not the old run:\n%s",
                  listing);
}

START_TEST(test_kill_at_random_moments)
{
    need_fixture();
    static char ref_old[65536], ref_new[65536];
    char parent[PATH_MAX + 64], cmd[3 * PATH_MAX];
    digest(fx_ref_old, ref_old, sizeof ref_old);
    digest(fx_ref_new, ref_new, sizeof ref_new);
    ck_assert_str_ne(ref_old, ref_new);
    test_dir("kill", parent, sizeof parent);
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s/run'", fx_ref_old, parent);
    ck_assert_int_eq(system(cmd), 0);

    /* The new run's files, to kill on: each appears in the staging directory
     * when it is complete, so these kills fall while the run is written. */
    char names[64][128];
    int nnames = 0;
    for (char *p = ref_new; *p && nnames < 64;) {
        char *nl = strchr(p, '\n'), *sp = strchr(p, ' ');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (sp && (size_t)(sp - p) < n && (size_t)(sp - p) < sizeof names[0])
            snprintf(names[nnames++], sizeof names[0], "%.*s", (int)(sp - p), p);
        p += n + (nl != NULL);
    }
    ck_assert_int_ge(nnames, 20);

    uint64_t seed = 20240601;
    int olds = 0, news = 0;
    for (int k = 0; k < 24; k++) {
        if (k % 2 == 0)   /* any moment of the run, a little past its usual end too */
            kill_once(parent, ref_old, ref_new, tu_uniform(&seed, 0, 1.2f) * fx_new_seconds,
                      NULL, &olds, &news);
        else
            kill_once(parent, ref_old, ref_new, -1, names[tu_rand(&seed) % (uint64_t)nnames],
                      &olds, &news);
    }
    fprintf(stderr, "rundir: 24 kills: %d left the old run, %d the new one\n", olds, news);
    tu_rmtree(parent);
}
END_TEST

/* ---------------------------------------------------------------- full and read-only disks */

/* Runs script in a private mount namespace (unshare -m) from the repository
 * root; its output into out; returns its exit status. */
static int in_namespace(const char *script, char *out, size_t len)
{
    char path[PATH_MAX + 64], cmd[PATH_MAX + 128];
    tu_write(fx_dir, "ns.sh", script, strlen(script), path, sizeof path);
    snprintf(cmd, sizeof cmd, "unshare -m sh -e '%s'", path);
    return tu_run(cmd, out, len);
}

START_TEST(test_full_disk_keeps_the_old_run)
{
    need_fixture();
    static char ref_old[65536], after[65536], script[8192], out[16384];
    char dir[PATH_MAX + 64], path[PATH_MAX + 128];
    digest(fx_ref_old, ref_old, sizeof ref_old);
    test_dir("full", dir, sizeof dir);
    /* Room for the old run and half the new one: more than the new run's
     * estimated size (its pictures are not counted), less than it needs. */
    for (int tight = 0; tight < 2; tight++) {
        snprintf(script, sizeof script,
                 "d=%s; mkdir -p $d/mnt\n"
                 "old=$(du -sk %s | cut -f1); new=$(du -sk %s | cut -f1)\n"
                 "size=$((old + %s))k\n"
                 "mount -t tmpfs -o size=$size tmpfs $d/mnt || { echo 'mount failed'; exit 99; }\n"
                 "echo mounted $size\n"
                 "cp -a %s $d/mnt/run\n"
                 "cd $d/mnt; set +e; %s train %s --threads 2 --quiet --out run; echo exit=$?\n"
                 "set -e; ls -a $d/mnt > $d/after.ls; rm -rf $d/after; cp -a $d/mnt/run $d/after\n",
                 dir, fx_ref_old, fx_ref_new, tight ? "64" : "new / 2", fx_ref_old, fx_bin,
                 fx_new_ini);
        int rc = in_namespace(script, out, sizeof out);
        ck_assert_msg(rc == 0 && strstr(out, "mounted "), "tmpfs in a mount namespace: exit "
                      "%d (root and unshare(1) are needed; this test never skips): %s", rc, out);
        if (tight) {   /* too small for the estimated size: refused before training */
            ck_assert_msg(strstr(out, "exit=2\n") && strstr(out, "estimated size") &&
                          strstr(out, "run:") && !strstr(out, "model(s) trained in"), "%s", out);
        } else {       /* the writing runs out of space */
            ck_assert_msg(strstr(out, "exit=1\n") && strstr(out, strerror(ENOSPC)) &&
                          !strstr(out, "estimated size"), "%s", out);
            ck_assert_msg(strstr(out, ".run.new-") && strstr(out, "was left as it was"),
                          "the message names the file: %s", out);
        }
        snprintf(path, sizeof path, "%s/after.ls", dir);
        read_file(path, out, sizeof out);
        ck_assert_msg(!strcmp(out, ".\n..\nrun\n"), "left on the disk: %s", out);
        snprintf(path, sizeof path, "%s/after", dir);
        digest(path, after, sizeof after);
        ck_assert_msg(!strcmp(after, ref_old), "the old run changed:\n%s", after);
    }
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_read_only_parent_fails_before_training)
{
    need_fixture();
    static char script[8192], out[16384];
    char dir[PATH_MAX + 64];
    test_dir("ro", dir, sizeof dir);
    /* a tmpfs remounted read-only, then a read-only bind mount of a writable
     * directory (root ignores permission bits: only a read-only mount stops it) */
    snprintf(script, sizeof script,
             "d=%s; mkdir -p $d/mnt $d/src/p $d/bind\n"
             "mount -t tmpfs -o size=8m tmpfs $d/mnt || { echo 'mount failed'; exit 99; }\n"
             "mkdir $d/mnt/p; mount -o remount,ro $d/mnt\n"
             "mount --bind $d/src $d/bind; mount -o remount,bind,ro $d/bind\n"
             "echo mounted\n"
             "set +e\n"
             "cd $d/mnt/p; %s train %s --threads 2 --quiet --out run; echo exit=$?\n"
             "cd $d/bind/p; %s train %s --threads 2 --quiet --out run; echo exit=$?\n"
             "ls -a $d/src/p | tr '\\n' ' '; echo\n",
             dir, fx_bin, fx_new_ini, fx_bin, fx_new_ini);
    int rc = in_namespace(script, out, sizeof out);
    ck_assert_msg(rc == 0 && strstr(out, "mounted\n"), "read-only mounts in a mount namespace: "
                  "exit %d (root and unshare(1) are needed; this test never skips): %s", rc, out);
    const char *second = strstr(out, "exit=2\n");
    ck_assert_msg(second && strstr(second + 1, "exit=2\n"), "%s", out);
    ck_assert_msg(strstr(out, strerror(EROFS)) && strstr(out, "output directory run"), "%s", out);
    ck_assert_msg(!strstr(out, "model(s) trained in"), "trained before failing: %s", out);
    ck_assert_msg(strstr(out, "\n. .. \n"), "left something: %s", out);
    tu_rmtree(dir);
}
END_TEST

/* ---------------------------------------------------------------- whose directory */

START_TEST(test_refuses_a_directory_that_is_not_a_run)
{
    need_fixture();
    char dir[PATH_MAX + 64], cmd[4 * PATH_MAX], out[16384], path[PATH_MAX + 128];
    test_dir("foreign", dir, sizeof dir);
    /* defect 5: --out DIR with an unrelated DIR/models/ deleted it */
    snprintf(cmd, sizeof cmd, LSD
             "cd %s && mkdir -p run/models && echo mine > run/models/keep.npy && "
             "echo notes > run/notes.txt && %s train %s --threads 2 --quiet --out run; "
             "echo exit=$?; cat run/models/keep.npy run/notes.txt; lsd . run run/models",
             dir, fx_bin, fx_new_ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=2\n") && strstr(out, "run: exists, is not empty and is not a "
                  "parlogit run directory"), "%s", out);
    ck_assert_msg(strstr(out, "mine\nnotes\n"), "%s", out);
    ck_assert_msg(strstr(out, ".: run\nrun: models notes.txt\nrun/models: keep.npy\n"),
                  "%s", out);
    ck_assert_ptr_null(strstr(out, "model(s) trained in"));

    /* an earlier version's run with a file of the user's in it: refused too */
    snprintf(cmd, sizeof cmd, "cd %s && rm -rf run && cp -a %s run && rm run/parlogit-run && "
             "echo mine > run/mine.txt && %s train %s --threads 2 --quiet --out run; echo exit=$?; "
             "cat run/mine.txt", dir, fx_ref_old, fx_bin, fx_new_ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=2\n") && strstr(out, "mine\n"), "%s", out);

    /* an earlier version's run (no marker): replaced, marked now */
    snprintf(cmd, sizeof cmd, LSD "cd %s && rm run/mine.txt && %s train %s --threads 2 --quiet "
             "--out run; echo exit=$?; lsd .", dir, fx_bin, fx_new_ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=0\n.: run\n"), "%s", out);
    snprintf(path, sizeof path, "%s/run/parlogit-run", dir);
    read_file(path, cmd, sizeof cmd);
    ck_assert_str_eq(cmd, "parlogit run directory\nformat 2\n");

    /* an empty directory: fine */
    snprintf(cmd, sizeof cmd, "cd %s && rm -rf run && mkdir run && %s train %s --threads 2 "
             "--quiet --set output.plots=false --out run; echo exit=$?", dir, fx_bin, fx_new_ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=0\n"), "%s", out);
    snprintf(path, sizeof path, "%s/run/results.csv", dir);
    ck_assert_int_eq(access(path, F_OK), 0);

    /* a file, and a symbolic link to a run, are refused */
    snprintf(cmd, sizeof cmd, "cd %s && rm -rf run && echo x > run && %s train %s --quiet "
             "--out run; echo exit=$?; cat run; rm run && ln -s %s run && %s train %s --quiet "
             "--out run; echo exit=$?", dir, fx_bin, fx_new_ini, fx_ref_old, fx_bin, fx_new_ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "not a directory\nexit=2\nx\n") &&
                  strstr(out, "symbolic link") && strstr(out, "exit=2\n"), "%s", out);
    tu_rmtree(dir);
}
END_TEST

/* issue 16 item 2: training 0-6 into a 1-7 run with plots leaves nothing of 1-7. */
START_TEST(test_no_stale_files_of_the_old_run)
{
    need_fixture();
    static char out[65536];
    char dir[PATH_MAX + 64], ini[PATH_MAX + 64], cmd[4 * PATH_MAX], path[PATH_MAX + 128];
    test_dir("stale", dir, sizeof dir);
    write_config(fx_dir, "stale.ini", "[task]\npairs = 0-6\n[train]\nlearning_rates = 0.5\n"
                 "iterations = 20\n[output]\nplots = true\n", ini, sizeof ini);
    snprintf(cmd, sizeof cmd, LSD "cd %s && cp -a %s run && %s train %s --threads 2 --quiet "
             "--out run; echo exit=$?; lsd . run run/plots run/models; " MODEL_NAMES, dir,
             fx_ref_old, fx_bin, ini);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "exit=0\n"), "%s", out);
    ck_assert_msg(strstr(out, "\n.: run\n") && !strstr(out, "1-7") &&
                  strstr(out, "0-6_weights.png") && strstr(out, "models.npz") &&
                  strstr(out, "model 0-6_lr0.5_it20\n"),
                  "%s", out);
    snprintf(path, sizeof path, "%s/run/report.html", dir);
    read_file(path, out, sizeof out);
    /* (its how-to-read text says "7 in 1-7": no picture or row of 1-7) */
    ck_assert_msg(strstr(out, "plots/0-6_weights.png") && !strstr(out, "1-7_") &&
                  !strstr(out, "<td>1-7</td>"), "report.html is about 1-7");
    snprintf(path, sizeof path, "%s/run/best.csv", dir);
    read_file(path, out, sizeof out);
    ck_assert_msg(strstr(out, "\n0-6,") && !strstr(out, "1-7"), "best.csv: %s", out);
    tu_rmtree(dir);
}
END_TEST

/* ---------------------------------------------------------------- signals */

/* SIGTERM while training over the old run: exit 130, and run is the new run,
 * whole (its finished models, unfinished ones marked interrupted), nothing of
 * the old one and nothing beside it.  SIGINT while the run is written: the
 * writing finishes, exit 130, run the whole new run. */
START_TEST(test_signals_replace_the_run_whole)
{
    need_fixture();
    static char out[65536];
    char dir[PATH_MAX + 64], ini[PATH_MAX + 64], cmd[4 * PATH_MAX], path[PATH_MAX + 128];
    char log[PATH_MAX + 64], other[4096];
    test_dir("signals", dir, sizeof dir);
    write_config(fx_dir, "long.ini", "[task]\npairs = 0-6\n[train]\nlearning_rates = 0.5\n"
                 "iterations = 5, 10000000\n[output]\nplots = true\n", ini, sizeof ini);
    snprintf(log, sizeof log, "%s.log", dir);

    /* SIGTERM once training is under way: its first checkpoint is written */
    snprintf(cmd, sizeof cmd, "cp -a %s %s/run", fx_ref_old, dir);
    ck_assert_int_eq(system(cmd), 0);
    pid_t pid = spawn_train(dir, ini, log);
    snprintf(path, sizeof path, "%s/.run.new-%ld/parlogit-run", dir, (long)pid);
    for (int k = 0; k < 30000 && access(path, F_OK) != 0; k++) {   /* at most 30 s */
        struct timespec d = { 0, 1000000 };
        nanosleep(&d, NULL);
    }
    struct timespec d = { 2, 0 };   /* then the data loaded and training under way */
    nanosleep(&d, NULL);
    kill(pid, SIGTERM);
    int rc = wait_for(pid);
    read_file(log, out, sizeof out);
    ck_assert_msg(rc == 130 && strstr(out, "interrupted"), "exit %d: %s", rc, out);
    snprintf(path, sizeof path, "%s/run/results.csv", dir);
    read_file(path, out, sizeof out);
    ck_assert_msg(strstr(out, "0-6,0.5,5,") && strstr(out, ",ok,") &&
                  strstr(out, ",interrupted,") && !strstr(out, "1-7"), "%s", out);
    snprintf(cmd, sizeof cmd, LSD "cd %s && lsd . run run/models; cat run/summary.json", dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, ".: run\n") && !strstr(out, "1-7") &&
                  strstr(out, "parlogit-run") && strstr(out, "\"interrupted\": true"), "%s", out);
    others(dir, other, sizeof other);
    ck_assert_msg(!other[0], "left beside run: %s", other);

    /* SIGINT as soon as results.csv is written into the staging directory */
    snprintf(cmd, sizeof cmd, "rm -rf %s/run && cp -a %s %s/run", dir, fx_ref_old, dir);
    ck_assert_int_eq(system(cmd), 0);
    pid = spawn_train(dir, fx_new_ini, log);
    snprintf(path, sizeof path, "%s/.run.new-%ld/results.csv", dir, (long)pid);
    int st, done = 0;
    while (!(done = waitpid(pid, &st, WNOHANG) == pid) && access(path, F_OK) != 0) {
        struct timespec w = { 0, 200000 };
        nanosleep(&w, NULL);
    }
    ck_assert_msg(!done, "the train ended before writing results.csv");
    kill(pid, SIGINT);
    rc = wait_for(pid);
    read_file(log, out, sizeof out);
    ck_assert_msg(rc == 130 && strstr(out, "interrupted while the run was written"), "exit %d: %s",
                  rc, out);
    snprintf(cmd, sizeof cmd, LSD "cd %s && lsd . run run/models; cat run/best.csv; "
             MODEL_NAMES, dir);
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, ".: run\n") && !strstr(out, "1-7") &&
                  strstr(out, "parlogit-run") && strstr(out, "summary.json") &&
                  strstr(out, "model 2-3_lr0.1_it100\n") && strstr(out, "\n2-3,"), "%s", out);
    others(dir, other, sizeof other);
    ck_assert_msg(!other[0], "left beside run: %s", other);
    tu_rmtree(dir);
}
END_TEST

Suite *suite_rundir(void)
{
    Suite *s = suite_create("rundir");
    TCase *tc = tcase_create("rundir");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, rundir_setup, rundir_teardown);
    tcase_add_test(tc, test_refuses_a_directory_that_is_not_a_run);
    tcase_add_test(tc, test_no_stale_files_of_the_old_run);
    tcase_add_test(tc, test_read_only_parent_fails_before_training);
    tcase_add_test(tc, test_full_disk_keeps_the_old_run);
    tcase_add_test(tc, test_signals_replace_the_run_whole);
    tcase_add_test(tc, test_kill_at_random_moments);
    suite_add_tcase(s, tc);
    return s;
}
