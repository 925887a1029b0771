/*
 * clones.h - functions compiled once per instruction set, chosen at load.
 *
 * The library is built for the baseline x86-64 (SSE2) so it runs anywhere;
 * only the kernels (src/kernels/) are built with instruction-set flags.  A
 * few plain-C loops outside them are hot too (L-BFGS's two-loop recursion
 * over 40 pairs of double vectors, the tiles' popcounts): PL_CLONES(...)
 * before such a function has GCC build it for each target listed and pick
 * the best one the CPU has when the program loads (an ifunc).
 *
 * The clones compute the same bits: the library is built with
 * -ffp-contract=off (the Makefile), so no a * b + c becomes an FMA in the
 * clones that have one, and vectorizing keeps each loop's order of
 * operations (the sums it may vectorize are already split into fixed lanes,
 * as pl_dot's eight).
 *
 * ThreadSanitizer instruments an ifunc resolver, which runs before its
 * runtime is up (a crash at start): its build (make test-race) has no clones.
 */
#ifndef PARLOGIT_CLONES_H
#define PARLOGIT_CLONES_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PL_NO_CLONES 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(PL_NO_CLONES)
#define PL_CLONES(...)
#else
#define PL_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#endif

#endif
