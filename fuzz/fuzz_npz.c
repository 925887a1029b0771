/*
 * fuzz_npz.c - a run's models.npz archive and models.json: the zip index and
 * member reader (pl_npz_index, pl_npz_read, on the input's bytes as they
 * are) and, when the input has a second part, pl_model_load over the pair
 * written as a run directory's models.npz and models.json.  The input is
 * SELECTOR NPZ [FZ_SEP JSON]; the selector byte picks the model name (as
 * fuzz_model's), and a loaded model predicts one row so that ASan checks its
 * sizes.
 */
#include "fuzz.h"
#include "output/npz.h"
#include "output/store.h"
#include "parlogit/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = fz_model_name(data[0]);
    const uint8_t *json;
    size_t nzip, njson;
    fz_split(data + 1, size - 1, FZ_SEP, &json, &nzip, &njson);
    /* the archive alone: every member read */
    pl_npz z;
    pl_error e;
    int rc = pl_npz_index(&z, data + 1, nzip, "fuzz.npz", &e);
    fz_check(rc, &e);
    for (size_t i = 0; !rc && i < z.n; i++) {
        char member[2048];
        snprintf(member, sizeof member, "%.*s", (int)(z.m[i].name_len < 2000 ? z.m[i].name_len : 2000),
                 z.m[i].name);
        float *a;
        int ndim;
        size_t shape[4];
        int r = pl_npz_read(&z, member, &a, &ndim, shape, &e);
        fz_check(r, &e);
        if (!r)
            fz_touch(a, ndim, shape);
        free(a);
    }
    if (!rc)
        pl_npz_free(&z);
    if (nzip == size - 1)   /* no separator: no JSON part */
        return 0;
    char path[512];
    fz_write("models.npz", data + 1, nzip, path, sizeof path);
    fz_write("models.json", json, njson, path, sizeof path);
    pl_store_forget();   /* rewritten in place: it may look unchanged */
    pl_model m;
    rc = pl_model_load(fz_dir(), name, &m, &e);
    fz_check(rc, &e);
    if (!rc)
        fz_use_model(&m);
    pl_store_forget();   /* nothing held between runs (LeakSanitizer) */
    return 0;
}
