/*
 * page.c - what every section of report.html does with a picture: a figure
 * linked relative to the page, or a note where it was left out.  See page.h.
 */
#include <string.h>

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

void pl_page_note(pl_page *p, const char *text)
{
    pl_html_note(p->f, text);
    p->s->skipped++;
    if (p->s->nnotes < 4)
        snprintf(p->s->notes[p->s->nnotes++], sizeof p->s->notes[0], "%.255s", text);
}
