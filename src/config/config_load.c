/*
 * config_load.c - reading an INI file into a pl_config with inih.
 *
 * Debian ships inih r55 (libinih-dev 55-1), built with the upstream defaults
 * and the handler called without a line number (INI_HANDLER_LINENO 0).  What
 * that library does, and what we do about it:
 *   - ';' or '#' at the start of a line: a comment.  After a value, only ';'
 *     preceded by a blank starts a comment ("lr = 0.1 ; note"); '#' there is
 *     part of the value (so "0.1 # note" is a bad number, and the message says
 *     why).  "key: value" is accepted like "key = value" (configparser).
 *   - Multi-line values: inih passes an indented line as a continuation of the
 *     previous key, so "  x = 1" or "  [data]" would silently become part of a
 *     value.  Our reader strips leading blanks before inih sees a line, so an
 *     indented line is just a line and continuations never happen.
 *   - Lines are read into a 200-byte buffer; a longer line is split and its
 *     tail parsed as a line of its own, shifting every later line number.  Our
 *     reader rejects such lines instead (error "line is too long").  Longer
 *     values, such as long paths, can be given with --set.
 *   - inih ignores text after "[section]" and accepts any section name, even
 *     one with no keys; our reader rejects both.  A UTF-8 BOM is skipped.
 *   - A line that is neither "key = value" nor "[section]" makes ini_parse
 *     return its line number without calling us: reported as "expected 'key =
 *     value' or '[section]'".
 * So that the handler knows the line it is on, we feed inih through
 * ini_parse_stream with a reader that counts lines (one call per line).
 *
 * Keys are checked by config_keys.c: unknown keys, keys outside a section and
 * bad values are errors.  A key set twice in one file is an error naming the
 * first line (a silent "last wins" hides edits).  The first error in the file
 * is reported as "path:line: message".  The file is parsed into a copy, so on
 * any error the caller's config is left unchanged.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config/config_impl.h"

typedef struct load {
    FILE *f;
    const char *path;
    pl_config *c;
    char *line;               /* getline buffer                                */
    size_t cap;
    int lineno;               /* the line the reader returned last             */
    int read_errno;           /* nonzero: reading failed                       */
    int err_line;             /* first error found by reader or handler; 0 none */
    char msg[PLC_MSG + 128];
    int seen[PLC_NKEYS];      /* line where each key was set; 0 = not set here  */
} load;

/* Records the first error of the file (later ones are ignored); returns 0,
 * which is also what the handler returns to inih on error. */
static int fail(load *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(load *L, const char *fmt, ...)
{
    if (L->err_line)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->msg, sizeof L->msg, fmt, ap);
    va_end(ap);
    L->err_line = L->lineno;
    return 0;
}

/* Checks a "[name]" line: a closing ']', nothing but a ';' comment after it,
 * and a known name.  Returns 0 if good. */
static int bad_section(load *L, const char *p)
{
    const char *close = strchr(p, ']');
    if (!close) {
        fail(L, "expected ']' after the section name");
        return 1;
    }
    const char *tail = close + 1;
    while (*tail == ' ' || *tail == '\t')
        tail++;
    if (*tail && *tail != ';') {
        fail(L, "unexpected text after ']': '%s'", tail);
        return 1;
    }
    if (!plc_section_known(p + 1, (size_t)(close - p - 1))) {
        fail(L, "unknown section [%.*s] (expected %s)", (int)(close - p - 1), p + 1,
             PLC_SECTIONS);
        return 1;
    }
    return 0;
}

/* inih's reader: the next physical line into out[num], without its leading
 * blanks, ending in "\n".  A line we reject is handed over as a blank line
 * (after recording the error) so inih's line count stays ours. */
static char *read_line(char *out, int num, void *stream)
{
    load *L = stream;
    errno = 0;
    ssize_t got = getline(&L->line, &L->cap, L->f);
    if (got < 0) {
        if (ferror(L->f))
            L->read_errno = errno ? errno : EIO;
        return NULL;
    }
    L->lineno++;
    char *p = L->line;
    size_t len = (size_t)got;
    if (memchr(p, '\0', len)) {
        fail(L, "the line contains a NUL byte");
        goto blank;
    }
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        p[--len] = '\0';
    if (L->lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3, len -= 3;
    while (*p == ' ' || *p == '\t' || *p == '\v' || *p == '\f' || *p == '\r')
        p++, len--;
    if (len + 2 > (size_t)num) {
        fail(L, "line is too long (%zu characters; at most %d)", len, num - 2);
        goto blank;
    }
    if (*p == '[' && bad_section(L, p))
        goto blank;
    memcpy(out, p, len);
    out[len] = '\n';
    out[len + 1] = '\0';
    return out;
blank:
    out[0] = '\n';
    out[1] = '\0';
    return out;
}

/* inih's handler: one "key = value" of the current line. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load *L = user;
    if (L->err_line)
        return 1;   /* the file already failed; only its first error counts */
    if (!*name)
        return fail(L, "expected a key name before '='");
    if (!*section)
        return fail(L, "key '%s' is outside any section (expected a section first: %s)",
                    name, PLC_SECTIONS);
    const plc_key *k = plc_key_find(section, name);
    if (!k)
        return fail(L, "unknown key '%s' in [%s]", name, section);
    int i = (int)(k - plc_keys);
    if (L->seen[i])
        return fail(L, "%s.%s is set twice (first at line %d)", section, name,
                    L->seen[i]);
    char why[PLC_MSG];
    if (plc_key_apply(L->c, k, value, why, sizeof why))
        return fail(L, "%s.%s: %s%s", section, name, why,
                    strchr(value, '#') ? " ('#' starts a comment only at the start of "
                                         "a line; after a value use ' ; ')" : "");
    L->seen[i] = L->lineno;
    char where[PL_PATH_MAX + 16];
    snprintf(where, sizeof where, "%s:%d", L->path, L->lineno);
    plc_origin_set(L->c, k->section, k->key, where);
    return 1;
}

/* output.dir = "runs/<file name without directory and extension>". */
static int derive_output_dir(pl_config *c, const char *path, pl_error *e)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (stem + sizeof "runs/" > sizeof c->output.dir)
        return pl_errorf(e, PL_EINPUT, "%s: file name too long to name the output "
                         "directory; set [output] dir", path);
    snprintf(c->output.dir, sizeof c->output.dir, "runs/%.*s", (int)stem, base);
    plc_origin_set(c, "output", "dir", path);
    return PL_OK;
}

int pl_config_load(pl_config *c, const char *path, pl_error *e)
{
    if (strlen(path) >= PL_PATH_MAX)
        return pl_errorf(e, PL_EINPUT, "%.64s...: config path is longer than %d "
                         "characters", path, PL_PATH_MAX - 1);
    /* What the user named is input: missing, unreadable or not a file is exit 2. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return pl_errorf(e, PL_EINPUT, "%s: %s, not a config file (expected an INI file)", path,
                         S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
    load L = {.path = path};
    L.f = fopen(path, "r");
    if (!L.f)
        return pl_errorf(e, errno == ENOENT || errno == EACCES || errno == ENOTDIR ? PL_EINPUT
                         : PL_EIO, "%s: cannot open: %s", path, strerror(errno));
    L.c = malloc(sizeof *L.c);
    if (!L.c) {
        fclose(L.f);
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", path);
    }
    *L.c = *c;
    snprintf(L.c->path, sizeof L.c->path, "%s", path);

    int r = ini_parse_stream(read_line, &L, on_key, &L);
    fclose(L.f);
    free(L.line);

    int rc = PL_OK;
    if (L.read_errno)
        rc = pl_errorf(e, PL_EIO, "%s: cannot read: %s", path, strerror(L.read_errno));
    else if (L.err_line && (r <= 0 || L.err_line <= r))
        rc = pl_errorf(e, PL_EINPUT, "%s:%d: %s", path, L.err_line, L.msg);
    else if (r > 0)
        rc = pl_errorf(e, PL_EINPUT, "%s:%d: expected 'key = value' or '[section]'",
                       path, r);
    else if (r < 0)
        rc = pl_errorf(e, PL_ENOMEM, "%s: inih failed (%d)", path, r);
    else if (!L.seen[plc_key_find("output", "dir") - plc_keys])
        rc = derive_output_dir(L.c, path, e);
    if (rc == PL_OK)
        *c = *L.c;
    free(L.c);
    return rc;
}
