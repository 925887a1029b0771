#!/usr/bin/python3
"""digits_ref.py - an independent NumPy check of a parlogit run on scikit-learn's 8 x 8 digits.

scikit-learn (Debian's python3-sklearn) ships digits.csv.gz: 1797 handwritten
digits of 8 x 8 pixels with values 0..16, one per line, the label last.  This
oracle shares no code with parlogit: it reads that file itself (gzip, 65
integer cells a line), takes x = pixels / 16 in float64, and

  check RUN_DIR --train A:B --test C:D
      for every model of RUN_DIR/results.csv with status ok, loads its weights
      (through tests/runload.py: models.npz, or a run's models/NAME.w.npy and
      .b.npy) and recomputes its test accuracy on rows
      C..D-1 of the task's digits: a pair "i-j" (negative i, positive j) by the
      sign of its logit, "softmax" and "ovr" by the argmax of their ten
      outputs; each must equal results.csv's test_acc within one row (a logit
      within float rounding of 0 may fall either way).  Then it trains, in
      float64 gradient descent from zero with the run's learning rate and
      iteration count, the 1-7 pair and the softmax model on rows A..B-1 and
      compares them with parlogit's: weights within 1e-3 of the largest weight,
      training loss within 1e-4 relative.  Trained on pixels / 255 instead,
      the weights would be 255/16 times off: the check sees the pixel scale.
      Prints one line per check; exits 1 on the first mismatch.
  saga RUN_DIR --train A:B --model NAME --C X
      fits scikit-learn's LogisticRegression (penalty l1, solver saga, the
      multinomial loss, tol 1e-10) on rows A..B-1 and compares, on one
      objective, its optimum with parlogit's softmax model NAME:
          F(W, b) = mean cross-entropy + ||W||_1 / (C n)
      (scikit-learn's C * sum(loss) + ||W||_1 divided by C n).  Prints one
      JSON object: sklearn_objective, parlogit_objective, relative_gap
      (parlogit's minus scikit-learn's, over scikit-learn's), the zero weights
      of each, zero_agreement (share of weights zero in both or in neither).
  path
      prints the path of digits.csv.gz.
"""
import argparse
import csv
import gzip
import json
import os
import sys
import warnings

import numpy as np

import runload


def digits_path():
    import sklearn.datasets
    return os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")


def read_digits(path):
    """(pixels uint8 n x 64, labels n) from the CSV, checked cell by cell."""
    rows = []
    with gzip.open(path, "rt") as f:
        for k, line in enumerate(f, 1):
            cells = [int(c) for c in line.strip().split(",")]
            if len(cells) != 65 or not all(0 <= c <= 16 for c in cells[:64]) or not 0 <= cells[64] <= 9:
                sys.exit("%s:%d: not a row of 64 pixels 0..16 and a digit" % (path, k))
            rows.append(cells)
    a = np.array(rows, dtype=np.int64)
    return a[:, :64].astype(np.uint8), a[:, 64]


def span(s):
    a, b = s.split(":")
    return int(a), int(b)


def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def task_rows(task, y):
    """The rows a task uses and their targets: a pair's 0/1, a ten-class model's digit."""
    if task in ("softmax", "ovr"):
        return np.ones(len(y), dtype=bool), y
    neg, pos = (int(t) for t in task.split("-"))
    use = (y == neg) | (y == pos)
    return use, (y == pos).astype(np.int64)


def predict(task, W, b, X):
    if task in ("softmax", "ovr"):
        return np.argmax(X @ W.T + b, axis=1)
    return (X @ W + b > 0).astype(np.int64)


def gd(task, X, t, lr, iters):
    """Float64 full-batch gradient descent from zero; the final weights and the
    training loss at them (a pair's mean log-loss, softmax's cross-entropy)."""
    n = len(t)
    if task == "softmax":
        W, b, Y = np.zeros((10, X.shape[1])), np.zeros(10), np.eye(10)[t]
        for _ in range(iters + 1):
            U = X @ W.T + b
            U -= U.max(axis=1, keepdims=True)
            P = np.exp(U)
            P /= P.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(P[np.arange(n), t]))
            if _ == iters:
                return W, b, loss
            R = P - Y
            W -= lr * (R.T @ X) / n
            b -= lr * R.mean(axis=0)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(iters + 1):
        z = X @ w + b
        loss = np.mean(np.logaddexp(0, z) - t * z)
        if _ == iters:
            return w, b, loss
        r = sigmoid(z) - t
        w -= lr * (X.T @ r) / n
        b -= lr * r.mean()


def open_run(path):
    try:
        return runload.open_run(path)
    except runload.RunError as exc:
        sys.exit(str(exc))


def weights(run, name):
    """Model name's (W, b) in float64; exits with the message when unreadable."""
    try:
        w, b = run.weights(name)
    except runload.RunError as exc:
        sys.exit(str(exc))
    return w.astype(np.float64), b.astype(np.float64)


def check(args):
    pix, y = read_digits(digits_path())
    X = pix.astype(np.float64) / 16.0
    a, b = span(args.train)
    c, d = span(args.test)
    with open(os.path.join(args.run, "results.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
    if not rows:
        sys.exit("no model with status ok in %s/results.csv" % args.run)
    tasks = set()
    run = open_run(args.run)
    for r in rows:
        task, name = r["pair"], r["model"]
        W, B = weights(run, name)
        use, t = task_rows(task, y[c:d])
        acc = np.mean(predict(task, W, B, X[c:d][use]) == t[use])
        tol = 1.0 / use.sum() + 1e-12
        ok = abs(acc - float(r["test_acc"])) <= tol
        print("%-22s test accuracy: numpy %.6f, parlogit %.6f%s" % (name, acc, float(r["test_acc"]),
                                                                   "" if ok else "  MISMATCH"))
        if not ok:
            sys.exit(1)
        tasks.add(task)
    for task in ("1-7", "softmax"):
        mine = [r for r in rows if r["pair"] == task and r["solver"] == "gd"]
        if not mine:
            sys.exit("no gradient-descent model of %s in the run" % task)
        r = mine[-1]
        use, t = task_rows(task, y[a:b])
        W, B, loss = gd(task, X[a:b][use], t[use], float(r["lr"]), int(r["iterations"]))
        Wp = weights(run, r["model"])[0]
        dw = np.max(np.abs(W - Wp)) / np.max(np.abs(W))
        dl = abs(loss - float(r["train_loss"])) / loss
        ok = dw <= 1e-3 and dl <= 1e-4
        print("%-22s trained again: weights within %.2e of the largest, training loss %.9f vs "
              "%.9f (%.2e)%s" % (r["model"], dw, loss, float(r["train_loss"]), dl,
                                 "" if ok else "  MISMATCH"))
        if not ok:
            sys.exit(1)
    print("%d models checked over %d tasks" % (len(rows), len(tasks)))


def saga(args):
    from sklearn.linear_model import LogisticRegression
    pix, y = read_digits(digits_path())
    a, b = span(args.train)
    X, t = pix[a:b].astype(np.float64) / 16.0, y[a:b]
    n = len(t)

    def objective(W, B):
        U = X @ W.T + B
        U -= U.max(axis=1, keepdims=True)
        ce = np.mean(np.log(np.exp(U).sum(axis=1)) - U[np.arange(n), t])
        return ce + np.abs(W).sum() / (args.C * n)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # saga's "max_iter reached" at tol 1e-10
        m = LogisticRegression(penalty="l1", solver="saga", C=args.C, tol=1e-10,
                               max_iter=20000).fit(X, t)
    W, B = weights(open_run(args.run), args.model)
    fs, fp = objective(m.coef_, m.intercept_), objective(W, B)
    zs, zp = m.coef_ == 0, W == 0
    print(json.dumps({"sklearn_objective": fs, "parlogit_objective": fp,
                      "relative_gap": (fp - fs) / fs, "sklearn_zeros": int(zs.sum()),
                      "parlogit_zeros": int(zp.sum()), "zero_agreement": float(np.mean(zs == zp)),
                      "n_iter": int(np.max(m.n_iter_))}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("run")
    c.add_argument("--train", required=True)
    c.add_argument("--test", required=True)
    g = sub.add_parser("saga")
    g.add_argument("run")
    g.add_argument("--train", required=True)
    g.add_argument("--model", required=True)
    g.add_argument("--C", type=float, required=True)
    sub.add_parser("path")
    args = p.parse_args()
    if args.cmd == "path":
        print(digits_path())
    elif args.cmd == "saga":
        saga(args)
    else:
        check(args)


if __name__ == "__main__":
    main()
