/*
 * mpi_pingpong.c - what Open MPI's messages cost on this machine, for the
 * scaling model of bench/bench_scale.py (bench/README.md, "Scaling over
 * threads and ranks").
 *
 *   mpirun --oversubscribe --allow-run-as-root -np R mpi_pingpong [--quick] [BYTES,...]
 *
 * Four measurements, each printed as one grep-able line:
 *   latency     ranks 0 and 1 bounce an 8-byte message; one round trip is
 *               timed at a time (MPI_Wtime on rank 0) and half of it is the
 *               latency.  The median over many round trips, min and max.
 *   pingpong    the same for 1 KiB .. 64 MiB (powers of 4); bandwidth is the
 *               size over the median half round trip.
 *   allgatherv  what the rows split (src/dist/xrank.c) does every pass: every
 *               rank's share of one buffer of BYTES bytes, in place, to every
 *               rank (MPI_BYTE, shares cut as evenly as 4-byte floats allow).
 *               The sizes: 4 KiB .. 64 MiB (powers of 4) and those given on
 *               the command line (bench_scale.py passes the exact buffers of
 *               the benchmark's runs).
 *   allreduce   the stop flag the rows split agrees on every iteration: one
 *               int, MPI_MAX.
 * A collective's repetition starts after an MPI_Barrier; each rank times its
 * own call and the repetition's time is the slowest rank's (an element-wise
 * MPI_MAX of the ranks' samples at the end, so nothing is reduced while
 * timing).  Ranks above 1 take no part in the point-to-point runs and wait in
 * MPI_Barrier.  Every measurement starts with untimed warm-up repetitions.
 *
 * Lines (times in microseconds, GB = 1e9 bytes):
 *   mpi name=latency ranks=2 bytes=8 median_us=0.41 min_us=0.35 max_us=12.0 reps=20000
 *   mpi name=pingpong ranks=2 bytes=1048576 median_us=95.1 GBps=11.03 reps=256
 *   mpi name=allgatherv ranks=3 bytes=1048576 median_us=301 min_us=280 max_us=900 reps=64
 *   mpi name=allreduce ranks=3 bytes=4 median_us=0.9 min_us=0.7 max_us=30 reps=10000
 * plus "mpi name=info" (the library, the ranks, the 1-minute load average).
 * --quick takes a tenth of the repetitions.  On one host Open MPI moves these
 * messages through shared memory: this is loopback, not a network.  Errors
 * (a bad size, out of memory) print a message and end every rank with
 * MPI_Abort, status 2.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 64

static int rank, nranks, quick;

/* Ends every rank after printing msg (from the rank that found it). */
static void die(const char *msg)
{
    fprintf(stderr, "mpi_pingpong: rank %d: %s\n", rank, msg);
    MPI_Abort(MPI_COMM_WORLD, 2);
    exit(2);   /* not reached */
}

/* Allocates n bytes or ends the run. */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts t[0..n) (n >= 1) and returns its median; *lo and *hi get its ends. */
static double median(double *t, int n, double *lo, double *hi)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    *lo = t[0];
    *hi = t[n - 1];
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Repetitions for a message of `bytes`: about 256 MiB moved per measurement,
 * within [lo, hi]; a tenth (at least 3) with --quick. */
static int reps_for(size_t bytes, int lo, int hi)
{
    double r = (double)(256u << 20) / (double)(bytes ? bytes : 1);
    int n = r < lo ? lo : r > hi ? hi : (int)r;
    if (quick)
        n = n / 10 < 3 ? 3 : n / 10;
    return n;
}

/* Ranks 0 and 1: `reps` timed round trips of `bytes` (after a tenth as many
 * untimed), each time into t[] on rank 0 as half the round trip, seconds.
 * Other ranks return at once. */
static void pingpong(char *buf, size_t bytes, int reps, double *t)
{
    if (rank > 1)
        return;
    const int warm = reps / 10 + 1, peer = 1 - rank;
    for (int i = -warm; i < reps; i++) {
        const double t0 = MPI_Wtime();
        if (rank == 0) {
            MPI_Send(buf, (int)bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
            MPI_Recv(buf, (int)bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, (int)bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, (int)bytes, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
        }
        if (i >= 0)
            t[i] = (MPI_Wtime() - t0) / 2;
    }
}

/* Every rank: t[i] becomes the slowest rank's time of repetition i, on
 * rank 0 (the others' t is left as it was). */
static void slowest(double *t, int reps)
{
    if (rank == 0)
        MPI_Reduce(MPI_IN_PLACE, t, reps, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    else
        MPI_Reduce(t, NULL, reps, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
}

/* Every rank: `reps` timed in-place MPI_Allgatherv of a `bytes` buffer cut
 * into nranks shares of whole 4-byte words (the last takes the rest), each
 * after a barrier, into t[] as seconds (the slowest rank's, on rank 0). */
static void allgatherv(char *buf, size_t bytes, int reps, double *t)
{
    int *counts = xmalloc((size_t)nranks * sizeof *counts);
    int *displs = xmalloc((size_t)nranks * sizeof *displs);
    const size_t words = bytes / 4;
    for (int r = 0; r < nranks; r++) {
        const size_t a = words * (size_t)r / (size_t)nranks * 4;
        const size_t b = r + 1 == nranks ? bytes : words * (size_t)(r + 1) / (size_t)nranks * 4;
        displs[r] = (int)a;
        counts[r] = (int)(b - a);
    }
    const int warm = reps / 10 + 1;
    for (int i = -warm; i < reps; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_BYTE,
                       MPI_COMM_WORLD);
        if (i >= 0)
            t[i] = MPI_Wtime() - t0;
    }
    slowest(t, reps);
    free(counts);
    free(displs);
}

/* Every rank: `reps` timed MPI_Allreduce of one int (MPI_MAX), as the rows
 * split's stop flag, each after a barrier; t[] as allgatherv's. */
static void allreduce(int reps, double *t)
{
    const int warm = reps / 10 + 1;
    for (int i = -warm; i < reps; i++) {
        int in = rank == 1, out = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (i >= 0)
            t[i] = MPI_Wtime() - t0;
    }
    slowest(t, reps);
}

/* Rank 0: one measurement's line from its samples (seconds). */
static void report(const char *name, size_t bytes, double *t, int reps)
{
    if (rank != 0)
        return;
    double lo, hi;
    const double med = median(t, reps, &lo, &hi);
    printf("mpi name=%s ranks=%d bytes=%zu median_us=%.4g min_us=%.4g max_us=%.4g", name,
           nranks, bytes, med * 1e6, lo * 1e6, hi * 1e6);
    if (!strcmp(name, "pingpong"))
        printf(" GBps=%.4g", (double)bytes / med / 1e9);
    printf(" reps=%d\n", reps);
    fflush(stdout);
}

/* Parses "B1,B2,..." (bytes, each 4 .. 1 GiB) into sizes after its n
 * entries; returns the new count. */
static int parse_sizes(const char *arg, size_t *sizes, int n)
{
    const char *p = arg;
    while (*p) {
        char *end;
        const unsigned long long v = strtoull(p, &end, 10);
        if (end == p || v < 4 || v > (1ull << 30) || (*end && *end != ','))
            die("sizes are bytes from 4 to 1073741824, comma-separated");
        if (n == MAX_SIZES)
            die("too many sizes");
        sizes[n++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    size_t gsizes[MAX_SIZES];
    int ng = 0;
    for (size_t b = 4096; b <= (64u << 20); b *= 4)
        gsizes[ng++] = b;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--quick"))
            quick = 1;
        else
            ng = parse_sizes(argv[a], gsizes, ng);
    }
    if (nranks < 2)
        die("run under mpirun with at least 2 ranks");

    if (rank == 0) {
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        int len;
        MPI_Get_library_version(lib, &len);
        char *nl = strchr(lib, '\n');
        if (nl)
            *nl = 0;
        double load = -1;
        FILE *f = fopen("/proc/loadavg", "r");
        if (f) {
            if (fscanf(f, "%lf", &load) != 1)
                load = -1;
            fclose(f);
        }
        for (char *c = lib; *c; c++)
            if (*c == ' ')
                *c = '_';
        printf("mpi name=info ranks=%d load1=%.2f library=%s\n", nranks, load, lib);
    }

    const size_t maxbytes = 64u << 20;
    size_t gmax = maxbytes;
    for (int i = 0; i < ng; i++)
        gmax = gsizes[i] > gmax ? gsizes[i] : gmax;
    char *buf = xmalloc(gmax);
    memset(buf, 1, gmax);
    const int tmax = 20000;
    double *t = xmalloc((size_t)tmax * sizeof *t);

    int reps = quick ? 2000 : tmax;
    pingpong(buf, 8, reps, t);
    report("latency", 8, t, reps);
    MPI_Barrier(MPI_COMM_WORLD);
    for (size_t b = 1024; b <= maxbytes; b *= 4) {
        reps = reps_for(b, 10, 2000);
        pingpong(buf, b, reps, t);
        report("pingpong", b, t, reps);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    for (int i = 0; i < ng; i++) {
        reps = reps_for(gsizes[i], 10, 2000);
        allgatherv(buf, gsizes[i], reps, t);
        report("allgatherv", gsizes[i], t, reps);
    }
    reps = quick ? 1000 : 10000;
    allreduce(reps, t);
    report("allreduce", sizeof(int), t, reps);

    free(t);
    free(buf);
    MPI_Finalize();
    return 0;
}
