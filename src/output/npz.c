/*
 * npz.c - a run's weights in one NumPy .npz archive.  See npz.h.
 *
 * numpy.load reads a zip of .npy members as an NpzFile (member "X.npy" is
 * key "X").  A sweep writes hundreds of models; as one archive that is one
 * file to create, fsync and rename instead of two per model, which on ext4
 * was most of the time a run took to write (issue 16: 1,620 files, 1.3-1.8 s
 * of system time).  The subset written here is the plainest zip: every member
 * stored (method 0, no compression: float weights hardly compress), no data
 * descriptors, no extra fields, timestamps fixed at 1980-01-01 00:00 so the
 * archive's bytes depend on its members alone (a run over any number of MPI
 * ranks gives the same bytes), and Zip64's end records only past 65535
 * members.  Written by hand rather than with libzip or minizip because the
 * members are streamed from the weights in memory as they are, the CRC is
 * zlib's (already linked for the IDX .gz files), and the reader must take
 * exactly this subset and check every offset against the buffer (it is
 * fuzzed: fuzz/fuzz_npz.c).  Little-endian: x86-64, as the .npy data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "output/npy.h"
#include "output/npz.h"
#include "parlogit/config.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define DOS_DATE 0x0021u     /* 1980-01-01 */
#define NAME_MAX_LEN 1024

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> 8 * i);
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> 8 * i);
}

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* zlib's CRC-32 of n bytes after crc (its uInt lengths are 32 bits). */
static uint32_t crc_of(uLong crc, const unsigned char *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        const size_t step = n - done < (1u << 30) ? n - done : (1u << 30);
        crc = crc32(crc, p + done, (uInt)step);
        done += step;
    }
    return (uint32_t)crc;
}

/* ------------------------------------------------------------ writing */

void pl_npz_begin(pl_npz_writer *z, FILE *f, const char *what)
{
    memset(z, 0, sizeof *z);
    z->f = f;
    z->what = what;
}

void pl_npz_writer_free(pl_npz_writer *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->ent[i].name);
    free(z->ent);
    z->ent = NULL;
    z->n = z->cap = 0;
}

/* Writes n bytes at the archive's end; PL_EIO naming the file. */
static int out(pl_npz_writer *z, const void *p, size_t n, pl_error *e)
{
    if (n && fwrite(p, 1, n, z->f) != n)
        return pl_errorf(e, PL_EIO, "%s: write failed: %s", z->what, strerror(errno));
    z->off += n;
    return PL_OK;
}

int pl_npz_add(pl_npz_writer *z, const char *member, const float *a, int ndim,
               const size_t *shape, pl_error *e)
{
    const size_t nl = strlen(member);
    if (ndim < 0 || ndim > 4)
        return pl_errorf(e, PL_EINPUT, "%s: %s: npy rank %d not supported", z->what, member,
                         ndim);
    if (nl == 0 || nl > NAME_MAX_LEN)
        return pl_errorf(e, PL_EINPUT, "%s: member name of %zu bytes", z->what, nl);
    unsigned char head[PL_NPY_HEADER_MAX];
    size_t count;
    const size_t hn = pl_npy_header(head, ndim, shape, &count);
    const uint64_t size = hn + (uint64_t)count * sizeof(float);
    if (z->off + 30 + nl + size >= 0xffffffffu)
        return pl_errorf(e, PL_EINPUT, "%s: the weights pass 4 GiB, more than this archive "
                         "holds; set output.model_files = true for one file per model",
                         z->what);
    if (z->n == z->cap) {
        const size_t cap = z->cap ? 2 * z->cap : 64;
        pl_npz_entry *t = realloc(z->ent, cap * sizeof *t);
        if (!t)
            return pl_errorf(e, PL_ENOMEM, "%s: out of memory", z->what);
        z->ent = t;
        z->cap = cap;
    }
    pl_npz_entry *en = &z->ent[z->n];
    if (!(en->name = strdup(member)))
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", z->what);
    z->n++;
    en->crc = crc_of(crc_of(crc32(0L, Z_NULL, 0), head, hn), (const unsigned char *)a,
                     count * sizeof(float));
    en->size = (uint32_t)size;
    en->offset = z->off;
    unsigned char lh[30] = { 0 };
    put32(lh, SIG_LOCAL);
    put16(lh + 4, 20);          /* version needed: 2.0 */
    put16(lh + 12, DOS_DATE);   /* time 0, flags 0, method 0 (stored) */
    put32(lh + 14, en->crc);
    put32(lh + 18, en->size);
    put32(lh + 22, en->size);
    put16(lh + 26, (unsigned)nl);
    int rc = out(z, lh, sizeof lh, e);
    if (!rc)
        rc = out(z, member, nl, e);
    if (!rc)
        rc = out(z, head, hn, e);
    if (!rc)
        rc = out(z, a, count * sizeof(float), e);
    return rc;
}

int pl_npz_end(pl_npz_writer *z, pl_error *e)
{
    const uint64_t cd = z->off;
    int rc = PL_OK;
    for (size_t i = 0; !rc && i < z->n; i++) {
        const pl_npz_entry *en = &z->ent[i];
        const size_t nl = strlen(en->name);
        unsigned char ch[46] = { 0 };
        put32(ch, SIG_CENTRAL);
        put16(ch + 4, 20);       /* made by: 2.0 */
        put16(ch + 6, 20);       /* needed: 2.0 */
        put16(ch + 14, DOS_DATE);
        put32(ch + 16, en->crc);
        put32(ch + 20, en->size);
        put32(ch + 24, en->size);
        put16(ch + 28, (unsigned)nl);
        put32(ch + 42, (uint32_t)en->offset);
        rc = out(z, ch, sizeof ch, e);
        if (!rc)
            rc = out(z, en->name, nl, e);
    }
    const uint64_t cdsize = z->off - cd, end64 = z->off;
    const int zip64 = z->n > 0xffff || z->off > 0xffffffffu;
    if (!rc && zip64) {   /* the Zip64 end record and its locator */
        unsigned char r[56 + 20] = { 0 };
        put32(r, SIG_END64);
        put64(r + 4, 44);        /* the record's size after this field */
        put16(r + 12, 45);
        put16(r + 14, 45);
        put64(r + 24, z->n);
        put64(r + 32, z->n);
        put64(r + 40, cdsize);
        put64(r + 48, cd);
        put32(r + 56, SIG_LOC64);
        put64(r + 64, end64);
        put32(r + 72, 1);        /* disks */
        rc = out(z, r, sizeof r, e);
    }
    if (!rc) {
        unsigned char r[22] = { 0 };
        const unsigned n16 = zip64 ? 0xffff : (unsigned)z->n;
        put32(r, SIG_END);
        put16(r + 8, n16);
        put16(r + 10, n16);
        put32(r + 12, zip64 && cdsize > 0xfffffffeu ? 0xffffffffu : (uint32_t)cdsize);
        put32(r + 16, zip64 ? 0xffffffffu : (uint32_t)cd);
        rc = out(z, r, sizeof r, e);
    }
    pl_npz_writer_free(z);
    return rc;
}

/* ------------------------------------------------------------ reading */

void pl_npz_free(pl_npz *z)
{
    free(z->m);
    memset(z, 0, sizeof *z);
}

static int cmp_name(const char *a, size_t na, const char *b, size_t nb)
{
    const int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static int cmp_member(const void *pa, const void *pb)
{
    const pl_npz_member *a = pa, *b = pb;
    return cmp_name(a->name, a->name_len, b->name, b->name_len);
}

/* Finds the end record (the last signature within the 22 + 65535 bytes a
 * comment allows) and, through Zip64's locator when the counts say so, the
 * central directory: *cd, its size, its count. */
static int find_directory(const pl_npz *z, uint64_t *cd, uint64_t *cdsize, uint64_t *count,
                          pl_error *e)
{
    const unsigned char *b = z->buf;
    const size_t len = z->len;
    if (len < 22)
        return pl_errorf(e, PL_EINPUT, "%s: %zu bytes: too short for a zip archive (.npz)",
                         z->what, len);
    size_t at = len - 22;
    const size_t lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
    while (get32(b + at) != SIG_END || get16(b + at + 20) != len - 22 - at) {
        if (at == lo)
            return pl_errorf(e, PL_EINPUT, "%s: no zip end record: not an .npz archive "
                             "(or cut short)", z->what);
        at--;
    }
    if (get16(b + at + 4) != 0 || get16(b + at + 6) != 0)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: a multi-disk zip archive", z->what, at);
    *count = get16(b + at + 10);
    *cdsize = get32(b + at + 12);
    *cd = get32(b + at + 16);
    if (*count != 0xffff && *cd != 0xffffffffu && *cdsize != 0xffffffffu)
        return PL_OK;
    /* Zip64: the locator just before the end record */
    if (at < 20 || get32(b + at - 20) != SIG_LOC64)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: Zip64 counts without a Zip64 "
                         "locator", z->what, at);
    const uint64_t r = get64(b + at - 20 + 8);
    if (len < 56 || r > len - 56 || get32(b + r) != SIG_END64)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: the Zip64 locator points at %llu, "
                         "no Zip64 end record there", z->what, at - 20, (unsigned long long)r);
    *count = get64(b + r + 32);
    *cdsize = get64(b + r + 40);
    *cd = get64(b + r + 48);
    return PL_OK;
}

int pl_npz_index(pl_npz *z, const unsigned char *buf, size_t len, const char *what,
                 pl_error *e)
{
    memset(z, 0, sizeof *z);
    z->buf = buf;
    z->len = len;
    z->what = what;
    uint64_t cd = 0, cdsize = 0, count = 0;
    int rc = find_directory(z, &cd, &cdsize, &count, e);
    if (rc)
        return rc;
    if (cd > len || cdsize > len - cd || count > cdsize / 46)
        return pl_errorf(e, PL_EINPUT, "%s: the central directory (%llu entries, %llu bytes "
                         "at offset %llu) does not fit in the file's %zu bytes", what,
                         (unsigned long long)count, (unsigned long long)cdsize,
                         (unsigned long long)cd, len);
    z->m = calloc(count ? (size_t)count : 1, sizeof *z->m);
    if (!z->m)
        return pl_errorf(e, PL_ENOMEM, "%s: out of memory", what);
    size_t p = (size_t)cd;
    const size_t cdend = (size_t)(cd + cdsize);
    for (uint64_t i = 0; i < count; i++) {
        if (cdend - p < 46 || get32(buf + p) != SIG_CENTRAL) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: entry %llu of the central directory "
                           "is missing or bad", what, p, (unsigned long long)i);
            break;
        }
        const unsigned flags = get16(buf + p + 8), method = get16(buf + p + 10);
        const size_t nl = get16(buf + p + 28), xl = get16(buf + p + 30),
                     cl = get16(buf + p + 32);
        const uint32_t csize = get32(buf + p + 20), usize = get32(buf + p + 24);
        const size_t lh = get32(buf + p + 42);
        if (nl == 0 || 46 + nl + xl + cl > cdend - p) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: entry %llu of the central directory "
                           "runs past it", what, p, (unsigned long long)i);
            break;
        }
        pl_npz_member *m = &z->m[z->n];
        m->name = (const char *)buf + p + 46;
        m->name_len = nl;
        m->crc = get32(buf + p + 16);
        if (method != 0 || (flags & 1) || csize != usize || csize == 0xffffffffu) {
            rc = pl_errorf(e, PL_EINPUT, "%s: member %.*s is %s: only stored (uncompressed) "
                           "members are read (numpy.savez writes them, savez_compressed "
                           "does not)", what, (int)(nl < 200 ? nl : 200), m->name,
                           (flags & 1) ? "encrypted" : method ? "compressed" : "in Zip64 form");
            break;
        }
        /* the local header: its own name and extra lengths place the data */
        if (lh > len || len - lh < 30 || get32(buf + lh) != SIG_LOCAL) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: no local header of member %.*s",
                           what, lh, (int)(nl < 200 ? nl : 200), m->name);
            break;
        }
        const size_t data = lh + 30 + get16(buf + lh + 26) + get16(buf + lh + 28);
        if (data > len || csize > len - data) {
            rc = pl_errorf(e, PL_EINPUT, "%s: offset %zu: member %.*s (%lu bytes) runs past "
                           "the end of the file", what, lh, (int)(nl < 200 ? nl : 200),
                           m->name, (unsigned long)csize);
            break;
        }
        m->data = data;
        m->size = csize;
        z->n++;
        p += 46 + nl + xl + cl;
    }
    if (!rc && z->n > 1) {
        qsort(z->m, z->n, sizeof *z->m, cmp_member);
        for (size_t i = 1; !rc && i < z->n; i++)
            if (!cmp_member(&z->m[i - 1], &z->m[i]))
                rc = pl_errorf(e, PL_EINPUT, "%s: member %.*s is there twice", what,
                               (int)(z->m[i].name_len < 200 ? z->m[i].name_len : 200),
                               z->m[i].name);
    }
    if (rc)
        pl_npz_free(z);
    return rc;
}

const pl_npz_member *pl_npz_find(const pl_npz *z, const char *name)
{
    const pl_npz_member key = { .name = name, .name_len = strlen(name) };
    return z->n ? bsearch(&key, z->m, z->n, sizeof *z->m, cmp_member) : NULL;
}

int pl_npz_read(const pl_npz *z, const char *name, float **data, int *ndim, size_t shape[4],
                pl_error *e)
{
    *data = NULL;
    *ndim = 0;
    const pl_npz_member *m = pl_npz_find(z, name);
    char what[PL_PATH_MAX + 160];
    snprintf(what, sizeof what, "%s: %s", z->what, name);
    if (!m)
        return pl_errorf(e, PL_EINPUT, "%s: no such member", what);
    const uint32_t crc = crc_of(crc32(0L, Z_NULL, 0), z->buf + m->data, m->size);
    if (crc != m->crc)
        return pl_errorf(e, PL_EINPUT, "%s: offset %zu: CRC-32 %08lx, the archive says %08lx: "
                         "the member is damaged", what, m->data, (unsigned long)crc,
                         (unsigned long)m->crc);
    return pl_npy_parse(z->buf + m->data, m->size, what, data, ndim, shape, e);
}
