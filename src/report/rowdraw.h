/*
 * rowdraw.h - private: the two pictures of one image explained by one model
 * (the bar chart of its class probabilities and the 2 x K panel of weights
 * over pixel x weight maps), shared by the report's ten-class section
 * (tenclass.c), `parlogit explain --model` (row.c) and `parlogit predict`
 * (predict_draw.c).
 */
#ifndef PARLOGIT_REPORT_ROWDRAW_H
#define PARLOGIT_REPORT_ROWDRAW_H

#include <stddef.h>

#include "parlogit/dataset.h"
#include "parlogit/error.h"
#include "parlogit/model.h"

/*
 * Draws row r of ds as model m sees it: p are m's probabilities of the row
 * (pl_model_predict, in the order of pl_model_classes) and predicted its
 * class.  probs gets the bar chart (title: its title), panel the 2 x K
 * explanation.  A binary model is drawn with two outputs, its negative class
 * a reference output of zero weights and bias, since p = softmax(0, z) is
 * exactly (1 - sigmoid(z), sigmoid(z)).  PL_EINPUT when ds's images are not
 * m->dim pixels; PL_ENOMEM; the plot errors.  probs or panel NULL: that
 * picture is not drawn.
 */
int pl_row_draw(const pl_model *m, const pl_dataset *ds, size_t r, const double *p,
                int predicted, const char *title, const char *probs, const char *panel,
                pl_error *e);

/* The same for an image x of h x w pixels (h * w == m->dim) whose true
 * digit is label, or -1 when unknown (a user's photo, an unlabelled file);
 * probs NULL: the panel only; panel NULL: the bar chart only. */
int pl_pixels_draw(const pl_model *m, const uint8_t *x, size_t h, size_t w, int label,
                   const double *p, int predicted, const char *title, const char *probs,
                   const char *panel, pl_error *e);

#endif
