/*
 * npy.h - .npy writing into a staging directory (util.h: pl_sdir), where
 * path is the file's name in it; with dir NULL, path is a path and the file is
 * committed on its own (the public pl_npy_write).
 */
#ifndef PARLOGIT_NPY_H
#define PARLOGIT_NPY_H

#include <stddef.h>

#include "util/util.h"

int pl_npy_stage(const char *path, const float *a, int ndim, const size_t *shape,
                 const pl_sdir *dir, pl_error *e);

#endif
