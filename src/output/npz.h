/*
 * npz.h - a run's weights in one NumPy .npz archive (a zip of .npy members,
 * stored, not compressed), written as one stream and read back from memory.
 * See npz.c for the layout and why it is written here.
 */
#ifndef PARLOGIT_NPZ_H
#define PARLOGIT_NPZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parlogit/error.h"

/* ------------------------------------------------------------ writing */

typedef struct pl_npz_entry {
    char *name;               /* member name, e.g. "1-7_lr0.1_it100.w.npy" */
    uint32_t crc, size;
    uint64_t offset;          /* of its local header                      */
} pl_npz_entry;

typedef struct pl_npz_writer {
    FILE *f;                  /* the caller's, open for writing at offset 0 */
    const char *what;         /* the file's name, for messages             */
    uint64_t off;             /* bytes written so far                      */
    pl_npz_entry *ent;
    size_t n, cap;
} pl_npz_writer;

/* Starts an archive on f (at its offset 0); what names it in messages. */
void pl_npz_begin(pl_npz_writer *z, FILE *f, const char *what);

/* Appends member (an .npy name) holding the float32 array a of shape
 * shape[0..ndim-1] (ndim 0..4).  PL_EINPUT for a rank or a name out of range,
 * or an archive past 4 GiB; PL_ENOMEM; PL_EIO when a write fails. */
int pl_npz_add(pl_npz_writer *z, const char *member, const float *a, int ndim,
               const size_t *shape, pl_error *e);

/* Writes the central directory (with Zip64's end records past 65535
 * members) and frees the entries; the caller then commits or aborts f.
 * PL_EIO when a write fails. */
int pl_npz_end(pl_npz_writer *z, pl_error *e);

/* Frees the entries (after a failure; pl_npz_end frees them itself). */
void pl_npz_writer_free(pl_npz_writer *z);

/* ------------------------------------------------------------ reading */

typedef struct pl_npz_member {
    const char *name;         /* into the buffer: not NUL-terminated       */
    size_t name_len;
    size_t data, size;        /* the member's bytes: buf[data .. data+size) */
    uint32_t crc;
} pl_npz_member;

typedef struct pl_npz {
    const unsigned char *buf; /* the whole archive; the caller's          */
    size_t len;
    const char *what;         /* its name, for messages                    */
    pl_npz_member *m;         /* sorted by name; owned (pl_npz_free)       */
    size_t n;
} pl_npz;

/* Indexes the archive buf[0..len) (kept, not copied): its end record, its
 * central directory and each member's local header, every offset and size
 * checked against len; only stored members, names unique.  PL_EINPUT naming
 * what and the offset of the first thing that is wrong; PL_ENOMEM. */
int pl_npz_index(pl_npz *z, const unsigned char *buf, size_t len, const char *what,
                 pl_error *e);
void pl_npz_free(pl_npz *z);

/* The member of that name, or NULL. */
const pl_npz_member *pl_npz_find(const pl_npz *z, const char *name);

/* Reads member name (an .npy: its CRC-32 checked, then pl_npy_parse) into
 * *data (malloc'ed), *ndim, shape.  PL_EINPUT when it is missing or bad. */
int pl_npz_read(const pl_npz *z, const char *name, float **data, int *ndim, size_t shape[4],
                pl_error *e);

#endif
