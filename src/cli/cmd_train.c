/*
 * cmd_train.c - `parlogit train CONFIG`: config, data, engine, training,
 * output files, summary table.  SIGINT/SIGTERM finish the current iteration;
 * everything computed so far is written, the rest marked interrupted, exit 130.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "parlogit/data.h"
#include "parlogit/engine.h"
#include "parlogit/output.h"
#include "parlogit/sweep.h"
#include "parlogit/train.h"

static volatile sig_atomic_t stop_flag;

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
    "ovr and softmax models; gradient descent or L-BFGS) and writes the run directory.\n"
    "\n"
    "  --set SECTION.KEY=VALUE   override a config key (repeatable; README: Configuration)\n"
    "  --threads N               same as --set engine.threads=N\n"
    "  --simd LEVEL              same as --set engine.simd=LEVEL (auto, avx512, avx2, scalar)\n"
    "  --out DIR                 same as --set output.dir=DIR\n"
    "  --quiet                   no progress bar and no tables, only the closing lines\n"
    "\n"
    "example:\n"
    "  parlogit train configs/softmax-10.ini --set train.learning_rates=0.5 --out runs/sm\n"
    "exit status: 0 done, 1 runtime failure, 2 bad input, 130 interrupted";

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
               r->h.solver == PL_SOLVER_LBFGS && r->status == PL_RUN_OK && !r->converged
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

    /* The handler goes in first, so that a signal while the config is read, the
     * data fetched or loaded still ends with a message and exit 130. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int rc = pl_cli_parse(argc, argv, usage, 1, &o, &e);
    if (!rc)
        rc = pl_cli_config(&o, &cfg, &e);
    if (!rc)
        rc = pl_plan_from_config(&cfg, &plan, &e);
    if (!rc)
        rc = pl_cli_fetch_data(&cfg, &e);
    if (!rc)
        rc = pl_engine_create(&(pl_engine_opts){ cfg.engine.threads, cfg.engine.bind,
                                                 cfg.engine.simd, cfg.engine.wait }, &eng, &e);
    if (!rc) {
        pl_engine_bind_team(eng);
        rc = pl_data_load(&cfg, pl_engine_threads(eng), &data, &e);
    }
    if (!rc && stop_flag) {
        fprintf(stderr, "parlogit: interrupted before training started; nothing was trained "
                "or written\n");
        rc = PL_EINTR;
    }
    if (rc)
        goto out;
    for (int w = 0; w < data.nwarnings; w++)
        fprintf(stderr, "parlogit: warning: %s\n", data.warning[w]);
    int gd = 0;
    for (int i = 0; i < cfg.train.nsolvers; i++)
        gd |= cfg.train.solvers[i] == PL_SOLVER_GD;
    if (cfg.data.validation_fraction == 0 &&
        (plan.njobs > (size_t)(cfg.task.ntasks + cfg.task.nmulti) || (gd && cfg.train.niters > 1)))
        fprintf(stderr, "parlogit: note: the best model of each task is chosen on training "
                "accuracy (there is no validation split; data.validation_fraction = 0.1 holds "
                "out a tenth of the training rows to choose on)\n");

    if (!o.quiet)
        fprintf(stderr, "parlogit: %zu training rows, %zu validation rows, %zu test rows; %zu "
                "job(s) over %d task(s); %d thread(s), %s kernels\n", data.train.n, data.val.n,
                data.test.n, plan.njobs, cfg.task.ntasks + cfg.task.nmulti,
                pl_engine_threads(eng), pl_engine_simd(eng));

    pl_train_opts topts = { .val = &data.val, .stop = &stop_flag };
    pl_progress prog;
    if (!o.quiet) {
        pl_progress_start(&prog, stderr, plan.njobs);
        topts.progress = pl_progress_update;
        topts.progress_ctx = &prog;
    }
    static pl_sweep sweep;
    rc = pl_train(eng, &plan, &data.train, &data.test, &topts, &run, &e);
    if (!o.quiet)
        pl_progress_end(&prog);
    if (!rc)
        rc = pl_write_run(cfg.output.dir, &cfg, &data, &run, &e);
    if (!rc)
        rc = pl_sweep_summarize(&cfg, &run, &data.test, &sweep, &e);
    if (!rc)
        rc = pl_sweep_write(cfg.output.dir, &cfg, &data, &run, &sweep, &e);
    /* [output] plots = true: every picture and report.html (cmd_report.c) */
    if (!rc && cfg.output.plots)
        rc = pl_cli_report(cfg.output.dir, &cfg, &e);
    if (!rc) {
        if (!o.quiet) {
            print_summary(&run, cfg.output.dir);
            pl_sweep_print(stdout, &sweep);
        }
        fflush(stdout);   /* the tables before the closing lines on stderr */
        fprintf(stderr, "parlogit: %zu model(s) in %.3f s; results in %s/\n", run.nresults,
                run.seconds, cfg.output.dir);
        if (run.interrupted) {
            fprintf(stderr, "parlogit: interrupted; unfinished models are marked interrupted\n");
            rc = PL_EINTR;
            e.code = PL_EINTR;
        }
    }
out:
    pl_run_free(&run);
    pl_plan_free(&plan);
    pl_data_free(&data);
    pl_engine_destroy(eng);
    if (rc == PL_EINTR)
        return PL_EXIT_INTERRUPTED;
    return rc ? pl_cli_fail(&e) : PL_EXIT_OK;
}
