/*
 * engine.c - topology discovery (hwloc), team size, thread binding, kernel choice.
 *
 * Binding: with bind = core each team thread binds itself, on entry to the
 * team's parallel region, to core (ith mod ncores) with hwloc_set_cpubind.  When
 * the user set OMP_PLACES or OMP_PROC_BIND the OpenMP runtime already places
 * threads, so we leave them where it put them.
 */
#include <omp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "parlogit/config.h"

static int env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
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
    eng->nth = o->threads ? o->threads : eng->ncores;
    eng->bind = o->bind;
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
    hwloc_obj_t core = hwloc_get_obj_by_type(eng->topo, HWLOC_OBJ_CORE, ith % eng->ncores);
    if (!core)
        core = hwloc_get_obj_by_type(eng->topo, HWLOC_OBJ_PU, ith % eng->npus);
    if (core)
        (void)hwloc_set_cpubind(eng->topo, core->cpuset, HWLOC_CPUBIND_THREAD);
    /* A failed bind (e.g. a restricted cpuset) only costs locality, not
     * correctness; pl_engine_describe shows the binding actually in effect. */
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
    add(buf, len, &used, "threads:   %d\n", eng->nth);
    if (!eng->bind_active)
        add(buf, len, &used, "binding:   none (%s)\n", eng->bind_note);
    else
        add(buf, len, &used, "binding:   each thread to one core with hwloc (thread i -> core i mod %d)\n",
            eng->ncores);

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

void pl_engine_enter(pl_engine *eng, int ith, int nth)
{
    pl_engine_bind_self(eng, ith);
    pl_tl_bar = &eng->bar;
    pl_tl_nth = (unsigned)nth;
}

void pl_engine_leave(void)
{
    pl_tl_bar = NULL;
    pl_tl_nth = 0;
}

void pl_engine_bind_team(const pl_engine *eng)
{
#pragma omp parallel num_threads(eng->nth)
    pl_engine_bind_self(eng, omp_get_thread_num());
}
