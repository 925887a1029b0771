/*
 * store.h - where a run directory keeps its models, read back: models.json
 * and models.npz (every run written since the archive), else the per-model
 * files models/NAME.json, NAME.w.npy, NAME.b.npy (earlier runs, and runs
 * written with output.model_files = true, which have both).  See store.c.
 */
#ifndef PARLOGIT_STORE_H
#define PARLOGIT_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "parlogit/config.h"
#include "parlogit/error.h"

/* One model's arrays and sidecar as stored; what each came from, for messages. */
typedef struct pl_stored {
    float *w, *b;                 /* malloc'ed                                     */
    int wnd, bnd;
    size_t wshape[4], bshape[4];
    json_t *sidecar;              /* its own reference; NULL: an old run without one */
    char wwhat[2 * PL_PATH_MAX], bwhat[2 * PL_PATH_MAX], swhat[2 * PL_PATH_MAX];
} pl_stored;

/* Reads model name of the run in dir (pl_stored_free after, also on
 * failure).  PL_EINPUT when it is not there or its files are bad (naming
 * the file, and the member of an archive), PL_EIO when they cannot be read,
 * PL_ENOMEM.  An archive and its JSON are parsed once and kept for the next
 * call on the same files (a report loads hundreds of models); calls from
 * several threads are serialized. */
int pl_store_model(const char *dir, const char *name, pl_stored *s, pl_error *e);
void pl_stored_free(pl_stored *s);

/* Drops the cached archive (a file rewritten in place within the clock's
 * resolution looks unchanged: the fuzz harness rewrites its inputs so). */
void pl_store_forget(void);

/* The effective config object of the run in dir as written with model name
 * (models.json's "config", or the old sidecar's): *config a new reference,
 * where the file it came from.  Errors as pl_store_model. */
int pl_store_config(const char *dir, const char *name, json_t **config,
                    char where[PL_PATH_MAX + 200], pl_error *e);

/* A JSON file: PL_EINPUT "PATH:LINE:COLUMN: not a valid JSON sidecar: ..." when it is
 * not JSON, or when it is missing or not a regular file (a FIFO would block);
 * PL_EIO when it cannot be read; PL_ENOMEM. */
int pl_json_load_path(const char *path, json_t **root, pl_error *e);

#endif
