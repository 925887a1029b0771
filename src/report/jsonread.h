/*
 * jsonread.h - private: a small JSON reader for the model sidecars, enough
 * to read their "config" object back.  Values form a tree owned by the root.
 */
#ifndef PARLOGIT_REPORT_JSONREAD_H
#define PARLOGIT_REPORT_JSONREAD_H

#include <stddef.h>

#include "parlogit/error.h"

enum pl_jtype { PL_JNULL, PL_JBOOL, PL_JNUM, PL_JSTR, PL_JARR, PL_JOBJ };

typedef struct pl_jv {
    int type;                  /* enum pl_jtype                         */
    char *key;                 /* member name inside an object, else NULL */
    char *str;                 /* PL_JSTR                               */
    double num;                /* PL_JNUM, PL_JBOOL (0 or 1)             */
    struct pl_jv *kids;        /* PL_JARR, PL_JOBJ: members in order     */
    size_t nkids;
} pl_jv;

/* Parses the whole of text (name is for messages: "name: offset N: ...").
 * On success *out is the root (free with pl_jv_free). */
int pl_json_parse(const char *text, const char *name, pl_jv **out, pl_error *e);

/* Reads and parses a file. */
int pl_json_load(const char *path, pl_jv **out, pl_error *e);

/* The member key of object o, or NULL. */
const pl_jv *pl_jv_get(const pl_jv *o, const char *key);

void pl_jv_free(pl_jv *v);

#endif
