/*
 * cmd_train.c - `parlogit train CONFIG`: config, output directory, data,
 * engine, training, output files, summary table.  The run directory is
 * checked before anything is fetched or trained, the whole run written into
 * a staging directory beside it and swapped in only when complete
 * (pl_stage, src/output/stage.c).  SIGINT/SIGTERM finish the current
 * iteration; everything computed so far is written, the rest marked
 * interrupted, exit 130.  A signal while the run is written lets the writing
 * finish (pictures are then left out) and also exits 130.
 *
 * Under mpirun (include/parlogit/dist.h) every rank runs this; rank 0 alone
 * fetches, stages and writes the run directory and prints.  The status is
 * agreed after the set-up, the data and the training (pl_dist_agree), so a
 * rank that fails ends every rank with its one message, printed by rank 0.
 */
#include <sched.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "parlogit/data.h"
#include "parlogit/dist.h"
#include "parlogit/engine.h"
#include "parlogit/output.h"
#include "parlogit/sweep.h"
#include "parlogit/train.h"

static volatile sig_atomic_t stop_flag;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const char usage[] =
    "usage: parlogit train CONFIG [--set SECTION.KEY=VALUE]... [--threads N] [--simd LEVEL]\n"
    "                             [--out DIR] [--quiet]\n"
    "\n"
    "Trains every model CONFIG asks for (binary pairs and one-vs-rest tasks, ten-class\n"
    "ovr and softmax models) with its solvers (train.solver: gd, full-batch gradient\n"
    "descent; lbfgs, L-BFGS and OWL-QN; sgd, mini-batch SGD; newton, trust-region\n"
    "Newton-CG) and penalties (train.penalty: none, l2, l1, elasticnet; train.C), and\n"
    "writes the run directory.\n"
    "\n"
    "  --set SECTION.KEY=VALUE   override a config key (repeatable; README: Configuration)\n"
    "  --threads N               same as --set engine.threads=N\n"
    "  --simd LEVEL              same as --set engine.simd=LEVEL (auto, avx512, avx2, scalar)\n"
    "  --out DIR                 same as --set output.dir=DIR\n"
    "  --quiet                   no progress bar and no tables, only the closing lines\n"
    "\n"
    "example:\n"
    "  parlogit train configs/softmax-10.ini --set train.learning_rates=0.5 --out runs/sm\n"
    "  parlogit train configs/sgd-0-1.ini --set train.batch_size=64 --set train.epochs=20\n"
    "exit status: 0 done, 1 runtime failure, 2 bad input, 130 interrupted";

/* pl_train_opts.rows_ctx: the data, and the threads that read its rows. */
typedef struct rows_ctx {
    pl_data *data;
    int nthreads;
} rows_ctx;

/* pl_train_opts.rows_discard and rows_done: the training set's pixels, read
 * no more once the sparse index holds them (after training only its row
 * count is read). */
static void discard_rows(void *ctx, size_t row0, size_t n)
{
    pl_dataset_discard_rows(&((rows_ctx *)ctx)->data->train, row0, n);
}

static void release_rows(void *ctx)
{
    pl_dataset_release_pixels(&((rows_ctx *)ctx)->data->train);
}

/* pl_train_opts.rows_fill: a deferred training set's rows, read when a rank
 * needs them. */
static int fill_rows(void *ctx, const size_t *row0, const size_t *n, size_t nranges,
                     pl_error *e)
{
    const rows_ctx *c = ctx;
    return pl_data_fill_train(c->data, row0, n, nranges, c->nthreads, e);
}

/* Every model's row; a long sweep gets a pointer to results.csv instead (its
 * best models are in the sweep tables that follow). */
static void print_summary(const pl_run *run, const char *dir)
{
    if (run->nresults > 60) {
        printf("%zu models: every row is in %s/results.csv; the best per task follow.\n",
               run->nresults, dir);
        return;
    }
    printf("%-8s %8s %6s %10s %9s %10s %9s %8s  %s\n", "pair", "lr / C", "iters",
           "train_loss", "train_acc", "test_loss", "test_acc", "seconds", "status");
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        char t[PL_TASK_NAME_MAX], h[40];
        pl_hyper_label(&r->h, h);   /* gradient descent: its step; L-BFGS: its penalty */
        printf("%-8s %8s %6d %10.6f %9.4f %10.6f %9.4f %8.3f  %s%s\n", pl_task_name(r->task, t),
               h, r->iterations, r->train_loss, r->train_acc, r->test_loss, r->test_acc,
               r->seconds, pl_run_status_name(r->status),
               (r->h.solver == PL_SOLVER_LBFGS || r->h.solver == PL_SOLVER_NEWTON) &&
                       r->status == PL_RUN_OK && !r->converged
                   ? " (max_iter reached)" : "");
    }
}

int pl_cmd_train(int argc, char **argv)
{
    pl_cli_opts o;
    pl_error e = { 0 };
    static pl_config cfg;   /* large: keep it off the stack */
    pl_data data = { 0 };
    pl_run run = { 0 };
    pl_plan plan = { 0 };
    pl_engine *eng = NULL;
    static pl_stage stage;
    pl_dist dist;   /* MPI ranks (one when not launched by mpirun) */

    /* The handler goes in first, so that a signal while the config is read, the
     * data fetched or loaded still ends with a message and exit 130. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int rc = pl_dist_init(NULL, NULL, &dist, &e);
    const int root = dist.rank == 0;   /* ranks: rank 0 stages, writes, prints */
    if (!rc)
        rc = pl_cli_parse(argc, argv, usage, 1, &o, &e);
    if (!rc && !root)
        o.quiet = 1;
    if (!rc)
        rc = pl_cli_config(&o, &cfg, &e);
    if (!rc)
        rc = pl_plan_from_config(&cfg, &plan, &e);
    if (!rc)   /* every model's file name fits and is its own */
        rc = pl_plan_names_check(&plan, &e);
    if (!rc && root)   /* refused, unwritable: found before anything is fetched or trained */
        rc = pl_stage_open(&stage, cfg.output.dir, &e);
    if (!rc && stage.restored)
        fprintf(stderr, "parlogit: note: %s was missing; the complete earlier run a killed "
                "train had moved aside is back in place\n", stage.dir);
    if (!rc && root)
        rc = pl_cli_fetch_data(&cfg, &e);
    rc = pl_dist_agree(&dist, rc, &e);   /* ranks */
    /* The engine binds this thread to one core; the report's worker processes
     * would inherit that core alone, so its mask is given back before them. */
    cpu_set_t cpus;
    int have_cpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0;
    if (!rc)
        rc = pl_engine_create(&(pl_engine_opts){ cfg.engine.threads, cfg.engine.bind,
                                                 cfg.engine.simd, cfg.engine.wait }, &eng, &e);
    if (!rc)   /* ranks on one host: each its share of the cores */
        rc = pl_dist_bind(&dist, eng, cfg.engine.threads == 0, &e);
    /* ranks: each reads only the training rows it trains on (its own blocks
     * of a rows split, its jobs' digits of a models split; pl_train reads
     * them, rows_fill), so the first read keeps none (pl_data_load_deferred) */
    if (!rc) {
        pl_engine_bind_team(eng);
        rc = dist.size > 1 ? pl_data_load_deferred(&cfg, pl_engine_threads(eng), dist.rank,
                                                   dist.size, &data, &e)
                           : pl_data_load(&cfg, pl_engine_threads(eng), &data, &e);
    }
    if (!rc && root)
        rc = pl_stage_check_space(&stage, pl_run_size_estimate(&plan, data.train.dim,
                                                               data.test.n), &e);
    if (!rc && stop_flag) {
        fprintf(stderr, "parlogit: interrupted before training started; nothing was trained "
                "or written\n");
        rc = PL_EINTR;
    }
    if (dist.size > 1)   /* ranks: a rank whose data failed ends them all */
        rc = pl_dist_agree(&dist, rc, &e);
    if (!rc)   /* ranks: the training rows' counts, each rank's share of a plain file */
        rc = pl_dist_agree(&dist, pl_dist_sum_counts(&dist, &data, &e), &e);
    if (rc)
        goto out;
    /* ranks: G groups of dist.size / G (models: G = ranks; rows: 1) */
    const int groups = pl_dist_split(&dist, &plan, &data.train, cfg.engine.distribute);
    const char *split = dist.size < 2 ? NULL : groups == dist.size ? "models"
                        : groups == 1 ? "rows" : "mixed";
    for (int w = 0; root && w < data.nwarnings; w++)
        fprintf(stderr, "parlogit: warning: %s\n", data.warning[w]);
    int gd = 0;
    for (int i = 0; i < cfg.train.nsolvers; i++)
        gd |= cfg.train.solvers[i] == PL_SOLVER_GD;
    if (root && cfg.data.validation_fraction == 0 &&
        (plan.njobs > (size_t)(cfg.task.ntasks + cfg.task.nmulti) || (gd && cfg.train.niters > 1)))
        fprintf(stderr, "parlogit: note: the best model of each task is chosen on training "
                "accuracy (there is no validation split; data.validation_fraction = 0.1 holds "
                "out a tenth of the training rows to choose on)\n");

    if (!o.quiet)
        fprintf(stderr, "parlogit: %zu training rows, %zu validation rows, %zu test rows; %zu "
                "job(s) over %d task(s); %d thread(s), %s kernels\n", data.train.n, data.val.n,
                data.test.n, plan.njobs, cfg.task.ntasks + cfg.task.nmulti,
                pl_engine_threads(eng), pl_engine_simd(eng));
    if (!o.quiet && dist.size > 1 && groups > 1 && groups < dist.size)
        fprintf(stderr, "parlogit: %d ranks over %d host(s), distribute = mixed: %d groups of "
                "%d ranks, the jobs shared out over the groups, the rows over a group's "
                "ranks\n", dist.size, dist.nhosts, groups, dist.size / groups);
    else if (!o.quiet && dist.size > 1)
        fprintf(stderr, "parlogit: %d ranks over %d host(s), distribute = %s\n", dist.size,
                dist.nhosts, groups ? split : "mixed (none possible)");

    rows_ctx rctx = { &data, pl_engine_threads(eng) };
    pl_train_opts topts = { .val = &data.val, .stop = &stop_flag, .rows_discard = discard_rows,
                            .rows_done = release_rows, .rows_fill = fill_rows,
                            .rows_ctx = &rctx };
    pl_progress prog;
    if (!o.quiet) {
        pl_progress_start(&prog, stderr, plan.njobs);
        topts.progress = pl_progress_update;
        topts.progress_ctx = &prog;
    }
    static pl_sweep sweep;
    rc = pl_dist_train(&dist, groups, eng, &plan, &data.train, &data.test,
                       &topts, &run, &e);
    if (!o.quiet)
        pl_progress_end(&prog);
    if (!rc) {   /* ranks (a status agreed by every rank): the rows each read */
        size_t all[dist.size];
        pl_dist_gather_size(&dist, data.train_rows_read, all);
        run.ranks = dist.size;
        run.groups = groups;
        run.distribute = split;
        if (root && (run.rows_read = malloc(sizeof all)))
            memcpy(run.rows_read, all, sizeof all);
    }
    if (!root) {   /* ranks: rank 0 writes the run and reports; an interrupted rank exits 130 too */
        if (!rc && (run.interrupted || stop_flag))
            rc = PL_EINTR;
        goto out;
    }
    /* The whole run goes into the staging directory; cfg.output.dir, which
     * the files quote, stays the name it will have. */
    const double t_write = now();
    omp_set_num_threads(pl_engine_threads(eng));   /* the run's files are formatted on as many */
    if (!rc)
        rc = pl_write_run(stage.path, &cfg, &data, &run, &e);
    if (!rc)
        rc = pl_sweep_summarize(&cfg, &run, &data.test, &sweep, &e);
    if (!rc)
        rc = pl_sweep_write(stage.path, &cfg, &data, &run, &sweep, &e);
    /* [output] plots = true: every picture and report.html (cmd_report.c);
     * left out when a signal came, as drawing takes long */
    int no_pictures = cfg.output.plots && stop_flag;
    if (!rc && cfg.output.plots && !no_pictures) {
        if (have_cpus)
            (void)sched_setaffinity(0, sizeof cpus, &cpus);
        rc = pl_cli_report(stage.path, cfg.output.dir, pl_engine_threads(eng), &e);
    }
    if (!rc)
        rc = pl_stage_commit(&stage, &e);
    else if (stage.open) {
        pl_stage_abort(&stage);
        char msg[sizeof e.msg];
        snprintf(msg, sizeof msg, "%s", e.msg);
        pl_errorf(&e, e.code, "%s; %s was left as it was", msg, stage.dir);
    }
    const double write_s = now() - t_write;
    if (!rc && stage.note[0])
        fprintf(stderr, "parlogit: note: %s\n", stage.note);
    if (!rc) {
        if (!o.quiet) {
            print_summary(&run, cfg.output.dir);
            pl_sweep_print(stdout, &sweep);
        }
        fflush(stdout);   /* the tables before the closing lines on stderr */
        fprintf(stderr, "parlogit: %zu model(s) trained in %.3f s, the run written in %.3f s%s; "
                "results in %s/\n", run.nresults, run.seconds, write_s,
                cfg.output.plots && !no_pictures ? " (with its pictures)" : "", cfg.output.dir);
        if (run.interrupted) {
            fprintf(stderr, "parlogit: interrupted; unfinished models are marked interrupted\n");
            rc = PL_EINTR;
            e.code = PL_EINTR;
        } else if (stop_flag) {
            fprintf(stderr, "parlogit: interrupted while the run was written; every model was "
                    "trained and written%s\n", no_pictures ? ", without pictures (parlogit "
                    "report draws them)" : "");
            rc = PL_EINTR;
            e.code = PL_EINTR;
        }
        if (no_pictures && run.interrupted)
            fprintf(stderr, "parlogit: no pictures were drawn (parlogit report %s draws "
                    "them)\n", stage.dir);
    }
out:
    pl_stage_abort(&stage);   /* when it was not committed */
    pl_run_free(&run);
    pl_plan_free(&plan);
    pl_data_free(&data);
    pl_engine_destroy(eng);
    /* ranks: the agreed error is printed by rank 0, before any rank may
     * leave: mpirun ends every rank when one exits with an error, and a rank
     * 0 that printed only after MPI_Finalize was sometimes ended first, its
     * message lost (pl_dist_finalize waits for every rank) */
    const int status = rc == PL_EINTR ? PL_EXIT_INTERRUPTED
                       : !rc          ? PL_EXIT_OK
                       : !root        ? (e.code == PL_EINPUT ? PL_EXIT_INPUT : PL_EXIT_FAIL)
                                      : pl_cli_fail(&e);
    fflush(stderr);
    pl_dist_finalize(&dist);
    return status;
}
