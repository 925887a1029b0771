/*
 * json.h - just enough JSON writing for sidecars and summaries: escaped strings
 * and lossless numbers (non-finite numbers become null).
 */
#ifndef PARLOGIT_JSON_H
#define PARLOGIT_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal, escaping quotes, backslashes and controls. */
void pl_json_str(FILE *f, const char *s);

/* Writes x losslessly, or null when it is not finite. */
void pl_json_num(FILE *f, double x);

/* Writes the effective config as {"section": {"key": "value", ...}, ...}. */
struct pl_config;
void pl_json_config(FILE *f, const struct pl_config *c, const char *indent);

#endif
