/*
 * rowdraw.h - private: the two pictures of one image explained by one model
 * (the bar chart of its class probabilities and the 2 x K panel of weights
 * over pixel x weight maps), shared by the report's ten-class section
 * (tenclass.c) and `parlogit explain --model` (row.c).
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
 * m->dim pixels; PL_ENOMEM; the plot errors.
 */
int pl_row_draw(const pl_model *m, const pl_dataset *ds, size_t r, const double *p,
                int predicted, const char *title, const char *probs, const char *panel,
                pl_error *e);

#endif
