/*
 * synth.h - synthetic digit-like datasets for engine tests: each class lights
 * its own band of pixels plus noise, so tasks are learnable but not trivially
 * separable, and most pixels are zero as in MNIST.
 */
#ifndef PARLOGIT_SYNTH_H
#define PARLOGIT_SYNTH_H

#include "parlogit/dataset.h"
#include "testutil.h"

static inline void synth_dataset(size_t n, size_t dim, uint64_t seed, pl_dataset *d)
{
    pl_raw raw = { .n = n, .height = 1, .width = dim, .dim = dim };
    raw.pix = calloc(n * dim, 1);
    raw.label = malloc(n);
    ck_assert_ptr_nonnull(raw.pix);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(tu_rand(&seed) % PL_CLASSES);
        raw.label[i] = (uint8_t)c;
        for (size_t j = 0; j < dim; j++) {
            uint64_t u = tu_rand(&seed);
            int on = (j * PL_CLASSES / dim) == (size_t)c ? (u % 3 != 0) : (u % 7 == 0);
            raw.pix[i * dim + j] = on ? (uint8_t)(u >> 56) : 0;
        }
    }
    pl_error e;
    ck_assert_int_eq(pl_dataset_build(&raw, NULL, n, 1, d, &e), PL_OK);
    pl_raw_free(&raw);
}

#endif
