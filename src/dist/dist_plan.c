/*
 * dist_plan.c - which split over ranks (engine.distribute = auto), how the
 * models split cuts the jobs, and the strategy the ranks share.
 *
 * The cost model, per pass over the data (one gradient-descent iteration or
 * one L-BFGS evaluation), in units of one row-output: one training row
 * through one model output, forward and backward (about 2 x 784 x density
 * multiply-adds, ~300 at MNIST's 0.19).  T = sum over jobs of rows x outputs.
 *   models: rank r does its jobs' share S_r, nothing is exchanged; the time
 *           is max S_r, the efficiency E_m = (T / R) / max S_r.  Jobs are
 *           cut contiguously by cost (the same cut as the blocks: where the
 *           running cost crosses r / R of the total).
 *   rows:   every rank does T / R and receives the other ranks' partial
 *           gradients as fused.c lays them out (pl_dist_rows_bytes): per digit
 *           group c (the columns of every job whose task uses digit c: a pair
 *           is a column in both its digits' groups, a softmax over c its K,
 *           after the sigmoid-linked ones padded to 8),
 *           ceil(rows of c / 512) blocks of 784 x ldw_c floats (ldw_c: the
 *           columns padded to PL_MCOLS) and each block's loss, hits and
 *           residual sums (3 x ldwmax floats), every pass of the group's
 *           longest job, batch by batch (a regularization path's points are
 *           batches one after another): B bytes over the run, (R - 1) / R of it from others
 *           (counted with bench/mpi_count.c: 1,007,360 B a pass for a
 *           ten-class softmax on 8000 rows, as here).  A byte exchanged is taken
 *           to cost 1 / PL_DIST_BYTES_PER_UNIT row-outputs (64: a row-output,
 *           ~40 ns of one core, against ~1.6 GB/s of a loaded network
 *           link), so E_r = (T / R) / (T / R + B (R - 1) / R / 64).
 *   mixed:  G groups of R / G ranks (G divides R), the jobs cut over the
 *           groups as models cuts them over ranks, each group's rows shared
 *           over its ranks: group g takes T_g / (R / G) plus its own jobs'
 *           B_g ((R / G - 1) / (R / G) of it from others) / 64.  G = R is
 *           models, G = 1 rows.
 * auto takes the G of the least modelled time (the slowest group's), ties
 * to more groups (one rank: models, which is plain pl_train); mixed the best
 * G other than 1 and R.  The choice moves only time: every split gives the
 * bits of one process, so a choice that depends on R changes no result.
 */
#include <math.h>
#include <stdlib.h>

#include "dist/dist_impl.h"
#include "parlogit/config.h"
#include "parlogit/dist.h"
#include "train/fused.h"
#include "train/strategy.h"
#include "train/view.h"

#define PL_DIST_BYTES_PER_UNIT 64.0

static double passes(const pl_plan *plan, size_t j)
{
    const pl_job *job = &plan->jobs[j];
    /* sgd: its epochs' passes and as many for the points' evaluations */
    return job->h.solver == PL_SOLVER_GD    ? plan->iters[plan->niters - 1]
           : job->h.solver == PL_SOLVER_SGD ? 2.0 * job->h.epochs
                                            : job->h.max_iter;
}

/* The cost model's B, batch by batch (dist_impl.h). */
double pl_dist_rows_bytes(const pl_plan *plan, const pl_dataset *train)
{
    size_t rows[PL_CLASSES] = { 0 };
    for (size_t r = 0; r < train->n; r++)
        if (train->label[r] < PL_CLASSES)
            rows[train->label[r]]++;
    /* the fused batch each job is gathered in (train.c): every gradient-descent
     * job in batch 0, an L-BFGS job in 1 + its place on its path (the points
     * of a path are solved one batch after another) */
    size_t *batch = malloc((plan->njobs ? plan->njobs : 1) * sizeof *batch);
    if (!batch)
        return 0;   /* out of memory: counted as nothing (the choice moves only time) */
    const size_t nb = 1 + pl_path_places(plan, batch, NULL);
    for (size_t j = 0; j < plan->njobs; j++)
        batch[j] = plan->jobs[j].h.solver == PL_SOLVER_LBFGS ? 1 + batch[j] : 0;
    /* per batch and group: sigmoid-linked columns (binary, ovr), then softmax */
    size_t (*cols)[PL_CLASSES] = calloc(nb, sizeof *cols), (*smc)[PL_CLASSES] = calloc(nb, sizeof *smc);
    double (*npass)[PL_CLASSES] = calloc(nb, sizeof *npass);
    double bytes = 0;
    const int ok = cols && smc && npass;
    for (size_t j = 0; ok && j < plan->njobs; j++) {
        const pl_task t = plan->jobs[j].task;
        for (int c = 0; c < PL_CLASSES; c++)
            if (pl_task_uses(t, c)) {
                (t.kind == PL_KIND_SOFTMAX ? smc : cols)[batch[j]][c] +=
                    (size_t)pl_task_outputs(t);
                npass[batch[j]][c] = fmax(npass[batch[j]][c], passes(plan, j));
            }
    }
    for (size_t q = 0; ok && q < nb; q++) {
        size_t ldwmax = 0;
        for (int c = 0; c < PL_CLASSES; c++) {
            if (smc[q][c])   /* the softmax columns start at a multiple of 8 */
                cols[q][c] = (cols[q][c] + 7) / 8 * 8 + smc[q][c];
            cols[q][c] = (cols[q][c] + PL_MCOLS - 1) / PL_MCOLS * PL_MCOLS;
            ldwmax = cols[q][c] > ldwmax ? cols[q][c] : ldwmax;
        }
        for (int c = 0; c < PL_CLASSES; c++)
            if (cols[q][c])
                bytes += npass[q][c] * ceil((double)rows[c] / PL_FBLOCK_ROWS) * 4.0 *
                         ((double)train->dim * (double)cols[q][c] + 3.0 * (double)ldwmax);
    }
    free(cols);
    free(smc);
    free(npass);
    free(batch);
    return bytes;
}

double pl_dist_job_cost(const pl_plan *plan, const pl_dataset *train, size_t j)
{
    const pl_task t = plan->jobs[j].task;
    return (double)pl_task_rows(train, t) * pl_task_outputs(t) * passes(plan, j);
}

void pl_dist_job_cuts(const pl_xrank *x, const pl_plan *plan, const pl_dataset *train,
                      size_t *cut)
{
    double work[plan->njobs ? plan->njobs : 1];
    for (size_t j = 0; j < plan->njobs; j++)
        work[j] = pl_dist_job_cost(plan, train, j);
    pl_xrank_cuts(x, plan->njobs, work, cut);
    /* a regularization path stays on one rank: its points start from each
     * other (the plan keeps a path's jobs adjacent) */
    for (int r = 1; r < x->size; r++) {
        if (cut[r] < cut[r - 1])
            cut[r] = cut[r - 1];
        while (cut[r] > 0 && cut[r] < plan->njobs &&
               pl_jobs_share_path(&plan->jobs[cut[r] - 1], &plan->jobs[cut[r]]))
            cut[r]++;
    }
}

int pl_dist_strategy(const pl_plan *plan, const pl_dataset *train)
{
    if (plan->strategy != PL_STRATEGY_AUTO)
        return plan->strategy;
    size_t ngd = 0;
    int multiclass = 0, used[PL_CLASSES] = { 0 };
    for (size_t j = 0; j < plan->njobs; j++) {
        const pl_job *job = &plan->jobs[j];
        multiclass |= job->task.kind != PL_KIND_BINARY;
        if (job->h.solver != PL_SOLVER_GD)
            continue;
        ngd++;
        for (int c = 0; c < PL_CLASSES; c++)
            used[c] |= pl_task_uses(job->task, c);
    }
    /* as run_gd: one binary job needs no fused plan; else the fused plan's
     * block count (PL_FBLOCK_ROWS rows of one digit, for the digits used) */
    if (ngd <= 1 && !multiclass)
        return pl_strategy_choose(ngd, 0, 1, 0);
    size_t nblk = 0;
    for (int c = 0; c < PL_CLASSES; c++)
        if (used[c])
            nblk += (train->start[c + 1] - train->start[c] + PL_FBLOCK_ROWS - 1) / PL_FBLOCK_ROWS;
    return pl_strategy_choose(ngd, multiclass, 1, nblk);
}

/* The modelled time of G groups of ranks / G ranks each (cost-model units,
 * the whole run): the jobs cut contiguously over the groups by cost, each
 * group's rows shared over its ranks; the slowest group's time. */
static double groups_time(const pl_plan *plan, const pl_dataset *train, int ranks, int G)
{
    const int S = ranks / G;
    const pl_xrank x = { .rank = 0, .size = G };
    size_t cut[G + 1];
    pl_dist_job_cuts(&x, plan, train, cut);
    double worst = 0;
    for (int g = 0; g < G; g++) {
        double cost = 0;
        for (size_t j = cut[g]; j < cut[g + 1]; j++)
            cost += pl_dist_job_cost(plan, train, j);
        double t = cost / S;
        if (S > 1 && cut[g + 1] > cut[g]) {
            pl_plan sub = *plan;
            sub.jobs = plan->jobs + cut[g];
            sub.njobs = cut[g + 1] - cut[g];
            t += pl_dist_rows_bytes(&sub, train) * (S - 1) / S / PL_DIST_BYTES_PER_UNIT;
        }
        worst = t > worst ? t : worst;
    }
    return worst;
}

int pl_dist_groups(const pl_plan *plan, const pl_dataset *train, int ranks, int forced)
{
    if (ranks <= 1)
        return 1;
    if (forced == PL_DISTRIBUTE_MODELS)
        return ranks;
    if (forced == PL_DISTRIBUTE_ROWS)
        return 1;
    if (plan->njobs == 0)
        return ranks;
    for (size_t j = 0; j < plan->njobs; j++)   /* sgd and newton are not shared out by rows */
        if (plan->jobs[j].h.solver == PL_SOLVER_SGD || plan->jobs[j].h.solver == PL_SOLVER_NEWTON)
            return forced == PL_DISTRIBUTE_MIXED ? 0 : ranks;
    /* every G that divides the ranks (mixed: neither 1 nor ranks), the
     * fastest; ties to more groups (fewer bytes) */
    int best = 0;
    double tbest = 0;
    for (int G = ranks; G >= 1; G--) {
        if (ranks % G || (forced == PL_DISTRIBUTE_MIXED && (G == 1 || G == ranks)))
            continue;
        const double t = groups_time(plan, train, ranks, G);
        if (!best || t < tbest) {
            best = G;
            tbest = t;
        }
    }
    return best;
}

int pl_dist_choose(const pl_plan *plan, const pl_dataset *train, int ranks, int forced)
{
    const int G = pl_dist_groups(plan, train, ranks, forced);
    return G == 0 ? PL_DISTRIBUTE_MIXED : ranks <= 1 || G == ranks ? PL_DISTRIBUTE_MODELS
           : G == 1 ? PL_DISTRIBUTE_ROWS : PL_DISTRIBUTE_MIXED;
}
