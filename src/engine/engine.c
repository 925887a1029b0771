/*
 * engine.c - topology discovery (hwloc), team size, thread binding, kernel
 * choice, and the slow path of the team's barrier.
 *
 * Binding follows the CPUs the process may actually use.  At creation the
 * engine reads the process's affinity (taskset, a cgroup's cpuset, a batch
 * system's allocation) and keeps the cores that have a PU in it, each as the
 * set of its allowed PUs: the places.  threads = auto is one thread per
 * place; with bind = core thread ith binds itself, on entry to the team's
 * parallel region, to place (ith mod places) with hwloc_set_cpubind, so a
 * team never escapes the mask it was given.  When the user set OMP_PLACES or
 * OMP_PROC_BIND the OpenMP runtime already places threads, so we leave them
 * where it put them.
 *
 * Waiting (engine.wait).  A busy machine takes a team's core now and then:
 * the thread pinned there stops, and the others wait for it at the next
 * barrier.  Work already moves away from it (blocks and step chunks are
 * claimed, src/train), so what is left is how the others wait.  A waiter
 * spins (an idle machine's waits are tens of microseconds, and a spin
 * answers in nanoseconds) for at most the spin budget, then sleeps on the
 * barrier's phase word with a futex; the last arrival wakes the sleepers
 * only when there are some, so an idle machine makes no system call.
 * auto: a 200 us budget, none when the team has more threads than the
 * process has PUs (a spinning waiter would then take the CPU from the very
 * thread it waits for).  sleep: a short inline spin, then the futex.  spin:
 * the old barrier, spinning with a sched_yield() every 4096 polls; kept for
 * comparison, it is what made 2 threads slower than 1 next to a competing
 * process, since each yield hands the core to the competitor for a whole
 * time slice.  Waiting never changes a result.
 *
 * The gate (engine_impl.h) serves a narrowed team (src/train/gd.c): while
 * some threads work an iteration alone, the others wait there as at a
 * barrier, spinning, then sleeping on its phase word, until thread 0 opens it.
 */

#include <limits.h>
#include <omp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_impl.h"
#include "parlogit/config.h"

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define PL_SPIN_NS_AUTO 200000L   /* auto: how long a waiter spins before it sleeps */

static int env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

/* eng->allowed: the PUs the process may run on (the whole machine when the
 * affinity cannot be read); eng->place: the cores with a PU in it, each
 * restricted to those PUs.  -1 when out of memory. */
static int find_places(pl_engine *eng)
{
    hwloc_const_cpuset_t all = hwloc_topology_get_topology_cpuset(eng->topo);
    eng->allowed = hwloc_bitmap_alloc();
    if (!eng->allowed)
        return -1;
    if (hwloc_get_cpubind(eng->topo, eng->allowed, HWLOC_CPUBIND_PROCESS) < 0 ||
        hwloc_bitmap_and(eng->allowed, eng->allowed, all) < 0 ||
        hwloc_bitmap_iszero(eng->allowed))
        hwloc_bitmap_copy(eng->allowed, all);
    eng->nallowed = hwloc_bitmap_weight(eng->allowed);
    if (eng->nallowed <= 0)
        eng->nallowed = eng->npus > 0 ? eng->npus : 1;
    const int ncores = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_CORE);
    const hwloc_obj_type_t type = ncores > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
    const int nobj = hwloc_get_nbobjs_by_type(eng->topo, type);
    eng->place = calloc(nobj > 0 ? (size_t)nobj : 1, sizeof *eng->place);
    if (!eng->place)
        return -1;
    for (int i = 0; i < nobj; i++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(eng->topo, type, (unsigned)i);
        if (!obj || !hwloc_bitmap_intersects(obj->cpuset, eng->allowed))
            continue;
        hwloc_cpuset_t set = hwloc_bitmap_alloc();
        if (!set)
            return -1;
        hwloc_bitmap_and(set, obj->cpuset, eng->allowed);
        eng->place[eng->nplaces++] = set;
    }
    if (eng->nplaces == 0) {   /* no core in the mask that hwloc shows: the mask itself */
        eng->place[0] = hwloc_bitmap_dup(eng->allowed);
        if (!eng->place[0])
            return -1;
        eng->nplaces = 1;
    }
    return 0;
}

int pl_engine_create(const pl_engine_opts *o, pl_engine **out, pl_error *e)
{
    *out = NULL;
    if (o->threads < 0)
        return pl_errorf(e, PL_EINPUT, "threads = %d: expected auto or a positive number",
                         o->threads);
    pl_engine *eng = calloc(1, sizeof *eng);
    if (!eng)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    int rc = pl_kernels_select(o->simd, &eng->k, e);
    if (rc) {
        free(eng);
        return rc;
    }
    /* hwloc's plugins (OpenGL, OpenCL, PCI and XML: I/O devices and topology
     * files, none of which the engine reads) cost more to dlopen than the
     * topology itself, 3 of a start's 5 ms; left out unless the user names
     * plugins to leave out himself. */
    (void)setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_gl,hwloc_opencl,hwloc_pci,hwloc_xml_libxml", 0);
    if (hwloc_topology_init(&eng->topo) < 0 || hwloc_topology_load(eng->topo) < 0) {
        free(eng);
        return pl_errorf(e, PL_EIO, "hwloc: cannot load the machine topology");
    }
    eng->ncores = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_CORE);
    eng->npus = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_PU);
    eng->nnuma = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_NUMANODE);
    if (eng->ncores <= 0)
        eng->ncores = eng->npus > 0 ? eng->npus : 1;
    if (eng->nnuma <= 0)
        eng->nnuma = 1;
    if (find_places(eng)) {
        pl_engine_destroy(eng);
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    }
    eng->nth = o->threads ? o->threads : eng->nplaces;
    eng->bind = o->bind;
    eng->wait = o->wait;
    if (o->bind == PL_BIND_NONE)
        snprintf(eng->bind_note, sizeof eng->bind_note, "bind = none");
    else if (env_set("OMP_PLACES") || env_set("OMP_PROC_BIND"))
        snprintf(eng->bind_note, sizeof eng->bind_note,
                 "OMP_PLACES/OMP_PROC_BIND set: the OpenMP runtime places threads");
    else
        eng->bind_active = 1;
    *out = eng;
    return PL_OK;
}

void pl_engine_destroy(pl_engine *eng)
{
    if (!eng)
        return;
    for (int i = 0; eng->place && i < eng->nplaces; i++)
        hwloc_bitmap_free(eng->place[i]);
    free(eng->place);
    hwloc_bitmap_free(eng->allowed);
    hwloc_topology_destroy(eng->topo);
    free(eng);
}

int pl_engine_threads(const pl_engine *eng) { return eng->nth; }
const char *pl_engine_simd(const pl_engine *eng) { return eng->k.name; }
int pl_engine_cores(const pl_engine *eng) { return eng->ncores; }
int pl_engine_numa_nodes(const pl_engine *eng) { return eng->nnuma; }

void pl_engine_bind_self(const pl_engine *eng, int ith)
{
    if (!eng->bind_active)
        return;
    (void)hwloc_set_cpubind(eng->topo, eng->place[ith % eng->nplaces], HWLOC_CPUBIND_THREAD);
    /* A failed bind only costs locality, not correctness; pl_engine_describe
     * shows the binding actually in effect. */
}

/* Appends to buf at *used, never past len. */
static void add(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

int pl_engine_describe(const pl_engine *eng, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    int npkg = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_PACKAGE);
    add(buf, len, &used, "topology:  %d package(s), %d NUMA node(s), %d core(s), %d PU(s)\n",
        npkg, eng->nnuma, eng->ncores, eng->npus);
    hwloc_obj_t pkg = hwloc_get_obj_by_type(eng->topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (model)
        add(buf, len, &used, "cpu:       %s\n", model);
    static const hwloc_obj_type_t caches[] = { HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE,
                                               HWLOC_OBJ_L3CACHE };
    for (int c = 0; c < 3; c++) {
        int n = hwloc_get_nbobjs_by_type(eng->topo, caches[c]);
        hwloc_obj_t o = hwloc_get_obj_by_type(eng->topo, caches[c], 0);
        if (n > 0 && o && o->attr)
            add(buf, len, &used, "cache L%d:  %d x %llu KiB\n", c + 1, n,
                (unsigned long long)o->attr->cache.size / 1024);
    }
    add(buf, len, &used, "simd:      %s chosen (supported here: scalar%s%s)\n", eng->k.name,
        pl_simd_supported(PL_SIMD_AVX2) ? ", avx2" : "",
        pl_simd_supported(PL_SIMD_AVX512) ? ", avx512" : "");
    char mask[64] = "?";
    hwloc_bitmap_list_snprintf(mask, sizeof mask, eng->allowed);
    add(buf, len, &used, "threads:   %d (this process may use PUs %s: %d core(s))\n", eng->nth,
        mask, eng->nplaces);
    if (!eng->bind_active)
        add(buf, len, &used, "binding:   none (%s)\n", eng->bind_note);
    else
        add(buf, len, &used, "binding:   each thread to one of those cores with hwloc (thread i -> "
            "core i mod %d)\n", eng->nplaces);
    static const char *const waits[] = { "auto (spin up to 200 us, then sleep)",
                                         "spin (yielding now and then)",
                                         "sleep (after a short spin)" };
    if (eng->wait == PL_WAIT_AUTO && eng->nth > eng->nallowed)
        add(buf, len, &used, "waiting:   auto (%d threads on %d PUs: sleep at once)\n",
            eng->nth, eng->nallowed);
    else
        add(buf, len, &used, "waiting:   %s\n",
            eng->wait >= 0 && eng->wait <= PL_WAIT_SLEEP ? waits[eng->wait] : "?");
    /* Ask the team itself where it runs. */
    int nth = eng->nth;
    char (*where)[128] = calloc((size_t)nth, sizeof *where);
    if (!where)
        return PL_OK;
#pragma omp parallel num_threads(nth)
    {
        int ith = omp_get_thread_num();
        pl_engine_bind_self(eng, ith);
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        char pus[64] = "?";
        if (set && hwloc_get_cpubind(eng->topo, set, HWLOC_CPUBIND_THREAD) == 0)
            hwloc_bitmap_list_snprintf(pus, sizeof pus, set);
        hwloc_bitmap_free(set);
        snprintf(where[ith], sizeof where[ith], "  thread %d: allowed PUs %s, now on PU %d\n",
                 ith, pus, sched_getcpu());
    }
    for (int i = 0; i < nth; i++)
        add(buf, len, &used, "%s", where[i]);
    free(where);
    return PL_OK;
}

_Thread_local pl_spin_barrier *pl_tl_bar;
_Thread_local unsigned pl_tl_nth;
_Thread_local long pl_tl_spin_ns;
_Thread_local pl_spin_barrier *pl_tl_gate;
_Thread_local unsigned pl_tl_full;

void pl_engine_enter(pl_engine *eng, int ith, int nth)
{
    pl_engine_bind_self(eng, ith);
    pl_tl_bar = &eng->bar;
    pl_tl_gate = &eng->gate;
    pl_tl_nth = pl_tl_full = (unsigned)nth;
    const int over = nth > eng->nallowed;   /* more threads than CPUs to run them */
    pl_tl_spin_ns = eng->wait == PL_WAIT_SPIN    ? -1
                    : eng->wait == PL_WAIT_SLEEP ? 0
                    : over                       ? 0
                                                 : PL_SPIN_NS_AUTO;
}

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Sleeps while *word == val (or returns at once when it is not).  Without
 * futexes, a yield: the caller polls again. */
static void futex_wait(atomic_uint *word, unsigned val)
{
#ifdef __linux__
    (void)syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
#else
    (void)word;
    (void)val;
    sched_yield();
#endif
}

void pl_barrier_wake(pl_spin_barrier *b)
{
#ifdef __linux__
    (void)syscall(SYS_futex, (unsigned *)&b->phase, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)b;
#endif
}

void pl_barrier_wait(pl_spin_barrier *b, unsigned ph)
{
    const long budget = pl_tl_spin_ns;
    if (budget != 0) {
        const long t0 = budget > 0 ? now_ns() : 0;
        for (unsigned round = 1;; round++) {
            for (int i = 0; i < 256; i++)
                if (atomic_load_explicit(&b->phase, memory_order_acquire) != ph)
                    return;
            if (budget < 0) {   /* spin: the old barrier */
                if ((round & 15) == 0)
                    sched_yield();
            } else if (now_ns() - t0 >= budget) {
                break;
            }
        }
    }
    atomic_fetch_add_explicit(&b->sleepers, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&b->phase, memory_order_seq_cst) == ph)
        futex_wait(&b->phase, ph);
    atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_relaxed);
}

void pl_engine_leave(void)
{
    pl_tl_bar = NULL;
    pl_tl_gate = NULL;
    pl_tl_nth = pl_tl_full = 0;
}

void pl_engine_bind_team(const pl_engine *eng)
{
#pragma omp parallel num_threads(eng->nth)
    pl_engine_bind_self(eng, omp_get_thread_num());
}
