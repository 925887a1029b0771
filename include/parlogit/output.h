/*
 * output.h - what a run leaves in its output directory, every file written
 * atomically (temporary file + rename); `train` writes the whole directory
 * in a staging directory beside it and swaps it in when complete (pl_stage):
 *   parlogit-run  the marker: "parlogit run directory\nformat 2\n"
 *   results.csv   PL_RESULTS_HEADER: the columns of the seeds' table, then the model's
 *                 file name, its solver, its C (l2), for L-BFGS the objective, the final
 *                 max |grad| and whether it converged (gd: lr and iterations; lbfgs: no
 *                 lr, the iterations it took), and the passes over the training rows
 *   curves.csv    PL_CURVES_HEADER: the loss after 0..T updates, or at each L-BFGS
 *                 iterate, or at each SGD point (iteration counts the points);
 *                 curve: the job, "lr 0.1", "L-BFGS C=1" or "SGD lr 0.1"; for SGD
 *                 also the point's step, epoch (fractional), training accuracy and
 *                 validation loss and accuracy (empty for gd and lbfgs)
 *   models.npz    every trained model's weights and bias in one NumPy archive
 *                 (src/output/npz.c): members NAME.w.npy, float32 of shape
 *                 (height*width,) in pixel order, and NAME.b.npy, shape ()
 *   models.json   {"format", "archive", "models": {NAME: sidecar}, "data_files",
 *                 "config"}: each model's task, lr, iterations, metrics, bias;
 *                 the data files with their SHA-256 and the effective config once
 *   models/NAME.predictions.csv   ovr and softmax models: every test row's class
 *                       probabilities (pl_predictions_write)
 *   models/NAME.w.npy, NAME.b.npy, NAME.json   with output.model_files = true:
 *                       each model's own files too (the sidecar with the data
 *                       files and config); runs of format 1 have only these
 * Ten-class (ovr, softmax) models have weights of shape (K, height*width) and
 * biases of shape (K,) (include/parlogit/model.h).
 * NAME is "<task>_lr<lr>_it<iterations>", e.g. "1-7_lr0.1_it100", for gradient
 * descent, "<task>_lbfgs_C<C>" (l2), "<task>_lbfgs_l1_C<C>", "<task>_lbfgs_en<a>_C<C>"
 * (elasticnet) or "<task>_lbfgs" (no penalty) for L-BFGS, and
 * "<task>_sgd_lr<lr>[_C<C>|_l1_C<C>|_en<a>_C<C>]_ep<epochs>" for SGD,
 * "<task>_newton_C<C>" (l2) or "<task>_newton" for Newton.
 * Numbers are lossless (shortest round-trip text) and locale-free.
 */
#ifndef PARLOGIT_OUTPUT_H
#define PARLOGIT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parlogit/config.h"
#include "parlogit/data.h"
#include "parlogit/error.h"
#include "parlogit/train.h"

#define PL_RESULTS_HEADER                                                                  \
    "pair,lr,iterations,train_loss,train_acc,test_loss,test_acc,seconds,status,model,solver," \
    "C,objective,grad_norm,passes,converged,penalty,nonzero"
#define PL_CURVES_HEADER "pair,lr,iteration,train_loss,curve,step,epoch,train_acc,val_loss,val_acc"

/*
 * A run directory replaced as a whole (src/output/stage.c).  pl_stage_open
 * checks that NAME may be replaced - missing, empty, marked as ours by its
 * PL_RUN_MARKER file, or an earlier parlogit version's run (only names
 * parlogit writes, summary.json and results.csv of our layout) - and creates
 * the staging directory PARENT/.NAME.new-PID with the marker in it; first it
 * removes what killed runs into NAME left in PARENT (.NAME.new-PID and
 * .NAME.old-PID of processes that are gone; an .old one is renamed back to
 * NAME when NAME is missing).  Every failure is PL_EINPUT with a message
 * naming the directory, and leaves NAME as it was.
 * pl_stage_check_space: PL_EINPUT unless the staging directory's file system
 * has need bytes free.
 * The caller writes the run into s->path, then pl_stage_commit syncs it,
 * swaps it with NAME atomically (renameat2 RENAME_EXCHANGE; without it on
 * this file system, NAME renamed aside first), syncs PARENT and removes the
 * old run; on failure (PL_EIO) NAME is as it was and the staging directory
 * is removed.  pl_stage_abort removes the staging directory.
 */
#define PL_RUN_MARKER "parlogit-run"
#define PL_RUN_FORMAT 2   /* 2: models.npz + models.json; 1: per-model files */
#define PL_STAGE_PATH_MAX (PL_PATH_MAX + 300)

typedef struct pl_stage {
    char dir[PL_STAGE_PATH_MAX];      /* NAME, without trailing slashes        */
    char parent[PL_STAGE_PATH_MAX];   /* PARENT ("." when NAME has no slash)   */
    char base[256];                   /* NAME's last component                 */
    char path[PL_STAGE_PATH_MAX];     /* PARENT/.NAME.new-PID: write the run here */
    int open;                         /* the staging directory exists          */
    int cleaned;                      /* leftovers of killed runs removed      */
    int restored;                     /* an .old leftover put back as NAME     */
    char note[PL_STAGE_PATH_MAX + 128];   /* after commit: for the user, or ""  */
} pl_stage;

int pl_stage_open(pl_stage *s, const char *dir, pl_error *e);
int pl_stage_check_space(const pl_stage *s, uint64_t need, pl_error *e);
int pl_stage_commit(pl_stage *s, pl_error *e);
void pl_stage_abort(pl_stage *s);

/* About how many bytes the run plan describes takes on disk (rows: test rows,
 * for the predictions files): every file pl_write_run and pl_sweep_write
 * write, each rounded up to 4 KiB; pictures are not counted. */
uint64_t pl_run_size_estimate(const pl_plan *plan, size_t dim, size_t test_rows);

/* Writes every file above into dir (created if needed). */
int pl_write_run(const char *dir, const pl_config *cfg, const pl_data *data,
                 const pl_run *run, pl_error *e);

/* The model file stem of a result: "1-7_lr0.1_it100".  buf holds 64 bytes. */
const char *pl_model_name(const pl_result *r, char buf[64]);

/* What a ten-class model's predictions file adds to its name, in models/
 * (pl_write_run writes it; the run's predictions.csv is the best one's). */
#define PL_PREDICTIONS_TAIL ".predictions.csv"

/* Every model plan would write has a name of at most 63 characters, and no
 * two the same (checked before training, so that no run is lost at its
 * end).  PL_EINPUT naming the name; PL_ENOMEM. */
int pl_plan_names_check(const pl_plan *plan, pl_error *e);

/* Writes a float32 little-endian .npy (format 1.0) of the given shape
 * (ndim 0..4), atomically. */
int pl_npy_write(const char *path, const float *a, int ndim, const size_t *shape,
                 pl_error *e);

/*
 * Reads a float32 .npy ('<f4', C order).  *data is malloc'ed (caller frees),
 * shape[0..*ndim) filled (ndim <= 4).  Errors name the file and what was wrong.
 */
int pl_npy_read(const char *path, float **data, int *ndim, size_t shape[4], pl_error *e);

/* Writes to f the probabilities model m gives every row of d that belongs to
 * one of its classes, in file order: "row,label,predicted,p<c>..." (a binary
 * i-rest model: p_rest, p<i>).  Outside a parallel region the rows are
 * formatted on omp_get_max_threads() threads (the same bytes).  PL_ENOMEM
 * only. */
struct pl_model;
int pl_predictions_write(FILE *f, const struct pl_model *m, const pl_dataset *d, pl_error *e);

#endif
