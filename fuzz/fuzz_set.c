/*
 * fuzz_set.c - `--set SECTION.KEY=VALUE` overrides (pl_config_set): each
 * line of the input is one override, applied in turn on the defaults, then
 * the whole-config checks.
 */
#include "fuzz.h"
#include "parlogit/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pl_config c;
    pl_error e;
    pl_config_defaults(&c);
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int rc = PL_OK;
    for (char *line = text, *next; line && !rc; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        rc = pl_config_set(&c, line, &e);
        fz_check(rc, &e);
    }
    if (!rc)
        fz_check(pl_config_check(&c, &e), &e);
    free(text);
    return 0;
}
