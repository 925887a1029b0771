/*
 * json.c - minimal JSON writing.  See json.h.
 */
#include <math.h>
#include <string.h>

#include "output/json.h"
#include "parlogit/config.h"
#include "util/util.h"

void pl_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void pl_json_num(FILE *f, double x)
{
    char buf[32];
    fputs(isfinite(x) ? pl_fmt_double(buf, x) : "null", f);
}

struct cfg_ctx {
    FILE *f;
    const char *indent;
    char section[32];
    int nkeys;
};

static void cfg_entry(void *ctx, const char *section, const char *key, const char *value)
{
    struct cfg_ctx *c = ctx;
    if (strcmp(section, c->section) != 0) {
        if (c->section[0])   /* close the previous section */
            fprintf(c->f, "\n%s  },", c->indent);
        fprintf(c->f, "\n%s  ", c->indent);
        pl_json_str(c->f, section);
        fputs(": {", c->f);
        snprintf(c->section, sizeof c->section, "%s", section);
        c->nkeys = 0;
    }
    fprintf(c->f, "%s\n%s    ", c->nkeys++ ? "," : "", c->indent);
    pl_json_str(c->f, key);
    fputs(": ", c->f);
    pl_json_str(c->f, value);
}

void pl_json_config(FILE *f, const struct pl_config *c, const char *indent)
{
    struct cfg_ctx ctx = { .f = f, .indent = indent };
    fputs("{", f);
    pl_config_foreach(c, cfg_entry, &ctx);
    if (ctx.section[0])
        fprintf(f, "\n%s  }\n%s}", indent, indent);
    else
        fputs("}", f);
}
