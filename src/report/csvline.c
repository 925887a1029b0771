/*
 * csvline.c - plain CSV lines for the run-directory readers.  See csvline.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/csvline.h"

int pl_csvline_open(pl_csvline *c, const char *path, pl_error *e)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->f = fopen(path, "r");
    if (!c->f)
        return pl_errorf(e, errno == ENOENT ? PL_EINPUT : PL_EIO, "%s: cannot open: %s", path,
                         strerror(errno));
    return PL_OK;
}

void pl_csvline_close(pl_csvline *c)
{
    if (c->f)
        fclose(c->f);
    c->f = NULL;
}

int pl_csvline_next(pl_csvline *c, pl_error *e)
{
    if (!fgets(c->buf, sizeof c->buf, c->f))
        return 0;
    c->line++;
    size_t n = strlen(c->buf);
    if (n && c->buf[n - 1] != '\n' && !feof(c->f)) {
        pl_errorf(e, PL_EINPUT, "%s:%d: line too long", c->path, c->line);
        return -1;
    }
    while (n && (c->buf[n - 1] == '\n' || c->buf[n - 1] == '\r'))
        c->buf[--n] = '\0';
    c->nfields = 0;
    char *p = c->buf;
    for (;;) {
        if (c->nfields == PL_CSV_MAXF) {
            pl_errorf(e, PL_EINPUT, "%s:%d: more than %d fields", c->path, c->line,
                      PL_CSV_MAXF);
            return -1;
        }
        c->field[c->nfields++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return 1;
}

int pl_csvline_num(pl_csvline *c, int k, const char *name, int empty_ok, double *out,
                   pl_error *e)
{
    const char *s = k < c->nfields ? c->field[k] : "";
    if (!*s) {
        if (empty_ok) {
            *out = NAN;
            return PL_OK;
        }
        return pl_errorf(e, PL_EINPUT, "%s:%d: column %s: empty, expected a number", c->path,
                         c->line, name);
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE)
        return pl_errorf(e, PL_EINPUT, "%s:%d: column %s: '%s' is not a number", c->path,
                         c->line, name, s);
    *out = v;
    return PL_OK;
}

int pl_csvline_int(pl_csvline *c, int k, const char *name, long lo, long hi, long *out,
                   pl_error *e)
{
    const char *s = k < c->nfields ? c->field[k] : "";
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return pl_errorf(e, PL_EINPUT, "%s:%d: column %s: '%s' is not an integer in %ld..%ld",
                         c->path, c->line, name, s, lo, hi);
    *out = v;
    return PL_OK;
}
