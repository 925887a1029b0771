/*
 * ceiling_stream.c - memory-bandwidth ceilings: how fast this machine moves
 * bytes, for 1 thread and for all OpenMP threads.
 *
 *   triad      a[i] = b[i] + s * c[i] on double arrays of max(128 MiB, 4 x L3)
 *              each, as STREAM does: GB/s counts 24 bytes per element (2 reads,
 *              1 write).  The cores also read every line of a before writing it
 *              (write-allocate; no streaming stores here), so the traffic the
 *              memory really carries is 32 bytes per element: triad_wa.
 *   read_dram  a byte sum over max(256 MiB, 8 x L3) of uint8: read-only, like
 *              parlogit's gradient pass over its pixels.
 *   read_l3    the same over 8000 x 784 bytes, the size of an 8000-row MNIST
 *              training set, which fits in L3 here: the ceiling for a pass
 *              over that set once it is cache resident.
 *
 * Every array is first touched by the threads that later work on it (same
 * static split).  Each figure is the best of 20 timed runs, each after an
 * untimed warm-up run, taken round-robin across all measurements so that a
 * burst of outside load spoils only some samples of each.  GB means 1e9 bytes.
 * The byte sum uses the AVX2 kernel (VPSADBW) where CPU and OS allow, else the
 * portable loop below; the two are checked against each other, and every
 * timed sum against the known total, so a wrong kernel cannot post a fast
 * number.
 */
#include <stdlib.h>

#include "ceiling.h"

#define MIB ((size_t)1 << 20)
#define L3_SET_BYTES ((size_t)8000 * 784)
#define REPS 20 /* timed runs of 10-20 ms each; the best is reported */

typedef uint64_t (*sum_fn)(const uint8_t *p, size_t n);

/* L3 size in bytes from sysfs (glibc's sysconf figure is wrong on some VMs),
 * 0 when unknown. */
static size_t l3_bytes(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (!f)
        return 0;
    unsigned long v = 0;
    char unit = 0;
    int got = fscanf(f, "%lu%c", &v, &unit);
    fclose(f);
    if (got < 1)
        return 0;
    return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : v;
}

/* [lo, hi) of thread tid's share of n elements, split in multiples of blk. */
static void share(size_t n, size_t blk, int tid, int nth, size_t *lo, size_t *hi)
{
    size_t blocks = (n + blk - 1) / blk;
    size_t b0 = blocks * (size_t)tid / (size_t)nth, b1 = blocks * (size_t)(tid + 1) / (size_t)nth;
    *lo = b0 * blk < n ? b0 * blk : n;
    *hi = b1 * blk < n ? b1 * blk : n;
}

/* The portable byte sum: the fallback and the check of the AVX2 kernel.
 * Blocks of 64 KiB keep a uint32 sum from overflowing (255 * 65536 < 2^32)
 * and leave GCC a simple loop to vectorise. */
static uint64_t sum_u8_ref(const uint8_t *p, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n;) {
        size_t m = n - i < 65536 ? n - i : 65536;
        uint32_t s = 0;
        for (size_t k = 0; k < m; k++)
            s += p[i + k];
        sum += s;
        i += m;
    }
    return sum;
}

/* ---- triad ------------------------------------------------------------ */

struct triad {
    double *a, *b, *c;
    double s;
    size_t n;
};

static void triad_init(int tid, int nth, void *arg)
{
    struct triad *t = arg;
    size_t lo, hi;
    share(t->n, 512, tid, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        t->a[i] = 0.0;
        t->b[i] = 1.0;
        t->c[i] = 2.0;
    }
}

static void triad_run(int tid, int nth, void *arg)
{
    struct triad *t = arg;
    size_t lo, hi;
    share(t->n, 512, tid, nth, &lo, &hi);
    double *restrict a = t->a;
    const double *restrict b = t->b, *restrict c = t->c;
    const double s = t->s;
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + s * c[i];
}

/* ---- read ------------------------------------------------------------- */

struct part {
    uint64_t v;
    char pad[56]; /* one cache line per thread: no false sharing */
};

struct readbuf {
    uint8_t *p;
    size_t n;
    int passes;       /* times each thread reads its share per timed run */
    sum_fn sum;
    struct part *out; /* one per thread */
};

static void read_init(int tid, int nth, void *arg)
{
    struct readbuf *r = arg;
    size_t lo, hi;
    share(r->n, 4096, tid, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        r->p[i] = (uint8_t)(i * 31u + 7u);
}

static void read_run(int tid, int nth, void *arg)
{
    struct readbuf *r = arg;
    size_t lo, hi;
    share(r->n, 4096, tid, nth, &lo, &hi);
    uint64_t s = 0;
    for (int k = 0; k < r->passes; k++)
        s += r->sum(r->p + lo, hi - lo);
    r->out[tid].v = s;
}

/* Whether the last read_run on nth threads summed every byte of its passes. */
static int read_ok(const struct readbuf *r, int nth, uint64_t want)
{
    uint64_t got = 0;
    for (int i = 0; i < nth; i++) /* in thread order: a fixed reduction order */
        got += r->out[i].v;
    return got == want * (uint64_t)r->passes;
}

static void *alloc_big(size_t bytes)
{
    void *p = NULL;
    /* 2 MiB alignment lets the kernel back the arrays with huge pages */
    if (posix_memalign(&p, 2 * MIB, bytes) != 0)
        return NULL;
    return p;
}

/* One measurement of the interleaved schedule in main. */
struct meas {
    const char *name;
    void (*body)(int tid, int nth, void *arg);
    void *arg;
    int nth;
    double bytes;      /* counted per timed run */
    double best;       /* seconds */
};

int main(void)
{
    struct ceil_load load = ceil_load_mark();
    size_t l3 = l3_bytes();
    int nmax = omp_get_max_threads();
    int counts[2] = {1, nmax};
    int ncounts = nmax > 1 ? 2 : 1;
    enum ceil_isa isa = ceil_isa_detect();

    size_t arr = 128 * MIB;
    if (4 * l3 > arr)
        arr = 4 * l3 < 1024 * MIB ? 4 * l3 : 1024 * MIB;
    size_t big = 256 * MIB;
    if (8 * l3 > big)
        big = 8 * l3 < 2048 * MIB ? 8 * l3 : 2048 * MIB;

    printf("# ceiling_stream: L3 %zu KiB (sysfs), threads 1 and %d, "
           "triad arrays 3 x %zu MiB, read %zu MiB and %zu bytes, byte-sum kernel %s\n",
           l3 >> 10, nmax, arr / MIB, big / MIB, L3_SET_BYTES,
           isa >= CEIL_ISA_AVX2 ? "avx2" : "portable C");

    struct triad t = {alloc_big(arr), alloc_big(arr), alloc_big(arr), 3.0, arr / sizeof(double)};
    struct part *out = aligned_alloc(64, (size_t)nmax * sizeof *out);
    struct readbuf r = {alloc_big(big), big, 1, sum_u8_ref, out};
    struct readbuf c = {alloc_big(L3_SET_BYTES), L3_SET_BYTES, 80, sum_u8_ref, out};
    if (!t.a || !t.b || !t.c || !out || !r.p || !c.p) {
        fprintf(stderr, "ceiling_stream: cannot allocate 3 x %zu + %zu MiB\n", arr / MIB,
                big / MIB);
        return 1;
    }
    ceil_time_parallel(nmax, 0, triad_init, &t);
    ceil_time_parallel(nmax, 0, read_init, &r);
    ceil_time_parallel(nmax, 0, read_init, &c);
    uint64_t want_r = sum_u8_ref(r.p, r.n), want_c = sum_u8_ref(c.p, c.n);
    if (isa >= CEIL_ISA_AVX2) {
        if (ceil_sum_u8_avx2(r.p + 1, r.n - 2) != sum_u8_ref(r.p + 1, r.n - 2)) {
            fprintf(stderr, "ceiling_stream: AVX2 byte sum disagrees with the reference\n");
            return 1;
        }
        r.sum = c.sum = ceil_sum_u8_avx2;
    }

    /*
     * Round-robin: each round times every measurement once (after its own
     * warm-up run), so each one's samples are spread over the whole program
     * and a burst of outside load spoils only some of them.
     */
    struct meas m[6];
    int nm = 0;
    for (int k = 0; k < ncounts; k++) {
        m[nm++] = (struct meas){"triad", triad_run, &t, counts[k], 24.0 * (double)t.n, INFINITY};
        m[nm++] = (struct meas){"read_dram", read_run, &r, counts[k], (double)r.n, INFINITY};
        m[nm++] = (struct meas){"read_l3", read_run, &c, counts[k],
                                (double)c.n * c.passes, INFINITY};
    }
    for (int round = 0; round < REPS; round++)
        for (int i = 0; i < nm; i++) {
            double s = ceil_time_parallel(m[i].nth, 1, m[i].body, m[i].arg);
            if (m[i].body == read_run) {
                const struct readbuf *rb = m[i].arg;
                if (!read_ok(rb, m[i].nth, rb == &r ? want_r : want_c)) {
                    fprintf(stderr, "ceiling_stream: byte sum is wrong\n");
                    return 1;
                }
            }
            if (s < m[i].best)
                m[i].best = s;
        }
    if (t.a[t.n / 2] != 1.0 + 3.0 * 2.0) {
        fprintf(stderr, "ceiling_stream: triad result is wrong\n");
        return 1;
    }

    const char *kernel = isa >= CEIL_ISA_AVX2 ? "avx2" : "c";
    char extra[160];
    for (int i = 0; i < nm; i++) {
        double gbs = m[i].bytes / m[i].best * 1e-9;
        if (m[i].body == triad_run) {
            snprintf(extra, sizeof extra, "bytes_per_elem=24 array_mib=%zu", arr / MIB);
            ceil_report("triad", m[i].nth, gbs, "GB/s", extra);
            snprintf(extra, sizeof extra, "bytes_per_elem=32 array_mib=%zu", arr / MIB);
            ceil_report("triad_wa", m[i].nth, gbs * 32.0 / 24.0, "GB/s", extra);
        } else {
            const struct readbuf *rb = m[i].arg;
            snprintf(extra, sizeof extra, "bytes=%zu passes=%d kernel=%s", rb->n, rb->passes,
                     kernel);
            ceil_report(m[i].name, m[i].nth, gbs, "GB/s", extra);
        }
    }
    free(t.a);
    free(t.b);
    free(t.c);
    free(r.p);
    free(c.p);
    free(out);
    ceil_load_report("ceiling_stream", load);
    return 0;
}
