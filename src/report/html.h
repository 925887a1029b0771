/*
 * html.h - private: writing report.html, a single self-contained page (no
 * network: styles and the one script are inline, pictures are relative
 * links into plots/).  The inline script sets data-images-ok="LOADED/TOTAL"
 * on <body> once the page has loaded, for headless checks.
 */
#ifndef PARLOGIT_REPORT_HTML_H
#define PARLOGIT_REPORT_HTML_H

#include <stdio.h>

#include "parlogit/config.h"
#include "parlogit/report.h"

/* Writes s with &, <, >, " escaped. */
void pl_html_text(FILE *f, const char *s);

/* The page head, styles, script and <h1>. */
void pl_html_begin(FILE *f, const char *title);
void pl_html_end(FILE *f);

/* A figure: <img src=src> (relative to the page) with a caption (plain text,
 * escaped) and an id for links. */
void pl_html_figure(FILE *f, const char *src, const char *alt, const char *caption);

/* A note in place of a picture that could not be drawn. */
void pl_html_note(FILE *f, const char *text);

/* The effective config as INI text. */
void pl_html_config(FILE *f, const pl_config *cfg);

/* results.csv as a table. */
void pl_html_results(FILE *f, const pl_result_row *rows, size_t n);

#endif
