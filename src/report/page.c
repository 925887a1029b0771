/*
 * page.c - what every section of report.html does with a picture: a figure
 * linked relative to the page, or a note where it was left out.  See page.h.
 */
#include <stdlib.h>
#include <string.h>

#include "parlogit/plot.h"
#include "report/html.h"
#include "report/page.h"

static const char *base(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

void pl_page_figure(pl_page *p, const char *path, const char *alt, const char *caption)
{
    char src[PL_PATH_MAX * 2];
    snprintf(src, sizeof src, "plots/%s", base(path));
    pl_html_figure(p->f, src, alt, caption);
    p->s->pictures++;
}

int pl_page_loss_curves(pl_page *p, pl_task t, const pl_loss_curve *cv, size_t ncv,
                        int even_empty, const char *caption, pl_error *e)
{
    const pl_loss_curve **sel = malloc((ncv ? ncv : 1) * sizeof *sel);
    if (!sel)
        return pl_errorf(e, PL_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t k = 0; k < ncv; k++)
        if (pl_task_equal(cv[k].task, t))
            sel[n++] = &cv[k];
    char name[PL_TASK_NAME_MAX], path[PL_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s_loss.png", p->plots, pl_task_name(t, name));
    int rc = PL_OK;
    if (n || even_empty) {
        rc = pl_plot_curves(path, t, sel, n, e);
        if (!rc)
            pl_page_figure(p, path, "loss curves", caption);
    }
    free(sel);
    return rc;
}

void pl_page_note(pl_page *p, const char *text)
{
    pl_html_note(p->f, text);
    p->s->skipped++;
    if (p->s->nnotes < 4)
        snprintf(p->s->notes[p->s->nnotes++], sizeof p->s->notes[0], "%.255s", text);
}
