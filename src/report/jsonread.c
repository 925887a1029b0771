/*
 * jsonread.c - a small recursive-descent JSON reader.  See jsonread.h.
 *
 * Strings keep \uXXXX escapes below 0x80 only (parlogit writes nothing else);
 * other escapes become '?'.  Nesting is limited to 32 levels.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/jsonread.h"

typedef struct parser {
    const char *s, *p, *name;
    pl_error *e;
    int depth;
} parser;

static int fail(parser *ps, const char *what)
{
    return pl_errorf(ps->e, PL_EINPUT, "%s: offset %zu: %s", ps->name,
                     (size_t)(ps->p - ps->s), what);
}

static void ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')
        ps->p++;
}

static int value(parser *ps, pl_jv *v);

static int string(parser *ps, char **out)
{
    if (*ps->p != '"')
        return fail(ps, "expected a string");
    const char *q = ++ps->p;
    size_t n = 0;
    while (*q && *q != '"') {   /* an upper bound on the length */
        if (*q == '\\' && q[1])
            q++;
        q++;
        n++;
    }
    if (*q != '"')
        return fail(ps, "unterminated string");
    char *s = malloc(n + 1), *d = s;
    if (!s)
        return pl_errorf(ps->e, PL_ENOMEM, "out of memory");
    while (*ps->p != '"') {
        char ch = *ps->p++;
        if (ch == '\\') {
            ch = *ps->p++;
            switch (ch) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case 'r': ch = '\r'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'u': {
                char hex[5] = { 0 };
                for (int k = 0; k < 4 && *ps->p && *ps->p != '"'; k++)
                    hex[k] = *ps->p++;
                long u = strtol(hex, NULL, 16);
                ch = u > 0 && u < 0x80 ? (char)u : '?';
                break;
            }
            default: break;   /* \" \\ \/ */
            }
        }
        *d++ = ch;
    }
    *d = '\0';
    ps->p++;
    *out = s;
    return PL_OK;
}

static int add_kid(parser *ps, pl_jv *v, pl_jv **kid)
{
    pl_jv *k = realloc(v->kids, (v->nkids + 1) * sizeof *k);
    if (!k)
        return pl_errorf(ps->e, PL_ENOMEM, "out of memory");
    v->kids = k;
    *kid = memset(&k[v->nkids++], 0, sizeof *k);
    return PL_OK;
}

static int container(parser *ps, pl_jv *v, char close)
{
    v->type = close == '}' ? PL_JOBJ : PL_JARR;
    if (++ps->depth > 32)
        return fail(ps, "nested too deeply");
    ps->p++;
    ws(ps);
    if (*ps->p == close) {
        ps->p++;
        ps->depth--;
        return PL_OK;
    }
    for (;;) {
        pl_jv *kid = NULL;
        int rc = add_kid(ps, v, &kid);
        if (rc)
            return rc;
        ws(ps);
        if (close == '}') {
            rc = string(ps, &kid->key);
            ws(ps);
            if (!rc && *ps->p++ != ':')
                rc = fail(ps, "expected ':'");
        }
        if (!rc)
            rc = value(ps, kid);
        if (rc)
            return rc;
        ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p != close)
            return fail(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        ps->p++;
        ps->depth--;
        return PL_OK;
    }
}

static int value(parser *ps, pl_jv *v)
{
    ws(ps);
    char ch = *ps->p;
    if (ch == '{' || ch == '[')
        return container(ps, v, ch == '{' ? '}' : ']');
    if (ch == '"') {
        v->type = PL_JSTR;
        return string(ps, &v->str);
    }
    static const struct { const char *word; int type; double num; } words[] = {
        { "null", PL_JNULL, 0 }, { "true", PL_JBOOL, 1 }, { "false", PL_JBOOL, 0 },
    };
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(words[k].word);
        if (!strncmp(ps->p, words[k].word, n)) {
            ps->p += n;
            v->type = words[k].type;
            v->num = words[k].num;
            return PL_OK;
        }
    }
    char *end;
    errno = 0;
    double x = strtod(ps->p, &end);
    if (end == ps->p || (ch != '-' && (ch < '0' || ch > '9')))
        return fail(ps, "expected a value");
    ps->p = end;
    v->type = PL_JNUM;
    v->num = x;
    return PL_OK;
}

static void free_tree(pl_jv *v)
{
    for (size_t i = 0; i < v->nkids; i++)
        free_tree(&v->kids[i]);
    free(v->kids);
    free(v->key);
    free(v->str);
}

void pl_jv_free(pl_jv *v)
{
    if (!v)
        return;
    free_tree(v);
    free(v);
}

int pl_json_parse(const char *text, const char *name, pl_jv **out, pl_error *e)
{
    parser ps = { .s = text, .p = text, .name = name, .e = e };
    pl_jv *root = calloc(1, sizeof *root);
    if (!root)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    int rc = value(&ps, root);
    ws(&ps);
    if (!rc && *ps.p)
        rc = fail(&ps, "unexpected text after the value");
    if (rc) {
        pl_jv_free(root);
        return rc;
    }
    *out = root;
    return PL_OK;
}

int pl_json_load(const char *path, pl_jv **out, pl_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_errorf(e, errno == ENOENT ? PL_EINPUT : PL_EIO, "%s: cannot open: %s", path,
                         strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return pl_errorf(e, PL_ENOMEM, "out of memory");
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n < 4096)
            break;
    }
    int err = ferror(f);
    fclose(f);
    int rc = PL_OK;
    if (err)
        rc = pl_errorf(e, PL_EIO, "%s: read error", path);
    else {
        buf[len] = '\0';
        rc = pl_json_parse(buf, path, out, e);
    }
    free(buf);
    return rc;
}

const pl_jv *pl_jv_get(const pl_jv *o, const char *key)
{
    if (!o || o->type != PL_JOBJ)
        return NULL;
    for (size_t i = 0; i < o->nkids; i++)
        if (!strcmp(o->kids[i].key, key))
            return &o->kids[i];
    return NULL;
}
