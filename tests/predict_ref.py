#!/usr/bin/python3
"""predict_ref.py - an independent NumPy check of `parlogit predict`.

It shares no code with parlogit: it reads the IDX images file itself (gzip or
plain, magic 0x803) and a run directory's models with tests/runload.py (NumPy;
models.npz, or a run's models/NAME.w.npy and .b.npy), and
computes in float64, with x = pixels / 255 and z = x . w_k + b_k:
  binary "i-j" / "i-rest": p_pos = sigmoid(z), p_neg = 1 - p_pos (columns
      p_neg, p_pos); predicted pos when z > 0, else neg ("rest" for i-rest);
  "softmax...": p = softmax(z), stably; predicted argmax (first on ties);
  "ovr...": q_k = sigmoid(z_k), p = q / sum q; predicted argmax;
  "ovo_vote": each best model of the 45 pairs in best.csv votes for its pos
      digit when z > 0, else its neg; p_d = votes_d / 45; predicted the most
      voted digit (the smaller on ties).
It prints, for the first --rows rows, "index,predicted,p..." as predictions.csv
has them after its input column, so a test can compare the two files.
"""
import argparse
import csv
import gzip
import os
import sys

import numpy as np

import runload


def read_images(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if int.from_bytes(raw[:4], "big") != 0x803:
        sys.exit("predict_ref: %s: not an IDX images file" % path)
    n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(raw, np.uint8, n * r * c, 16).reshape(n, r * c)


def load(run, name):
    """Model name of the opened run as float64 (K, dim) weights and (K,) biases."""
    try:
        w, b = run.weights(name)
    except runload.RunError as exc:
        sys.exit("predict_ref: %s" % exc)
    w, b = w.astype(np.float64), b.astype(np.float64)
    return w.reshape(-1, w.shape[-1]), b.reshape(-1)


def task_of(name):
    return name.rsplit("_lr", 1)[0].rsplit("_lbfgs", 1)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--rows", type=int, default=100)
    a = ap.parse_args()
    x = read_images(a.images)[:a.rows].astype(np.float64) / 255.0
    try:
        run = runload.open_run(a.run)
    except runload.RunError as exc:
        sys.exit("predict_ref: %s" % exc)
    out = []
    if a.model == "ovo_vote":
        with open(os.path.join(a.run, "best.csv")) as f:
            rows = [r for r in csv.DictReader(f)
                    if "-" in r["pair"] and "rest" not in r["pair"]
                    and not r["pair"].startswith(("softmax", "ovr"))]
        assert len(rows) == 45, len(rows)
        votes = np.zeros((len(x), 10))
        for r in rows:
            neg, pos = (int(t) for t in r["pair"].split("-"))
            w, b = load(run, r["model"])
            z = x @ w[0] + b[0]
            votes[np.arange(len(x)), np.where(z > 0, pos, neg)] += 1
        for i in range(len(x)):
            out.append((i, str(int(np.argmax(votes[i]))), votes[i] / 45))
    else:
        task = task_of(a.model)
        w, b = load(run, a.model)
        z = x @ w.T + b
        if task.startswith("softmax"):
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            pred = [str(int(k)) for k in np.argmax(z, axis=1)]
        elif task.startswith("ovr"):
            q = 1 / (1 + np.exp(-z))
            p = q / q.sum(axis=1, keepdims=True)
            pred = [str(int(k)) for k in np.argmax(z, axis=1)]
        else:
            if task.endswith("-rest"):   # "i-rest": digit i against the others
                pos, neg = task.split("-")[0], "rest"
            else:
                neg, pos = task.split("-")
            s = 1 / (1 + np.exp(-z[:, 0]))
            p = np.stack([1 - s, s], axis=1)
            pred = [pos if zz > 0 else neg for zz in z[:, 0]]
        classes = None
        if task.startswith(("softmax", "ovr")) and "-" in task:
            classes = [int(c) for c in task.split("-")[1]]
        for i in range(len(x)):
            out.append((i, pred[i] if classes is None else str(classes[int(pred[i])]), p[i]))
    for i, pred, p in out:
        print("%d,%s,%s" % (i, pred, ",".join("%.17g" % v for v in p)))


if __name__ == "__main__":
    main()
