/*
 * error.c - formatting of pl_error messages.  See include/parlogit/error.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parlogit/error.h"

int pl_errorf(pl_error *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

void pl_error_prefix(pl_error *e, const char *fmt, ...)
{
    if (!e)
        return;
    char head[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    if (snprintf(e->msg, sizeof e->msg, "%s: %s", head, old) >= (int)sizeof e->msg)
        memcpy(e->msg + sizeof e->msg - 4, "...", 4);   /* mark the cut */
}
