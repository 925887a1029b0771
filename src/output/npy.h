/*
 * npy.h - .npy writing into a staging directory (util.h: pl_sdir), where
 * path is the file's name in it; with dir NULL, path is a path and the file is
 * committed on its own (the public pl_npy_write); the header and the parser
 * that an archive's members share (npz.c).
 */
#ifndef PARLOGIT_NPY_H
#define PARLOGIT_NPY_H

#include <stddef.h>

#include "util/util.h"

/* The header of a float32 .npy of that shape (ndim 0..4), as numpy writes
 * it, into head: returns its length (a multiple of 64), *count the floats. */
#define PL_NPY_HEADER_MAX 384
size_t pl_npy_header(unsigned char head[PL_NPY_HEADER_MAX], int ndim, const size_t *shape,
                     size_t *count);

/* Parses a float32 C-order .npy held in buf[0..len) (what names it in
 * messages) into *data (malloc'ed), *ndim and shape.  PL_EINPUT naming what
 * and the offset; PL_ENOMEM. */
int pl_npy_parse(const unsigned char *buf, size_t len, const char *what, float **data,
                 int *ndim, size_t shape[4], pl_error *e);

int pl_npy_stage(const char *path, const float *a, int ndim, const size_t *shape,
                 const pl_sdir *dir, pl_error *e);

#endif
