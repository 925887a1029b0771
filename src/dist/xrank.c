/*
 * xrank.c - the block exchange of xrank.h over its ranks' communicator
 * (MPI_COMM_WORLD, or a group's of a mixed split).
 */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "dist/xrank.h"

static MPI_Comm comm_of(const pl_xrank *x)
{
    return x->comm ? *(const MPI_Comm *)x->comm : MPI_COMM_WORLD;
}

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
                   comm_of(x));
}

int pl_xrank_any(const pl_xrank *x, int flag)
{
    if (!x || x->size <= 1)
        return flag != 0;
    int in = flag != 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, comm_of(x));
    return out;
}

/* Whether msg already names the rank it came from ("rank N: ..."): a status
 * agreed before (within a group of a mixed split, then over every rank). */
static int attributed(const char *msg)
{
    if (strncmp(msg, "rank ", 5) != 0)
        return 0;
    const char *p = msg + 5;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > msg + 5 && p[0] == ':' && p[1] == ' ';
}

int pl_xrank_agree(const pl_xrank *x, int rc, pl_error *e)
{
    if (!x || x->size <= 1)
        return rc;
    int mine = rc ? x->rank : x->size, first = x->size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_of(x));
    if (first == x->size)
        return PL_OK;
    int what[2] = { rc, 0 };   /* the code, and the failing rank's in MPI_COMM_WORLD */
    MPI_Comm_rank(MPI_COMM_WORLD, &what[1]);
    MPI_Bcast(what, 2, MPI_INT, first, comm_of(x));
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", rc ? e->msg : "");
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, comm_of(x));
    if (what[1] == 0 || attributed(msg))   /* rank 0's, or a status agreed before */
        pl_errorf(e, what[0], "%s", msg);
    else
        pl_errorf(e, what[0], "rank %d: %s", what[1], msg);
    return what[0];
}
