#!/usr/bin/python3
"""numpy_ref.py - an independent NumPy implementation of parlogit's training.

It is the oracle of the end-to-end tests and the peer of the benchmark
comparison, so it shares no code with parlogit: it parses the IDX files itself
(gzip or plain, magic 0x803 for images, 0x801 for labels) and trains every
(pair, learning rate) model with the plain seed algorithm, in float64:

    x = pixels / 255, w = 0, b = 0
    repeat T times:
        z = X w + b,  p = sigmoid(z),  r = p - y
        grad_w = X^T r / n,  grad_b = mean(r)
        w -= lr grad_w,  b -= lr grad_b

The loss is the mean log-loss, computed stably as mean(logaddexp(0, z) - y z);
a prediction is 1 iff z > 0.  A pair "i-j" gives digit i the label 0 and digit
j the label 1; "i-rest" gives digit i the label 1 and every other digit 0;
"all" stands for the 45 pairs i-j with i < j.

Speed, without changing the math: each model is still two full-batch
matrix-vector products per iteration over its own rows.  What is tuned is only
how NumPy evaluates them.  This NumPy may be linked against the reference
(netlib) BLAS, whose dgemv is unvectorised, so "--matvec auto" times np.dot
against np.einsum (NumPy's own SIMD loops) once at start-up on the real shapes
and uses the faster one for each of the two products.  Independent models run
in --jobs worker processes (default: every CPU this process may use); each
model is computed whole by one process, so the results do not depend on --jobs.
The choice of matvec routine changes only rounding (order of summation).

Output: with --json PATH (or "-" for stdout) a JSON object
    {"rows":   [{"pair", "lr", "iterations", "train_loss", "train_acc",
                 "test_loss", "test_acc", "n_train", "n_test"}, ...],
     "curves": {"PAIR/LR": [loss after 0, 1, ..., T updates], ...},
     "wall_seconds", "train_seconds", "jobs", "matvec", ...}
where LR is repr(float(lr)) (e.g. "0.1", "1.0"); floats are written with
Python's repr, which round-trips exactly.  Without --json a short table goes
to stdout.  Bad input is reported on stderr with the file and byte offset and
exit status 2.
"""

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import time

import numpy as np

IDX_IMAGES = 0x00000803
IDX_LABELS = 0x00000801


class InputError(Exception):
    """A bad file or argument; the message names what and where."""


# ---------------------------------------------------------------- IDX files

def read_idx(path, magic):
    """Reads one IDX file (gzip or plain) with the given magic.

    Returns (dims, payload) where dims are the big-endian sizes after the magic
    and payload a read-only uint8 array of exactly prod(dims) bytes.  Raises
    InputError naming the file and byte offset on a wrong magic, a truncated
    file or trailing bytes.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    ndim = 3 if magic == IDX_IMAGES else 1
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(f"{path}: offset {len(data)}: truncated header "
                         f"(need {header} bytes)")
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        raise InputError(f"{path}: offset 0: magic 0x{got:08x}, expected 0x{magic:08x}")
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim)]
    size = int(np.prod(dims, dtype=np.int64))
    if size == 0:
        raise InputError(f"{path}: offset 4: empty file (dimensions {dims})")
    if len(data) - header < size:
        raise InputError(f"{path}: offset {len(data)}: truncated data "
                         f"(expected {header + size} bytes)")
    if len(data) - header > size:
        raise InputError(f"{path}: offset {header + size}: "
                         f"{len(data) - header - size} trailing bytes")
    return dims, np.frombuffer(data, dtype=np.uint8, count=size, offset=header)


def load_mnist(images_path, labels_path):
    """Returns (pixels uint8 [n, rows*cols], labels uint8 [n]) of an IDX pair."""
    (n, rows, cols), pix = read_idx(images_path, IDX_IMAGES)
    (nl,), lab = read_idx(labels_path, IDX_LABELS)
    if n != nl:
        raise InputError(f"{labels_path}: offset 4: {nl} labels, but "
                         f"{images_path} has {n} images")
    bad = np.flatnonzero(lab > 9)
    if bad.size:
        raise InputError(f"{labels_path}: offset {8 + bad[0]}: label {lab[bad[0]]} > 9")
    return pix.reshape(n, rows * cols), lab


# ---------------------------------------------------------------- arguments

def parse_range(text, n, what):
    """ "A:B" (either end may be left out) -> slice within [0, n], non-empty."""
    parts = text.split(":")
    if len(parts) != 2:
        raise InputError(f"{what}: '{text}' is not A:B")
    try:
        a = int(parts[0]) if parts[0] else 0
        b = int(parts[1]) if parts[1] else n
    except ValueError as exc:
        raise InputError(f"{what}: '{text}' is not A:B") from exc
    if not 0 <= a < b <= n:
        raise InputError(f"{what}: {a}:{b} is not a non-empty range within 0:{n}")
    return slice(a, b)


def parse_pairs(text):
    """ "1-7,0-6,3-rest" or "all" -> list of (name, positive digits, negative digits)."""
    pairs = []
    for tok in text.split(","):
        tok = tok.strip()
        if tok == "all":
            pairs += [(f"{i}-{j}", (j,), (i,)) for i in range(10) for j in range(i + 1, 10)]
            continue
        a, sep, b = tok.partition("-")
        if not sep or not a.isdigit() or len(a) != 1:
            raise InputError(f"--pairs: '{tok}' is not i-j, i-rest or all")
        i = int(a)
        if b == "rest":
            pairs.append((tok, (i,), tuple(d for d in range(10) if d != i)))
        elif b.isdigit() and len(b) == 1 and int(b) != i:
            pairs.append((tok, (int(b),), (i,)))
        else:
            raise InputError(f"--pairs: '{tok}' is not i-j (i != j), i-rest or all")
    return pairs


def parse_list(text, conv, what):
    try:
        vals = [conv(t) for t in text.split(",")]
    except ValueError as exc:
        raise InputError(f"{what}: '{text}' is not a comma-separated list") from exc
    return vals


def lr_key(lr):
    return repr(float(lr))


# ---------------------------------------------------------------- the model

def select(pix, lab, rows, pos, neg):
    """Rows of `rows` whose digit is in pos (y=1) or neg (y=0), in file order.

    Returns (X float64 [n, d] C-contiguous = pixels/255, y float64 [n])."""
    p, l = pix[rows], lab[rows]
    keep = np.isin(l, pos) | np.isin(l, neg)
    X = p[keep].astype(np.float64)
    X /= 255.0
    y = np.isin(l[keep], pos).astype(np.float64)
    return X, y


def make_matvecs(kind):
    """Returns (forward(X, w, out) = X w, backward(X, r, out) = X^T r).

    kind is "blas" (np.dot, whatever BLAS NumPy links) or "einsum" (NumPy's
    own loops) for each of the two products, as a pair of names."""
    fwd = {"blas": lambda X, w, out: np.dot(X, w, out=out),
           "einsum": lambda X, w, out: np.einsum("ij,j->i", X, w, out=out)}
    bwd = {"blas": lambda X, r, out: np.dot(X.T, r, out=out),
           "einsum": lambda X, r, out: np.einsum("ij,i->j", X, r, out=out)}
    return fwd[kind[0]], bwd[kind[1]]


def calibrate(X):
    """Times np.dot against np.einsum for both products on X; returns the faster
    name for each, as (forward, backward)."""
    n, d = X.shape
    w, r = np.full(d, 0.5), np.full(n, 0.5)
    z, g = np.empty(n), np.empty(d)
    best = []
    for which in (0, 1):
        times = {}
        for kind in ("blas", "einsum"):
            f = make_matvecs((kind, kind))[which]
            a, out = (w, z) if which == 0 else (r, g)
            f(X, a, out)
            t = []
            for _ in range(7):
                t0 = time.perf_counter()
                f(X, a, out)
                t.append(time.perf_counter() - t0)
            times[kind] = min(t)
        best.append(min(times, key=times.get))
    return tuple(best)


def log_loss(z, y):
    """Mean log-loss of margins z against labels y, stable for any |z|."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def accuracy(z, y):
    return float(np.mean((z > 0.0) == (y == 1.0)))


def sigmoid(z, out):
    """Stable logistic function: exp is only taken of -|z|."""
    e = np.exp(-np.abs(z))
    np.divide(np.where(z >= 0.0, 1.0, e), 1.0 + e, out=out)
    return out


def train(X, y, Xte, yte, lr, checkpoints, matvec):
    """Full-batch gradient descent from w = b = 0 for max(checkpoints) updates.

    Returns (rows, curve): one dict per checkpoint t (metrics of the weights
    after t updates) and the training loss after 0..T updates."""
    forward, backward = make_matvecs(matvec)
    n, d = X.shape
    T = max(checkpoints)
    want = set(checkpoints)
    w = np.zeros(d)
    b = 0.0
    z, p, g = np.empty(n), np.empty(n), np.empty(d)
    zte = np.empty(Xte.shape[0])
    curve = []
    rows = []
    for t in range(T + 1):
        forward(X, w, z)
        z += b
        loss = log_loss(z, y)
        curve.append(loss)
        if t in want:
            forward(Xte, w, zte)
            zte += b
            rows.append({"iterations": t, "train_loss": loss, "train_acc": accuracy(z, y),
                         "test_loss": log_loss(zte, yte), "test_acc": accuracy(zte, yte)})
        if t == T:
            break
        r = sigmoid(z, p)
        r -= y
        backward(X, r, g)
        g /= n
        w -= lr * g
        b -= lr * float(np.mean(r))
    return rows, curve


# ---------------------------------------------------------------- the sweep

# Set in the parent before the worker processes fork, read by them.
_STATE = {}


def _run_task(task):
    """Trains one (pair index, lr) model; keeps the last pair's arrays."""
    pi, lr = task
    st = _STATE
    if st.get("pi") != pi:
        name, pos, neg = st["pairs"][pi]
        st["pi"] = pi
        st["train"] = select(st["pix"], st["lab"], st["train_rows"], pos, neg)
        st["test"] = select(st["pix"], st["lab"], st["test_rows"], pos, neg)
    (X, y), (Xte, yte) = st["train"], st["test"]
    rows, curve = train(X, y, Xte, yte, lr, st["checkpoints"], st["matvec"])
    return pi, lr, X.shape[0], Xte.shape[0], rows, curve


def sweep(pix, lab, train_rows, test_rows, pairs, lrs, checkpoints, jobs, matvec):
    """Trains every (pair, lr); returns (rows, curves, matvec used)."""
    for name, pos, neg in pairs:
        for rows, what in ((train_rows, "train"), (test_rows, "test")):
            l = lab[rows]
            if not (np.isin(l, pos).any() and np.isin(l, neg).any()):
                raise InputError(f"pair {name}: the {what} rows "
                                 f"{rows.start}:{rows.stop} lack one of its classes")
    if matvec == "auto":
        # The largest pair's training rows stand for the shapes of the sweep.
        X, _ = max((select(pix, lab, train_rows, pos, neg) for _, pos, neg in pairs),
                   key=lambda a: a[0].shape[0])
        matvec = calibrate(X)
        del X
    else:
        matvec = (matvec, matvec)
    _STATE.update(pix=pix, lab=lab, train_rows=train_rows, test_rows=test_rows,
                  pairs=pairs, checkpoints=checkpoints, matvec=matvec)
    tasks = [(pi, lr) for pi in range(len(pairs)) for lr in lrs]
    jobs = max(1, min(jobs, len(tasks)))
    if jobs == 1:
        results = [_run_task(t) for t in tasks]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_run_task, tasks, chunksize=1)
    out_rows, curves = [], {}
    for pi, lr, n_train, n_test, rows, curve in results:
        name = pairs[pi][0]
        for r in rows:
            out_rows.append({"pair": name, "lr": float(lr), **r,
                             "n_train": n_train, "n_test": n_test})
        curves[f"{name}/{lr_key(lr)}"] = curve
    return out_rows, curves, matvec


def print_table(rows, f=sys.stdout):
    f.write(f"{'pair':>8} {'lr':>8} {'iter':>6} {'train_loss':>12} {'train_acc':>9} "
            f"{'test_loss':>12} {'test_acc':>9}\n")
    for r in rows:
        f.write(f"{r['pair']:>8} {r['lr']:>8g} {r['iterations']:>6d} "
                f"{r['train_loss']:>12.6f} {r['train_acc']:>9.4f} "
                f"{r['test_loss']:>12.6f} {r['test_acc']:>9.4f}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", required=True, help="IDX images file (gzip or plain)")
    ap.add_argument("--labels", required=True, help="IDX labels file (gzip or plain)")
    ap.add_argument("--train-rows", default="0:8000", help="A:B rows of the file (default 0:8000)")
    ap.add_argument("--test-rows", default="8000:10000", help="C:D rows (default 8000:10000)")
    ap.add_argument("--pairs", default="1-7", help="i-j, i-rest, all; comma-separated")
    ap.add_argument("--lrs", default="0.1", help="learning rates, comma-separated")
    ap.add_argument("--iterations", default="100", help="checkpoints, comma-separated")
    ap.add_argument("--json", metavar="OUT", help="write JSON here ('-' = stdout)")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                    help="worker processes (default: usable CPUs)")
    ap.add_argument("--matvec", choices=("auto", "blas", "einsum"), default="auto",
                    help="how the products are evaluated (default: the faster, timed)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        lrs = parse_list(args.lrs, float, "--lrs")
        checkpoints = sorted(set(parse_list(args.iterations, int, "--iterations")))
        if any(c < 0 for c in checkpoints):
            raise InputError("--iterations: a checkpoint is negative")
        if not all(np.isfinite(lr) and lr > 0 for lr in lrs):
            raise InputError("--lrs: learning rates must be finite and > 0")
        pairs = parse_pairs(args.pairs)
        pix, lab = load_mnist(args.images, args.labels)
        train_rows = parse_range(args.train_rows, len(lab), "--train-rows")
        test_rows = parse_range(args.test_rows, len(lab), "--test-rows")
        t1 = time.perf_counter()
        rows, curves, matvec = sweep(pix, lab, train_rows, test_rows, pairs, lrs,
                                     checkpoints, args.jobs, args.matvec)
    except InputError as exc:
        print(f"numpy_ref: {exc}", file=sys.stderr)
        return 2
    t2 = time.perf_counter()
    if args.json is None:
        print_table(rows)
        print(f"# {len(pairs)} pairs x {len(lrs)} lrs x {max(checkpoints)} iterations: "
              f"{t2 - t1:.2f} s training, {t2 - t0:.2f} s wall "
              f"(jobs={args.jobs}, matvec={matvec[0]}/{matvec[1]})")
        return 0
    doc = {"rows": rows, "curves": curves,
           "wall_seconds": t2 - t0, "train_seconds": t2 - t1,
           "jobs": args.jobs, "matvec": {"forward": matvec[0], "backward": matvec[1]},
           "train_rows": [train_rows.start, train_rows.stop],
           "test_rows": [test_rows.start, test_rows.stop],
           "numpy": np.__version__}
    if args.json == "-":
        json.dump(doc, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        with open(args.json, "w", encoding="ascii") as f:
            json.dump(doc, f, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
