#!/usr/bin/python3
"""tenclass_ref.py - an independent NumPy implementation of parlogit's ten-class models.

It is an oracle for parlogit's multiclass tasks ("softmax" and "ovr"), so it
shares no code with parlogit: it parses the IDX files itself (gzip or plain,
magic 0x803 for images, 0x801 for labels, labels 0..9) and computes in float64.

Data.  --rows A:B selects the rows A..B-1 of the images file (half-open; either
end may be left out; default all rows).  --classes is a range "0-9" or a comma
list "0,1,2" (tokens may be mixed, "0-3,7"; at least 2 distinct digits); only
the rows whose label is one of the classes take part, in file order.  The K
classes in ascending order c_0 < ... < c_{K-1} give output k its class c_k, and
y_i is the output index of row i's class.  x = pixels / pixel_max (--pixel-max,
default 255), float64; n is the number of rows taken, dim = rows * cols.

kind "softmax" (multinomial): W (K x dim) = 0, b (K) = 0; each update
    U = X W^T + b                                    (n x K)
    P = softmax(U) row-wise, stably: exp(U_i - max U_i) / sum_k exp(U_ik - max U_i)
    loss = mean_i (logsumexp(U_i) - U_i[y_i])        (logsumexp stable the same way)
    R = P - Y                                         (Y one-hot of y)
    grad_W = R^T X / n,  grad_b = mean_i R_i
    W -= lr grad_W,  b -= lr grad_b
  prediction: argmax_k U_ik (the first index on ties); probabilities: P.

kind "ovr" (one-vs-rest): K independent binary models on the same n rows,
  model k with target t_ik = 1 if row i's class is c_k, else 0; each update,
  for all k at once (Z = X W^T + b, n x K):
    z = X w_k + b_k,  s = sigmoid(z),  r = s - t
    grad_w = X^T r / n,  grad_b = mean(r)
    w_k -= lr grad_w,  b_k -= lr grad_b
  loss = SUM over k of the K binary mean log-losses, each computed stably as
  mean_i (logaddexp(0, z_ik) - t_ik z_ik); prediction: argmax_k z_ik (the first
  index on ties); probabilities as scikit-learn's OvR: q_k = sigmoid(z_k),
  p_k = q_k / sum_j q_j (evaluated as a softmax of log q_k = -logaddexp(0, -z_k),
  which is the same number without underflow).

The loss curve is the training loss at 0, 1, ..., T updates: T+1 values, each
at the weights before an update, the last after the final update.  The loss of
the test rows is the same formula over those rows (for ovr the sum of the K
binary mean log-losses there) at the final weights; accuracies are the fraction
of rows whose prediction is their class; the confusion matrix counts test rows
[actual output index][predicted output index], K x K.

Speed, without changing the math: the two products per update (X W^T and
R^T X) are evaluated with np.einsum (NumPy's own loops) on row- and
column-major copies of X, or with np.dot where that is faster (a tuned BLAS);
which is decided by timing both once on a slice of the training rows.  Pixel
columns that are zero in every training row are left out of training: their
gradient is exactly 0, so their weights stay exactly 0 and the results are the
same; they are 0 in the final W used on the test rows.  These choices change
only rounding (order of summation).

Subcommand train:
  tenclass_ref.py train --images F --labels F [--rows A:B] [--test-rows A:B]
      [--classes 0-9] --kind softmax|ovr --lr X --iterations T
      [--pixel-max 255] [--json PATH|-]
  trains on --rows, evaluates on --test-rows (rows of the same files), and
  writes a JSON object (with --json; "-" = stdout; otherwise a short summary):
    {"kind", "classes": [c_0, ...], "lr", "iterations", "n_train", "n_test",
     "curve": [T+1 floats], "train_loss" (= curve[T]), "train_acc",
     "test_loss", "test_acc", "confusion" (K x K test counts [actual][predicted];
     these three null without --test-rows), "wall_seconds", "train_seconds",
     "rows": [A, B], "test_rows": [C, D] or null, "pixel_max", "products"}
  Floats are Python's repr (round-trip exact); a non-finite one (a diverged
  run) is written as null.  Every training class must have a training row and
  --test-rows, when given, must hold a row of the classes.

Subcommand check-predictions:
  tenclass_ref.py check-predictions --images F --labels F --run RUN_DIR
      --model NAME --kind softmax|ovr --classes LIST --predictions P.csv
      [--pixel-max 255] [--tol 1e-5]
  The model NAME of the run directory RUN_DIR (read through tests/runload.py:
  models.npz, or a run's models/NAME.w.npy and NAME.b.npy) must have float32
  weights of shape (K, dim) and biases of shape (K,).  P.csv has
  the header "row,label,predicted,p<c_0>,...,p<c_{K-1}>" and one line per
  predicted row: its index in the images file, its label, the predicted class
  (a class, not an output index) and the K probabilities.  For each line the
  probabilities of that file row are recomputed in float64 from the float32
  weights, and checked: the label is the file's label; every probability is
  within --tol (absolute) of the recomputation; they sum to 1 within 1e-5; the
  predicted class is the class of the recomputed argmax, or of any output whose
  recomputed probability is within 1e-6 of the largest (a near tie accepts
  either).  The header must be exact and every row may appear only once.
  Prints a one-line summary (rows checked, max |p - recomputed|, accuracy of
  the file's predictions) and exits 0; on any disagreement it prints the first
  few offending lines, expected vs found, and exits 1.

Exit status 2 on bad input (a missing or malformed file or argument), reported
on stderr with the file and byte offset (IDX offsets are in the decompressed
data; CSV errors name the line and its byte offset).
"""

import argparse
import gzip
import json
import math
import re
import sys
import time
import zlib

import numpy as np

import runload

MAGIC_IMAGES = 0x00000803
MAGIC_LABELS = 0x00000801
TIE = 1e-6          # near-tie of the top recomputed probabilities
SUM_TOL = 1e-5      # |sum of the file's probabilities - 1|
SHOW = 10           # offending lines printed


class BadInput(Exception):
    """A bad file or argument; the message names what and where."""


# ---------------------------------------------------------------- IDX files

def idx_payload(path, magic, ndim):
    """The dims and uint8 payload of an IDX file (gzip or plain) of `magic`."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise BadInput(f"{path}: bad gzip data: {exc}") from exc
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise BadInput(f"{path}: offset {len(raw)}: truncated header "
                       f"({head} bytes expected)")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise BadInput(f"{path}: offset 0: magic 0x{found:08x}, expected 0x{magic:08x}")
    dims = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    count = 1
    for v in dims:
        count *= v
    if count == 0:
        raise BadInput(f"{path}: offset 4: no data (dimensions {dims})")
    have = len(raw) - head
    if have < count:
        raise BadInput(f"{path}: offset {len(raw)}: truncated data "
                       f"({head + count} bytes expected)")
    if have > count:
        raise BadInput(f"{path}: offset {head + count}: {have - count} bytes after the data")
    return dims, np.frombuffer(raw, dtype=np.uint8, count=count, offset=head)


def load_files(images, labels):
    """(pixels uint8 [N, dim], labels uint8 [N]) of an IDX images/labels pair."""
    (n, r, c), pix = idx_payload(images, MAGIC_IMAGES, 3)
    (nl,), lab = idx_payload(labels, MAGIC_LABELS, 1)
    if nl != n:
        raise BadInput(f"{labels}: offset 4: {nl} labels for the {n} images of {images}")
    over = np.flatnonzero(lab > 9)
    if over.size:
        i = int(over[0])
        raise BadInput(f"{labels}: offset {8 + i}: label {int(lab[i])} is not a digit 0..9")
    return pix.reshape(n, r * c), lab


# ---------------------------------------------------------------- arguments

def row_range(text, n, opt):
    """ "A:B" (either end optional) -> (A, B) with 0 <= A < B <= n."""
    m = re.fullmatch(r"\s*(\d*)\s*:\s*(\d*)\s*", text)
    if not m:
        raise BadInput(f"{opt}: '{text}' is not A:B")
    a = int(m.group(1)) if m.group(1) else 0
    b = int(m.group(2)) if m.group(2) else n
    if not 0 <= a < b <= n:
        raise BadInput(f"{opt}: {a}:{b} is not a non-empty range within 0:{n}")
    return a, b


def class_list(text):
    """ "0-9", "0,1,2" (or a mix) -> the ascending list of distinct digits, >= 2."""
    out = []
    for tok in text.split(","):
        tok = tok.strip()
        m = re.fullmatch(r"(\d)(?:-(\d))?", tok)
        if not m:
            raise BadInput(f"--classes: '{tok}' is not a digit or a range i-j")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise BadInput(f"--classes: range '{tok}' is empty")
        for c in range(lo, hi + 1):
            if c in out:
                raise BadInput(f"--classes: class {c} is given twice")
            out.append(c)
    if len(out) < 2:
        raise BadInput(f"--classes: '{text}' names {len(out)} class; at least 2 are needed")
    return sorted(out)


def positive(text, opt):
    try:
        v = float(text)
    except ValueError as exc:
        raise BadInput(f"{opt}: '{text}' is not a number") from exc
    if not (math.isfinite(v) and v > 0):
        raise BadInput(f"{opt}: {text} must be finite and > 0")
    return v


# ---------------------------------------------------------------- the models

def take(pix, lab, span, classes):
    """Rows span[0]..span[1]-1 of the classes: (pixels uint8 [n, dim], y int [n])."""
    p, l = pix[span[0]:span[1]], lab[span[0]:span[1]]
    index = np.full(10, -1, dtype=np.int64)
    index[classes] = np.arange(len(classes))
    y = index[l]
    keep = y >= 0
    return p[keep], y[keep]


def scale(p, pixel_max):
    x = p.astype(np.float64)
    x /= pixel_max
    return x


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0.0, 1.0, e) / (1.0 + e)


def loss_residual(kind, UT, YT, y):
    """Loss and residual R^T (K x n) of scores U^T (K x n) against one-hot Y^T."""
    n = UT.shape[1]
    if kind == "softmax":
        m = UT.max(axis=0)
        E = np.exp(UT - m)
        S = E.sum(axis=0)
        loss = float(np.mean(np.log(S) + (m - UT[y, np.arange(n)])))
        RT = E / S
        RT -= YT
    else:
        loss = float(np.sum(np.mean(np.logaddexp(0.0, UT) - YT * UT, axis=1)))
        RT = stable_sigmoid(UT)
        RT -= YT
    return loss, RT


def probabilities(kind, U):
    """Row-wise class probabilities of scores U (n x K)."""
    if kind == "softmax":
        L = U
    else:
        L = -np.logaddexp(0.0, -U)          # log sigmoid(U)
    E = np.exp(L - L.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def one_hot_t(y, K):
    YT = np.zeros((K, y.shape[0]))
    YT[y, np.arange(y.shape[0])] = 1.0
    return YT


class Products:
    """X W^T (as K x n) and R^T X (K x dim) of one training matrix X."""

    def __init__(self, X):
        self.X = np.ascontiguousarray(X)
        self.XT = np.ascontiguousarray(X.T)
        self.fwd, self.bwd = self._pick()

    @staticmethod
    def _forward(kind, X, XT, W):
        if kind == "blas":
            return np.dot(W, XT)
        return np.einsum("jk,ji->ki", np.ascontiguousarray(W.T), XT)

    @staticmethod
    def _backward(kind, X, RT):
        if kind == "blas":
            return np.dot(RT, X)
        return np.einsum("ik,ij->kj", np.ascontiguousarray(RT.T), X)

    def _pick(self):
        m = min(self.X.shape[0], 2000)
        X, XT = self.X[:m], np.ascontiguousarray(self.XT[:, :m])
        W, RT = np.full((10, X.shape[1]), 0.5), np.full((10, m), 0.5)
        best = []
        for which in ("forward", "backward"):
            times = {}
            for kind in ("einsum", "blas"):
                if which == "forward":
                    f = lambda: self._forward(kind, X, XT, W)   # noqa: E731
                else:
                    f = lambda: self._backward(kind, X, RT)     # noqa: E731
                f()
                t = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    f()
                    t.append(time.perf_counter() - t0)
                times[kind] = min(t)
            best.append(min(times, key=times.get))
        return tuple(best)

    def forward(self, W):
        return self._forward(self.fwd, self.X, self.XT, W)

    def backward(self, RT):
        return self._backward(self.bwd, self.X, RT)


def train_model(kind, X, y, K, lr, T):
    """Full-batch gradient descent from W = 0, b = 0 for T updates.

    Returns (W, b, curve, U^T of the final weights on X)."""
    n, d = X.shape
    prod = Products(X)
    W = np.zeros((K, d))
    b = np.zeros(K)
    YT = one_hot_t(y, K)
    curve = []
    for t in range(T + 1):
        UT = prod.forward(W)
        UT += b[:, None]
        loss, RT = loss_residual(kind, UT, YT, y)
        curve.append(loss)
        if t == T:
            break
        gW = prod.backward(RT)
        gW /= n
        gb = RT.mean(axis=1)
        W -= lr * gW
        b -= lr * gb
    return W, b, curve, UT, (prod.fwd, prod.bwd)


def finite_or_none(v):
    return v if math.isfinite(v) else None


def cmd_train(args):
    t0 = time.perf_counter()
    pixel_max = positive(args.pixel_max, "--pixel-max")
    lr = positive(args.lr, "--lr")
    if args.iterations < 0:
        raise BadInput(f"--iterations: {args.iterations} is negative")
    classes = class_list(args.classes)
    K = len(classes)
    pix, lab = load_files(args.images, args.labels)
    N, dim = pix.shape
    span = row_range(args.rows, N, "--rows") if args.rows is not None else (0, N)
    tspan = row_range(args.test_rows, N, "--test-rows") if args.test_rows is not None else None
    p, y = take(pix, lab, span, classes)
    missing = [classes[k] for k in range(K) if not np.any(y == k)]
    if missing:
        raise BadInput(f"--rows {span[0]}:{span[1]}: no row of class(es) "
                       f"{','.join(map(str, missing))} among them")
    active = np.flatnonzero(p.any(axis=0))
    X = scale(p[:, active], pixel_max)
    t1 = time.perf_counter()
    Wa, b, curve, UT, products = train_model(args.kind, X, y, K, lr, args.iterations)
    t2 = time.perf_counter()
    W = np.zeros((K, dim))
    W[:, active] = Wa
    train_acc = float(np.mean(np.argmax(UT, axis=0) == y))
    test_loss = test_acc = confusion = None
    n_test = 0
    if tspan is not None:
        pt, yt = take(pix, lab, tspan, classes)
        n_test = len(yt)
        if n_test == 0:
            raise BadInput(f"--test-rows {tspan[0]}:{tspan[1]}: no row of the classes")
        UTt = np.dot(W, scale(pt, pixel_max).T) + b[:, None]
        test_loss = finite_or_none(loss_residual(args.kind, UTt, one_hot_t(yt, K), yt)[0])
        pred = np.argmax(UTt, axis=0)
        test_acc = float(np.mean(pred == yt))
        confusion = np.bincount(yt * K + pred, minlength=K * K).reshape(K, K).tolist()
    curve = [finite_or_none(v) for v in curve]
    doc = {"kind": args.kind, "classes": classes, "lr": lr, "iterations": args.iterations,
           "n_train": int(len(y)), "n_test": int(n_test), "curve": curve,
           "train_loss": curve[-1], "train_acc": train_acc,
           "test_loss": test_loss, "test_acc": test_acc, "confusion": confusion,
           "wall_seconds": time.perf_counter() - t0, "train_seconds": t2 - t1,
           "rows": list(span), "test_rows": list(tspan) if tspan else None,
           "pixel_max": pixel_max,
           "products": {"forward": products[0], "backward": products[1]}}
    if args.json is None:
        f = lambda v: "-" if v is None else f"{v:.6f}"   # noqa: E731
        print(f"{args.kind} classes {','.join(map(str, classes))} lr {lr:g} "
              f"iterations {args.iterations}: n_train {doc['n_train']} "
              f"train_loss {f(doc['train_loss'])} train_acc {f(train_acc)}  "
              f"n_test {n_test} test_loss {f(test_loss)} test_acc {f(test_acc)}  "
              f"({doc['wall_seconds']:.2f} s)")
    elif args.json == "-":
        json.dump(doc, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        try:
            with open(args.json, "w", encoding="ascii") as out:
                json.dump(doc, out, allow_nan=False)
                out.write("\n")
        except OSError as exc:
            raise BadInput(f"{args.json}: cannot write: {exc.strerror or exc}") from exc
    return 0


# ---------------------------------------------------------------- check-predictions

def load_model(run_dir, name, K, dim):
    """Model name of the run run_dir as float64 W (K x dim) and B (K); BadInput
    when it is missing, unreadable or of other shapes (runload checks float32)."""
    try:
        run = runload.open_run(run_dir)
        W, B = run.weights(name)
    except runload.RunError as exc:
        raise BadInput(str(exc)) from exc
    if W.shape != (K, dim) or B.shape != (K,):
        raise BadInput(f"{run.where(name)}: weights of shape {W.shape} and biases of shape "
                       f"{B.shape}, expected {(K, dim)} and {(K,)}")
    return W.astype(np.float64), B.astype(np.float64)


INT = re.compile(r"-?[0-9]+")


def read_predictions(path, K):
    """(header fields, [(line, offset, row, label, predicted, [K probs])])."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: offset {exc.start}: not ASCII text") from exc
    lines = []
    off = 0
    for ln, line in enumerate(text.split("\n"), 1):
        lines.append((ln, off, line[:-1] if line.endswith("\r") else line))
        off += len(line) + 1
    if lines and lines[-1][2] == "" and len(lines) > 1:
        lines.pop()                      # the final newline
    if not lines or lines[0][2] == "":
        raise BadInput(f"{path}: offset 0: no header line")
    header = lines[0][2].split(",")
    recs = []
    for ln, off, line in lines[1:]:
        where = f"{path}: line {ln} (offset {off})"
        fields = line.split(",")
        if len(fields) != 3 + K:
            raise BadInput(f"{where}: {len(fields)} fields, expected {3 + K}")
        for name, fld in zip(("row", "label", "predicted"), fields[:3]):
            if not INT.fullmatch(fld.strip()):
                raise BadInput(f"{where}: {name} '{fld}' is not an integer")
        try:
            probs = [float(v) for v in fields[3:]]
        except ValueError as exc:
            raise BadInput(f"{where}: a probability is not a number: {exc}") from exc
        recs.append((ln, off, int(fields[0]), int(fields[1]), int(fields[2]), probs))
    if not recs:
        raise BadInput(f"{path}: offset {len(raw)}: no prediction lines after the header")
    return header, recs


def cmd_check(args):
    pixel_max = positive(args.pixel_max, "--pixel-max")
    if not (math.isfinite(args.tol) and args.tol >= 0):
        raise BadInput(f"--tol: {args.tol} must be finite and >= 0")
    classes = class_list(args.classes)
    K = len(classes)
    pix, lab = load_files(args.images, args.labels)
    N, dim = pix.shape
    W, B = load_model(args.run, args.model, K, dim)
    header, recs = read_predictions(args.predictions, K)
    want = ["row", "label", "predicted"] + [f"p{c}" for c in classes]
    bad = []
    if header != want:
        bad.append(f"{args.predictions}: line 1: header '{','.join(header)}', "
                   f"expected '{','.join(want)}'")
        if len(header) != len(want):
            for m in bad:
                print(f"tenclass_ref: {m}")
            return 1
    out_of = {c: k for k, c in enumerate(classes)}
    seen = {}
    ok_rows = []
    for i, (ln, off, row, label, pred, probs) in enumerate(recs):
        where = f"{args.predictions}: line {ln} (row {row})"
        if not 0 <= row < N:
            bad.append(f"{where}: row is not a row of {args.images} (0..{N - 1})")
            continue
        if row in seen:
            bad.append(f"{where}: row repeats line {seen[row]}")
            continue
        seen[row] = ln
        ok_rows.append(i)
    idx = np.array([recs[i][2] for i in ok_rows], dtype=np.int64)
    ref = np.zeros((0, K))
    if idx.size:
        U = np.dot(scale(pix[idx], pixel_max), W.T) + B
        ref = probabilities(args.kind, U)
    max_diff = 0.0
    for j, i in enumerate(ok_rows):
        ln, off, row, label, pred, probs = recs[i]
        where = f"{args.predictions}: line {ln} (row {row})"
        if label != int(lab[row]):
            bad.append(f"{where}: label: expected {int(lab[row])}, found {label}")
        got = np.array(probs)
        r = ref[j]
        diff = np.abs(got - r)
        if not np.all(diff <= args.tol):
            k = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
            bad.append(f"{where}: p{classes[k]}: expected {r[k]!r}, found {probs[k]!r} "
                       f"(|diff| {diff[k]:.3g} > tol {args.tol:g})")
        elif diff.size:
            max_diff = max(max_diff, float(diff.max()))
        s = float(np.sum(got))
        if not abs(s - 1.0) <= SUM_TOL:
            bad.append(f"{where}: probabilities sum to {s!r}, expected 1 within {SUM_TOL:g}")
        top = float(r.max())
        accept = [classes[k] for k in range(K) if top - r[k] <= TIE]
        if pred not in out_of or pred not in accept:
            exp = str(accept[0]) if len(accept) == 1 else " or ".join(map(str, accept))
            bad.append(f"{where}: predicted: expected {exp}, found {pred}")
    labels = np.array([rec[3] for rec in recs])
    preds = np.array([rec[4] for rec in recs])
    correct = int(np.sum(labels == preds))
    outside = int(np.sum(~np.isin(labels, classes)))
    if bad:
        for m in bad[:SHOW]:
            print(f"tenclass_ref: {m}")
        if len(bad) > SHOW:
            print(f"tenclass_ref: ... and {len(bad) - SHOW} more")
        print(f"tenclass_ref: check-predictions FAILED: {len(bad)} disagreement(s) "
              f"in {len(recs)} lines of {args.predictions}")
        return 1
    note = f", {outside} rows with a label outside the classes" if outside else ""
    print(f"tenclass_ref: check-predictions ok: {len(recs)} rows checked ({args.kind}, "
          f"classes {','.join(map(str, classes))}), max |p - ref| {max_diff:.3g}, "
          f"accuracy {correct / len(recs):.4f} ({correct}/{len(recs)}){note}")
    return 0


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    tr = sub.add_parser("train", help="train a softmax or ovr model, write JSON")
    ck = sub.add_parser("check-predictions", help="check a predictions CSV against weights")
    for p in (tr, ck):
        p.add_argument("--images", required=True, help="IDX images file (gzip or plain)")
        p.add_argument("--labels", required=True, help="IDX labels file (gzip or plain)")
        p.add_argument("--kind", required=True, choices=("softmax", "ovr"))
        p.add_argument("--pixel-max", default="255", help="x = pixels / this (default 255)")
    tr.add_argument("--rows", help="A:B training rows of the files (default all)")
    tr.add_argument("--test-rows", help="C:D test rows of the files (default none)")
    tr.add_argument("--classes", default="0-9", help="0-9 or a comma list (default 0-9)")
    tr.add_argument("--lr", required=True, help="learning rate > 0")
    tr.add_argument("--iterations", required=True, type=int, help="updates T >= 0")
    tr.add_argument("--json", metavar="PATH", help="write JSON here ('-' = stdout)")
    ck.add_argument("--classes", required=True, help="0-9 or a comma list")
    ck.add_argument("--run", required=True, help="the run directory")
    ck.add_argument("--model", required=True, help="the model's name, float32 (K, dim) and (K,)")
    ck.add_argument("--predictions", required=True, help="the predictions CSV")
    ck.add_argument("--tol", type=float, default=1e-5,
                    help="absolute tolerance of a probability (default 1e-5)")
    args = ap.parse_args(argv)
    try:
        return cmd_train(args) if args.cmd == "train" else cmd_check(args)
    except BadInput as exc:
        print(f"tenclass_ref: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
