/*
 * ceiling_stream_avx2.c - the AVX2 kernel of the read-bandwidth ceiling (built
 * with -mavx2; called only after ceil_isa_detect() said AVX2 is usable).
 *
 * A byte sum is the cheapest honest way to touch every byte: VPSADBW against
 * zero adds 32 bytes into four 64-bit lanes in one instruction, so one core
 * can consume far more bytes per cycle than any cache level below L1 supplies,
 * and the measured rate is the memory system's, not the kernel's.
 */
#include <immintrin.h>

#include "ceiling.h"

uint64_t ceil_sum_u8_avx2(const uint8_t *p, size_t n)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    size_t i = 0;
    /* 128 bytes per step into four independent accumulators */
    for (; i + 128 <= n; i += 128) {
        a0 = _mm256_add_epi64(a0, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i)), zero));
        a1 = _mm256_add_epi64(a1, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 32)), zero));
        a2 = _mm256_add_epi64(a2, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 64)), zero));
        a3 = _mm256_add_epi64(a3, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(p + i + 96)), zero));
    }
    __m256i a = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    uint64_t sum = (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
    /* scalar tail */
    for (; i < n; i++)
        sum += p[i];
    return sum;
}
