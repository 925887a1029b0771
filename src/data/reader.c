/*
 * reader.c - the buffered byte reader of reader.h: gzip through ISA-L.
 *
 * The file is opened with open(2) so that a failure has a reliable errno.  Its
 * first bytes say what it is: the gzip magic (1f 8b) makes it compressed,
 * anything else plain.  Compressed bytes are read with read(2) into a 128 KiB
 * input buffer and inflated by ISA-L's igzip (isal_inflate, crc_flag
 * ISAL_GZIP: the member's header parsed and its CRC checked), which does in
 * about a third of zlib's time what a load spends most of its time on (MNIST's
 * 10k images, 7.8 MB: 9 ms against 27 ms); members follow one another as
 * gzip(1) writes them, and bytes after the last member that do not start
 * another are ignored, as zlib's gzread does.  A 64 KiB buffer serves
 * pl_reader_getc and pl_reader_line; large pl_reader_read requests are
 * inflated (or, plain, read) straight into the caller's array.  A stream that
 * stops before its member's end is "gzip data ends early".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/reader.h"

#define READER_BUF (64u * 1024u)
#define READER_IN (128u * 1024u)
#define READER_CHUNK (1u << 30)   /* isal_inflate takes a 32-bit count */

/* read(2) of up to n bytes of the file into dst, again when a signal cut
 * it short: what read returned (0 at the end of the file, which it records;
 * -1 with errno on an error). */
static ssize_t read_some(pl_reader *r, unsigned char *dst, size_t n)
{
    for (;;) {
        const ssize_t k = read(r->fd, dst, n);
        if (k == 0)
            r->in_eof = 1;
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

/* More raw bytes of the file into r->in (what was not consumed kept at the
 * front).  1 when some came, 0 at the end of the file, -1 on a read error
 * (errno set). */
static int raw_refill(pl_reader *r)
{
    if (r->in_eof)
        return 0;
    const size_t keep = r->in_len - r->in_pos;
    memmove(r->in, r->in + r->in_pos, keep);
    r->in_pos = 0;
    r->in_len = keep;
    const ssize_t k = read_some(r, r->in + keep, READER_IN - keep);
    if (k > 0)
        r->in_len += (size_t)k;
    return k > 0 ? 1 : (int)k;
}

int pl_reader_open(pl_reader *r, const char *path, pl_error *e)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = pl_data_open(path, e);
    if (r->fd < 0)
        return e->code;
    r->fd_open = 1;
    r->buf = malloc(READER_BUF);
    r->in = malloc(READER_IN);
    if (!r->buf || !r->in)
        goto nomem;
    r->cap = READER_BUF;
    while (r->in_len < 2 && raw_refill(r) > 0)
        ;
    if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        if (!(r->st = malloc(sizeof *r->st)))
            goto nomem;
        isal_inflate_init(r->st);
        r->st->crc_flag = ISAL_GZIP;
    }
    return PL_OK;
nomem:
    pl_reader_close(r);
    return pl_errorf(e, PL_ENOMEM, "%s: out of memory opening the file", path);
}

void pl_reader_close(pl_reader *r)
{
    if (r->fd_open)
        close(r->fd);
    r->fd_open = 0;
    free(r->st);
    free(r->in);
    free(r->buf);
    r->st = NULL;
    r->in = NULL;
    r->buf = NULL;
    r->fd = -1;
}

/* A failure at stream offset off into e (and r): status PL_READ_ERR. */
static int reader_fail(pl_reader *r, int code, const char *what, uint64_t off, pl_error *e)
{
    r->done = 1;
    r->err = pl_errorf(e, code, "%s: offset %llu: %s", r->path, (unsigned long long)off, what);
    return PL_READ_ERR;
}

/* What ISA-L's status rc means, for a message. */
static const char *isal_reason(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect checksum";
    case ISAL_NEED_DICT: return "a preset dictionary is needed";
    default: return "unknown inflate error";
    }
}

/* More compressed input, inside a member: PL_READ_OK, or PL_READ_ERR (e
 * filled) on a read error or at the end of the file (the member is cut
 * short).  off is the stream offset reached, for messages. */
static int more_gzip(pl_reader *r, uint64_t off, pl_error *e)
{
    const int got = raw_refill(r);
    if (got < 0)
        return reader_fail(r, PL_EIO, strerror(errno), off, e);
    if (got == 0)
        return reader_fail(r, PL_EINPUT, "gzip data ends early (the compressed file is "
                           "truncated)", off, e);
    return PL_READ_OK;
}

/* Up to n bytes of the stream into dst (n > 0): *k of them.  PL_READ_OK
 * with *k > 0, PL_READ_EOF with *k = 0 at a clean end, or PL_READ_ERR
 * (e filled).  off is the stream offset of dst[0], for messages. */
static int raw_read(pl_reader *r, unsigned char *dst, size_t n, uint64_t off, size_t *k,
                    pl_error *e)
{
    *k = 0;
    if (r->done)
        return r->err ? PL_READ_ERR : PL_READ_EOF;
    if (!r->st) {   /* plain: what is buffered, then read(2) */
        if (r->in_pos == r->in_len && n < READER_IN) {
            const int got = raw_refill(r);
            if (got < 0)
                return reader_fail(r, PL_EIO, strerror(errno), off, e);
        }
        if (r->in_pos < r->in_len) {
            *k = r->in_len - r->in_pos < n ? r->in_len - r->in_pos : n;
            memcpy(dst, r->in + r->in_pos, *k);
            r->in_pos += *k;
            return PL_READ_OK;
        }
        const ssize_t got = r->in_eof ? 0 : read_some(r, dst, n);
        if (got < 0)
            return reader_fail(r, PL_EIO, strerror(errno), off, e);
        *k = (size_t)got;
        r->done = got == 0;
        return got ? PL_READ_OK : PL_READ_EOF;
    }
    struct inflate_state *st = r->st;
    while (*k == 0) {
        if (st->block_state == ISAL_BLOCK_FINISH) {   /* a member ended: another? */
            while (r->in_len - r->in_pos < 2 && raw_refill(r) > 0)
                ;
            if (r->in_len - r->in_pos < 2 || r->in[r->in_pos] != 0x1f ||
                r->in[r->in_pos + 1] != 0x8b) {
                r->done = 1;
                return PL_READ_EOF;
            }
            isal_inflate_reset(st);
            st->crc_flag = ISAL_GZIP;
        }
        if (r->in_pos == r->in_len && more_gzip(r, off, e) != PL_READ_OK)
            return PL_READ_ERR;
        st->next_in = r->in + r->in_pos;
        st->avail_in = (uint32_t)(r->in_len - r->in_pos);
        st->next_out = dst;
        st->avail_out = (uint32_t)(n < READER_CHUNK ? n : READER_CHUNK);
        const size_t in_was = r->in_pos;
        const int rc = isal_inflate(st);
        r->in_pos = (size_t)(st->next_in - r->in);
        *k = (size_t)(st->next_out - dst);
        /* a call that neither read nor wrote nor ended a member wants more
         * input than is buffered (igzip normally takes what it cannot use
         * yet into its own buffer): more of the file, after what is left */
        int stuck = rc >= 0 && rc != ISAL_NEED_DICT && *k == 0 && r->in_pos == in_was &&
                    st->block_state != ISAL_BLOCK_FINISH;
        if (stuck && r->in_len - r->in_pos < READER_IN) {
            if (more_gzip(r, off, e) != PL_READ_OK)
                return PL_READ_ERR;
            continue;
        }
        if (rc < 0 || rc == ISAL_NEED_DICT || stuck) {
            char what[96];
            snprintf(what, sizeof what, "corrupt gzip data: %s",
                     stuck ? "the inflate made no progress" : isal_reason(rc));
            return reader_fail(r, PL_EINPUT, what, off + *k, e);
        }
    }
    return PL_READ_OK;
}

/* Refills the empty buffer.  PL_READ_OK with len > 0, PL_READ_EOF or PL_READ_ERR. */
static int reader_fill(pl_reader *r, pl_error *e)
{
    r->base += r->len;
    r->pos = r->len = 0;
    size_t k;
    const int st = raw_read(r, r->buf, r->cap, r->base, &k, e);
    r->len = k;
    return st;
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
            size_t k;
            st = raw_read(r, out + have, n - have, r->base, &k, e);
            if (st != PL_READ_OK)
                break;
            have += k;
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
