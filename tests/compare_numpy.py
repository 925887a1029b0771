#!/usr/bin/python3
"""compare_numpy.py - checks a parlogit run against tests/numpy_ref.py's JSON.

usage: compare_numpy.py RUN_DIR NUMPY_JSON IMAGES LABELS TRAIN_ROWS

For every (pair, lr, iterations) row of RUN_DIR/results.csv:
  - train_loss and test_loss agree with NumPy's within 1e-4 relative;
  - train_acc and test_acc agree within one sample;
  - the saved model (read through tests/runload.py: models.npz, or a run's
    models/NAME.w.npy and NAME.b.npy) gives,
    recomputed here in float64 on the training rows, the train_loss parlogit
    reported (1e-5 relative): the files hold the model that was evaluated.
Prints one line per model and exits 1 on any disagreement.
"""
import csv
import gzip
import json
import math
import sys

import numpy as np

import runload


def load_idx(path, magic):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    assert int.from_bytes(raw[:4], "big") == magic, path
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def task_rows(labels, pair):
    a, b = pair.split("-")
    if b == "rest":
        return np.ones(len(labels), bool), (labels == int(a)).astype(float)
    keep = (labels == int(a)) | (labels == int(b))
    return keep, (labels[keep] == int(b)).astype(float)


def main():
    run_dir, ref_json, images, labels, train_rows = sys.argv[1:6]
    ref = json.load(open(ref_json))
    refrows = {(r["pair"], float(r["lr"]), int(r["iterations"])): r for r in ref["rows"]}
    X = load_idx(images, 0x803).reshape(-1, 784)
    y = load_idx(labels, 0x801)
    lo, hi = map(int, train_rows.split(":"))
    X, y = X[lo:hi].astype(np.float64) / 255.0, y[lo:hi]
    bad = 0
    run = runload.open_run(run_dir)
    with open(f"{run_dir}/results.csv") as f:
        for row in csv.DictReader(f):
            key = (row["pair"], float(row["lr"]), int(row["iterations"]))
            r = refrows[key]
            msgs = []
            for k in ("train_loss", "test_loss"):
                ours, theirs = float(row[k]), float(r[k])
                if abs(ours - theirs) > 1e-4 * abs(theirs):
                    msgs.append(f"{k} {ours!r} vs numpy {theirs!r}")
            for k, n in (("train_acc", r["n_train"]), ("test_acc", r["n_test"])):
                if abs(float(row[k]) - float(r[k])) * n > 1.0 + 1e-9:
                    msgs.append(f"{k} {row[k]} vs numpy {r[k]}")
            name = f"{row['pair']}_lr{row['lr']}_it{row['iterations']}"
            w, b = run.weights(name)
            assert w.dtype == np.float32 and w.shape == (784,) and b.shape == (), name
            keep, t = task_rows(y, row["pair"])
            z = X[keep] @ w.astype(np.float64) + float(b)
            loss = float(np.mean(np.logaddexp(0.0, z) - t * z))
            if abs(loss - float(row["train_loss"])) > 1e-5 * loss:
                msgs.append(f"saved model's loss {loss!r} vs reported {row['train_loss']}")
            print(f"{name}: train_loss {row['train_loss']} numpy {r['train_loss']!r}"
                  + ("" if not msgs else "  MISMATCH: " + "; ".join(msgs)))
            bad += bool(msgs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
