/*
 * dist.c - MPI's start and end, agreeing on errors, and which cores each
 * rank's team gets.  See include/parlogit/dist.h.
 *
 * Why MPI only under mpirun: Open MPI can start a singleton (MPI_Init
 * without mpirun), but that starts its runtime, can print warnings where no
 * network is configured and makes every plain `parlogit train`, and every
 * test that forks, pay for it; a process outside mpirun is rank 0 of 1 and
 * needs none of it.  Open MPI's mpirun puts OMPI_COMM_WORLD_SIZE in every
 * rank's environment, which is what is checked.
 *
 * Cores: mpirun may bind each rank (to a core, a package, or not at all, as
 * with --oversubscribe or --bind-to none).  The ranks of one host that were
 * given the same mask split that mask's cores among themselves in local rank
 * order (ranks with masks of their own keep them whole), so several ranks on one
 * machine never bind two teams to one core while cores are left; with more
 * such ranks than cores, rank g of them gets core g mod cores.  The engine's
 * hwloc topology is then restricted to the share, so its own binding (thread
 * i to core i mod cores) and its "threads = auto" see only the rank's cores
 * (also when mpirun gave the mask: the engine's topology is the machine's).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/xrank.h"
#include "engine/engine_impl.h"
#include "parlogit/config.h"
#include "parlogit/data.h"
#include "parlogit/dist.h"

static MPI_Comm node_comm = MPI_COMM_NULL;   /* the ranks of this host */

int pl_dist_init(int *argc, char ***argv, pl_dist *d, pl_error *e)
{
    memset(d, 0, sizeof *d);
    d->size = d->local_size = d->nhosts = 1;
    snprintf(d->host, sizeof d->host, "localhost");
    const char *w = getenv("OMPI_COMM_WORLD_SIZE");
    if (!w || !*w)
        return PL_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return pl_errorf(e, PL_EIO, "MPI_Init_thread failed (launched by mpirun: "
                         "OMPI_COMM_WORLD_SIZE=%s)", w);
    d->active = 1;
    if (provided < MPI_THREAD_FUNNELED) {
        pl_errorf(e, PL_EIO, "this MPI library gives no MPI_THREAD_FUNNELED support");
        return PL_EIO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL,
                        &node_comm);
    MPI_Comm_rank(node_comm, &d->local_rank);
    MPI_Comm_size(node_comm, &d->local_size);
    int first = d->local_rank == 0;
    MPI_Allreduce(&first, &d->nhosts, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    if (MPI_Get_processor_name(name, &len) == MPI_SUCCESS)
        snprintf(d->host, sizeof d->host, "%.*s", len, name);
    return PL_OK;
}

void pl_dist_finalize(pl_dist *d)
{
    if (!d->active)
        return;
    if (node_comm != MPI_COMM_NULL)
        MPI_Comm_free(&node_comm);
    MPI_Barrier(MPI_COMM_WORLD);   /* every rank's last words are out before any leaves */
    MPI_Finalize();
    d->active = 0;
}

void pl_dist_abort(const pl_dist *d, int code)
{
    if (d->active)
        MPI_Abort(MPI_COMM_WORLD, code);
}

int pl_dist_agree(const pl_dist *d, int rc, pl_error *e)
{
    if (!d->active || d->size <= 1)
        return rc;
    const pl_xrank x = { .rank = d->rank, .size = d->size };
    return pl_xrank_agree(&x, rc, e);
}

int pl_dist_sum_counts(const pl_dist *d, pl_data *data, pl_error *e)
{
    if (!d->active || d->size <= 1)
        return PL_OK;
    /* every rank the same set and the same kind of reading, or none sums */
    long long mine[2] = { (long long)data->train.n, data->train_counts_share }, lo[2], hi[2];
    MPI_Allreduce(mine, lo, 2, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(mine, hi, 2, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    if (lo[0] != hi[0] || lo[1] != hi[1])
        return pl_errorf(e, PL_EINPUT, "the ranks read different training sets (%lld to %lld "
                         "rows): every rank must be given the same data", lo[0], hi[0]);
    if (!data->train_counts_share)
        return PL_OK;
    /* integers, each count made by one rank: the sum is exact in any order */
    for (size_t at = 0; at < data->train.n;) {
        const size_t k = data->train.n - at < (size_t)1 << 30 ? data->train.n - at
                                                               : (size_t)1 << 30;
        MPI_Allreduce(MPI_IN_PLACE, data->train.nnz + at, (int)k, MPI_UINT32_T, MPI_SUM,
                      MPI_COMM_WORLD);
        at += k;
    }
    data->train_counts_share = 0;
    return PL_OK;
}

_Static_assert(sizeof(size_t) == sizeof(unsigned long long), "size_t gathered as MPI's");

void pl_dist_gather_size(const pl_dist *d, size_t mine, size_t *all)
{
    if (!d->active || d->size <= 1) {
        if (all)
            all[0] = mine;
        return;
    }
    unsigned long long v = mine;
    MPI_Gather(&v, 1, MPI_UNSIGNED_LONG_LONG, d->rank == 0 ? all : NULL, 1,
               MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
}

/* This rank's share of mask (see the file's opening comment) into share. */
static void my_share(hwloc_topology_t topo, hwloc_const_cpuset_t mask, int g, int G,
                     hwloc_cpuset_t share)
{
    hwloc_obj_type_t type = HWLOC_OBJ_CORE;
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, mask, type);
    if (n <= 0) {
        type = HWLOC_OBJ_PU;
        n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, mask, type);
    }
    hwloc_bitmap_zero(share);
    if (n <= 0) {
        hwloc_bitmap_copy(share, mask);
        return;
    }
    int lo = n >= G ? g * n / G : g % n, hi = n >= G ? (g + 1) * n / G : g % n + 1;
    for (int i = lo; i < hi; i++) {
        hwloc_obj_t o = hwloc_get_obj_inside_cpuset_by_type(topo, mask, type, (unsigned)i);
        if (o)
            hwloc_bitmap_or(share, share, o->cpuset);
    }
    hwloc_bitmap_and(share, share, mask);
}

int pl_dist_bind(pl_dist *d, pl_engine *eng, int threads_auto, pl_error *e)
{
    hwloc_bitmap_t mask = hwloc_bitmap_alloc(), share = hwloc_bitmap_alloc();
    int rc = mask && share ? PL_OK : pl_errorf(e, PL_ENOMEM, "out of memory");
    if (!rc && hwloc_get_cpubind(eng->topo, mask, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(mask, hwloc_topology_get_allowed_cpuset(eng->topo));
    if (rc || !d->active || d->local_size <= 1) {
        if (!rc)
            hwloc_bitmap_list_snprintf(d->cores, sizeof d->cores, mask);
        goto done;
    }
    /* the local ranks' masks: which ones share mine, and my place among them */
    enum { MASK_CHARS = 256 };
    char *all = calloc((size_t)d->local_size, MASK_CHARS);
    if (!all) {
        rc = pl_errorf(e, PL_ENOMEM, "out of memory");
        goto done;
    }
    char mine[MASK_CHARS] = "";
    hwloc_bitmap_list_snprintf(mine, sizeof mine, mask);
    MPI_Allgather(mine, MASK_CHARS, MPI_CHAR, all, MASK_CHARS, MPI_CHAR, node_comm);
    int g = 0, G = 0;
    for (int r = 0; r < d->local_size; r++)
        if (strncmp(all + (size_t)r * MASK_CHARS, mine, MASK_CHARS) == 0) {
            g += r < d->local_rank;
            G++;
        }
    free(all);
    my_share(eng->topo, mask, g, G, share);
    hwloc_bitmap_list_snprintf(d->cores, sizeof d->cores, share);
    /* the whole process (threads made later inherit it), then the engine's view */
    (void)hwloc_set_cpubind(eng->topo, share, HWLOC_CPUBIND_PROCESS);
    if (hwloc_topology_restrict(eng->topo, share, 0) != 0) {
        rc = pl_errorf(e, PL_EIO, "hwloc: cannot restrict the topology to PUs %s", d->cores);
        goto done;
    }
    eng->ncores = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_CORE);
    eng->npus = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_PU);
    eng->nnuma = hwloc_get_nbobjs_by_type(eng->topo, HWLOC_OBJ_NUMANODE);
    if (eng->ncores <= 0)
        eng->ncores = eng->npus > 0 ? eng->npus : 1;
    if (eng->nnuma <= 0)
        eng->nnuma = 1;
    if (threads_auto)
        eng->nth = eng->ncores;
done:
    if (mask)
        hwloc_bitmap_free(mask);
    if (share)
        hwloc_bitmap_free(share);
    return rc;
}

void pl_dist_describe(const pl_dist *d, const pl_engine *eng, char *buf, size_t len)
{
    char line[512];
    snprintf(line, sizeof line, "  rank %d: host %s (local rank %d of %d), %d thread(s), "
             "PUs %s, binding %s\n", d->rank, d->host, d->local_rank, d->local_size,
             eng->nth, d->cores[0] ? d->cores : "?",
             eng->bind_active ? "each thread to one core of them (hwloc)" : "none");
    buf[0] = '\0';
    char *all = NULL;
    if (d->active && d->size > 1) {
        all = d->rank == 0 ? calloc((size_t)d->size, sizeof line) : NULL;
        MPI_Gather(line, (int)sizeof line, MPI_CHAR, all, (int)sizeof line, MPI_CHAR, 0,
                   MPI_COMM_WORLD);
        if (d->rank != 0)
            return;
    }
    int used = snprintf(buf, len, "ranks:     %d over %d host(s)%s\n", d->size, d->nhosts,
                        d->active ? "" : " (not launched by mpirun)");
    for (int r = 0; r < d->size && used >= 0 && (size_t)used < len; r++)
        used += snprintf(buf + used, len - (size_t)used, "%s",
                         all ? all + (size_t)r * sizeof line : line);
    free(all);
}
