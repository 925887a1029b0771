/*
 * npy.h - .npy writing as part of a batch of files committed together
 * (util.h: pl_abatch).  The public pl_npy_write commits on its own.
 */
#ifndef PARLOGIT_NPY_H
#define PARLOGIT_NPY_H

#include <stddef.h>

#include "util/util.h"

int pl_npy_stage(const char *path, const float *a, int ndim, const size_t *shape,
                 pl_abatch *batch, pl_error *e);

#endif
