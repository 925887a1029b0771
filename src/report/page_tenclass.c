/*
 * page_tenclass.c - the ten-class section of report.html: for every ovr and
 * softmax task of the run, its chosen model's weight maps, its confusion
 * matrix on the test set (counts and row-normalized), its most frequent
 * confusions and the test row it got most confidently wrong, each picture
 * with a caption that says how to read it.  tenclass.c prepares and draws
 * them (draw.h), as jobs of the page's table; this file only writes the
 * page.  See page.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "parlogit/plot.h"
#include "report/draw.h"
#include "report/page.h"
#include "util/util.h"

/* "0-9" for all ten classes, else the list "0, 1, 2". */
static void class_list(const pl_class_eval *ev, pl_task t, char *buf, size_t len)
{
    if ((t.classes & PL_ALL_CLASSES) == PL_ALL_CLASSES) {
        snprintf(buf, len, "0-9");
        return;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < ev->k && n + 4 < len; k++)
        n += (size_t)snprintf(buf + n, len - n, k ? ", %d" : "%d", ev->classes[k]);
}

static void weights_caption(const pl_class_job *j, char *cap, size_t len)
{
    const pl_class_pictures *cp = &j->cp;
    double m = 0;
    for (size_t i = 0; i < (size_t)j->m.k * j->m.dim; i++)
        m = fmax(m, fabs(j->m.w[i]));
    const char *how = cp->model.task.kind == PL_KIND_SOFTMAX
        ? "A softmax model predicts the class of the largest logit z_k and only the "
          "differences between maps decide: a pixel that is blue in one map and red in another "
          "is what tells those two classes apart."
        : "Each map is a binary model of its class against the other classes (one-vs-rest); "
          "the prediction is the class whose model gives the largest logit.";
    snprintf(cap, len, "The weights of each class's output as an image, all %d maps on one "
             "colour scale symmetric around 0, \u00b1%.3g (the largest |weight| of all of them; "
             "the colour bar). Ink on a blue pixel raises that class's logit z_k, ink on a red "
             "pixel lowers it; white pixels do not matter. %s", cp->ev.k, m, how);
}

static void section(pl_page *b, const pl_run_dir *r, const pl_class_job *j)
{
    const pl_class_pictures *cp = &j->cp;
    const pl_class_eval *ev = &cp->ev;
    char task[PL_TASK_NAME_MAX], name[64], lr[32], list[48], cap[900];
    pl_task_name(cp->model.task, task);
    pl_result_row_name(&cp->model, name);
    class_list(ev, cp->model.task, list, sizeof list);
    fprintf(b->f, "<h3 id=\"class-%s\">%s (%s over classes %s)</h3>\n<p>", task, task,
            cp->model.task.kind == PL_KIND_SOFTMAX ? "softmax" : "one-vs-rest", list);
    fprintf(b->f, "Model drawn: <code>%s</code>, learning rate %s, %d iterations (%s); "
            "training accuracy %.2f%%, test accuracy %.2f%%. ", name,
            pl_fmt_double(lr, cp->model.lr), cp->model.iterations,
            r->nbest ? "the choice in best.csv" : "the highest test accuracy of the run",
            100 * cp->model.train_acc, 100 * cp->model.test_acc);
    if (ev->rows)
        fprintf(b->f, "On the %zu test images of its classes it is right %zu times. Any test "
                "image can be explained with <code>parlogit explain RUN_DIR --model %s --row "
                "ROW</code>.</p>\n", ev->rows, ev->correct, name);
    else
        fputs("</p>\n", b->f);
    weights_caption(j, cap, sizeof cap);
    pl_page_figure(b, cp->weights, "weight maps of each class", cap);
    if (!ev->rows) {
        pl_page_note(b, "The run has no test images of this model's classes: its confusion "
                        "matrix and examples are left out.");
        return;
    }
    snprintf(cap, sizeof cap, "The confusion matrix on the %zu test images: row = the actual "
             "class, column = the predicted one, cell = number of images. The diagonal counts "
             "the right answers (%zu); the largest cells off it are the model's confusions.",
             ev->rows, ev->correct);
    pl_page_figure(b, cp->counts, "confusion matrix, counts", cap);
    pl_page_figure(b, cp->shares, "confusion matrix, row-normalized",
                   "The same counts divided by each row's total: the diagonal is the share of "
                   "each class recognized (its recall), the rest of a row where its other "
                   "images went. A gray row has no test images.");
    if (cp->confusions[0]) {
        snprintf(cap, sizeof cap, "The %d most frequent confusions (off-diagonal cells), "
                 "largest first, each with the image of that cell the model was surest of: "
                 "\"actual as predicted: number of images\", then the probability it gave the "
                 "wrong class and the image's row in the images file.", ev->ntop);
        pl_page_figure(b, cp->confusions, "most frequent confusions", cap);
    }
    char digit[16];
    snprintf(cap, sizeof cap, "Test row %u, a %s, %s: the probability of each class. Blue is "
             "the prediction, green the true label, gray the other classes; the values are "
             "written above the bars.%s", (unsigned)ev->example.orig,
             pl_class_name(ev->example.label, digit),
             ev->example.wrong ? "the image the model got most confidently wrong"
                               : "the closest call (no test image was wrong)",
             cp->model.task.kind == PL_KIND_OVR
                 ? " For ovr the K one-vs-rest probabilities are divided by their sum." : "");
    pl_page_figure(b, cp->probs, "class probabilities of one test image", cap);
    pl_page_figure(b, cp->panel, "why the model predicts what it does",
                   "Why: the image (left), each class's weights (top row, one shared colour "
                   "scale) and each pixel's ink times that weight (bottom row, another shared "
                   "scale); each row's scale is written above it. "
                   "A bottom map's sum plus the bias is the class's logit z; the "
                   "probabilities follow from the logits. Blue ink in the predicted column is "
                   "the evidence that won; compare it with the true class's column.");
}

int pl_page_tenclass(pl_page *b, const pl_run_dir *r, const pl_dataset *test, pl_error *e)
{
    if (!r->nmulti)
        return PL_OK;
    fputs("<h2 id=\"tenclass\">Ten-class models</h2>\n<p>Models that tell all their classes "
          "apart at once: one output per class, one weight map per output, and the class of "
          "the largest output is the prediction. They are judged on the run's test images of "
          "their classes.</p>\n<nav>", b->f);
    for (int k = 0; k < r->nmulti; k++) {
        char name[PL_TASK_NAME_MAX];
        pl_task_name(r->multi[k], name);
        fprintf(b->f, "<a href=\"#class-%s\">%s</a> ", name, name);
    }
    fputs("</nav>\n", b->f);
    int rc = PL_OK;
    for (int k = 0; !rc && k < r->nmulti; k++) {
        pl_class_job *j = pl_jobs_keep(b->jobs, sizeof *j, pl_class_job_free, e);
        if (!j)
            return PL_ENOMEM;
        rc = pl_class_prepare(r, test, r->multi[k], j, e);
        for (int step = 0; !rc && step < PL_CLASS_STEPS; step++)
            if (*pl_class_step_path(j, step))
                rc = pl_jobs_add(b->jobs, pl_class_draw, j, step, e);
        if (!rc)
            section(b, r, j);
        if (!rc && b->cv)
            rc = pl_page_loss_curves(b, r->multi[k], b->cv, b->ncv, 0,
                                     "The training loss after each update, one line per "
                                     "learning rate (or per C of L-BFGS), on a log scale whose "
                                     "top is the starting loss (a first updates' spike above it "
                                     "is clipped and marked): the seeds' cost plot for the "
                                     "ten-class model. A line that stops early diverged.", e);
        if (!rc)
            rc = pl_page_path(b, r, r->multi[k], e);
        if (!rc)
            rc = pl_page_sparsity(b, r, r->multi[k], test, e);
    }
    return rc;
}
