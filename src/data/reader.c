/*
 * reader.c - the buffered zlib byte reader of reader.h.
 *
 * The file is opened with open(2) so that a failure has a reliable errno, then
 * handed to gzdopen; zlib reads plain files through unchanged.  A 64 KiB buffer
 * serves pl_reader_getc and pl_reader_line; large pl_reader_read requests go
 * straight from gzread into the caller's array.  At the end of the data zlib's
 * own error state is checked, because a gzip file cut short reads like a clean
 * end (zlib only records "unexpected end of file" as Z_BUF_ERROR).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/reader.h"

#define READER_BUF (64u * 1024u)
#define READER_CHUNK (1u << 30)   /* gzread takes an unsigned count */

int pl_reader_open(pl_reader *r, const char *path, pl_error *e)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    int fd = pl_data_open(path, e);
    if (fd < 0)
        return e->code;
    r->buf = malloc(READER_BUF);
    r->gz = r->buf ? gzdopen(fd, "rb") : NULL;
    if (!r->gz) {
        close(fd);
        free(r->buf);
        r->buf = NULL;
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory opening the file", path);
    }
    r->cap = READER_BUF;
    gzbuffer(r->gz, 128u * 1024u);
    return PL_OK;
}

void pl_reader_close(pl_reader *r)
{
    if (r->gz)
        gzclose_r(r->gz);
    free(r->buf);
    r->gz = NULL;
    r->buf = NULL;
}

/* Called when gzread returned 0 or less: tells a clean end from a failure and,
 * for a failure, fills e.  end is the stream offset where the data stopped. */
static int reader_end(pl_reader *r, int k, uint64_t end, pl_error *e)
{
    int errnum = Z_OK;
    const char *zmsg = gzerror(r->gz, &errnum);
    r->done = 1;
    if (k == 0 && errnum == Z_OK)
        return PL_READ_EOF;
    unsigned long long off = (unsigned long long)end;
    const char *path = r->path;
    switch (errnum) {
    case Z_ERRNO:
        r->err = pl_errorf(e, PL_EIO, "%s: offset %llu: read error: %s", path, off,
                           strerror(errno));
        break;
    case Z_MEM_ERROR:
        r->err = pl_errorf(e, PL_ENOMEM, "%s: offset %llu: out of memory decompressing",
                           path, off);
        break;
    case Z_BUF_ERROR:
        r->err = pl_errorf(e, PL_EINPUT, "%s: offset %llu: gzip data ends early "
                           "(the compressed file is truncated)", path, off);
        break;
    default:
        r->err = pl_errorf(e, PL_EINPUT, "%s: offset %llu: corrupt gzip data: %s", path,
                           off, zmsg && *zmsg ? zmsg : "unknown zlib error");
        break;
    }
    return PL_READ_ERR;
}

/* Refills the empty buffer.  PL_READ_OK with len > 0, PL_READ_EOF or PL_READ_ERR. */
static int reader_fill(pl_reader *r, pl_error *e)
{
    r->base += r->len;
    r->pos = r->len = 0;
    int k = r->done ? 0 : gzread(r->gz, r->buf, (unsigned)r->cap);
    if (k > 0) {
        r->len = (size_t)k;
        return PL_READ_OK;
    }
    return reader_end(r, k, r->base, e);
}

int pl_reader_fill_getc(pl_reader *r, pl_error *e)
{
    int st = reader_fill(r, e);
    return st == PL_READ_OK ? r->buf[r->pos++] : st;
}

int pl_reader_read(pl_reader *r, void *dst, size_t n, size_t *got, pl_error *e)
{
    unsigned char *out = dst;
    size_t have = 0;
    int st = PL_READ_OK;
    while (have < n) {
        if (r->pos < r->len) {
            size_t k = r->len - r->pos;
            if (k > n - have)
                k = n - have;
            memcpy(out + have, r->buf + r->pos, k);
            r->pos += k;
            have += k;
        } else if (n - have >= r->cap && !r->done) {
            /* Large remainder: skip the buffer.  Keep pos == len == 0 so that
             * base alone is the offset. */
            r->base += r->len;
            r->pos = r->len = 0;
            size_t want = n - have < READER_CHUNK ? n - have : READER_CHUNK;
            int k = gzread(r->gz, out + have, (unsigned)want);
            if (k <= 0) {
                st = reader_end(r, k, r->base, e);
                break;
            }
            have += (size_t)k;
            r->base += (uint64_t)k;
        } else if ((st = reader_fill(r, e)) != PL_READ_OK) {
            break;
        }
    }
    if (got)
        *got = have;
    if (st == PL_READ_EOF && have > 0)
        st = PL_READ_SHORT;
    return st;
}

int pl_reader_line(pl_reader *r, char **line, size_t *cap, size_t *len, size_t max,
                   size_t lineno, pl_error *e)
{
    size_t n = 0;
    int any = 0;
    for (;;) {
        if (r->pos == r->len) {
            int st = reader_fill(r, e);
            if (st == PL_READ_EOF)
                break;
            if (st != PL_READ_OK)
                return st;
        }
        any = 1;
        const unsigned char *p = r->buf + r->pos;
        size_t avail = r->len - r->pos;
        const unsigned char *nl = memchr(p, '\n', avail);
        size_t k = nl ? (size_t)(nl - p) : avail;
        if (n + k > max) {
            r->err = pl_errorf(e, PL_EINPUT, "%s:%zu: line longer than %zu bytes",
                               r->path, lineno, max);
            return PL_READ_ERR;
        }
        if (n + k + 1 > *cap) {
            size_t c = *cap ? *cap : 4096;
            while (c < n + k + 1)
                c *= 2;
            char *grown = realloc(*line, c);
            if (!grown) {
                r->err = pl_errorf(e, PL_ENOMEM, "%s:%zu: out of memory", r->path, lineno);
                return PL_READ_ERR;
            }
            *line = grown;
            *cap = c;
        }
        memcpy(*line + n, p, k);
        n += k;
        r->pos += k;
        if (nl) {
            r->pos++;   /* the '\n' */
            break;
        }
    }
    if (!any)
        return PL_READ_EOF;
    (*line)[n] = '\0';
    *len = n;
    return PL_READ_OK;
}
