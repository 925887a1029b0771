/*
 * html.c - the building blocks of report.html.  See html.h.
 */
#include <math.h>
#include <string.h>

#include "report/html.h"
#include "util/util.h"

void pl_html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1150px;"
    "color:#222;background:#fff;line-height:1.45}\n"
    "h1{font-size:1.7em}h2{border-bottom:2px solid #2166ac;padding-bottom:.2em;margin-top:2em}"
    "h3{margin-top:1.6em}\n"
    "figure{margin:1.2em 0;display:inline-block;vertical-align:top;max-width:100%}\n"
    "figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{font-size:.92em;color:#444;max-width:1100px}\n"
    "pre{background:#f6f6f6;padding:.8em;border:1px solid #ddd;overflow:auto;font-size:.88em}\n"
    "table{border-collapse:collapse;font-size:.88em;margin:.8em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}"
    "th{background:#eef3f8}td:first-child{text-align:left}\n"
    ".note{background:#fff6e0;border-left:4px solid #e0a000;padding:.5em .8em}\n"
    ".key{background:#eef3f8;border-left:4px solid #2166ac;padding:.5em .8em}\n"
    ".blue{color:#2166ac;font-weight:bold}.red{color:#b2182b;font-weight:bold}\n"
    "nav a{margin-right:.8em}\n";

/* Counts the images that loaded, once everything has (load fires after every
 * image has loaded or failed). */
static const char script[] =
    "window.addEventListener('load',function(){var im=document.images,ok=0;"
    "for(var i=0;i<im.length;i++)if(im[i].complete&&im[i].naturalWidth>0)ok++;"
    "document.body.setAttribute('data-images-ok',ok+'/'+im.length);});\n";

void pl_html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    pl_html_text(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n<body>\n<h1>",
            style, script);
    pl_html_text(f, title);
    fputs("</h1>\n", f);
}

void pl_html_end(FILE *f)
{
    fputs("<p style=\"color:#888;font-size:.85em\">Drawn by parlogit with PLplot; "
          "the page needs no network.</p>\n</body>\n</html>\n", f);
}

void pl_html_figure(FILE *f, const char *src, const char *alt, const char *caption)
{
    fputs("<figure><a href=\"", f);
    pl_html_text(f, src);
    fputs("\"><img src=\"", f);
    pl_html_text(f, src);
    fputs("\" alt=\"", f);
    pl_html_text(f, alt);
    fputs("\"></a><figcaption>", f);
    pl_html_text(f, caption);
    fputs("</figcaption></figure>\n", f);
}

void pl_html_note(FILE *f, const char *text)
{
    fputs("<p class=\"note\">", f);
    pl_html_text(f, text);
    fputs("</p>\n", f);
}

struct ini_ctx {
    FILE *f;
    char section[32];
};

static void ini_entry(void *ctx, const char *section, const char *key, const char *value)
{
    struct ini_ctx *c = ctx;
    if (strcmp(c->section, section) != 0) {
        fprintf(c->f, "%s[", c->section[0] ? "\n" : "");
        pl_html_text(c->f, section);
        fputs("]\n", c->f);
        snprintf(c->section, sizeof c->section, "%s", section);
    }
    pl_html_text(c->f, key);
    fputs(" = ", c->f);
    pl_html_text(c->f, value);
    fputc('\n', c->f);
}

void pl_html_config(FILE *f, const pl_config *cfg)
{
    struct ini_ctx c = { .f = f };
    fputs("<pre>", f);
    pl_config_foreach(cfg, ini_entry, &c);
    fputs("</pre>\n", f);
}

static void pct(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "<td>%.2f</td>", 100 * x);
    else
        fputs("<td>-</td>", f);
}

static void num(FILE *f, double x, const char *fmt)
{
    fputs("<td>", f);
    if (isfinite(x))
        fprintf(f, fmt, x);
    else
        fputs("-", f);
    fputs("</td>", f);
}

void pl_html_results(FILE *f, const pl_result_row *rows, size_t n)
{
    fputs("<table>\n<tr><th>pair</th><th>lr</th><th>iterations</th><th>train loss</th>"
          "<th>train acc %</th><th>test loss</th><th>test acc %</th><th>seconds</th>"
          "<th>status</th></tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        const pl_result_row *r = &rows[i];
        char lr[32];
        fputs("<tr><td>", f);
        pl_html_text(f, r->pair);
        fprintf(f, "</td><td>%s</td><td>%d</td>", pl_fmt_double(lr, r->lr), r->iterations);
        num(f, r->train_loss, "%.5f");
        pct(f, r->train_acc);
        num(f, r->test_loss, "%.5f");
        pct(f, r->test_acc);
        num(f, r->seconds, "%.3f");
        fputs("<td>", f);
        pl_html_text(f, r->status);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}
