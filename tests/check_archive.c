/*
 * check_archive.c - a run's models in one archive (src/output/npz.c,
 * src/output/store.c): pl_write_run puts every model in models.npz and
 * models.json, which pl_model_load reads back bit for bit, as it reads the
 * per-model files of output.model_files = true and of runs written before;
 * NumPy reads the archive (and its Zip64 form past 65535 members); a damaged
 * archive is an error naming the file, the member and what is wrong; a run
 * rewritten in the same directory is read anew, never from the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/npz.h"
#include "parlogit/model.h"
#include "parlogit/output.h"
#include "parlogit/train.h"
#include "synth.h"
#include "util/util.h"

static char tmp[512];

static void setup(void)
{
    tu_tmpdir(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_rmtree(tmp);
}

/* A softmax over 0-9 and the pair 1-7 at learning rate lr, 10 iterations,
 * written into tmp (model_files: each model's own files too). */
static void write_two(double lr, int model_files, pl_run *run)
{
    pl_dataset tr, te;
    synth_dataset(600, 64, 41, &tr);
    synth_dataset(100, 64, 42, &te);
    pl_job jobs[2] = {
        { .task = { .kind = PL_KIND_SOFTMAX, .classes = PL_ALL_CLASSES }, .h = { lr } },
        { .task = { .pos = 7, .neg = 1 }, .h = { lr } },
    };
    pl_plan plan = { .jobs = jobs, .njobs = 2, .iters = { 10 }, .niters = 1 };
    pl_engine *eng;
    pl_error e;
    ck_assert_int_eq(pl_engine_create(&(pl_engine_opts){ 1, PL_BIND_NONE, 0, PL_WAIT_AUTO },
                                      &eng, &e), PL_OK);
    ck_assert_msg(pl_train(eng, &plan, &tr, &te, NULL, run, &e) == PL_OK, "%s", e.msg);
    pl_engine_destroy(eng);
    pl_config cfg;
    pl_config_defaults(&cfg);
    cfg.output.model_files = model_files;
    pl_data data = { .test = te };
    ck_assert_msg(pl_write_run(tmp, &cfg, &data, run, &e) == PL_OK, "%s", e.msg);
    pl_dataset_free(&tr);
    pl_dataset_free(&te);
}

/* Every model of run loads from tmp with exactly its trained weights. */
static void loads_as_trained(const pl_run *run)
{
    for (size_t i = 0; i < run->nresults; i++) {
        const pl_result *r = &run->results[i];
        char name[64];
        pl_model m;
        pl_error e;
        ck_assert_msg(pl_model_load(tmp, pl_model_name(r, name), &m, &e) == PL_OK, "%s",
                      e.msg);
        ck_assert_uint_eq(m.dim, 64);
        ck_assert_uint_eq(m.height * m.width, 64);
        ck_assert(memcmp(m.w, r->w, (size_t)r->k * 64 * sizeof(float)) == 0);
        ck_assert(memcmp(m.b, r->b, (size_t)r->k * sizeof(float)) == 0);
        pl_model_free(&m);
    }
}

static int exists(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    return access(path, F_OK) == 0;
}

START_TEST(test_archive_and_files_load_the_same)
{
    pl_run run;
    write_two(0.5, 0, &run);
    ck_assert(exists("models.npz") && exists("models.json"));
    ck_assert(!exists("models/softmax_lr0.5_it10.w.npy"));   /* few files by default */
    ck_assert(exists("models/softmax_lr0.5_it10.predictions.csv"));
    loads_as_trained(&run);
    pl_run_free(&run);
    /* output.model_files: the per-model files too; without the archive
     * (a run written before it) they are what is read */
    write_two(0.5, 1, &run);
    ck_assert(exists("models/softmax_lr0.5_it10.w.npy") && exists("models/1-7_lr0.5_it10.json"));
    loads_as_trained(&run);
    char path[1024];
    snprintf(path, sizeof path, "%s/models.npz", tmp);
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/models.json", tmp);
    ck_assert_int_eq(unlink(path), 0);
    loads_as_trained(&run);
    pl_run_free(&run);
}
END_TEST

/* NumPy reads the archive: the same arrays as pl_model_load, the JSON the
 * same models; the CRCs check (zipfile.testzip). */
START_TEST(test_numpy_reads_the_archive)
{
    pl_run run;
    write_two(0.25, 1, &run);
    char cmd[4096], out[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s -c \"import numpy as np, json, zipfile\n"
             "z = np.load('models.npz'); j = json.load(open('models.json'))\n"
             "assert zipfile.ZipFile('models.npz').testzip() is None\n"
             "assert sorted(z.files) == sorted(n + s for n in j['models'] for s in ('.w', '.b'))\n"
             "for n in j['models']:\n"
             "    w = np.load('models/' + n + '.w.npy'); b = np.load('models/' + n + '.b.npy')\n"
             "    assert z[n + '.w'].dtype == np.float32 and z[n + '.w'].shape == w.shape\n"
             "    assert (z[n + '.w'] == w).all() and (z[n + '.b'] == b).all()\n"
             "    assert j['models'][n]['weights'] == n + '.w'\n"
             "print(len(z.files), z['softmax_lr0.25_it10.w'].shape)\"",
             tmp, tu_python());
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_str_eq(out, "4 (10, 64)\n");
    pl_run_free(&run);
}
END_TEST

/* Damage to the archive or its JSON: an error naming what is wrong. */
START_TEST(test_damaged_archive_is_an_error)
{
    pl_run run;
    write_two(0.5, 0, &run);
    char path[1024];
    snprintf(path, sizeof path, "%s/models.npz", tmp);
    unsigned char *buf;
    size_t len;
    pl_error e;
    ck_assert_int_eq(pl_read_file(path, &buf, &len, &e), PL_OK);
    pl_model m;
    /* a flipped byte in the middle of the softmax's weights */
    buf[len / 4] ^= 0x40;
    tu_write(tmp, "models.npz", buf, len, path, sizeof path);
    ck_assert_int_eq(pl_model_load(tmp, "softmax_lr0.5_it10", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "models.npz: softmax_lr0.5_it10.w.npy") &&
                  strstr(e.msg, "CRC-32"), "%s", e.msg);
    buf[len / 4] ^= 0x40;
    /* cut short: no end record */
    tu_write(tmp, "models.npz", buf, len - 30, path, sizeof path);
    ck_assert_int_eq(pl_model_load(tmp, "1-7_lr0.5_it10", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "no zip end record"), "%s", e.msg);
    /* whole again: loads; a model it does not hold is named */
    tu_write(tmp, "models.npz", buf, len, path, sizeof path);
    ck_assert_msg(pl_model_load(tmp, "1-7_lr0.5_it10", &m, &e) == PL_OK, "%s", e.msg);
    pl_model_free(&m);
    ck_assert_int_eq(pl_model_load(tmp, "2-3_lr0.5_it10", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "models.json: no model 2-3_lr0.5_it10"), "%s", e.msg);
    /* the JSON without the archive */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(pl_model_load(tmp, "1-7_lr0.5_it10", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "the run's weights are missing"), "%s", e.msg);
    /* JSON that is not JSON */
    tu_write(tmp, "models.npz", buf, len, path, sizeof path);
    tu_write(tmp, "models.json", "{\"models\": ", 11, path, sizeof path);
    ck_assert_int_eq(pl_model_load(tmp, "1-7_lr0.5_it10", &m, &e), PL_EINPUT);
    ck_assert_msg(strstr(e.msg, "models.json:1:") && strstr(e.msg, "not a valid JSON sidecar"),
                  "%s", e.msg);
    free(buf);
    pl_run_free(&run);
}
END_TEST

/* A run rewritten into the same directory is what the next load reads
 * (the archive cache follows the files, not the path). */
START_TEST(test_rewritten_run_is_read_anew)
{
    for (int k = 0; k < 6; k++) {
        pl_run run;
        write_two(k % 2 ? 0.5 : 0.125, 0, &run);
        loads_as_trained(&run);
        pl_run_free(&run);
    }
}
END_TEST

/* Past 65535 members the archive has Zip64's end records: read back here
 * and by NumPy. */
START_TEST(test_zip64_many_members)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/many.npz", tmp);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    pl_npz_writer z;
    pl_error e;
    pl_npz_begin(&z, f, path);
    const size_t n = 65540;
    for (size_t i = 0; i < n; i++) {
        char member[32];
        const float v = (float)i;
        snprintf(member, sizeof member, "m%zu.npy", i);
        ck_assert_int_eq(pl_npz_add(&z, member, &v, 0, NULL, &e), PL_OK);
    }
    ck_assert_int_eq(pl_npz_end(&z, &e), PL_OK);
    ck_assert_int_eq(fclose(f), 0);
    unsigned char *buf;
    size_t len;
    ck_assert_int_eq(pl_read_file(path, &buf, &len, &e), PL_OK);
    pl_npz a;
    ck_assert_msg(pl_npz_index(&a, buf, len, path, &e) == PL_OK, "%s", e.msg);
    ck_assert_uint_eq(a.n, n);
    float *d;
    int ndim;
    size_t shape[4];
    ck_assert_msg(pl_npz_read(&a, "m65539.npy", &d, &ndim, shape, &e) == PL_OK, "%s", e.msg);
    ck_assert_int_eq(ndim, 0);
    ck_assert(d[0] == 65539.0f);
    free(d);
    pl_npz_free(&a);
    free(buf);
    char cmd[2048], out[1024];
    snprintf(cmd, sizeof cmd, "%s -c \"import numpy as np; z = np.load('%s'); "
             "print(len(z.files), float(z['m65539']), float(z['m7']))\"", tu_python(), path);
    ck_assert_msg(tu_run(cmd, out, sizeof out) == 0, "%s", out);
    ck_assert_str_eq(out, "65540 65539.0 7.0\n");
}
END_TEST

Suite *suite_archive(void)
{
    Suite *s = suite_create("archive");
    TCase *tc = tcase_create("archive");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_archive_and_files_load_the_same);
    tcase_add_test(tc, test_numpy_reads_the_archive);
    tcase_add_test(tc, test_damaged_archive_is_an_error);
    tcase_add_test(tc, test_rewritten_run_is_read_anew);
    tcase_add_test(tc, test_zip64_many_members);
    suite_add_tcase(s, tc);
    return s;
}
