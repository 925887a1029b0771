/*
 * predict.h - classifying images that are not rows of a run: the model that
 * predicts (one model of a run, or the vote of its 45 pair models) and the
 * inputs it predicts (photos, IDX images files, CSV files with or without a
 * label column), as `parlogit predict RUN_DIR INPUT...` uses them.
 *
 * The default predictor of a run is its best ten-class model: among the best
 * model of each ovr or softmax task over all ten digits (best.csv's choice,
 * else the highest test accuracy; see pl_run_dir_pick) the one of highest
 * validation accuracy (test accuracy when the run has no validation split);
 * a run without one falls back on a multiclass task over fewer digits, then
 * on the one-vs-one vote of the best models of all 45 pairs, then on its only
 * binary task.  Otherwise the caller names a model.
 *
 * The vote's "probabilities" are vote shares: p_d = (votes for d) / 45, the
 * predicted digit the one with most votes (a tie to the smaller digit, as the
 * run's own vote in summary.json).
 */
#ifndef PARLOGIT_PREDICT_H
#define PARLOGIT_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/image.h"
#include "parlogit/model.h"
#include "parlogit/report.h"

#define PL_VOTE_PAIRS 45
#define PL_VOTE_NAME "ovo_vote"

typedef struct pl_predictor {
    char name[64];                  /* the model's name, or PL_VOTE_NAME          */
    int vote;                       /* 1: the 45 pairs' vote                      */
    pl_model model;                 /* !vote: the model                           */
    pl_model pair[PL_VOTE_PAIRS];   /* vote: the best model of each pair          */
    int k;                          /* probabilities per image                    */
    int classes[PL_CLASSES];        /* their classes (pl_model_classes; vote 0-9) */
    size_t dim;                     /* pixels per image                           */
    size_t height, width;           /* the image shape the model was trained on   */
    unsigned pixel_max;             /* and its full ink (255 for MNIST)           */
} pl_predictor;

/* Opens the predictor of run r: model name (a name of results.csv, or
 * PL_VOTE_NAME), or the default above when name is NULL.  PL_EINPUT naming
 * the run and the choices when there is none.  Free with pl_predictor_free. */
int pl_predictor_open(const pl_run_dir *r, const char *name, pl_predictor *p, pl_error *e);

/* Probabilities of one image of p->dim pixels into prob[0..p->k) in the order
 * of p->classes; returns the predicted class (-1: "rest" of an i-rest model). */
int pl_predictor_predict(const pl_predictor *p, const uint8_t *x, double *prob);

/* One model to draw an image's explanation with: the model itself, or for the
 * vote the pair model of its two most voted digits. */
const pl_model *pl_predictor_explainer(const pl_predictor *p, const uint8_t *x);

void pl_predictor_free(pl_predictor *p);

enum pl_input_kind { PL_INPUT_PHOTO, PL_INPUT_IDX, PL_INPUT_CSV };

/* One INPUT of `parlogit predict`, read into rows. */
typedef struct pl_predict_input {
    char path[PL_PATH_MAX];
    int kind;                       /* enum pl_input_kind                          */
    pl_raw rows;                    /* photo: one row of field x field pixels      */
    pl_prep_steps steps;            /* photo: the preprocessing's images           */
} pl_predict_input;

/*
 * Reads path, telling the kinds apart by content, not by name: PNG and JPEG
 * by their signatures (a photo, made an MNIST row by pl_image_to_row with
 * prep, then put on csv->pixel_max's scale), IDX by its magic 0x00000803
 * (plain or gzip; images only), else CSV (plain or gzip, read with *csv: the
 * model's shape and scale, its label PL_CSV_LABEL_DETECT to let the cell
 * count decide).  A file that is none of these is PL_EINPUT naming it.
 */
int pl_predict_read(const char *path, const pl_prep_opts *prep, const pl_csv_opts *csv,
                    pl_predict_input *in, pl_error *e);

void pl_predict_input_free(pl_predict_input *in);

/* One predicted image. */
typedef struct pl_prediction {
    int input;                      /* index of its input                          */
    size_t index;                   /* its row in the input (0 for a photo)        */
    int label;                      /* the input's label, -1 when it has none      */
    int predicted;                  /* a class of the predictor                    */
    double p[PL_CLASSES];           /* in the order of the predictor's classes     */
    int drawn;                      /* 1: its pictures are in the output           */
} pl_prediction;

/* What pl_predict_write writes. */
typedef struct pl_predict_opts {
    const char *run_dir;            /* for the page's links and title              */
    int steps;                      /* 1: the preprocessing strip of every photo   */
} pl_predict_opts;

/*
 * Writes the output directory dir as a whole (staged beside it and swapped in,
 * see util.h pl_sdir; a directory there that is not an earlier predict output,
 * one without predictions.csv, is refused with PL_EINPUT):
 *   predictions.csv   input,index,predicted,p<class>... (binary: p_neg,p_pos)
 *   STEM_row.png      a photo's 28 x 28 row, STEM.csv its 784 pixels as one
 *                     unlabelled CSV line (feed it back to predict), STEM_steps.png
 *                     the preprocessing strip (opts->steps)
 *   STEM_probs.png, STEM_panel.png (photos), STEM_rowN_... (rows of a file):
 *                     the bar chart and the 2 x K panel of every prediction
 *                     with drawn set
 *   report.html       all of it on one page
 * STEM is the input's file name without its extensions (made unique).
 */
int pl_predict_write(const char *dir, const pl_predictor *p, const pl_predict_input *in,
                     int nin, const pl_prediction *pr, size_t npr, const pl_predict_opts *o,
                     pl_error *e);

#endif
