/*
 * ceiling.h - what the ceiling benchmarks share: a monotonic clock, a best-of-N
 * timer for a body run by N OpenMP threads at once, the one machine-readable
 * output line, the CPU/OS feature check, and the prototypes of the kernels that
 * live in the per-instruction-set files (ceiling_*_avx2.c, ceiling_*_avx512.c,
 * the only bench files built with -mavx2/-mavx512f and the only ones with
 * intrinsics).
 *
 * Output: every measurement prints one line
 *     ceiling name=NAME threads=N value=V unit=U [key=value ...]
 * ("C" locale, %.2f), which scripts grep for; human text goes on lines that do
 * not start with "ceiling ".
 */
#ifndef PARLOGIT_BENCH_CEILING_H
#define PARLOGIT_BENCH_CEILING_H

#include <cpuid.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double ceil_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/*
 * Runs body(tid, nth, arg) on nth threads at once, reps times, after one
 * untimed warm-up run; returns the best wall time in seconds.  Each timed run
 * starts when every thread has reached the start barrier and ends when the last
 * thread is done, so the time is that of the slowest thread.  reps = 0 runs
 * body once, untimed (first-touch initialisation), and returns INFINITY.
 */
static inline double ceil_time_parallel(int nth, int reps,
                                        void (*body)(int tid, int nth, void *arg),
                                        void *arg)
{
    double best = INFINITY;
    for (int rep = -1; rep < reps; rep++) {
        double t0 = 0.0, t1 = 0.0;
#pragma omp parallel num_threads(nth)
        {
            int tid = omp_get_thread_num();
            int n = omp_get_num_threads();
#pragma omp barrier
#pragma omp single
            t0 = ceil_now();
            /* the implicit barrier after single releases every thread together */
            body(tid, n, arg);
#pragma omp barrier
#pragma omp single
            t1 = ceil_now();
        }
        if (rep >= 0 && t1 - t0 < best)
            best = t1 - t0;
    }
    return best;
}

/* Prints one "ceiling ..." line; extra (NULL for none) is appended as is. */
static inline void ceil_report(const char *name, int threads, double value,
                               const char *unit, const char *extra)
{
    printf("ceiling name=%s threads=%d value=%.2f unit=%s%s%s\n", name, threads, value,
           unit, extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/*
 * Foreign load: the CPU time that other processes (and the hypervisor, as
 * steal) took while this program ran, as a share of all CPUs.  Bandwidth and
 * throughput figures are only ceilings when it is near 0; the benchmarks print
 * it last.  Reads /proc/stat and getrusage; all zeros where unavailable.
 */
struct ceil_load {
    double wall;     /* ceil_now()                                */
    double busy;     /* seconds all CPUs were not idle (incl. steal) */
    double own;      /* this process's user + system seconds       */
};

static inline struct ceil_load ceil_load_mark(void)
{
    struct ceil_load m = {ceil_now(), 0.0, 0.0};
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
            /* user nice system idle iowait irq softirq steal: all but idle, iowait */
            double hz = (double)sysconf(_SC_CLK_TCK);
            m.busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
        }
        fclose(f);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        m.own = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    return m;
}

/* Prints the foreign load between `since` and now as a "ceiling" line
 * (name=foreign_cpu, unit=%), with a warning line when it exceeds 5 %. */
static inline void ceil_load_report(const char *prog, struct ceil_load since)
{
    struct ceil_load now = ceil_load_mark();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double span = (now.wall - since.wall) * (double)(ncpu > 0 ? ncpu : 1);
    double foreign = (now.busy - since.busy) - (now.own - since.own);
    double pct = span > 0 ? 100.0 * (foreign > 0 ? foreign : 0.0) / span : 0.0;
    char extra[64];
    snprintf(extra, sizeof extra, "program=%s", prog);
    ceil_report("foreign_cpu", (int)ncpu, pct, "%", extra);
    if (pct > 5.0)
        printf("# WARNING: other processes used %.0f %% of the CPUs during %s: "
               "its figures are low; rerun on a quiet machine\n", pct, prog);
}

/* XCR0, read with XGETBV; only valid when CPUID.1:ECX.OSXSAVE is set. */
static inline uint64_t ceil_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

enum ceil_isa { CEIL_ISA_BASE = 0, CEIL_ISA_AVX2 = 1, CEIL_ISA_AVX512 = 2 };

/*
 * The best level both the CPU and the OS support, checked as the Intel SDM
 * says: CPUID for the instructions, OSXSAVE then XGETBV for the OS saving the
 * registers (XCR0 bits 1-2: XMM/YMM; bits 5-7: opmask and ZMM).  AVX-512 here
 * means F+BW+VL (what the kernels' flags assume).
 */
static inline enum ceil_isa ceil_isa_detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return CEIL_ISA_BASE;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx))
        return CEIL_ISA_BASE;
    uint64_t xcr0 = ceil_xcr0();
    if ((xcr0 & 0x6) != 0x6)
        return CEIL_ISA_BASE;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return CEIL_ISA_BASE;
    int avx2 = (b >> 5) & 1;
    int avx512 = ((b >> 16) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1); /* F, BW, VL */
    if (!avx2)
        return CEIL_ISA_BASE;
    if (avx512 && (xcr0 & 0xe6) == 0xe6)
        return CEIL_ISA_AVX512;
    return CEIL_ISA_AVX2;
}

/* ---- ceiling_file.c: the ceilings file, for the product benchmarks ------- */

/* Reads the "ceiling ..." lines of path; -1 when it cannot be opened. */
int ceil_file_read(const char *path);
/* The value of ceiling name at a thread count, NAN when the file had none. */
double ceil_file_value(const char *name, int threads);

/* ---- kernels in ceiling_stream_avx2.c ---------------------------------- */

/* Sum of n bytes (any n, any alignment), 32 bytes per VPSADBW. */
uint64_t ceil_sum_u8_avx2(const uint8_t *p, size_t n);

/* ---- kernels in ceiling_fma_avx2.c / ceiling_fma_avx512.c -------------- */

/*
 * Peak FMA: iters rounds of 12 independent single-precision FMAs (12 vector
 * accumulators, enough to cover latency x throughput on current x86 cores).
 * Returns a checksum so the work cannot be removed.  Flops per call:
 * iters * 12 * lanes * 2, lanes = 8 (AVX2) or 16 (AVX-512).
 */
float ceil_fma_peak_avx2(long iters);
float ceil_fma_peak_avx512(long iters);

/*
 * The pixel pipeline, dot form (z = x . w): reps passes over dim pixels
 * (dim a multiple of 128), each group of 8 (AVX2) or 16 (AVX-512) pixels
 * zero-extended u8 -> i32, converted to float and FMA'd with the matching w
 * into one of 8 accumulators.  x and w should fit in L1.  Returns the sum.
 */
float ceil_cvt_dot_avx2(const uint8_t *x, const float *w, size_t dim, long reps);
float ceil_cvt_dot_avx512(const uint8_t *x, const float *w, size_t dim, long reps);

/*
 * The pixel pipeline, axpy form (g += r x): reps passes of g[j] += r * x[j]
 * over dim pixels (a multiple of 64): per group a conversion as above, a load
 * of g, an FMA and a store.
 */
void ceil_cvt_axpy_avx2(const uint8_t *x, float *g, float r, size_t dim, long reps);
void ceil_cvt_axpy_avx512(const uint8_t *x, float *g, float r, size_t dim, long reps);

#endif
