/*
 * fuzz_model.c - pl_model_load: a model's NAME.w.npy and NAME.b.npy, whose
 * shapes must agree with the task its name gives, and its sidecar NAME.json
 * (its "image" and "pixel_max").  The input is SELECTOR W.NPY FZ_SEP B.NPY
 * [FZ_SEP JSON] (no JSON part: no sidecar); the selector byte picks the name
 * (binary, i-rest, softmax, a subset's ovr, L-BFGS), and a loaded model
 * predicts one row so that ASan checks its sizes.
 */
#include "fuzz.h"
#include "parlogit/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = fz_model_name(data[0]);
    const uint8_t *tail, *json;
    size_t nhead, ntail, nb, njson;
    fz_split(data + 1, size - 1, FZ_SEP, &tail, &nhead, &ntail);
    fz_split(tail, ntail, FZ_SEP, &json, &nb, &njson);
    char file[128], path[512];
    snprintf(file, sizeof file, "models/%s.w.npy", name);
    fz_write(file, data + 1, nhead, path, sizeof path);
    snprintf(file, sizeof file, "models/%s.b.npy", name);
    fz_write(file, tail, nb, path, sizeof path);
    snprintf(file, sizeof file, "models/%s.json", name);
    if (nb < ntail)   /* a second separator: the sidecar follows */
        fz_write(file, json, njson, path, sizeof path);
    else {
        snprintf(path, sizeof path, "%s/%s", fz_dir(), file);
        unlink(path);   /* an earlier input's */
    }
    pl_model m;
    pl_error e;
    int rc = pl_model_load(fz_dir(), name, &m, &e);
    fz_check(rc, &e);
    if (!rc)
        fz_use_model(&m);
    return 0;
}
