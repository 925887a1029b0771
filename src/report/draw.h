/*
 * draw.h - private: the pictures of one pair's model (pair.c) and of one
 * ten-class task's model (tenclass.c) as separate drawing steps, so that the
 * report can hand them to its worker processes (jobs.h) while `explain`
 * draws them at once.  A job is prepared first (the model loaded and
 * analysed, every path and title decided: everything the page says about
 * the pictures), then each step draws one picture from the job alone.  A
 * step whose path is "" has no picture (a pick the data has no row for, a
 * model without test rows).
 */
#ifndef PARLOGIT_REPORT_DRAW_H
#define PARLOGIT_REPORT_DRAW_H

#include "parlogit/report.h"

/* ---- a pair: weight map, the two picks, the grid of mistakes ------------ */

enum { PL_PAIR_STEPS = 4 };

typedef struct pl_pair_job {
    pl_pair_pictures pp;         /* paths, the model row, the analysis          */
    const pl_dataset *ds;        /* the rows analysed (the caller's)            */
    float *w, b;                 /* the model's weights (owned) and bias        */
    double weight_scale;         /* the weight map's colour scale: max |w|      */
    double pick_scale;           /* both picks' shared colour scale             */
    char sub[160];               /* the weight map's subtitle                   */
} pl_pair_job;

/* Picks and loads task t's model (as pl_run_dir_pick), explains it on ds
 * (not NULL) and names its pictures in DIR/plots/ (created).  On error
 * nothing is left to free. */
int pl_pair_prepare(const pl_run_dir *r, const pl_dataset *ds, pl_task t, double lr,
                    int iterations, size_t kmax, pl_pair_job *j, pl_error *e);

/* Step 0 the weight map, 1 and 2 the picks (pp.pick[0], [1]), 3 the grid. */
const char *pl_pair_step_path(const pl_pair_job *j, int step);
int pl_pair_draw(const void *job, int step, pl_error *e);

/* Frees the weights and the analysis (a pl_jobs_keep finaliser). */
void pl_pair_job_free(void *job);

/* ---- a ten-class task: weights, confusions, the example row ------------- */

enum { PL_CLASS_STEPS = 6 };

typedef struct pl_class_job {
    pl_class_pictures cp;        /* paths, the model row, the evaluation        */
    pl_model m;                  /* the model (owned)                           */
    const pl_dataset *test;      /* the caller's test set                       */
    size_t h, w;                 /* the image shape of the weights              */
    int classes[PL_CLASSES], k;
    char title[4][200];          /* weights, counts, shares, example            */
} pl_class_job;

/* Picks and loads ten-class task t's model, evaluates it on test (not NULL)
 * and names its pictures.  On error nothing is left to free. */
int pl_class_prepare(const pl_run_dir *r, const pl_dataset *test, pl_task t, pl_class_job *j,
                     pl_error *e);

/* Steps: 0 the weight maps, 1 and 2 the confusion matrices (counts, shares),
 * 3 the top confusions, 4 the example's probabilities, 5 its 2 x K panel. */
const char *pl_class_step_path(const pl_class_job *j, int step);
int pl_class_draw(const void *job, int step, pl_error *e);

/* Frees the model (a pl_jobs_keep finaliser). */
void pl_class_job_free(void *job);

#endif
