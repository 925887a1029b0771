/*
 * check_mpi.c - one run over MPI ranks (src/dist/): model files byte-identical
 * for every (ranks x threads) of 1x1, 1x2, 2x1, 2x2, 3x1 and both splits,
 * for a sweep of pairs with a softmax model, for L-BFGS softmax models and
 * for a single data-parallel model, each rank of the sweep's rows split
 * reading only its own blocks' training rows (summary.json) and every rank
 * of the others every row; a plain file read in shares (no rank reads it
 * through) to the same models; and a rank that fails ends the run on
 * every rank with one message and no run directory.  Faults mid-sweep:
 * SIGTERM to mpirun (Open MPI forwards it to every rank) writes the run with
 * every finished model and the others marked interrupted; a rank killed with
 * SIGKILL ends the job (Open MPI's mpirun aborts the others) without a hang
 * and without a run directory, and the next run into it clears what the
 * killed one staged.
 *
 * The runs are the real binary under `mpirun --oversubscribe
 * --allow-run-as-root` (this machine may have fewer cores than ranks; CI runs
 * as root).  The reference is the binary alone (not under mpirun: no MPI at
 * all).  mpirun missing is a failure, not a skip.
 */
#include "testutil.h"

/* mpirun as CI runs it; under ASan the stacks of Open MPI's allocations are
 * unwound slowly (its libraries have no frame pointers) and its components
 * stay loaded, so tests/lsan.supp can name the libraries they come from. */
#define MPIRUN "ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0 " \
               "OMPI_MCA_mca_base_component_disable_dlclose=1 " \
               "timeout 300 mpirun --oversubscribe --allow-run-as-root "

static char mnist[PATH_MAX];
static char tmp[PATH_MAX];

static void setup(void)
{
    tu_mnist_dir(mnist, sizeof mnist);
    tu_tmpdir(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_rmtree(tmp);
}

/* Trains `config` with extra `--set`s into tmp/name on ranks x threads
 * (ranks 0: the binary alone); returns the exit status, output into out. */
static int train(const char *name, int ranks, int threads, const char *sets, char *out,
                 size_t len)
{
    char cmd[8192], launcher[256] = "";
    if (ranks > 0)
        snprintf(launcher, sizeof launcher,
                 MPIRUN "-np %d ", ranks);
    snprintf(cmd, sizeof cmd, "%s%s train configs/default.ini --quiet --threads %d "
             "--set data.dir=%s --set output.plots=false %s --out %s/%s", launcher, tu_bin(),
             threads, mnist, sets, tmp, name);
    return tu_run(cmd, out, len);
}

/* The weights of tmp/ref are in tmp/run with the same bytes (models.npz, or
 * every .npy of a run in the per-model layout: tu_same_models); returns how
 * many arrays, a w and a b per model. */
static int same_models(const char *ref, const char *run)
{
    char a[PATH_MAX + 64], b[PATH_MAX + 64], out[4096];
    snprintf(a, sizeof a, "%s/%s", tmp, ref);
    snprintf(b, sizeof b, "%s/%s", tmp, run);
    int n;
    ck_assert_msg(tu_same_models(a, b, &n, out, sizeof out) == 0, "%s: models differ from %s's: %s",
                  run, ref, out);
    return n;
}

/* The training rows each rank of tmp/name read (summary.json's
 * ranks.train_rows_read) into got[0..max); returns how many ranks. */
static int rows_read(const char *name, size_t *got, int max)
{
    char cmd[PATH_MAX + 256], out[4096];
    snprintf(cmd, sizeof cmd, "%s -c 'import json,sys; print(*json.load(open(sys.argv[1]))"
             "[\"ranks\"][\"train_rows_read\"])' %s/%s/summary.json", tu_python(), tmp, name);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s: no ranks in summary.json: %s", name, out);
    int n = 0;
    for (char *p = out, *end; n < max; p = end) {
        const unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        got[n++] = v;
    }
    return n;
}

/* What each rank of a run read of the ntrain training rows: ALL of them;
 * only its OWN blocks' (fewer than all, every row once over the ranks);
 * PART of them (fewer than all: its group's window of its jobs' digits);
 * AT_MOST all (its jobs' digits, or none when it has no job). */
enum { READ_ALL, READ_OWN, READ_PART, READ_AT_MOST };

static void check_rows_read(const char *name, int ranks, size_t ntrain, int how)
{
    size_t got[16], sum = 0;
    ck_assert_int_eq(rows_read(name, got, 16), ranks);
    for (int r = 0; r < ranks; r++) {
        const int ok = how == READ_ALL       ? got[r] == ntrain
                       : how == READ_AT_MOST ? got[r] <= ntrain
                                             : got[r] > 0 && got[r] < ntrain;
        ck_assert_msg(ok, "%s: rank %d read %zu of %zu rows", name, r, got[r], ntrain);
        sum += got[r];
    }
    if (how == READ_OWN)
        ck_assert_uint_eq(sum, ntrain);
}

/* The matrix of (ranks, threads) for both splits against the binary alone,
 * and 4 ranks split mixed (2 groups of 2); with `fused` (a gradient-descent
 * sweep, whose plan reads only the rows it indexes) each rank of a rows
 * split reads only its own blocks' rows and of a mixed split its group's
 * share, else (the rows read on: L-BFGS, the data strategy) every rank of a
 * rows or mixed split reads every row. */
static void matrix_read(const char *sets, int want_models, int fused)
{
    static const int rt[][2] = { { 1, 1 }, { 1, 2 }, { 2, 1 }, { 2, 2 }, { 3, 1 }, { 4, 1 } };
    static const char *split[] = { "models", "rows", "mixed" };
    static char out[1 << 16];
    ck_assert_msg(train("ref", 0, 1, sets, out, sizeof out) == 0, "reference run: %s", out);
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < sizeof rt / sizeof *rt; i++) {
            if ((s == 2) != (rt[i][0] == 4))   /* 4 ranks: mixed only */
                continue;
            char name[64], all[4096];
            snprintf(name, sizeof name, "%s-%dx%d", split[s], rt[i][0], rt[i][1]);
            snprintf(all, sizeof all, "%s --set engine.distribute=%s", sets, split[s]);
            int rc = train(name, rt[i][0], rt[i][1], all, out, sizeof out);
            ck_assert_msg(rc == 0, "%s: exit %d: %s", name, rc, out);
            ck_assert_int_eq(same_models("ref", name), want_models);
            const int ranks = rt[i][0];
            const int how = ranks == 1 ? READ_ALL
                            : s == 0   ? READ_AT_MOST
                            : !fused   ? (s == 1 ? READ_ALL : READ_AT_MOST)
                            : s == 1   ? READ_OWN : READ_PART;
            check_rows_read(name, ranks, 8000, how);
            if (s == 2) {   /* 2 groups of 2 */
                char cmd[PATH_MAX + 128], got[256];
                snprintf(cmd, sizeof cmd, "grep -c '\"distribute\": \"mixed\", \"groups\": 2,' "
                         "%s/%s/summary.json", tmp, name);
                ck_assert_msg(tu_run(cmd, got, sizeof got) == 0, "%s: not 2 groups: %s", name, got);
            }
        }
}

static void matrix(const char *sets, int want_models)
{
    matrix_read(sets, want_models, 0);
}

START_TEST(test_sweep_identical_for_any_ranks_and_threads)
{
    /* 45 pairs x 2 rates and a softmax model, 2 checkpoints: fused */
    matrix_read("--set task.pairs=all --set task.multiclass=softmax "
                "--set train.learning_rates=0.1,0.5 --set train.iterations=10,25",
                (45 + 1) * 2 * 2 * 2, 1);
}
END_TEST

START_TEST(test_lbfgs_softmax_identical)
{
    matrix("--set task.pairs=none --set task.multiclass=softmax,ovr --set train.solver=lbfgs "
           "--set train.penalty=l2 --set train.C=0.1,1 --set train.max_iter=12",
           2 * 2 * 2);
}
END_TEST

/* SGD and Newton are shared out by models: 1, 2 and 3 ranks give the
 * binary alone's models and curves, byte for byte; rows is refused with a
 * message. */
START_TEST(test_sgd_identical_by_models)
{
    static char out[1 << 16];
    const char *sets = "--set task.pairs=0-1,3-5,2-rest --set task.multiclass=softmax "
                       "--set train.solver=sgd,newton --set train.penalty=l2 --set train.C=1 "
                       "--set train.learning_rates=0.1,0.5 "
                       "--set train.epochs=2 --set train.eval_every=20 "
                       "--set data.validation_fraction=0.1";
    ck_assert_msg(train("sgd-ref", 0, 2, sets, out, sizeof out) == 0, "reference run: %s", out);
    for (int ranks = 1; ranks <= 3; ranks++) {
        char name[64], cmd[3 * PATH_MAX];
        snprintf(name, sizeof name, "sgd-%d", ranks);
        int rc = train(name, ranks, 1, sets, out, sizeof out);
        ck_assert_msg(rc == 0, "%s: exit %d: %s", name, rc, out);
        ck_assert_int_eq(same_models("sgd-ref", name), 4 * 3 * 2);   /* 2 sgd, 1 newton */
        snprintf(cmd, sizeof cmd, "cmp %s/sgd-ref/curves.csv %s/%s/curves.csv", tmp, tmp, name);
        ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s: curves differ: %s", name, out);
    }
    char all[4096];
    snprintf(all, sizeof all, "%s --set engine.distribute=rows", sets);
    ck_assert_int_eq(train("sgd-rows", 2, 1, all, out, sizeof out), 2);
    TU_ASSERT_HAS(out, "solver = sgd is not shared out over MPI ranks by rows");
}
END_TEST

START_TEST(test_single_data_parallel_model_identical)
{
    /* one binary model: the data strategy (the dense objective) */
    matrix("--set task.pairs=1-7 --set task.multiclass=none --set train.learning_rates=0.5 "
           "--set train.iterations=30,60",
           2 * 2);
    char path[PATH_MAX + 64], out[1 << 12];
    snprintf(path, sizeof path, "grep -c '\"strategy\": \"data\"' %s/rows-3x1/summary.json",
             tmp);
    ck_assert_msg(tu_run(path, out, sizeof out) == 0, "not the data strategy: %s", out);
}
END_TEST

/* A plain (uncompressed) IDX file is read in shares over the ranks: no rank
 * reads it through (each checks and counts its share, reads its own rows):
 * the models of the gzip file on one process, for a rows split of 3 ranks
 * and a mixed one of 4, each rank reading only its blocks' rows; a pixel
 * above data.pixel_max is the one process's message, exit 2, no hang, no
 * run directory. */
START_TEST(test_plain_file_read_in_shares)
{
    static char out[1 << 16];
    char cmd[4 * PATH_MAX], sets[2 * PATH_MAX + 512];
    snprintf(cmd, sizeof cmd, "gunzip -c %s/t10k-images-idx3-ubyte.gz > %s/img && "
             "gunzip -c %s/t10k-labels-idx1-ubyte.gz > %s/lab", mnist, tmp, mnist, tmp);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "gunzip: %s", out);
    const char *sweep = "--set task.pairs=all --set task.multiclass=softmax "
                        "--set train.learning_rates=0.5 --set train.iterations=10";
    ck_assert_msg(train("ref", 0, 1, sweep, out, sizeof out) == 0, "reference run: %s", out);
    snprintf(sets, sizeof sets, "%s --set data.train_images=%s/img --set data.train_labels=%s/lab",
             sweep, tmp, tmp);
    const int ranks[2] = { 3, 4 };
    const char *split[2] = { "rows", "mixed" };
    for (int i = 0; i < 2; i++) {
        char name[32], all[sizeof sets + 64];
        snprintf(name, sizeof name, "plain-%s", split[i]);
        snprintf(all, sizeof all, "%s --set engine.distribute=%s", sets, split[i]);
        const int rc = train(name, ranks[i], 1, all, out, sizeof out);
        ck_assert_msg(rc == 0, "%s: exit %d: %s", name, rc, out);
        ck_assert_int_eq(same_models("ref", name), (45 + 1) * 2);
        check_rows_read(name, ranks[i], 8000, i == 0 ? READ_OWN : READ_PART);
    }
    static char one[1 << 14];
    char all[sizeof sets + 64];
    snprintf(all, sizeof all, "%s --set data.pixel_max=254", sets);
    ck_assert_int_eq(train("bad-one", 0, 1, all, one, sizeof one), 2);
    const char *msg = strstr(one, "parlogit: ");
    ck_assert_ptr_nonnull(msg);
    char want[512];
    snprintf(want, sizeof want, "%.*s", (int)strcspn(msg, "\n"), msg);
    TU_ASSERT_HAS(want, "above data.pixel_max = 254");
    const int rc = train("bad", 3, 1, all, out, sizeof out);
    ck_assert_msg(rc != 0 && rc != 124, "exit %d (124: it hung): %s", rc, out);
    TU_ASSERT_HAS(out, want);
    snprintf(cmd, sizeof cmd, "%s/bad", tmp);
    ck_assert_msg(access(cmd, F_OK) != 0, "a run directory was written");
}
END_TEST

START_TEST(test_failing_rank_ends_every_rank)
{
    /* rank 1 alone is given a training file that does not exist (MPMD) */
    char cmd[8192];
    static char out[1 << 16];
    snprintf(cmd, sizeof cmd,
             MPIRUN "-np 1 %s train configs/default.ini --quiet --set data.dir=%s --out %s/bad : "
             "-np 2 %s train configs/default.ini --quiet --set data.dir=%s --out %s/bad "
             "--set data.train_images=missing-images.gz",
             tu_bin(), mnist, tmp, tu_bin(), mnist, tmp);
    int rc = tu_run(cmd, out, sizeof out);
    ck_assert_msg(rc != 0 && rc != 124, "exit %d (124: it hung): %s", rc, out);
    /* one message, from the lowest failing rank, printed once */
    const char *m = strstr(out, "parlogit: rank 1: ");
    ck_assert_msg(m != NULL, "no message naming rank 1: %s", out);
    ck_assert_msg(strstr(m + 1, "parlogit: rank ") == NULL, "more than one message: %s", out);
    TU_ASSERT_HAS(out, "missing-images.gz");
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/bad", tmp);
    ck_assert_msg(access(path, F_OK) != 0, "a run directory was written");
}
END_TEST

/* Starts a long 2-rank sweep into tmp/name in the background (checkpoints at 1
 * and 20000 iterations), waits until rank 0 has loaded the data and started
 * training, and 5 s more (every 1-iteration checkpoint is done by then, even
 * under ASan, and no 20000-iteration one, even on a fast machine: that takes
 * minutes), then runs `act` (a shell
 * command; $pid is mpirun's) and waits for mpirun and then for every rank to
 * be gone (mpirun may return before a rank it signalled has exited): the
 * script's output, with "rc=N" (mpirun's exit status) last.  The whole script is bounded by timeout
 * 300 s (exit 124: it hung). */
static int fault(const char *name, const char *act, char *out, size_t len)
{
    static char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "timeout 300 bash -c 'export ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0 "
             "OMPI_MCA_mca_base_component_disable_dlclose=1; "
             "mpirun --oversubscribe --allow-run-as-root -np 2 %s train configs/default.ini "
             "--threads 1 --set data.dir=%s --set output.plots=false --set train.iterations=1,20000 "
             "--out %s/%s > %s/%s.log 2>&1 & pid=$!; "
             "for i in $(seq 1200); do grep -q \"training rows\" %s/%s.log && break; sleep 0.1; "
             "done; sleep 5; kids=$(pgrep -P $pid); %s; wait $pid; rc=$?; t=0; "
             "for k in $kids; do while kill -0 $k 2>/dev/null; do sleep 0.1; t=$((t+1)); done; "
             "done; cat %s/%s.log; echo ranks gone $t tenths after mpirun; echo rc=$rc'",
             tu_bin(), mnist, tmp, name, tmp, name, tmp, name, act, tmp, name);
    return tu_run(cmd, out, len);
}

/* fault(), which must end (not hang) with mpirun's status non-zero. */
static void fault_ends(const char *name, const char *act, char *out, size_t len)
{
    int rc = fault(name, act, out, len);
    ck_assert_msg(rc == 0, "exit %d (124: it hung): %s", rc, out);
    const char *st = strstr(out, "rc=");
    ck_assert_msg(st && atoi(st + 3) != 0, "%s", out);
}

START_TEST(test_sigterm_to_mpirun_writes_finished_models)
{
    static char out[1 << 16];
    /* mpirun's own status after a signal is 1 (Open MPI's rule), never 0 */
    fault_ends("term", "kill -TERM $pid", out, sizeof out);
    TU_ASSERT_HAS(out, "interrupted; unfinished models are marked interrupted");
    char cmd[PATH_MAX * 3], res[1 << 12];
    snprintf(cmd, sizeof cmd, "cat %s/term/parlogit-run && grep -c ',interrupted,' "
             "%s/term/results.csv", tmp, tmp);
    ck_assert_msg(tu_run(cmd, res, sizeof res) == 0, "no whole run directory: %s\n%s", res, out);
    /* every model that finished is there, on rank 0's and rank 1's share alike:
     * its sidecar and readable weights (runload.py has; it names the first
     * model that is missing) */
    snprintf(cmd, sizeof cmd, "ms=$(grep ',ok,' %s/term/results.csv | cut -d, -f10) && "
             "%s " TU_RUNLOAD " has %s/term $ms && echo $ms | wc -w", tmp, tu_python(), tmp);
    ck_assert_msg(tu_run(cmd, res, sizeof res) == 0, "%s", res);
    ck_assert_int_gt(atoi(res), 0);
}
END_TEST

START_TEST(test_killed_rank_ends_the_run)
{
    static char out[1 << 16];
    fault_ends("killed", "for c in $(pgrep -P $pid); do tr \"\\\\0\" \"\\\\n\" < /proc/$c/environ "
               "| grep -qx OMPI_COMM_WORLD_RANK=1 && kill -KILL $c; done", out, sizeof out);
    TU_ASSERT_HAS(out, "rank 1");
    /* no run directory, or a whole one: never a half-written one */
    char cmd[PATH_MAX * 3], res[1 << 12];
    snprintf(cmd, sizeof cmd, "test ! -e %s/killed || { test -f %s/killed/parlogit-run && "
             "test -f %s/killed/results.csv; }", tmp, tmp, tmp);
    ck_assert_msg(tu_run(cmd, res, sizeof res) == 0, "a half-written run: %s", out);
    /* the next run into it clears what the killed one staged */
    ck_assert_msg(train("killed", 0, 1, "--set task.pairs=1-7 --set task.multiclass=none "
                        "--set train.iterations=10", res, sizeof res) == 0, "%s", res);
    snprintf(cmd, sizeof cmd, "ls -a %s | grep '^\\.killed\\.' || true", tmp);
    ck_assert_int_eq(tu_run(cmd, res, sizeof res), 0);
    ck_assert_msg(res[0] == '\0', "a staging directory is left: %s\n%s", res, out);
}
END_TEST

START_TEST(test_info_says_ranks_and_binding)
{
    char cmd[4096];
    static char out[1 << 16];
    snprintf(cmd, sizeof cmd, MPIRUN "-np 2 %s info", tu_bin());
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    TU_ASSERT_HAS(out, "ranks:     2 over 1 host(s)");
    TU_ASSERT_HAS(out, "rank 0: host ");
    TU_ASSERT_HAS(out, "rank 1: host ");
    snprintf(cmd, sizeof cmd, "%s info", tu_bin());
    ck_assert_int_eq(tu_run(cmd, out, sizeof out), 0);
    TU_ASSERT_HAS(out, "ranks:     1 over 1 host(s) (not launched by mpirun)");
}
END_TEST

Suite *suite_mpi(void)
{
    Suite *s = suite_create("mpi");
    TCase *tc = tcase_create("mpi");
    tcase_set_timeout(tc, 900);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sweep_identical_for_any_ranks_and_threads);
    tcase_add_test(tc, test_lbfgs_softmax_identical);
    tcase_add_test(tc, test_single_data_parallel_model_identical);
    tcase_add_test(tc, test_sgd_identical_by_models);
    tcase_add_test(tc, test_plain_file_read_in_shares);
    tcase_add_test(tc, test_failing_rank_ends_every_rank);
    tcase_add_test(tc, test_sigterm_to_mpirun_writes_finished_models);
    tcase_add_test(tc, test_killed_rank_ends_the_run);
    tcase_add_test(tc, test_info_says_ranks_and_binding);
    suite_add_tcase(s, tc);
    return s;
}
