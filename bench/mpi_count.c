/*
 * mpi_count.c - counts the bytes parlogit's ranks exchange, without touching
 * parlogit: a shared library loaded with LD_PRELOAD under mpirun, which
 * stands in for the MPI calls src/dist/ makes through MPI's profiling
 * interface (each wrapper counts, then calls the PMPI_ twin that does the
 * work).  bench/bench_scale.py uses it to check its byte figures against
 * what was really sent.
 *
 *   mpirun -x LD_PRELOAD=build/bench/libmpi_count.so ... parlogit train ...
 *
 * Counted per rank: MPI_Allgatherv calls, the bytes of the whole gathered
 * buffer (sum of counts x the type's size) and the bytes this rank received
 * (the buffer less its own share); MPI_Allreduce calls and their bytes;
 * MPI_Send calls and bytes (the models split's results to rank 0).  At
 * MPI_Finalize each rank prints one line to stderr:
 *
 *   mpi_count rank=1 allgatherv_calls=1203 allgatherv_bytes=1234567 \
 *       allgatherv_recv=617283 allreduce_calls=300 allreduce_bytes=1200 \
 *       send_calls=0 send_bytes=0
 *
 * The counters are plain, not atomic: parlogit calls MPI from one thread
 * only (MPI_THREAD_FUNNELED, src/dist/dist.c).
 */
#include <mpi.h>
#include <stdio.h>

static long long ag_calls, ag_bytes, ag_recv, ar_calls, ar_bytes, s_calls, s_bytes;

/* Bytes of one element of t (0 for MPI_DATATYPE_NULL). */
static long long type_bytes(MPI_Datatype t)
{
    int size = 0;
    if (t != MPI_DATATYPE_NULL)
        PMPI_Type_size(t, &size);
    return size;
}

/* MPI_Allgatherv, counted: the gathered buffer, and what came from others. */
int MPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                   MPI_Comm comm)
{
    int rank = 0, size = 1;
    PMPI_Comm_rank(comm, &rank);
    PMPI_Comm_size(comm, &size);
    long long all = 0;
    for (int r = 0; r < size; r++)
        all += recvcounts[r];
    all *= type_bytes(recvtype);
    ag_calls++;
    ag_bytes += all;
    ag_recv += all - recvcounts[rank] * type_bytes(recvtype);
    return PMPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                           comm);
}

/* MPI_Allreduce, counted: calls and the bytes of one operand. */
int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                  MPI_Op op, MPI_Comm comm)
{
    ar_calls++;
    ar_bytes += count * type_bytes(datatype);
    return PMPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm);
}

/* MPI_Send, counted: calls and bytes. */
int MPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm)
{
    s_calls++;
    s_bytes += count * type_bytes(datatype);
    return PMPI_Send(buf, count, datatype, dest, tag, comm);
}

/* MPI_Finalize: this rank's line, then the real call. */
int MPI_Finalize(void)
{
    int rank = -1;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr,
            "mpi_count rank=%d allgatherv_calls=%lld allgatherv_bytes=%lld allgatherv_recv=%lld "
            "allreduce_calls=%lld allreduce_bytes=%lld send_calls=%lld send_bytes=%lld\n",
            rank, ag_calls, ag_bytes, ag_recv, ar_calls, ar_bytes, s_calls, s_bytes);
    fflush(stderr);
    return PMPI_Finalize();
}
