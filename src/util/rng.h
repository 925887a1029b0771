/*
 * rng.h - a small deterministic random generator (xoshiro256**, seeded through
 * splitmix64, both by Blackman and Vigna) for splitting and subsampling data.
 *
 * Results depend only on the seed and the stream number: no global state, no
 * platform generator, and bounded draws by rejection (no modulo bias, no
 * floating point), so the same config selects the same rows on every machine
 * and with any thread count.  Private to the library.
 */
#ifndef PARLOGIT_UTIL_RNG_H
#define PARLOGIT_UTIL_RNG_H

#include <stdint.h>

typedef struct pl_rng {
    uint64_t s[4];
} pl_rng;

static inline uint64_t pl_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seeds stream `stream` of seed: different streams are independent sequences,
 * so one use (say, the test subsample) does not shift when another changes. */
static inline void pl_rng_seed(pl_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = pl_splitmix64(&x);
}

static inline uint64_t pl_rng_next(pl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t out = (x << 7 | x >> 57) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3] << 45 | s[3] >> 19;
    return out;
}

/* Uniform in [0, n), n >= 1: draws below the largest multiple of n are kept. */
static inline uint64_t pl_rng_below(pl_rng *r, uint64_t n)
{
    uint64_t threshold = (0 - n) % n;   /* 2^64 mod n */
    for (;;) {
        uint64_t x = pl_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

#endif
