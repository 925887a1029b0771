#!/usr/bin/python3
"""sgd_ref.py - mini-batch SGD in NumPy (float64), fed the same batches as
parlogit's solver = sgd, as the reference for its results.

The rows: the training rows A:B of the IDX files, grouped by label in a stable
way (parlogit's dataset order), then those of the task's classes.  The order:
0 .. n-1, shuffled afresh every epoch by Fisher-Yates from the last element
down with xoshiro256** seeded through splitmix64 (parlogit's util/rng.h:
seed ^ stream * 0xd1b54a32d192ed03, stream 0; bounded draws by rejection).
Batches of --batch rows in that order (the last one shorter), one step each:
W <- prox(W - lr_t (grad + l2 W)), b <- b - lr_t grad_b, with grad the mean
loss's over the batch, lr_t = lr or lr / t^power_t (t = 1, 2, ...), the l2
and l1 coefficients those of penalty / (C n) (n the task's rows), prox the
soft threshold at lr_t l1.  Losses: log-loss (a pair "i-j", digit j is
class 1), softmax cross-entropy ("softmax").  x = pixel / 255.

Usage:
  sgd_ref.py --images F --labels F --rows A:B --test-rows A:B --task 1-7|softmax
             --lr X --batch N --epochs E --seed S [--schedule constant|invscaling]
             [--power-t P] [--penalty none|l2|l1] [--C X]
             --run RUN_DIR --model NAME --curves curves.csv --curve LABEL
(the model NAME of the run directory RUN_DIR, read through tests/runload.py:
models.npz, or a run's models/NAME.w.npy and NAME.b.npy.)
Prints one JSON object: "weight_gap" (max |W - W_ref| over max |W_ref|),
"bias_gap", "loss_gap" (the largest relative difference of the training loss
at the curve's points), "points", "test_agreement" (share of test rows both
predict alike), "ref_test_acc".  Exit 2 on bad input.
"""
import argparse
import csv
import json
import sys

import numpy as np

import idxread
import runload

M64 = (1 << 64) - 1


def fail(msg):
    print("sgd_ref: " + msg, file=sys.stderr)
    sys.exit(2)


def idx(path):
    return idxread.read_or_fail(path, fail)


class Rng:
    """xoshiro256** seeded through splitmix64, as parlogit's util/rng.h."""

    def __init__(self, seed, stream=0):
        x = (seed ^ (stream * 0xd1b54a32d192ed03)) & M64
        self.s = []
        for _ in range(4):
            x = (x + 0x9e3779b97f4a7c15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        x = (s[1] * 5) & M64
        out = ((((x << 7) | (x >> 57)) & M64) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        return out

    def below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            x = self.next()
            if x >= threshold:
                return x % n


def grouped(images, labels, a, b):
    lab = labels[a:b]
    order = np.argsort(lab, kind="stable")
    return images[a:b][order].astype(np.float64) / 255.0, lab[order]


def main():
    p = argparse.ArgumentParser()
    for k in ("images", "labels", "rows", "test-rows", "task", "run", "model", "curves",
              "curve"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--schedule", default="constant")
    p.add_argument("--power-t", type=float, default=0.5)
    p.add_argument("--penalty", default="none")
    p.add_argument("--C", type=float, default=1.0)
    a = p.parse_args()
    images, labels = idx(a.images), idx(a.labels)
    r0, r1 = (int(v) for v in a.rows.split(":"))
    t0, t1 = (int(v) for v in a.test_rows.split(":"))
    X, y = grouped(images, labels, r0, r1)
    Xt, yt = grouped(images, labels, t0, t1)
    softmax = a.task == "softmax"
    if softmax:
        classes = np.arange(10)
        K = 10
    else:
        neg, pos = (int(v) for v in a.task.split("-"))
        classes = np.array([neg, pos])
        K = 1
    keep = np.isin(y, classes)
    X, y = X[keep], y[keep]
    keep = np.isin(yt, classes)
    Xt, yt = Xt[keep], yt[keep]
    n, dim = X.shape
    lam = 0.0 if a.penalty == "none" else 1.0 / (a.C * n)
    l2 = lam if a.penalty == "l2" else 0.0
    l1 = lam if a.penalty == "l1" else 0.0
    W = np.zeros((K, dim))
    b = np.zeros(K)

    def target(lab):
        return np.eye(10)[lab] if softmax else (lab == pos).astype(np.float64)[:, None]

    def forward(Xs, lab):
        z = Xs @ W.T + b
        if softmax:
            m = z.max(axis=1, keepdims=True)
            e = np.exp(z - m)
            s = e.sum(axis=1, keepdims=True)
            p_ = e / s
            loss = np.mean(np.log(s[:, 0]) + m[:, 0] - z[np.arange(len(lab)), lab])
            pred = z.argmax(axis=1)
        else:
            p_ = 1.0 / (1.0 + np.exp(-z))
            yy = target(lab)
            loss = np.mean(np.logaddexp(0, z) - yy * z)
            pred = np.where(z[:, 0] > 0, pos, neg)
        return p_, loss, pred

    curve = [forward(X, y)[1]]
    rng = Rng(a.seed)
    order = list(range(n))
    t = 0
    for _ in range(a.epochs):
        for i in range(n, 1, -1):
            j = rng.below(i)
            order[i - 1], order[j] = order[j], order[i - 1]
        for s0 in range(0, n, a.batch):
            rows = np.array(order[s0:s0 + a.batch])
            Xb, yb = X[rows], y[rows]
            p_, _, _ = forward(Xb, yb)
            r = p_ - target(yb)
            G = r.T @ Xb / len(rows)
            gb = r.sum(axis=0) / len(rows)
            lr = a.lr * (t + 1) ** -a.power_t if a.schedule == "invscaling" else a.lr
            W = W - lr * (G + l2 * W)
            if l1 > 0:
                W = np.sign(W) * np.maximum(np.abs(W) - lr * l1, 0.0)
            b = b - lr * gb
            t += 1
        curve.append(forward(X, y)[1])

    try:
        Wp, bp = runload.open_run(a.run).weights(a.model)
    except runload.RunError as exc:
        fail(str(exc))
    Wp, bp = Wp.astype(np.float64).reshape(K, dim), bp.astype(np.float64).reshape(K)
    got = []
    with open(a.curves) as f:
        for row in csv.DictReader(f):
            if row["pair"] == a.task and row["curve"] == a.curve:
                got.append(float(row["train_loss"]))
    if len(got) != len(curve):
        fail("curve '%s' of %s: %d points in curves.csv, %d expected" %
             (a.curve, a.task, len(got), len(curve)))
    _, _, pred_ref = forward(Xt, yt)
    W, b, Wr, br = Wp, bp, W, b
    _, _, pred = forward(Xt, yt)
    print(json.dumps({
        "weight_gap": float(np.abs(W - Wr).max() / max(np.abs(Wr).max(), 1e-300)),
        "bias_gap": float(np.abs(b - br).max() / max(np.abs(br).max(), 1e-300)),
        "loss_gap": float(max(abs(g - c) / c for g, c in zip(got, curve))),
        "points": len(curve),
        "test_agreement": float(np.mean(pred == pred_ref)),
        "ref_test_acc": float(np.mean(pred_ref == yt)),
        "zero_weights_ref": int(np.sum(Wr == 0)),
        "zero_weights": int(np.sum(W == 0)),
    }))


if __name__ == "__main__":
    main()
