/*
 * sha256.h - a compact SHA-256 (FIPS 180-4) with a streaming interface, used to
 * record and verify the digests of data files.  Private to the library.
 */
#ifndef PARLOGIT_UTIL_SHA256_H
#define PARLOGIT_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl_sha256 {
    uint32_t h[8];        /* chaining state                         */
    uint64_t bytes;       /* message length so far                  */
    uint8_t block[64];    /* a partial block waiting for more input */
    size_t fill;          /* bytes used in block                    */
} pl_sha256;

/* Starts a digest. */
void pl_sha256_init(pl_sha256 *s);

/* Adds n bytes of message. */
void pl_sha256_update(pl_sha256 *s, const void *data, size_t n);

/* Pads, finishes and writes the 32-byte digest; s must be re-initialised to be
 * used again. */
void pl_sha256_final(pl_sha256 *s, uint8_t digest[32]);

/* Whether the SHA instructions are used (1) or the portable code (0): on < 0
 * only asks; 0 or 1 sets it (1 only where the CPU has them) and returns the
 * previous choice.  For tests; not thread-safe. */
int pl_sha256_accel(int on);

/* Writes a digest as 64 lowercase hex digits and a NUL. */
void pl_sha256_hex(const uint8_t digest[32], char hex[65]);

#endif
