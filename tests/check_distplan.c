/*
 * check_distplan.c - the cost model of engine.distribute (src/dist/dist_plan.c)
 * against the layout it models: the bytes pl_dist_rows_bytes says the rows
 * split gathers per pass are what fused.c's plan of the same jobs lays out
 * (every group's blocks of dim x ldw partial gradients, and each block's
 * loss, hits and residual sums), for pairs, a one-vs-rest task, a softmax
 * over a subset and their mix; an L-BFGS regularization path counts one
 * batch of its points at a time; the groups of ranks the splits take (auto:
 * the least modelled time).  No MPI: the model is arithmetic.
 */
#include <math.h>
#include <string.h>

#include "dist/dist_impl.h"
#include "kernels/kernels.h"
#include "parlogit/dist.h"
#include "parlogit/train.h"
#include "synth.h"
#include "train/fused.h"

/* What fused.c's plan of plan's jobs gathers per pass over train. */
static double layout_bytes(const pl_plan *plan, const pl_dataset *train)
{
    pl_kernels k;
    pl_error e;
    ck_assert_int_eq(pl_kernels_select(PL_SIMD_AUTO, &k, &e), PL_OK);
    pl_fused f;
    ck_assert_msg(pl_fused_plan(&f, &k, plan, train, NULL, NULL, 1, &e) == PL_OK, "%s", e.msg);
    double bytes = 0;
    for (int c = 0; c < PL_CLASSES; c++)
        if (f.grp[c].m)
            bytes += (double)(f.grp[c].blk1 - f.grp[c].blk0) * 4.0 *
                     ((double)f.dim * (double)f.grp[c].ldw + 3.0 * (double)f.ldwmax);
    pl_fused_free(&f);
    return bytes;
}

START_TEST(test_rows_bytes_are_the_layout)
{
    pl_dataset d;
    synth_dataset(3000, 64, 7, &d);   /* about 300 rows a digit: blocks of 512 */
    pl_job jobs[8];
    const struct {
        int n;
        pl_job j[8];
    } cases[] = {
        { 1, { { .task = { .pos = 7, .neg = 1 }, .h = { 0.5 } } } },
        { 3, { { .task = { .pos = 7, .neg = 1 }, .h = { 0.5 } },
               { .task = { .pos = 2, .neg = 1 }, .h = { 0.5 } },
               { .task = { .pos = 3, .neg = PL_REST }, .h = { 0.5 } } } },
        { 1, { { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES }, .h = { 0.5 } } } },
        { 2, { { .task = { .kind = PL_KIND_SOFTMAX, .classes = 7u }, .h = { 0.5 } },
               { .task = { .kind = PL_KIND_OVR, .classes = PL_ALL_CLASSES }, .h = { 0.5 } } } },
        { 4, { { .task = { .pos = 9, .neg = 4 }, .h = { 0.1 } },
               { .task = { .pos = 9, .neg = 4 }, .h = { 0.5 } },
               { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES }, .h = { 0.1 } },
               { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES }, .h = { 0.5 } } } },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        memcpy(jobs, cases[c].j, sizeof jobs);
        pl_plan plan = { .jobs = jobs, .njobs = (size_t)cases[c].n, .iters = { 10, 30 },
                         .niters = 2 };
        const double model = pl_dist_rows_bytes(&plan, &d), real = layout_bytes(&plan, &d);
        ck_assert_msg(real > 0 && model == 30 * real, "case %zu: model %.0f B, layout %.0f B "
                      "x 30 passes = %.0f", c, model, real, 30 * real);
    }
    pl_dataset_free(&d);
}
END_TEST

/* A path of three C values for two pairs: three batches one after another,
 * each the layout of one point of each path, max_iter passes each. */
START_TEST(test_path_counts_one_point_at_a_time)
{
    pl_dataset d;
    synth_dataset(3000, 64, 8, &d);
    pl_job jobs[6], one[2];
    const double C[3] = { 0.1, 1, 10 };
    for (int i = 0; i < 3; i++) {
        jobs[2 * i] = (pl_job){ .task = { .pos = 7, .neg = 1 },
                                .h = { .solver = PL_SOLVER_LBFGS, .penalty = PL_PENALTY_L2,
                                       .C = C[i], .max_iter = 20, .warm_start = 1 } };
        jobs[2 * i + 1] = jobs[2 * i];
        jobs[2 * i + 1].task = (pl_task){ .pos = 3, .neg = 2 };
    }
    pl_plan plan = { .jobs = jobs, .njobs = 6, .iters = { 1 }, .niters = 1 };
    one[0] = jobs[0];
    one[1] = jobs[1];
    pl_plan stage = { .jobs = one, .njobs = 2, .iters = { 1 }, .niters = 1 };
    const double model = pl_dist_rows_bytes(&plan, &d), real = layout_bytes(&stage, &d);
    ck_assert_msg(real > 0 && model == 3 * 20 * real, "model %.0f B, layout %.0f B x 60", model,
                  real);
    pl_dataset_free(&d);
}
END_TEST

/* The groups of pl_dist_groups: two equal gradient-descent jobs over 4 ranks
 * train fastest as 2 groups of 2 (models leaves two ranks idle, rows moves
 * more bytes per rank for the same compute); forced splits are theirs; a
 * prime rank count has no mixed split, nor has a plan with SGD; one job
 * goes rows, many equal cheap ones models. */
START_TEST(test_groups_follow_the_model)
{
    pl_dataset d;
    synth_dataset(3000, 64, 9, &d);
    pl_job jobs[8];
    for (int i = 0; i < 8; i++)
        jobs[i] = (pl_job){ .task = { .pos = 7, .neg = 1 },
                            .h = { .solver = PL_SOLVER_GD, .lr = 0.1 * (i + 1) } };
    pl_plan two = { .jobs = jobs, .njobs = 2, .iters = { 1000 }, .niters = 1 };
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_AUTO), 2);
    ck_assert_int_eq(pl_dist_choose(&two, &d, 4, PL_DISTRIBUTE_AUTO), PL_DISTRIBUTE_MIXED);
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_MIXED), 2);
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_ROWS), 1);
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_MODELS), 4);
    ck_assert_int_eq(pl_dist_choose(&two, &d, 4, PL_DISTRIBUTE_MODELS), PL_DISTRIBUTE_MODELS);
    ck_assert_int_eq(pl_dist_groups(&two, &d, 1, PL_DISTRIBUTE_MIXED), 1);   /* one rank */
    ck_assert_int_eq(pl_dist_groups(&two, &d, 3, PL_DISTRIBUTE_MIXED), 0);   /* prime */
    ck_assert_int_eq(pl_dist_choose(&two, &d, 3, PL_DISTRIBUTE_MIXED), PL_DISTRIBUTE_MIXED);
    /* 3 ranks: models leaves one idle, rows shares the two out: rows */
    ck_assert_int_eq(pl_dist_groups(&two, &d, 3, PL_DISTRIBUTE_AUTO), 1);
    /* 6 ranks: 2 groups of 3 */
    ck_assert_int_eq(pl_dist_groups(&two, &d, 6, PL_DISTRIBUTE_AUTO), 2);
    pl_plan one = { .jobs = jobs, .njobs = 1, .iters = { 1000 }, .niters = 1 };
    ck_assert_int_eq(pl_dist_groups(&one, &d, 4, PL_DISTRIBUTE_AUTO), 1);
    /* 8 equal jobs on 4 ranks: each rank 2 of them, nothing exchanged */
    pl_plan eight = { .jobs = jobs, .njobs = 8, .iters = { 10 }, .niters = 1 };
    ck_assert_int_eq(pl_dist_groups(&eight, &d, 4, PL_DISTRIBUTE_AUTO), 4);
    jobs[1].h = (pl_hyper){ .solver = PL_SOLVER_SGD, .lr = 0.1, .epochs = 5, .batch_size = 32 };
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_AUTO), 4);
    ck_assert_int_eq(pl_dist_groups(&two, &d, 4, PL_DISTRIBUTE_MIXED), 0);
    pl_dataset_free(&d);
}
END_TEST

Suite *suite_distplan(void)
{
    Suite *s = suite_create("distplan");
    TCase *tc = tcase_create("distplan");
    tcase_add_test(tc, test_rows_bytes_are_the_layout);
    tcase_add_test(tc, test_path_counts_one_point_at_a_time);
    tcase_add_test(tc, test_groups_follow_the_model);
    suite_add_tcase(s, tc);
    return s;
}
