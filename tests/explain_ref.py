#!/usr/bin/python3
"""explain_ref.py - seed 000's "most confidently wrong" images, computed
independently with NumPy, to check `parlogit explain`.

usage: explain_ref.py RUN_DIR NAME IMAGES LABELS TRAIN_ROWS NEG POS

NAME is a binary model of the run RUN_DIR (its weights are read through
tests/runload.py: models.npz, or a run's models/NAME.w.npy and NAME.b.npy);
TRAIN_ROWS is A:B, the rows of IMAGES the run trained on.
Prints two lines, "POS NEG ROW P" (the POS image with the highest probability
of NEG, its source row and that probability) and "NEG POS ROW P".
"""
import gzip
import sys

import numpy as np

import runload


def load_idx(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    run, name, images, labels, rows, neg, pos = sys.argv[1:8]
    neg, pos = int(neg), int(pos)
    a, b = (int(v) for v in rows.split(":"))
    x = load_idx(images).reshape(-1, 784)[a:b].astype(np.float64) / 255.0
    y = load_idx(labels)[a:b]
    try:
        w, bias = runload.open_run(run).weights(name)
    except runload.RunError as exc:
        sys.exit("explain_ref: %s" % exc)
    if w.ndim != 1:
        sys.exit("explain_ref: %s: not a binary model" % name)
    w, bias = w.astype(np.float64), float(bias)
    z = x @ w + bias
    p_pos = 1.0 / (1.0 + np.exp(-z))
    for truth, other, p_other in ((pos, neg, 1.0 - p_pos), (neg, pos, p_pos)):
        idx = np.flatnonzero(y == truth)
        k = idx[np.argmax(p_other[idx])]
        print(truth, other, a + k, "%.4f" % p_other[k])


main()
