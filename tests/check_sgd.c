/*
 * check_sgd.c - mini-batch SGD (solver = sgd) and its objective.
 *
 * The objective (src/train/minibatch.c): its gradient against central finite
 * differences, a batch of every row in any order against the full pass, its
 * losses against the fused objective's at the same weights.  The solver:
 * bit-identical models and curves for 1, 2 and 3 threads (pair, ovr,
 * softmax; a penalty; points every N steps), one batch of every row for T
 * epochs against T gradient-descent iterations, the seed deciding the order.
 * End to end on MNIST's 10k set (rows 0:8000 train, 8000:10000 test):
 * against a NumPy SGD fed the same batch order (tests/sgd_ref.py), for a
 * pair and softmax, constant and invscaling steps, no penalty and l1; the
 * run read back (report's SGD picture, explain); bad keys.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "parlogit/train.h"
#include "synth.h"
#include "train/fused.h"
#include "train/minibatch.h"
#include "train/view.h"

/* ---- the objective ---- */

static const pl_task SOFTMAX10 = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES };
static const pl_task OVR3 = { .kind = PL_KIND_OVR, .classes = 0x7 };
static const pl_task PAIR38 = { .pos = 8, .neg = 3 };

/* Moves weight (output q, pixel j) or bias q of model m by h. */
static void nudge(pl_mbatch *o, size_t m, size_t q, size_t j, int bias, float h)
{
    if (bias)
        o->b[m * o->K + q] += h;
    else
        o->W[j * o->ldw + m * o->K + q] += h;
}

/* The objective's gradient (full pass) against central differences of its
 * loss, at weights a few steps from zero; then a batch of every row in a
 * shuffled order gives the same gradient within float rounding. */
static void check_fd(pl_task t, int level)
{
    pl_dataset d;
    synth_dataset(300, 40, 23, &d);
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(level, &k, &e), PL_OK);
    pl_mbatch o;
    ck_assert_int_eq(pl_mbatch_plan(&o, &k, t, 2, &d, NULL, NULL, &e), PL_OK);
    const pl_objective_ops *op = o.base.ops;
    const double lr[2] = { 2.0, 1.0 };
    pl_eval ev[2];
    op->reset(&o.base, 0, 1);
    for (int s = 0; s < 3; s++) {
        op->eval(&o.base, PL_SET_TRAIN, 1, ev, 0, 1);
        op->step(&o.base, lr, 0, 1);
    }
    op->eval(&o.base, PL_SET_TRAIN, 1, ev, 0, 1);
    const size_t K = o.K, dim = d.dim, n = o.set[PL_SET_TRAIN].n;
    float G[10 * 40], G2[10 * 40];
    double gb[10], gb2[10];
    const float h = 1.0f / 128;
    for (size_t m = 0; m < 2; m++) {
        op->grad(&o.base, m, G, gb, 0, 1);
        for (size_t q = 0; q < K; q++)
            for (size_t j = 0; j <= dim; j += 3) {   /* j == dim: the bias */
                const int bias = j == dim;
                pl_eval a[2], b[2];
                nudge(&o, m, q, j, bias, h);
                op->eval(&o.base, PL_SET_TRAIN, 0, a, 0, 1);
                nudge(&o, m, q, j, bias, -2 * h);
                op->eval(&o.base, PL_SET_TRAIN, 0, b, 0, 1);
                nudge(&o, m, q, j, bias, h);
                const double fd = (a[m].loss - b[m].loss) / (2.0 * (double)h);
                const double an = bias ? gb[q] : G[q * dim + j];
                ck_assert_msg(fabs(fd - an) <= 1e-3 + 1e-2 * fabs(fd),
                              "%s: model %zu output %zu %s %zu: gradient %g, fd %g", k.name, m,
                              q, bias ? "bias" : "pixel", j, an, fd);
            }
    }
    /* every row, shuffled, as one batch: the full pass's gradient */
    unsigned *rows = malloc(n * sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = (unsigned)((i * 7919) % n);   /* 7919 is prime: a permutation */
    op->batch(&o.base, rows, n, 0, 1);
    op->grad(&o.base, 1, G2, gb2, 0, 1);
    op->eval(&o.base, PL_SET_TRAIN, 1, ev, 0, 1);
    op->grad(&o.base, 1, G, gb, 0, 1);
    for (size_t q = 0; q < K * dim; q++)
        ck_assert_msg(fabsf(G[q] - G2[q]) <= 1e-6f + 1e-5f * fabsf(G[q]), "%zu: %g vs %g", q,
                      G[q], G2[q]);
    for (size_t q = 0; q < K; q++)
        ck_assert(fabs(gb[q] - gb2[q]) <= 1e-6 + 1e-5 * fabs(gb[q]));
    free(rows);
    pl_mbatch_free(&o);
    pl_dataset_free(&d);
}

START_TEST(test_gradient_matches_finite_differences)
{
    const pl_task tasks[3] = { SOFTMAX10, OVR3, PAIR38 };
    for (int i = 0; i < 3; i++) {
        check_fd(tasks[i], PL_SIMD_SCALAR);
        check_fd(tasks[i], pl_simd_best());
    }
}
END_TEST

/* At the same weights, the mini-batch objective's losses and accuracies are
 * the fused objective's (two implementations of one loss). */
START_TEST(test_losses_match_the_fused_objective)
{
    pl_dataset d;
    synth_dataset(700, 64, 31, &d);
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
    const pl_task tasks[3] = { SOFTMAX10, OVR3, PAIR38 };
    for (int i = 0; i < 3; i++) {
        pl_job job = { .task = tasks[i], .h = { .lr = 1.0 } };
        pl_plan plan = { .jobs = &job, .njobs = 1, .iters = { 3 }, .niters = 1 };
        pl_fused f;
        pl_mbatch o;
        ck_assert_int_eq(pl_fused_plan(&f, &k, &plan, &d, NULL, NULL, 1, &e), PL_OK);
        ck_assert_int_eq(pl_mbatch_plan(&o, &k, tasks[i], 1, &d, NULL, NULL, &e), PL_OK);
        pl_eval a, b;
        const double lr = 1.0;
        f.base.ops->reset(&f.base, 0, 1);
        for (int s = 0; s < 4; s++) {
            f.base.ops->eval(&f.base, PL_SET_TRAIN, 1, &a, 0, 1);
            f.base.ops->step(&f.base, &lr, 0, 1);
        }
        f.base.ops->eval(&f.base, PL_SET_TRAIN, 0, &a, 0, 1);
        const size_t K = o.K;
        float *W = malloc(K * d.dim * sizeof *W), bb[10];
        f.base.ops->get(&f.base, 0, W, bb, 0, 1);
        o.base.ops->reset(&o.base, 0, 1);
        o.base.ops->set(&o.base, 0, W, bb, 0, 1);
        o.base.ops->eval(&o.base, PL_SET_TRAIN, 0, &b, 0, 1);
        ck_assert_uint_eq(a.n, b.n);
        ck_assert_msg(fabs(a.loss - b.loss) <= 1e-6 * a.loss, "task %d: %.9g vs %.9g", i,
                      a.loss, b.loss);
        ck_assert_msg(a.acc == b.acc, "task %d: accuracy %g vs %g", i, a.acc, b.acc);
        free(W);
        pl_mbatch_free(&o);
        pl_fused_free(&f);
    }
    pl_dataset_free(&d);
}
END_TEST

/* ---- the solver ---- */

static pl_hyper sgd_hyper(double lr, int batch, int epochs)
{
    return (pl_hyper){ .solver = PL_SOLVER_SGD, .lr = lr, .batch_size = batch,
                       .epochs = epochs, .tol = 1e-4, .C = 1.0, .power_t = 0.5 };
}

/* pl_train of njobs jobs by a team of threads. */
static void train(int threads, pl_job *jobs, size_t njobs, const pl_dataset *tr,
                  const pl_dataset *te, const pl_dataset *val, pl_run *run)
{
    pl_engine *eng;
    pl_error e;
    ck_assert_int_eq(pl_engine_create(&(pl_engine_opts){ threads, PL_BIND_CORE, PL_SIMD_AUTO,
                                                         PL_WAIT_AUTO },
                                      &eng, &e),
                     PL_OK);
    pl_plan plan = { .jobs = jobs, .njobs = njobs, .iters = { 5 }, .niters = 1 };
    pl_train_opts opts = { .val = val };
    ck_assert_msg(pl_train(eng, &plan, tr, te, &opts, run, &e) == PL_OK, "%s", e.msg);
    pl_engine_destroy(eng);
}

/* 1, 2 and 3 threads: the same bits in every model, result and curve. */
START_TEST(test_bit_identical_any_threads)
{
    pl_dataset tr, te, va;
    synth_dataset(1301, 100, 41, &tr);
    synth_dataset(203, 100, 42, &te);
    synth_dataset(151, 100, 43, &va);
    pl_job jobs[6];
    const pl_task tasks[3] = { SOFTMAX10, OVR3, PAIR38 };
    for (int i = 0; i < 3; i++) {
        jobs[2 * i] = (pl_job){ .task = tasks[i], .h = sgd_hyper(0.5, 37, 3) };
        jobs[2 * i + 1] = (pl_job){ .task = tasks[i], .h = sgd_hyper(0.2, 37, 3) };
        jobs[2 * i + 1].h.penalty = PL_PENALTY_ELASTICNET;
        jobs[2 * i + 1].h.l1_ratio = 0.5;
        jobs[2 * i + 1].h.C = 0.5;
    }
    for (int i = 0; i < 6; i++) {
        jobs[i].h.eval_every = 7;
        jobs[i].h.shuffle_seed = 99;
        jobs[i].h.schedule = i % 2 ? PL_LR_INVSCALING : PL_LR_CONSTANT;
    }
    pl_run r[3];
    for (int q = 0; q < 3; q++)
        train(q + 1, jobs, 6, &tr, &te, &va, &r[q]);
    ck_assert_uint_eq(r[0].nresults, 6);
    for (size_t i = 0; i < 6; i++) {
        const pl_result *a = &r[0].results[i];
        const pl_curve *ca = &r[0].curves[i];
        ck_assert_int_eq(a->status, PL_RUN_OK);
        /* learnt (the odd jobs: a penalty and a decaying step, more slowly) */
        ck_assert_msg(a->train_loss < (i % 2 ? 0.95 : 0.8) * ca->loss[0],
                      "job %zu did not learn: %g -> %g", i, ca->loss[0], a->train_loss);
        /* points: step 0, every 7 steps, every epoch's end */
        const long per = (long)(pl_task_rows(&tr, a->task) + 36) / 37;
        int want = 1;
        for (long t = 1; t <= 3 * per; t++)
            want += t % 7 == 0 || t % per == 0;
        ck_assert_msg(ca->len == want, "job %zu: %d points, not %d", i, ca->len, want);
        ck_assert(ca->len <= (int)pl_sgd_points(&a->h, pl_task_rows(&tr, a->task)));
        ck_assert(isfinite(ca->val_loss[ca->len - 1]) && ca->epoch[ca->len - 1] == 3.0);
        for (int q = 1; q < 3; q++) {
            const pl_result *b = &r[q].results[i];
            const pl_curve *cb = &r[q].curves[i];
            ck_assert(memcmp(a->w, b->w, (size_t)a->k * 100 * sizeof(float)) == 0);
            ck_assert(memcmp(a->b, b->b, (size_t)a->k * sizeof(float)) == 0);
            ck_assert(a->train_loss == b->train_loss && a->test_acc == b->test_acc &&
                      a->objective == b->objective && a->grad_norm == b->grad_norm);
            ck_assert_int_eq(ca->len, cb->len);
            ck_assert(memcmp(ca->loss, cb->loss, (size_t)ca->len * sizeof(double)) == 0);
            ck_assert(memcmp(ca->val_acc, cb->val_acc, (size_t)ca->len * sizeof(double)) == 0);
        }
    }
    /* the elastic net zeroes weights the unpenalized model keeps */
    ck_assert_uint_lt(r[0].results[1].nonzero, r[0].results[0].nonzero);
    for (int q = 0; q < 3; q++)
        pl_run_free(&r[q]);
    pl_dataset_free(&tr);
    pl_dataset_free(&te);
    pl_dataset_free(&va);
}
END_TEST

/* One batch of every row, T epochs: T steps of full-batch gradient descent
 * (the same updates summed in another order: float rounding apart). */
START_TEST(test_full_batch_is_gradient_descent)
{
    pl_dataset tr;
    synth_dataset(900, 64, 51, &tr);
    const pl_task tasks[3] = { SOFTMAX10, OVR3, PAIR38 };
    for (int i = 0; i < 3; i++) {
        pl_job jobs[2] = { { .task = tasks[i], .h = sgd_hyper(0.7, 100000, 25) },
                           { .task = tasks[i], .h = { .solver = PL_SOLVER_GD, .lr = 0.7 } } };
        pl_engine *eng;
        pl_error e;
        ck_assert_int_eq(pl_engine_create(&(pl_engine_opts){ 2, PL_BIND_NONE, PL_SIMD_AUTO,
                                                             PL_WAIT_AUTO },
                                          &eng, &e),
                         PL_OK);
        pl_plan plan = { .jobs = jobs, .njobs = 2, .iters = { 25 }, .niters = 1 };
        pl_run r;
        ck_assert_msg(pl_train(eng, &plan, &tr, NULL, NULL, &r, &e) == PL_OK, "%s", e.msg);
        const pl_result *s = &r.results[0], *g = &r.results[1];
        ck_assert(s->h.solver == PL_SOLVER_SGD && g->h.solver == PL_SOLVER_GD);
        ck_assert_int_eq(s->iterations, 25);
        ck_assert_msg(fabs(s->train_loss - g->train_loss) <= 1e-5 * g->train_loss,
                      "task %d: sgd %.9g, gd %.9g", i, s->train_loss, g->train_loss);
        float mx = 0, gap = 0;
        for (size_t q = 0; q < (size_t)s->k * tr.dim; q++) {
            mx = fmaxf(mx, fabsf(g->w[q]));
            gap = fmaxf(gap, fabsf(g->w[q] - s->w[q]));
        }
        ck_assert_msg(gap <= 1e-4f * mx, "task %d: weights differ by %g (max %g)", i, gap, mx);
        pl_run_free(&r);
        pl_engine_destroy(eng);
    }
    pl_dataset_free(&tr);
}
END_TEST

/* A test set without a row of the task's classes: NaN figures, as the
 * fused objective gives, not zeros. */
START_TEST(test_empty_set_is_nan)
{
    pl_dataset tr, te;
    synth_dataset(500, 30, 91, &tr);
    synth_dataset(200, 30, 92, &te);
    for (size_t i = 0; i < te.n; i++)   /* no 3 nor 8 in the test rows (still sorted) */
        if (te.label[i] == 3 || te.label[i] == 8)
            te.label[i] = (uint8_t)(te.label[i] - 1);
    for (int c = 0; c <= PL_CLASSES; c++) {   /* start[] again, labels stay sorted */
        size_t k = 0;
        while (k < te.n && te.label[k] < c)
            k++;
        te.start[c] = k;
    }
    pl_job job = { .task = PAIR38, .h = sgd_hyper(0.5, 32, 1) };
    pl_run r;
    train(2, &job, 1, &tr, &te, NULL, &r);
    ck_assert_int_eq(r.results[0].status, PL_RUN_OK);
    ck_assert(isnan(r.results[0].test_loss) && isnan(r.results[0].test_acc));
    ck_assert(isfinite(r.results[0].train_loss));
    pl_run_free(&r);
    pl_dataset_free(&tr);
    pl_dataset_free(&te);
}
END_TEST

/* The shuffle seed decides the batches: the same seed the same model, another
 * seed another one; a step far too large diverges and says so. */
START_TEST(test_seed_and_divergence)
{
    pl_dataset tr;
    synth_dataset(600, 50, 61, &tr);
    pl_job jobs[4] = { { .task = PAIR38, .h = sgd_hyper(0.5, 16, 2) },
                       { .task = PAIR38, .h = sgd_hyper(0.5, 16, 2) },
                       { .task = PAIR38, .h = sgd_hyper(1e7, 16, 2) },
                       { .task = SOFTMAX10, .h = sgd_hyper(0.5, 16, 2) } };
    jobs[1].h.shuffle_seed = 1;
    pl_run a, b;
    train(2, jobs, 4, &tr, NULL, NULL, &a);
    jobs[1].h.shuffle_seed = 0;
    train(1, jobs, 4, &tr, NULL, NULL, &b);
    /* jobs 0 and 1 differ by their seed alone: with one seed, one model */
    ck_assert(memcmp(a.results[0].w, b.results[0].w, 50 * sizeof(float)) == 0);
    ck_assert(memcmp(b.results[0].w, b.results[1].w, 50 * sizeof(float)) == 0);
    ck_assert(memcmp(a.results[0].w, a.results[1].w, 50 * sizeof(float)) != 0);
    /* job 2 diverges without disturbing job 0, which shares its batches */
    ck_assert_int_eq(a.results[2].status, PL_RUN_DIVERGED);
    ck_assert(isnan(a.results[2].train_loss));
    /* it reports the steps it took before it stopped, not its group's */
    ck_assert_int_lt(a.results[2].iterations, a.results[0].iterations);
    ck_assert_int_eq(a.results[0].status, PL_RUN_OK);
    ck_assert_int_eq(a.results[3].status, PL_RUN_OK);
    jobs[0].h.shuffle_seed = 5;
    pl_run c;
    train(2, jobs, 4, &tr, NULL, NULL, &c);
    ck_assert(memcmp(a.results[0].w, c.results[0].w, 50 * sizeof(float)) != 0);
    pl_run_free(&a);
    pl_run_free(&b);
    pl_run_free(&c);
    pl_dataset_free(&tr);
}
END_TEST

/* ---- end to end, against NumPy ---- */

static char dir[PATH_MAX], data[PATH_MAX];
static int trained[2] = { -1, -1 };

#define RUN_A "--set train.learning_rates=0.5 --set train.epochs=3 --set train.batch_size=50 " \
              "--set train.shuffle_seed=7"
#define RUN_B "--set train.learning_rates=0.5 --set train.epochs=2 --set train.batch_size=64 " \
              "--set train.lr_schedule=invscaling --set train.power_t=0.25 "                 \
              "--set train.penalty=l1 --set train.C=0.05"

static void setup(void)
{
    tu_tmpdir(dir, sizeof dir);
    tu_mnist_dir(data, sizeof data);
    const char *sets[2] = { RUN_A, RUN_B };
    for (int i = 0; i < 2; i++) {
        char cmd[8192], out[16384];
        snprintf(cmd, sizeof cmd,
                 "%s train configs/pair-1-7.ini --quiet --threads 2 --set data.dir=%s "
                 "--set task.multiclass=softmax --set train.solver=sgd %s "
                 "--set output.plots=false --out %s/run%d",
                 tu_bin(), data, sets[i], dir, i);
        trained[i] = tu_run(cmd, out, sizeof out);
        if (trained[i])
            fprintf(stderr, "check_sgd: training failed: %s\n", out);
    }
}

static void teardown(void)
{
    tu_rmtree(dir);
}

/* sgd_ref.py on model NAME of run i; its JSON into out. */
static void reference(int i, const char *task, const char *name, const char *args,
                      const char *curve, char *out, size_t len)
{
    ck_assert_msg(trained[i] == 0, "the training run failed");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "%s tests/sgd_ref.py --images %s/t10k-images-idx3-ubyte.gz --labels "
             "%s/t10k-labels-idx1-ubyte.gz --rows 0:8000 --test-rows 8000:10000 --task %s %s "
             "--run %s/run%d --model %s --curves %s/run%d/curves.csv --curve '%s'",
             tu_python(), data, data, task, args, dir, i, name, dir, i, curve);
    ck_assert_msg(tu_run(cmd, out, len) == 0, "sgd_ref.py: %s", out);
}

static double field(const char *out, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(out, k);
    ck_assert_msg(p != NULL, "%s not in %s", key, out);
    return strtod(p + strlen(k), NULL);
}

/* float32 sums against float64 over a few hundred steps: measured gaps are
 * 2e-7 to 9e-7 (weights) and 1e-7 to 2e-7 (losses) */
static void agree(int i, const char *task, const char *name, const char *args,
                  const char *curve)
{
    char out[16384];
    reference(i, task, name, args, curve, out, sizeof out);
    ck_assert_msg(field(out, "weight_gap") < 1e-5, "%s: %s", name, out);
    ck_assert_msg(field(out, "bias_gap") < 1e-5, "%s: %s", name, out);
    ck_assert_msg(field(out, "loss_gap") < 1e-6, "%s: %s", name, out);
    ck_assert_msg(field(out, "test_agreement") >= 0.999, "%s: %s", name, out);
    const double z = field(out, "zero_weights"), zr = field(out, "zero_weights_ref");
    ck_assert_msg(fabs(z - zr) <= 0.01 * zr + 2, "%s: %s", name, out);
}

#define ARGS_A "--lr 0.5 --batch 50 --epochs 3 --seed 7"
#define ARGS_B "--lr 0.5 --batch 64 --epochs 2 --schedule invscaling --power-t 0.25 " \
               "--penalty l1 --C 0.05"

START_TEST(test_numpy_pair)
{
    agree(0, "1-7", "1-7_sgd_lr0.5_ep3", ARGS_A, "SGD lr 0.5");
}
END_TEST

START_TEST(test_numpy_softmax)
{
    agree(0, "softmax", "softmax_sgd_lr0.5_ep3", ARGS_A, "SGD lr 0.5");
}
END_TEST

START_TEST(test_numpy_l1_invscaling_pair)
{
    agree(1, "1-7", "1-7_sgd_lr0.5_l1_C0.05_ep2", ARGS_B, "SGD lr 0.5 l1 C=0.05");
}
END_TEST

START_TEST(test_numpy_l1_invscaling_softmax)
{
    agree(1, "softmax", "softmax_sgd_lr0.5_l1_C0.05_ep2", ARGS_B, "SGD lr 0.5 l1 C=0.05");
}
END_TEST

/* An SGD run reads back: results.csv rows, the curves' SGD columns, the
 * report's picture, explain by model name. */
START_TEST(test_sgd_run_reads_back)
{
    ck_assert_msg(trained[0] == 0, "the training run failed");
    char cmd[8192], out[16384];
    snprintf(cmd, sizeof cmd, "grep -c '^1-7,0.5,[0-9]*,.*,ok,1-7_sgd_lr0.5_ep3,sgd,,' "
             "%s/run0/results.csv", dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0 && atoi(out) == 1, "%s", out);
    snprintf(cmd, sizeof cmd, "grep -c '^softmax,0.5,[0-9]*,[0-9.e-]*,SGD lr 0.5,[0-9]*,"
             "[0-9.]*,[0-9.]*,nan,nan$' %s/run0/curves.csv", dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0 && atoi(out) == 4, "%s", out);
    snprintf(cmd, sizeof cmd, "%s report %s/run0 && test -s %s/run0/plots/1-7_sgd.png && "
             "test -s %s/run0/plots/softmax_sgd.png && grep -c 'SGD training curves' "
             "%s/run0/report.html", tu_bin(), dir, dir, dir, dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s explain %s/run0 --model softmax_sgd_lr0.5_ep3 --row 8001",
             tu_bin(), dir);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    TU_ASSERT_HAS(out, "sum of p = 1.000000000");
}
END_TEST

/* Bad SGD keys: exit 2 naming the key. */
START_TEST(test_bad_keys)
{
    static const char *const bad[][2] = {
        { "train.batch_size=0", "batch_size" },
        { "train.epochs=-1", "epochs" },
        { "train.lr_schedule=fast", "lr_schedule" },
        { "train.power_t=-1", "power_t must be >= 0" },
        { "train.eval_every=x", "eval_every" },
        { "train.shuffle_seed=-3", "shuffle_seed" },
        { "train.solver=sgdx", "solver" },
        { "train.learning_rates=0.30000000000000004 --set train.penalty=elasticnet "
          "--set train.l1_ratio=0.30000000000000004 --set train.C=0.30000000000000004",
          "is longer than 63 characters" },
        { "train.epochs=10000000 --set train.batch_size=1", "at most 1e9" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[4096], out[16384];
        snprintf(cmd, sizeof cmd, "%s train configs/pair-1-7.ini --quiet --set train.solver=sgd "
                 "--set %s --out /nonexistent/x", tu_bin(), bad[i][0]);
        ck_assert_int_eq(tu_run(cmd, out, sizeof out), 2);
        ck_assert_msg(strstr(out, bad[i][1]) != NULL, "%s: %s", bad[i][0], out);
    }
}
END_TEST

Suite *suite_sgd(void)
{
    Suite *s = suite_create("sgd");
    TCase *tc = tcase_create("objective");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gradient_matches_finite_differences);
    tcase_add_test(tc, test_losses_match_the_fused_objective);
    tcase_add_test(tc, test_bit_identical_any_threads);
    tcase_add_test(tc, test_full_batch_is_gradient_descent);
    tcase_add_test(tc, test_seed_and_divergence);
    tcase_add_test(tc, test_empty_set_is_nan);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("numpy");
    tcase_set_timeout(te, 600);
    tcase_add_unchecked_fixture(te, setup, teardown);
    tcase_add_test(te, test_numpy_pair);
    tcase_add_test(te, test_numpy_softmax);
    tcase_add_test(te, test_numpy_l1_invscaling_pair);
    tcase_add_test(te, test_numpy_l1_invscaling_softmax);
    tcase_add_test(te, test_sgd_run_reads_back);
    tcase_add_test(te, test_bad_keys);
    suite_add_tcase(s, te);
    return s;
}
