/*
 * page.h - private: report.html being written by pl_report_build (build.c)
 * and the files that write its sections: the sweep (page_sweep.c), the
 * ten-class models (page_tenclass.c) and the pairs (page_pairs.c).  Each
 * section adds its pictures to the table of pictures to draw (jobs.h) and to
 * the page with a caption that says how to read them; a picture that cannot
 * be drawn because a file is missing gets a note instead.  Nothing is drawn
 * while the page is written: pl_report_build draws the whole table at the
 * end, in worker processes, and keeps the page only if every picture was
 * drawn.
 */
#ifndef PARLOGIT_REPORT_PAGE_H
#define PARLOGIT_REPORT_PAGE_H

#include <stdio.h>

#include "parlogit/data.h"
#include "parlogit/report.h"
#include "report/jobs.h"

typedef struct pl_page {
    const char *dir;                /* the run directory                       */
    char plots[PL_PATH_MAX + 16];   /* dir/plots                               */
    pl_report_summary *s;           /* counts pictures and notes               */
    FILE *f;                        /* the page being written                  */
    pl_jobs *jobs;                  /* the pictures to draw                    */
    const pl_loss_curve *cv;        /* curves.csv, read once (NULL: no file)   */
    size_t ncv;
} pl_page;

/* The figure of a picture (path in plots/), linked relative to the page,
 * with its caption (plain text, escaped); counts it. */
void pl_page_figure(pl_page *p, const char *path, const char *alt, const char *caption);

/* Task t's loss curves (those of cv[0..ncv) that are t's, which must live
 * until the pictures are drawn: see pl_page_read_curves) to be drawn into
 * plots/TASK_loss.png, with its figure and caption; when t has none, the
 * picture is drawn (saying so) only with even_empty.  Its SGD curves, when
 * it has some, go to plots/TASK_sgd.png (seed 002's picture) instead, with
 * a figure of their own.  PL_ENOMEM. */
int pl_page_loss_curves(pl_page *p, pl_task t, const pl_loss_curve *cv, size_t ncv,
                        int even_empty, const char *caption, pl_error *e);

/* Task t's regularization path (pl_plot_path) into plots/TASK_path.png with
 * its figure, when r has models of t at two or more values of C; else
 * nothing.  PL_ENOMEM. */
int pl_page_path(pl_page *p, const pl_run_dir *r, pl_task t, pl_error *e);

/* Seed 004's comparison of task t's unpenalized and l1 models (page_l1.c)
 * into plots/TASK_l1.png with its figure, when r has both; images of ds's
 * shape (or MNIST's).  pl_model_load's errors, PL_ENOMEM. */
int pl_page_sparsity(pl_page *p, const pl_run_dir *r, pl_task t, const pl_dataset *ds,
                     pl_error *e);

/* Reads DIR/curves.csv, when there is one, into p->cv, kept by the table of
 * pictures (freed with it, after drawing).  The reader's errors. */
int pl_page_read_curves(pl_page *p, pl_error *e);

/* A note in place of pictures left out, also kept for the caller (at most
 * four) in the summary. */
void pl_page_note(pl_page *p, const char *text);

/* Whether the sweep section has anything to show (pl_page_sweep), so that
 * the page's table of contents can link it. */
int pl_page_has_sweep(const pl_page *p, const pl_run_dir *r);

/* The sweep section: the pair-accuracy heatmap when the run has two pairs
 * or more, the confusion matrices of the votes that ran. */
int pl_page_sweep(pl_page *p, const pl_run_dir *r, pl_error *e);

/* The ten-class section (nothing without ovr / softmax tasks): for each
 * task's best model, the pictures of pl_report_class_task on test. */
int pl_page_tenclass(pl_page *p, const pl_run_dir *r, const pl_dataset *test, pl_error *e);

/* The pairs section (nothing without binary tasks): for each, the pictures
 * of pl_report_explain_pair on the training rows, its loss curves and its
 * accuracy by learning rate and iterations. */
int pl_page_pairs(pl_page *p, const pl_run_dir *r, const pl_dataset *train, pl_error *e);

#endif
