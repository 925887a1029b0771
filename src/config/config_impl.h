/*
 * config_impl.h - private to src/config: the table of keys, the value parsers
 * and the formatters that the INI loader, --set, the checker and the dumper
 * share.
 *
 * Every key is one row of plc_keys: its section, its name, what kind of value
 * it holds and where that value lives in pl_config (offsetof).  Parsing and
 * printing switch on the kind, so a new key is one table row, not a new
 * function.  Parsers write a one-line reason (no "file:line" prefix; callers
 * add it) into a caller-supplied buffer and return -1 on a bad value; they
 * never touch the config unless the whole value is good.
 */
#ifndef PARLOGIT_CONFIG_IMPL_H
#define PARLOGIT_CONFIG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "parlogit/config.h"

#define PLC_NKEYS 60           /* rows in plc_keys                              */
#define PLC_MSG 640            /* room for one reason, without file:line        */
#define PLC_MAX_ITERS 10000000 /* iterations above this are surely a typo       */
#define PLC_MAX_THREADS 4096
#define PLC_NPAIRS_ALL 45      /* "pairs = all": i-j for 0 <= i < j <= 9        */
#define PLC_SECTIONS "[data], [task], [train], [engine] or [output]"

/* What a key holds, and so how it is parsed and printed. */
enum plc_kind {
    PLC_PATH,      /* char[PL_PATH_MAX] at off; empty allowed when empty_ok     */
    PLC_ENUM,      /* int at off, one of names[]                                */
    PLC_RANGE,     /* size_t lo at off, hi at off2: "A:B", A < B; "" = not set  */
    PLC_FRACTION,  /* double at off, in (0, 1)                                  */
    PLC_SIZE,      /* size_t at off                                             */
    PLC_U64,       /* uint64_t at off                                           */
    PLC_THREADS,   /* int at off: "auto" (0) or 1..PLC_MAX_THREADS              */
    PLC_PAIRS,     /* task.tasks, task.ntasks                                   */
    PLC_RATES,     /* train.lr, train.nlr                                       */
    PLC_ITERS,     /* train.iters, train.niters                                 */
    PLC_MULTI,     /* task.multiclass, task.nmulti                              */
    PLC_CLASSES,   /* task.classes: a mask of digits                            */
    PLC_NAMES,     /* a list of names, each once: ints at off, the count at off2 */
    PLC_POS,       /* double at off, > 0                                        */
    PLC_COUNT,     /* int at off, 1..PLC_MAX_ITERS                              */
    PLC_INT,       /* int at off, 0..PLC_MAX_INT (its own range: pl_config_check) */
    PLC_NUM,       /* double at off, finite (its own range: pl_config_check)    */
    PLC_SHAPE,     /* size_t height at off, width at off2: "auto" (0, 0) or HxW  */
};
#define PLC_MAX_INT 1000000

/* One spelling of an enumerated value; tables end with name == NULL. */
typedef struct plc_name {
    const char *name;
    int value;
} plc_name;

typedef struct plc_key {
    const char *section;
    const char *key;
    int kind;                  /* enum plc_kind                               */
    size_t off, off2;          /* offsetof(pl_config, field)                  */
    int empty_ok;              /* PLC_PATH: "" is a valid value               */
    const plc_name *names;     /* PLC_ENUM                                    */
} plc_key;

/* config_keys.c: the table, in the order pl_config_foreach reports it. */
extern const plc_key plc_keys[PLC_NKEYS];

/* The row for section.key, or NULL. */
const plc_key *plc_key_find(const char *section, const char *key);

/* 1 if the first len bytes of name are a known section name. */
int plc_section_known(const char *name, size_t len);

/* Parses value into the key's field(s) of c.  Returns 0, or -1 with the reason
 * in msg (c untouched). */
int plc_key_apply(pl_config *c, const plc_key *k, const char *value, char *msg,
                  size_t n);

/* config.c: records that section.key was set at `where` (overwrites). */
void plc_origin_set(pl_config *c, const char *section, const char *key,
                    const char *where);

/* config_parse.c: value parsers.  Each returns 0 and fills its outputs, or -1
 * with a reason in msg[n] and outputs untouched.  Lists are comma-separated
 * items with optional blanks around them. */
int plc_parse_double(const char *s, double *out, char *msg, size_t n);
int plc_parse_uint(const char *s, uint64_t max, uint64_t *out, char *msg, size_t n);
int plc_parse_fraction(const char *s, double *out, char *msg, size_t n);
int plc_parse_path(const char *s, int empty_ok, char out[PL_PATH_MAX], char *msg,
                   size_t n);
int plc_parse_enum(const char *s, const plc_name *names, int *out, char *msg,
                   size_t n);
int plc_parse_threads(const char *s, int *out, char *msg, size_t n);
int plc_parse_range(const char *s, size_t *lo, size_t *hi, char *msg, size_t n);
/* "auto" (0, 0) or "HxW" (e.g. 8x8), each side >= 1, H * W <= PL_MAX_DIM. */
int plc_parse_shape(const char *s, size_t *h, size_t *w, char *msg, size_t n);
int plc_parse_rates(const char *s, const char *what, double out[PL_MAX_LIST], int *count, char *msg,
                    size_t n);
int plc_parse_iters(const char *s, int out[PL_MAX_LIST], int *count, char *msg,
                    size_t n);
int plc_parse_pairs(const char *s, pl_task out[PL_MAX_TASKS], int *count,
                    char *msg, size_t n);

/* A list of at most max names of names[] (each at most once), their values
 * into out; "none" for an empty list when none_ok.  what names an item in
 * messages ("a solver").  task.multiclass, train.solver. */
int plc_parse_names(const char *s, const plc_name *names, const char *what, int none_ok,
                    int max, int *out, int *count, char *msg, size_t n);

/* task.classes: "0-9", a range "a-b", or a list of digits; at least two. */
int plc_parse_classes(const char *s, unsigned *mask, char *msg, size_t n);

/* Fills out with the 45 pairs of "pairs = all" in their order; returns 45. */
int plc_all_pairs(pl_task out[PLC_NPAIRS_ALL]);

/* config_dump.c: the canonical text of a key's value (what foreach reports,
 * and what plc_key_apply parses back to the same value). */
void plc_key_format(const pl_config *c, const plc_key *k, char *buf, size_t n);

/* The shortest of %.15g, %.16g, %.17g that reads back as v ("C" locale). */
void plc_format_double(double v, char *buf, size_t n);

#endif
