/*
 * xrank.c - the block exchange of xrank.h over MPI_COMM_WORLD.
 */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

#include "dist/xrank.h"

void pl_xrank_cuts(const pl_xrank *x, size_t nblk, const double *work, size_t *cut)
{
    double total = 0, at = 0;
    for (size_t k = 0; k < nblk; k++)
        total += work ? work[k] : 1.0;
    size_t k = 0;
    cut[0] = 0;
    for (int i = 1; i <= x->size; i++) {
        const double mark = total * i / x->size;
        while (k < nblk && (i == x->size || at + (work ? work[k] : 1.0) / 2 < mark))
            at += work ? work[k++] : (k++, 1.0);
        cut[i] = k;
    }
}

int pl_xgather_alloc(const pl_xrank *x, pl_xgather *g, pl_error *e)
{
    g->counts = calloc((size_t)x->size, sizeof *g->counts);
    g->displs = calloc((size_t)x->size, sizeof *g->displs);
    if (!g->counts || !g->displs) {
        pl_xgather_free(g);
        return pl_errorf(e, PL_ENOMEM, "out of memory for the cross-rank exchange");
    }
    return PL_OK;
}

int pl_xgather_set(const pl_xrank *x, pl_xgather *g, const size_t *at, pl_error *e)
{
    for (int r = 0; r < x->size; r++) {
        if (at[r + 1] > INT_MAX || at[r + 1] < at[r])
            return pl_errorf(e, PL_EINPUT, "rank %d's share of the partial gradients is %zu "
                             "MB, more than one MPI exchange carries (2 GiB); use more ranks "
                             "or distribute = models", r, (at[r + 1] - at[r]) >> 20);
        g->counts[r] = (int)(at[r + 1] - at[r]);
        g->displs[r] = (int)at[r];
    }
    return PL_OK;
}

void pl_xgather_free(pl_xgather *g)
{
    free(g->counts);
    free(g->displs);
    g->counts = g->displs = NULL;
}

void pl_xgather_run(const pl_xrank *x, const pl_xgather *g, void *buf)
{
    if (!x || x->size <= 1)
        return;
    /* a failed exchange is not recoverable here: the default error handler
     * (MPI_ERRORS_ARE_FATAL) ends every rank with Open MPI's message */
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, g->counts, g->displs, MPI_BYTE,
                   MPI_COMM_WORLD);
}

int pl_xrank_any(const pl_xrank *x, int flag)
{
    if (!x || x->size <= 1)
        return flag != 0;
    int in = flag != 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
}
