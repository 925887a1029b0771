/*
 * canvas.c - one PNG picture drawn with PLplot, and the drawing helpers the
 * pictures share.  See canvas.h.
 *
 * Each picture gets its own PLplot stream (plmkstrm ... plend1), so no state
 * leaks from one picture into the next; PLplot is global, so all of this runs
 * on one thread.  PLplot reports recoverable errors through plabort, which
 * would print: our handler records the message instead and close turns it
 * into an error.  Conditions that make PLplot exit() are ruled out before
 * plinit: the device is checked (device.c) and the output file must be
 * creatable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <plplot.h>

#include "parlogit/plot.h"
#include "plot/canvas.h"
#include "plot/palette.h"

static char abort_msg[512];
static int aborted;

static void on_abort(PLCHAR_VECTOR msg)
{
    aborted = 1;
    snprintf(abort_msg, sizeof abort_msg, "%s", msg ? msg : "(no message)");
}

int pl_canvas_open(pl_canvas *c, const char *path, int w, int h, pl_error *e)
{
    memset(c, 0, sizeof *c);
    int rc = pl_plot_check_device(PL_PLOT_DEVICE, e);
    if (rc)
        return rc;
    c->w = w;
    c->h = h;
    snprintf(c->path, sizeof c->path, "%s", path);
    snprintf(c->tmp, sizeof c->tmp, "%s.tmp", path);
    FILE *f = fopen(c->tmp, "wb");   /* PLplot exits when it cannot open it */
    if (!f)
        return pl_errorf(e, PL_EIO, "%s: cannot create: %s", c->tmp, strerror(errno));
    fclose(f);

    aborted = 0;
    abort_msg[0] = '\0';
    plsabort(on_abort);
    PLINT prev, strm;
    plgstrm(&prev);
    plmkstrm(&strm);
    c->prev = prev;
    c->strm = strm;
    plsdev(PL_PLOT_DEVICE);
    plsfnam(c->tmp);
    plspage(0, 0, w, h, 0, 0);
    pl_palette_cmap0();
    plinit();
    pladv(0);
    plcol0(PL_COL_FG);
    plfontld(1);
    return PL_OK;
}

/* Free bytes below which a picture cut short is put down to a full disk:
 * more than one picture takes. */
#define PICTURE_ROOM (4u << 20)

/* Whether the file at path ends with a PNG's IEND chunk.  PLplot (cairo)
 * does not report a failed write: a full disk leaves a picture cut short. */
static int png_complete(const char *path)
{
    static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D',
                                            0xAE, 0x42, 0x60, 0x82 };
    unsigned char tail[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = fseek(f, -12, SEEK_END) == 0 && fread(tail, 1, 12, f) == 12 &&
             memcmp(tail, iend, 12) == 0;
    fclose(f);
    return ok;
}

int pl_canvas_close(pl_canvas *c, pl_error *e)
{
    plend1();
    plsstrm(c->prev);
    if (aborted) {
        remove(c->tmp);
        return pl_errorf(e, PL_EIO, "%s: PLplot failed: %s", c->path, abort_msg);
    }
    if (!png_complete(c->tmp)) {
        /* the likely reason, a full disk, where it is so.  Nearly full, not
         * 0 bytes free: the report draws in parallel, and another writer may
         * have removed its own cut-short picture since, freeing a little */
        struct statvfs v;
        const int full = statvfs(c->tmp, &v) == 0 &&
                         (double)v.f_bavail * (double)v.f_frsize < (double)PICTURE_ROOM;
        remove(c->tmp);
        return pl_errorf(e, PL_EIO, "%s: write failed: %s%s", c->path,
                         full ? strerror(ENOSPC) : "", full ? " (the picture was cut short)"
                                                            : "the picture was cut short");
    }
    if (rename(c->tmp, c->path) != 0) {
        int err = errno;
        remove(c->tmp);
        return pl_errorf(e, PL_EIO, "%s: cannot rename into place: %s", c->path, strerror(err));
    }
    return PL_OK;
}

int pl_canvas_open_curves(pl_canvas *c, const char *path, pl_task t, const char *what,
                          const char *tail, double size, pl_error *e)
{
    char task[PL_TASK_NAME_MAX], pos[16], neg[16], title[256];
    pl_task_names(t, pos, neg);
    int rc = pl_canvas_open(c, path, PL_PLOT_CURVES_W, PL_PLOT_CURVES_H, e);
    if (rc)
        return rc;
    if (t.kind == PL_KIND_BINARY)
        snprintf(title, sizeof title, "%s %s (%s vs %s)%s", what, pl_task_name(t, task), neg, pos,
                 tail);
    else
        snprintf(title, sizeof title, "%s %s (%d classes)%s", what, pl_task_name(t, task),
                 pl_task_outputs(t), tail);
    pl_canvas_text(c, 500, 26, size, 0.5, title);
    return PL_OK;
}

void pl_canvas_viewport(const pl_canvas *c, double x0, double y0, double x1, double y1)
{
    plvpor(x0 / c->w, x1 / c->w, 1.0 - y1 / c->h, 1.0 - y0 / c->h);
}

void pl_canvas_text(const pl_canvas *c, double x, double y, double size, double just,
                    const char *text)
{
    /* PLplot treats '#' as its escape character: double it. */
    char buf[1024];
    size_t k = 0;
    for (const char *p = text; *p && k + 2 < sizeof buf; p++) {
        if (*p == '#')
            buf[k++] = '#';
        buf[k++] = *p;
    }
    buf[k] = '\0';
    plvpor(0, 1, 0, 1);
    plwind(0, c->w, 0, c->h);
    plschr(0, size);
    plcol0(PL_COL_FG);
    plptex(x, c->h - y, 1, 0, just, buf);
    plschr(0, 1);
}

void pl_canvas_image(const double *v, int rows, int cols, double vmin, double vmax)
{
    /* plimagefr wants idata[x][y] with y growing upwards, and takes its nx x
     * ny values as the corners of a grid: it draws (nx - 1) x (ny - 1) cells,
     * each in the colour of its lower-left corner.  So cols x rows cells need
     * (cols + 1) x (rows + 1) values; the extra column and top row repeat
     * their neighbours and only close the grid (without them every image
     * lost its top row and right column). */
    const int nx = cols + 1, ny = rows + 1;
    PLFLT **m = malloc((size_t)nx * sizeof *m);
    PLFLT *cells = malloc((size_t)nx * (size_t)ny * sizeof *cells);
    if (!m || !cells) {
        free(m);
        free(cells);
        return;   /* nothing drawn; the picture stays readable without it */
    }
    for (int x = 0; x < nx; x++) {
        m[x] = cells + (size_t)x * (size_t)ny;
        int vx = x < cols ? x : cols - 1;
        for (int y = 0; y < ny; y++) {
            int vy = y < rows ? y : rows - 1;
            double z = v[(size_t)(rows - 1 - vy) * (size_t)cols + (size_t)vx];
            m[x][y] = z < vmin ? vmin : z > vmax ? vmax : z;
        }
    }
    plwind(0, cols, 0, rows);
    plimagefr((PLFLT_MATRIX)m, nx, ny, 0, cols, 0, rows, vmin, vmax, vmin, vmax, NULL, NULL);
    free(cells);
    free(m);
}

void pl_canvas_colorbar(const pl_canvas *c, double x0, double y0, double x1, double y1,
                        double vmin, double vmax, const char *label)
{
    enum { STEPS = 256 };
    double v[STEPS];      /* one column of STEPS cells, top (vmax) first */
    for (int i = 0; i < STEPS; i++)
        v[i] = vmax - (vmax - vmin) * i / (STEPS - 1);
    pl_canvas_viewport(c, x0, y0, x1, y1);
    pl_canvas_image(v, STEPS, 1, vmin, vmax);
    plwind(0, 1, vmin, vmax);
    plcol0(PL_COL_FG);
    plschr(0, 0.8);
    plbox("bc", 0, 0, "bcmstv", 0, 0);
    plschr(0, 0.9);
    if (label && *label)
        plmtex("r", 6.0, 0.5, 0.5, label);
    plschr(0, 1);
}

void pl_canvas_frame(int gray)
{
    plcol0(gray ? PL_COL_GRAY : PL_COL_FG);
    plbox("bc", 0, 0, "bc", 0, 0);
    plcol0(PL_COL_FG);
}

void pl_canvas_panel(const pl_canvas *c, int right, const pl_axes *a)
{
    pl_canvas_viewport(c, right ? 600 : 90, 60, right ? 960 : 470, 440);
    plwind(a->xmin, a->xmax, a->ymin, a->ymax);
    plcol0(PL_COL_GRAY);
    plbox("g", 0, 0, "g", 0, 0);
    plcol0(PL_COL_FG);
    plbox(a->xopt, 0, 0, a->yopt, 0, 0);
    plmtex("b", 3.0, 0.5, 0.5, a->xlabel);
    plmtex("l", 5.0, 0.5, 0.5, a->ylabel);
}

void pl_canvas_line(const pl_canvas *c, int n, const double *x, const double *y)
{
    PLFLT px[16], py[16];
    if (n > 16)
        n = 16;
    for (int i = 0; i < n; i++) {
        px[i] = x[i];
        py[i] = c->h - y[i];
    }
    plvpor(0, 1, 0, 1);
    plwind(0, c->w, 0, c->h);
    plline(n, px, py);
}

void pl_canvas_legend(const pl_canvas *c, double x, double y, int n, const int *col,
                      const int *sty, const char *const *labels)
{
    const double row = 22, width = 190;
    double bx[5] = { x, x + width, x + width, x, x };
    double by[5] = { y, y, y + row * n + 8, y + row * n + 8, y };
    PLFLT fx[4], fy[4];
    for (int i = 0; i < 4; i++) {
        fx[i] = bx[i];
        fy[i] = c->h - by[i];
    }
    plvpor(0, 1, 0, 1);
    plwind(0, c->w, 0, c->h);
    plcol0(PL_COL_BG);
    plfill(4, fx, fy);
    plcol0(PL_COL_GRAY);
    pl_canvas_line(c, 5, bx, by);
    for (int k = 0; k < n; k++) {
        double ly = y + 4 + row * k + row / 2;
        double lx[2] = { x + 10, x + 50 }, lyy[2] = { ly, ly };
        plcol0(col[k]);
        pllsty(sty[k]);
        plwidth(2.5);
        pl_canvas_line(c, 2, lx, lyy);
        plwidth(1);
        pllsty(1);
        pl_canvas_text(c, x + 60, ly, 0.8, 0, labels[k]);
    }
    plcol0(PL_COL_FG);
}
