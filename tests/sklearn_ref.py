#!/usr/bin/python3
"""sklearn_ref.py - scikit-learn's L2-penalized logistic regression as the
reference for parlogit's L-BFGS.

It fits scikit-learn's LogisticRegression (solver lbfgs, a tight tolerance)
on the same rows as parlogit and compares, on one objective, the optimum it
finds with the model parlogit saved:

    F(W, b) = mean over the task's training rows of the loss
              + (1 / (2 C n)) ||W||^2          (biases not penalized)

which is scikit-learn's C * sum(loss) + ||W||^2 / 2 divided by C n.  The loss
is the log-loss of a binary task ("i-j": digit j is class 1), the sum of the K
binary log-losses for "ovr" (scikit-learn's one-vs-rest fits each of the K
problems on all the rows; the sum of their objectives is the ovr objective),
the cross-entropy for "softmax" (multinomial).  x = pixel / 255, in float64.

Usage:
  sklearn_ref.py --images F --labels F --rows A:B --test-rows A:B
                 --task 1-7|ovr|softmax [--classes 0-9|0,1,2] --C X
                 --run RUN_DIR --model NAME [--penalty l2|l1]
(the model NAME of the run directory RUN_DIR, read through tests/runload.py:
models.npz, or a run's models/NAME.w.npy and NAME.b.npy.)
(--penalty l1, the objective's penalty ||W||_1 / (C n); also the zero
weights of both and the share of weights that are zero in both or in
neither.  A pair: against scikit-learn's liblinear solver from zero.  The
softmax: against saga, scikit-learn's only multinomial l1 solver, started
from parlogit's weights (warm_start); see softmax_l1.)
Prints one JSON object: {"sklearn_objective", "parlogit_objective",
"relative_gap" (parlogit's minus scikit-learn's, over scikit-learn's),
"test_agreement" (share of test rows both predict alike), "n_iter",
"sklearn_seconds"}.  Exit 2 on bad input.
"""
import argparse
import json
import sys
import time
import warnings

import numpy as np

import idxread
import runload


def fail(msg):
    print("sklearn_ref: " + msg, file=sys.stderr)
    sys.exit(2)


def idx(path):
    return idxread.read_or_fail(path, fail, "IDX images or labels file", unreadable=True)


def rows(s):
    a, b = s.split(":")
    return slice(int(a), int(b))


def classes_of(s):
    out = set()
    for item in s.split(","):
        if "-" in item:
            a, b = item.split("-")
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(item))
    return sorted(out)


def softmax_l1(LogisticRegression, C, tol, W, b, X, y):
    """scikit-learn's optimum of the l1 softmax, by saga started from parlogit's
    weights W (K x dim) and biases b.  From zero saga is far too slow for a
    test on MNIST (8000 rows, C = 1: 182 s to its tol 1e-3, and it stops
    5.4e-3 above the optimum); from a start it converges in tens of epochs.
    The start does not decide the answer: the objective is convex, saga's
    gradient memory starts empty so its first epochs move away from the start,
    and from a start that is not an optimum it descends to the optimum
    (measured: from parlogit's tol-1e-3 weights, 6.3e-2 above, saga at tol
    1e-4 ends 1.1e-4 above parlogit's tol-1e-5 optimum).  So parlogit's
    objective above saga's says parlogit stopped short, by that much."""
    clf = LogisticRegression(C=C, penalty="l1", solver="saga", tol=tol, max_iter=10000,
                             multi_class="multinomial", warm_start=True, random_state=0)
    clf.coef_, clf.intercept_ = W.copy(), b.copy()
    with warnings.catch_warnings():
        # a max_iter stop is reported as n_iter == max_iter, not as a warning
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return clf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--rows", required=True, type=rows)
    ap.add_argument("--test-rows", required=True, type=rows)
    ap.add_argument("--task", required=True)
    ap.add_argument("--classes", default="0-9")
    ap.add_argument("--C", required=True, type=float)
    ap.add_argument("--run", required=True, help="the run directory")
    ap.add_argument("--model", required=True, help="the model's name in the run")
    ap.add_argument("--penalty", default="l2", choices=("l2", "l1"))
    ap.add_argument("--saga-tol", type=float, default=1e-4,
                    help="saga's tol (--penalty l1 --task softmax)")
    a = ap.parse_args()
    if a.penalty == "l1" and a.task == "ovr":
        fail("--penalty l1: a pair or the softmax")
    from sklearn.linear_model import LogisticRegression

    X = idx(a.images).astype(np.float64) / 255.0
    y = idx(a.labels).astype(np.int64)
    Xtr, ytr, Xte, yte = X[a.rows], y[a.rows], X[a.test_rows], y[a.test_rows]
    try:
        W, b = runload.open_run(a.run).weights(a.model)
    except runload.RunError as exc:
        fail(str(exc))
    W, b = W.astype(np.float64), np.atleast_1d(b.astype(np.float64))
    C = a.C

    if a.task in ("ovr", "softmax"):
        cls = classes_of(a.classes)
        mtr, mte = np.isin(ytr, cls), np.isin(yte, cls)
        Xtr, ytr, Xte, yte = Xtr[mtr], ytr[mtr], Xte[mte], yte[mte]
        K = len(cls)
        Y = (ytr[:, None] == np.array(cls)[None, :]).astype(np.float64)
        n = len(ytr)
        lam = 1.0 / (C * n)

        def F(Wm, bm):
            Z = Xtr @ Wm.T + bm
            if a.task == "softmax":
                m = Z.max(1, keepdims=True)
                L = np.mean(np.log(np.exp(Z - m).sum(1)) + m[:, 0] - (Z * Y).sum(1))
            else:
                L = np.sum(np.mean(np.logaddexp(0, Z) - Y * Z, axis=0))
            if a.penalty == "l1":
                return L + lam * np.sum(np.abs(Wm))
            return L + 0.5 * lam * np.sum(Wm * Wm)

        t = time.time()
        if a.penalty == "l1":
            clf = softmax_l1(LogisticRegression, C, a.saga_tol, W.reshape(K, -1), b, Xtr, ytr)
        else:
            clf = LogisticRegression(C=C, tol=1e-10, max_iter=20000,
                                     multi_class="multinomial" if a.task == "softmax" else "ovr")
            clf.fit(Xtr, ytr)
        secs = time.time() - t
        Wk, bk = clf.coef_, clf.intercept_
        pred_p = np.array(cls)[np.argmax(Xte @ W.reshape(K, -1).T + b, axis=1)]
        pred_s = clf.predict(Xte)
    else:
        neg, pos = (int(v) for v in a.task.split("-"))
        mtr, mte = (ytr == neg) | (ytr == pos), (yte == neg) | (yte == pos)
        Xtr, Xte = Xtr[mtr], Xte[mte]
        t01 = (ytr[mtr] == pos).astype(np.float64)
        n = len(t01)
        lam = 1.0 / (C * n)

        def F(Wm, bm):
            z = Xtr @ Wm.reshape(-1) + bm[0]
            R = np.sum(np.abs(Wm)) if a.penalty == "l1" else 0.5 * np.sum(Wm * Wm)
            return np.mean(np.logaddexp(0, z) - t01 * z) + lam * R

        t = time.time()
        if a.penalty == "l1":
            # liblinear's coordinate descent; its bias is a penalized feature of
            # value intercept_scaling, so a large one leaves the bias (almost)
            # free: |b| / 100 in the penalty
            clf = LogisticRegression(C=C, penalty="l1", solver="liblinear", tol=1e-9,
                                     max_iter=100000, intercept_scaling=100).fit(Xtr, t01)
        else:
            clf = LogisticRegression(C=C, tol=1e-10, max_iter=20000).fit(Xtr, t01)
        secs = time.time() - t
        Wk, bk = clf.coef_, clf.intercept_
        pred_p = (Xte @ W.reshape(-1) + b[0] > 0).astype(np.float64)
        pred_s = clf.predict(Xte)
    fs, fp = F(Wk, bk), F(W.reshape(Wk.shape), b)
    zs, zp = Wk.reshape(-1) == 0, W.reshape(-1) == 0
    json.dump({"sklearn_objective": fs, "parlogit_objective": fp,
               "relative_gap": (fp - fs) / fs,
               "zero_weights": int(zp.sum()), "sklearn_zero_weights": int(zs.sum()),
               "zero_set_agreement": float(np.mean(zs == zp)),
               "test_agreement": float(np.mean(pred_p == pred_s)),
               "n_iter": int(np.max(clf.n_iter_)), "sklearn_seconds": secs}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
