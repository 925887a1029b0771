#!/usr/bin/python3
"""bench_softmax.py - the ten-class softmax sweep, timed as a whole process, against NumPy.

    bench_softmax.py [BUILD_DIR] [--runs N] [--quick] [--no-numpy] [--jobs N]
                     [--threads N] [--full-columns] [--data DIR] [--ceilings FILE]
                     [--json PATH] [--keep]

The sweep: MNIST's 10k set (data/mnist/t10k-*; rows 0:8000 train, 8000:10000
test), one softmax (multinomial) model over the ten digits per learning rate
{0.1, 0.5, 1}, checkpoints at {100, 500, 1000} iterations ({10, 50} with
--quick).  Full-batch gradient descent from W = 0, b = 0 on the mean
cross-entropy, x = pixel / 255.

parlogit: the script writes the sweep's config into a new temporary directory
and runs `BUILD_DIR/parlogit train CONFIG --quiet --out DIR` N times (default
5), each into a new DIR (deleted at the end unless --keep; parlogit's one-line
stderr report is shown only if it fails); it reports the best and the median wall time of the
whole process, and the training seconds of summary.json.  All runs must give
the same results.csv figures (but the seconds).

Useful GFLOP/s of the training: per iteration 4 flops (a multiply-add in the
forward and one in the backward, 2 flops each) per non-zero training pixel per
model output, i.e. 4 x nnz(train) x (models x 10) x iterations / seconds, as a
share of the measured FMA peak (ceilings.txt: fma_peak_<simd parlogit used> at
the thread count it used; bench_fused uses the same reference for the sparse
kernels).

NumPy (unless --no-numpy): the same sweep in float64 in this script (an
independent implementation: its own IDX reader, the same math), one process per
learning rate (--jobs), each training its rate once to the largest count and
recording every checkpoint on the way.  The two products per iteration,
X W^T (n x 10) and R^T X (10 x d), are matrix products over the columns that are
non-zero in some training row (all 784 with --full-columns; dropping the others
is exact: their gradient is 0, so their weights stay 0), evaluated with np.dot
or np.einsum, whichever is faster here (timed once at start-up).  Its wall time,
from the start of this stage (data, timing, processes) to the last result,
divided by parlogit's median whole-process time is the headline ratio.  Every
checkpoint must agree: train loss within 1e-4 relative, test accuracy within
0.002; otherwise the exit status is 1.  If scikit-learn is importable, its
LogisticRegression (defaults: lbfgs, 100 iterations) is fitted once on the same
split; if not, the issue's figure (0.921) is quoted.

Output: a table, "softmax key=value" lines, and with --json PATH a JSON object.
Exit status: 0, 1 when the agreement fails, 2 on a missing file or bad input.
Performance targets (>= 40x, >= 60 % of peak) are printed, not enforced.
"""
import argparse
import concurrent.futures
import csv
import gzip
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "data", "mnist")
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
TRAIN, TEST = (0, 8000), (8000, 10000)
LRS = [0.1, 0.5, 1.0]
ITERS, QUICK_ITERS = [100, 500, 1000], [10, 50]
K = 10
LOSS_RTOL, ACC_TOL = 1e-4, 0.002
TARGET_RATIO, TARGET_PEAK = 40.0, 0.60
SKLEARN_ISSUE_ACC = 0.921

CONFIG = """\
; written by bench/bench_softmax.py
[data]
dir = {data}
train_images = {images}
train_labels = {labels}
split = rows
train_rows = {tr0}:{tr1}
test_rows = {te0}:{te1}

[task]
multiclass = softmax
classes = 0-9
pairs = none

[train]
learning_rates = {lrs}
iterations = {iters}

[engine]
threads = auto
bind = core
simd = auto

[output]
plots = false
"""


class Missing(Exception):
    """A file the benchmark needs is not there; the message says what to do."""


# ---------------------------------------------------------------- data

def read_idx(path, magic, ndim):
    try:
        raw = open(path, "rb").read()
    except OSError as exc:
        raise Missing(f"{path}: cannot read ({exc.strerror}); run `make data` "
                      f"(or `parlogit fetch`) first") from exc
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    head = 4 + 4 * ndim
    if len(raw) < head or int.from_bytes(raw[:4], "big") != magic:
        raise Missing(f"{path}: not an IDX file of magic 0x{magic:08x}")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    size = int(np.prod(dims))
    if len(raw) - head != size:
        raise Missing(f"{path}: {len(raw) - head} data bytes, expected {size}")
    return dims, np.frombuffer(raw, np.uint8, count=size, offset=head)


def load(images, labels):
    (n, r, c), pix = read_idx(images, 0x803, 3)
    (nl,), lab = read_idx(labels, 0x801, 1)
    if nl != n:
        raise Missing(f"{labels}: {nl} labels for {n} images")
    return pix.reshape(n, r * c), lab.astype(np.int64)


def training_matrix(pix, full_columns):
    """(X float64 n x d, the kept columns) of the training rows."""
    p = pix[TRAIN[0]:TRAIN[1]]
    cols = np.arange(p.shape[1]) if full_columns else np.flatnonzero(p.any(axis=0))
    X = p[:, cols].astype(np.float64)
    X /= 255.0
    return np.ascontiguousarray(X), cols


# ---------------------------------------------------------------- NumPy peer

def forward(kind, XT, W):
    """U^T = W X^T (K x n)."""
    if kind == "dot":
        return np.dot(W, XT)
    return np.einsum("jk,ji->ki", np.ascontiguousarray(W.T), XT)


def backward(kind, X, RT):
    """R^T X (K x d)."""
    if kind == "dot":
        return np.dot(RT, X)
    return np.einsum("ik,ij->kj", np.ascontiguousarray(RT.T), X)


def calibrate(X):
    """The faster of dot / einsum for each product, and their times (s)."""
    XT = np.ascontiguousarray(X.T)
    W, RT = np.full((K, X.shape[1]), 0.01), np.full((K, X.shape[0]), 0.01)
    times = {}
    for which, f in (("forward", lambda k: forward(k, XT, W)),
                     ("backward", lambda k: backward(k, X, RT))):
        for kind in ("dot", "einsum"):
            f(kind)
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                f(kind)
                best = min(best, time.perf_counter() - t0)
            times[(which, kind)] = best
    pick = tuple(min(("dot", "einsum"), key=lambda k: times[(w, k)])
                 for w in ("forward", "backward"))
    return pick, {f"{w}_{k}": v for (w, k), v in times.items()}


def loss_acc(UT, y):
    m = UT.max(axis=0)
    E = np.exp(UT - m)
    S = E.sum(axis=0)
    loss = float(np.mean(np.log(S) + m - UT[y, np.arange(y.shape[0])]))
    acc = float(np.mean(np.argmax(UT, axis=0) == y))
    return loss, acc, E, S


def numpy_model(job):
    """Trains one learning rate to max(iters); the metrics at every checkpoint."""
    t_start = time.perf_counter()
    pix, lab = load(job["images"], job["labels"])
    X, cols = training_matrix(pix, job["full_columns"])
    XT = np.ascontiguousarray(X.T)
    y = lab[TRAIN[0]:TRAIN[1]]
    XteT = np.ascontiguousarray(pix[TEST[0]:TEST[1]][:, cols].astype(np.float64).T / 255.0)
    yte = lab[TEST[0]:TEST[1]]
    n, d = X.shape
    YT = np.zeros((K, n))
    YT[y, np.arange(n)] = 1.0
    lr, fwd, bwd = job["lr"], job["products"][0], job["products"][1]
    want, T = set(job["iters"]), max(job["iters"])
    W, b = np.zeros((K, d)), np.zeros(K)
    rows = []
    t0 = time.perf_counter()
    for t in range(T + 1):
        UT = forward(fwd, XT, W)
        UT += b[:, None]
        loss, acc, E, S = loss_acc(UT, y)
        if t in want:
            Ute = np.dot(W, XteT) + b[:, None]
            tl, ta, _, _ = loss_acc(Ute, yte)
            rows.append({"iterations": t, "train_loss": loss, "train_acc": acc,
                         "test_loss": tl, "test_acc": ta})
        if t == T:
            break
        RT = E / S
        RT -= YT
        gW = backward(bwd, X, RT)
        gW /= n
        W -= lr * gW
        b -= lr * RT.mean(axis=1)
    t1 = time.perf_counter()
    return {"lr": lr, "rows": rows, "train_seconds": t1 - t0,
            "process_seconds": t1 - t_start, "n_train": n, "n_test": int(yte.shape[0]),
            "columns": int(d)}


def blas_info():
    """Which BLAS this NumPy uses, as far as can be told."""
    try:
        import threadpoolctl   # noqa: F401  (optional)
        info = threadpoolctl.threadpool_info()
        blas = [f"{i.get('internal_api')} {i.get('version') or ''} ({i.get('filepath')}, "
                f"{i.get('num_threads')} threads)" for i in info if i.get("user_api") == "blas"]
        if blas:
            return "; ".join(blas)
    except ImportError:
        pass
    libs = set()
    try:
        np.dot(np.ones((4, 4)), np.ones((4, 4)))       # make sure it is loaded
        for line in open("/proc/self/maps"):
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path).lower()
            if re.search(r"blas|lapack|mkl|blis|atlas|flexiblas", base):
                libs.add(os.path.realpath(path))
    except OSError:
        pass
    names = []
    for p in sorted(libs):
        low = p.lower()
        if "openblas" in low:
            kind = "OpenBLAS"
        elif "mkl" in low:
            kind = "MKL"
        elif "blis" in low:
            kind = "BLIS"
        elif "atlas" in low:
            kind = "ATLAS"
        elif "flexiblas" in low:
            kind = "FlexiBLAS"
        elif "lapack" in low:
            continue
        elif re.search(r"/blas/libblas\.so", low):
            kind = "reference BLAS (netlib)"
        else:
            kind = "BLAS"
        names.append(f"{kind} ({p})")
    return "; ".join(names) if names else "unknown"


def run_numpy(images, labels, iters, jobs, full_columns):
    t0 = time.perf_counter()
    pix, _ = load(images, labels)
    X, cols = training_matrix(pix, full_columns)
    products, times = calibrate(X)
    del X, pix
    cpus = len(os.sched_getaffinity(0))
    jobs = max(1, min(jobs or len(LRS), len(LRS)))
    # The workers are spawned (a fresh interpreter each), so a threaded BLAS
    # reads its thread count at start-up: cpus / jobs each unless the caller set
    # one.  They do not inherit bench.mk's OpenMP binding, which would pin every
    # process's first thread to the same core.
    env_saved = dict(os.environ)
    per = str(max(1, cpus // jobs))
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "BLIS_NUM_THREADS"):
        os.environ.setdefault(v, per)
    for v in ("OMP_PROC_BIND", "OMP_PLACES"):
        os.environ.pop(v, None)
    base = {"images": images, "labels": labels, "iters": iters, "products": products,
            "full_columns": full_columns}
    try:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            models = list(pool.map(numpy_model, [dict(base, lr=lr) for lr in LRS]))
    finally:
        os.environ.clear()
        os.environ.update(env_saved)
    return {"wall_seconds": time.perf_counter() - t0, "models": models, "jobs": jobs,
            "cpus": cpus, "products": {"forward": products[0], "backward": products[1]},
            "product_seconds": times, "columns": int(len(cols)),
            "column_mode": "all 784" if full_columns else "non-zero in some training row",
            "blas": blas_info(), "numpy": np.__version__}


def run_sklearn(pix, lab):
    """(accuracy, seconds, note) of scikit-learn's default LogisticRegression, or None."""
    try:
        import warnings
        from sklearn.linear_model import LogisticRegression
        import sklearn
    except ImportError:
        return None
    X = pix[TRAIN[0]:TRAIN[1]].astype(np.float64) / 255.0
    Xt = pix[TEST[0]:TEST[1]].astype(np.float64) / 255.0
    clf = LogisticRegression()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, lab[TRAIN[0]:TRAIN[1]])
    secs = time.perf_counter() - t0
    acc = float(np.mean(clf.predict(Xt) == lab[TEST[0]:TEST[1]]))
    it = int(np.max(clf.n_iter_))
    return {"accuracy": acc, "seconds": secs, "version": sklearn.__version__,
            "solver": clf.solver, "max_iter": clf.max_iter, "n_iter": it}


# ---------------------------------------------------------------- parlogit

def read_results(path):
    out = {}
    for row in csv.DictReader(open(path)):
        if row.get("status", "ok") != "ok" or row["pair"] != "softmax":
            continue
        out[(float(row["lr"]), int(row["iterations"]))] = {
            k: float(row[k]) for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
    return out


def run_parlogit(build, data, runs, iters, threads, top):
    exe = os.path.join(build, "parlogit")
    if not os.access(exe, os.X_OK):
        raise Missing(f"{exe}: not found; build it first (`make BUILD={build}`)")
    cfg = os.path.join(top, "softmax-bench.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(data=data, images=IMAGES, labels=LABELS, tr0=TRAIN[0],
                              tr1=TRAIN[1], te0=TEST[0], te1=TEST[1],
                              lrs=", ".join(f"{lr:g}" for lr in LRS),
                              iters=", ".join(map(str, iters))))
    walls, summaries, results = [], [], []
    for i in range(runs):
        out = os.path.join(top, f"run{i + 1}")
        cmd = [exe, "train", cfg, "--quiet", "--out", out]
        if threads:
            cmd += ["--threads", str(threads)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
        walls.append(time.perf_counter() - t0)
        if proc.returncode:
            sys.stderr.write(proc.stderr.decode(errors="replace"))
            raise subprocess.CalledProcessError(proc.returncode, cmd)
        summaries.append(json.load(open(os.path.join(out, "summary.json"))))
        results.append(read_results(os.path.join(out, "results.csv")))
    return walls, summaries, results


# ---------------------------------------------------------------- figures

def ceilings(path):
    out = {}
    try:
        for line in open(path):
            m = re.match(r"ceiling name=(\S+) threads=(\d+) value=([0-9.]+)", line)
            if m:
                out[(m.group(1), int(m.group(2)))] = float(m.group(3))
    except OSError:
        pass
    return out


def fused_kernels(path):
    """bench_fused's sparse kernel figures (fused.txt), {simd: (fwd, bwd, peak)}."""
    out = {}
    try:
        lines = open(path).readlines()
    except OSError:
        return out
    for line in lines:
        if line.startswith("fused simd="):
            kv = dict(t.split("=", 1) for t in line.split()[1:] if "=" in t)
            try:
                out[kv["simd"]] = tuple(float(kv[k]) for k in ("sparse_fwd", "sparse_bwd", "peak"))
            except (KeyError, ValueError):
                pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", nargs="?", default="build", help="build directory (default build)")
    ap.add_argument("--runs", type=int, default=5, help="parlogit runs (default 5)")
    ap.add_argument("--quick", action="store_true", help="iterations {10, 50} on both sides")
    ap.add_argument("--no-numpy", action="store_true",
                    help="parlogit only: no NumPy, no scikit-learn, no agreement check")
    ap.add_argument("--jobs", type=int, default=0,
                    help="NumPy processes (default: one per learning rate)")
    ap.add_argument("--threads", type=int, default=0,
                    help="parlogit --threads (default: the config's auto)")
    ap.add_argument("--full-columns", action="store_true",
                    help="NumPy over all 784 columns, not only the non-zero ones")
    ap.add_argument("--data", default=DATA, help="MNIST directory (default data/mnist)")
    ap.add_argument("--ceilings", help="ceilings file (default BUILD/bench/ceilings.txt)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--keep", action="store_true", help="keep parlogit's run directories")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    build = os.path.abspath(args.build)
    iters = QUICK_ITERS if args.quick else ITERS
    T = max(iters)
    data = os.path.abspath(args.data)
    images, labels = os.path.join(data, IMAGES), os.path.join(data, LABELS)
    try:
        pix, lab = load(images, labels)
    except Missing as exc:
        print(f"bench_softmax: {exc}", file=sys.stderr)
        return 2
    nnz = int(np.count_nonzero(pix[TRAIN[0]:TRAIN[1]]))
    ntrain_px = (TRAIN[1] - TRAIN[0]) * pix.shape[1]

    top = tempfile.mkdtemp(prefix="bench_softmax.")
    try:
        walls, sums, results = run_parlogit(build, data, args.runs, iters, args.threads, top)
    except Missing as exc:
        shutil.rmtree(top, ignore_errors=True)
        print(f"bench_softmax: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"bench_softmax: parlogit failed (exit {exc.returncode}); its config and run "
              f"directories are kept in {top}", file=sys.stderr)
        return 2
    if not args.keep:
        shutil.rmtree(top, ignore_errors=True)
    trains = [s.get("seconds", float("nan")) for s in sums]
    best_i = min(range(args.runs), key=lambda i: walls[i])
    best, median = walls[best_i], statistics.median(walls)
    s0 = sums[best_i]
    threads, simd = s0.get("threads"), s0.get("simd")
    same = all(r == results[0] for r in results)
    res = results[best_i]
    models = len(LRS)
    useful = 4.0 * nnz * models * K * T
    dense = 4.0 * ntrain_px * models * K * T
    tbest, tmed = min(trains), statistics.median(trains)
    c = ceilings(args.ceilings or os.path.join(build, "bench", "ceilings.txt"))
    peak = c.get((f"fma_peak_{simd}", threads)) if simd in ("avx2", "avx512") else \
        c.get(("fma_peak_avx2", threads))
    fk = fused_kernels(os.path.join(build, "bench", "fused.txt"))

    print(f"softmax sweep: 10 classes x learning rates {{{', '.join(f'{x:g}' for x in LRS)}}} "
          f"x iterations {{{', '.join(map(str, iters))}}}; MNIST 10k, rows "
          f"{TRAIN[0]}:{TRAIN[1]} train, {TEST[0]}:{TEST[1]} test")
    print(f"parlogit ({build}/parlogit): strategy {s0.get('strategy')}, simd {simd}, "
          f"{threads} threads, density {s0.get('density', float('nan')):.3f}")
    print(f"  whole process, {args.runs} runs: best {best:.3f} s, median {median:.3f} s")
    print("  runs (whole / training): " +
          ", ".join(f"{w:.2f}/{t:.2f}" for w, t in zip(walls, trains)) + " s")
    if not same:
        print("  NOTE: the runs' results.csv figures differ from one another")
    print(f"  useful work: 4 x {nnz} non-zero training pixels x {models * K} outputs x {T} "
          f"iterations = {useful / 1e9:.1f} GFLOP")
    g_best, g_med = useful / tbest / 1e9, useful / tmed / 1e9
    if peak:
        print(f"  {g_best:.1f} GFLOP/s in the fastest training ({tbest:.3f} s), {g_med:.1f} at "
              f"the median ({tmed:.3f} s) = {100 * g_best / peak:.0f} % / "
              f"{100 * g_med / peak:.0f} % of the {peak:.0f} GFLOP/s fma_peak_{simd} at "
              f"{threads} threads (target >= {100 * TARGET_PEAK:.0f} %: "
              f"{'met' if g_best / peak >= TARGET_PEAK else 'not met'})")
    else:
        print(f"  {g_best:.1f} GFLOP/s in the fastest training ({tbest:.3f} s), {g_med:.1f} at "
              f"the median; no fma_peak_{simd} threads={threads} in the ceilings file "
              f"(run `make -f bench/bench.mk BUILD={args.build} ceilings`)")
    print(f"  dense-equivalent ({ntrain_px} pixels): {dense / tbest / 1e9:.1f} GFLOP/s")
    if simd in fk:
        f_, b_, pk = fk[simd]
        print(f"  (bench_fused, one core, digit 3: sparse forward {f_:.1f}, backward {b_:.1f} "
              f"GFLOP/s = {100 * f_ / pk:.0f} % / {100 * b_ / pk:.0f} % of its 1-thread peak)")
    bsel = next((b for b in s0.get("best", []) if b.get("kind") == "softmax"), None)
    top_acc = max(res.items(), key=lambda kv: kv[1]["test_acc"])
    if bsel:
        print(f"  best checkpoint (parlogit's choice, on the training rows): {bsel['model']}, "
              f"test accuracy {bsel['test_acc']:.4f}")
    print(f"  highest test accuracy of any checkpoint: {top_acc[1]['test_acc']:.4f} "
          f"(lr {top_acc[0][0]:g}, {top_acc[0][1]} iterations)")
    print(f"softmax wall_s={best:.3f} median_wall_s={median:.3f} train_s={tbest:.3f} "
          f"median_train_s={tmed:.3f} useful_gflops={g_best:.2f} "
          f"peak_gflops={peak or float('nan'):.2f} "
          f"peak_share={(g_best / peak) if peak else float('nan'):.3f} "
          f"threads={threads} simd={simd} iterations={T}")

    doc = {"sweep": {"lrs": LRS, "iterations": iters, "train_rows": TRAIN, "test_rows": TEST},
           "parlogit": {"walls": walls, "train_seconds": trains, "best_wall": best,
                        "median_wall": median, "threads": threads, "simd": simd,
                        "strategy": s0.get("strategy"), "density": s0.get("density"),
                        "runs_identical": same, "useful_gflop": useful / 1e9,
                        "useful_gflops_best": g_best, "useful_gflops_median": g_med,
                        "peak_gflops": peak, "best": bsel,
                        "results": [{"lr": k[0], "iterations": k[1], **v}
                                    for k, v in sorted(res.items())]}}
    rc = 0
    if not args.no_numpy:
        print(f"NumPy: training {len(LRS)} learning rates to {T} iterations (takes minutes "
              f"for the full sweep) ...", flush=True)
        npd = run_numpy(images, labels, iters, args.jobs, args.full_columns)
        ratio = npd["wall_seconds"] / median
        pt = npd["product_seconds"]
        per_it = [m["train_seconds"] / T for m in npd["models"]]
        np_flops = 4.0 * npd["models"][0]["n_train"] * npd["columns"] * K
        print(f"  NumPy {npd['numpy']}, float64, BLAS: {npd['blas']}")
        print(f"  {npd['jobs']} processes on {npd['cpus']} CPUs; products over "
              f"{npd['columns']} columns ({npd['column_mode']}); forward by "
              f"{npd['products']['forward']}, backward by {npd['products']['backward']} "
              f"(alone, one core: forward dot {1e3 * pt['forward_dot']:.1f} / einsum "
              f"{1e3 * pt['forward_einsum']:.1f} ms, backward dot "
              f"{1e3 * pt['backward_dot']:.1f} / einsum {1e3 * pt['backward_einsum']:.1f} ms)")
        print("  per model iteration, in the sweep: " +
              ", ".join(f"{1e3 * t:.1f}" for t in per_it) + " ms (" +
              ", ".join(f"{np_flops / t / 1e9:.1f}" for t in per_it) +
              " GFLOP/s of float64 products)")
        print(f"  NumPy wall {npd['wall_seconds']:.1f} s / parlogit median {median:.3f} s = "
              f"{ratio:.1f}x (best run: {npd['wall_seconds'] / best:.1f}x; target >= "
              f"{TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'not met'})")
        print(f"  {'lr':>5} {'iter':>5} {'train loss parlogit':>19} {'NumPy':>10} {'rel':>8}"
              f"  {'test acc parlogit':>17} {'NumPy':>7} {'diff':>7}")
        worst_l = worst_a = 0.0
        ok_all, checked = True, 0
        for m in npd["models"]:
            for r in m["rows"]:
                key = (float(m["lr"]), r["iterations"])
                p = res.get(key)
                if p is None:
                    print(f"  {key[0]:>5g} {key[1]:>5}  missing in parlogit's results.csv")
                    ok_all = False
                    continue
                rel = abs(p["train_loss"] - r["train_loss"]) / abs(r["train_loss"])
                da = abs(p["test_acc"] - r["test_acc"])
                ok = rel <= LOSS_RTOL and da <= ACC_TOL + 1e-12
                ok_all &= ok
                checked += 1
                worst_l, worst_a = max(worst_l, rel), max(worst_a, da)
                print(f"  {key[0]:>5g} {key[1]:>5} {p['train_loss']:>19.6f} "
                      f"{r['train_loss']:>10.6f} {rel:>8.1e}  {p['test_acc']:>17.4f} "
                      f"{r['test_acc']:>7.4f} {da:>7.4f}{'' if ok else '  FAIL'}")
        if checked != len(LRS) * len(iters):
            ok_all = False
        print(f"  agreement ({checked} checkpoints; train loss within {LOSS_RTOL:g} relative, "
              f"test accuracy within {ACC_TOL:g}): {'ok' if ok_all else 'FAILED'}; worst "
              f"{worst_l:.1e} relative, {worst_a:.4f}")
        sk = run_sklearn(pix, lab)
        if sk:
            print(f"  scikit-learn {sk['version']} LogisticRegression() (defaults: "
                  f"{sk['solver']}, max_iter {sk['max_iter']}, {sk['n_iter']} used): test "
                  f"accuracy {sk['accuracy']:.4f} in {sk['seconds']:.2f} s")
        else:
            print(f"  scikit-learn is not installed here; the issue quotes "
                  f"LogisticRegression(multinomial, lbfgs, 100 iterations) at "
                  f"{SKLEARN_ISSUE_ACC} test accuracy on this split")
        print(f"softmax numpy_wall_s={npd['wall_seconds']:.2f} ratio={ratio:.1f} "
              f"numpy_ms_per_iter={1e3 * statistics.median(per_it):.2f} "
              f"checkpoints={checked} max_loss_rel={worst_l:.2e} max_acc_diff={worst_a:.4f} "
              f"agree={int(ok_all)}")
        doc["numpy"] = npd
        doc["ratio"] = ratio
        doc["agreement"] = {"ok": ok_all, "checkpoints": checked, "max_loss_rel": worst_l,
                            "max_test_acc_diff": worst_a}
        doc["sklearn"] = sk or {"quoted_accuracy": SKLEARN_ISSUE_ACC, "installed": False}
        rc = 0 if ok_all else 1
    if args.keep:
        print(f"(parlogit's config and run directories are kept in {top})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
