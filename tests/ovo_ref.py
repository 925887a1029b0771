#!/usr/bin/python3
"""ovo_ref.py - an independent check of a sweep's summary files.

Given a run directory written by parlogit (best.csv, ovo_confusion.csv,
summary.json, and the models, read through tests/runload.py: models.npz, or a
run's models/NAME.w.npy and NAME.b.npy) and the IDX test files with the
row range of the test set, it recomputes with NumPy, sharing no code with
parlogit:

  * the one-vs-one vote: every best pair model "i-j" (negative i, positive j)
    computes z = (x / 255) . w + b in float64 from its float32 weights and votes
    j if z > 0, else i; the prediction is the digit with most votes, a tie
    going to the smaller digit; the confusion matrix [actual][predicted] must
    equal ovo_confusion.csv and summary.json's one_vs_one;
  * the same for the one-vs-rest argmax when ovr_confusion.csv exists;
  * the choice of the best model per task from summary.json's results: status
    ok only; highest accuracy on the validation rows (training rows when a
    task's results have no finite validation accuracy), then lowest loss there,
    then smallest lr, then fewest iterations; it must name the rows of best.csv.

NAME is "<pair>_lr<lr>_it<iterations>", lr written as in best.csv.  Exit status
0 when everything agrees, 1 on a disagreement (each one printed), 2 on bad
input.
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_ref import InputError, load_mnist, parse_range  # noqa: E402  (IDX reading only)
import runload  # noqa: E402  (the run's model files)


def read_confusion(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["actual"] + [str(d) for d in range(10)] or len(rows) != 11:
        raise InputError(f"{path}: not a 10x10 confusion file")
    return np.array([[int(c) for c in r[1:]] for r in rows[1:]], dtype=np.int64)


def load_model(run, pair, lr_text, iters):
    """The binary model <pair>_lr<lr_text>_it<iters> of the opened run (a
    runload.Run) as float64 weights and a float bias; InputError when it is
    missing or not a binary model."""
    name = f"{pair}_lr{lr_text}_it{iters}"
    try:
        w, b = run.weights(name)
    except runload.RunError as exc:
        raise InputError(str(exc)) from exc
    if w.ndim != 1 or b.shape != ():
        raise InputError(f"{run.where(name)}: expected a binary model's weights and a "
                         f"scalar bias, found shapes {w.shape} and {b.shape}")
    return w.astype(np.float64), float(b)


def margins(X, w, b):
    """z = X w + b for X = pixels / 255 (float64)."""
    return X @ w + b


def check_selection(summary, best_rows):
    """Recomputes the best per task from summary.json's results."""
    bad = []
    tasks = {}
    for r in summary["results"]:
        tasks.setdefault(r["pair"], []).append(r)
    nan = float("nan")

    def num(x):
        return nan if x is None else float(x)

    want = {}
    for pair, rs in tasks.items():
        ok = [r for r in rs if r["status"] == "ok"]
        if not ok:
            continue
        on_val = any(r["val_acc"] is not None for r in ok)
        acc, loss = ("val_acc", "val_loss") if on_val else ("train_acc", "train_loss")

        def key(r):
            a, l = num(r[acc]), num(r[loss])
            return (math.isnan(a), -a if not math.isnan(a) else 0.0,
                    math.isnan(l), l if not math.isnan(l) else 0.0,
                    r["lr"], r["iterations"])
        best = min(ok, key=key)
        want[pair] = (best["lr"], best["iterations"])
    got = {r["pair"]: (float(r["lr"]), int(r["iterations"])) for r in best_rows}
    if got != want:
        bad.append(f"best per task: best.csv has {got}, the rule gives {want}")
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="the run directory")
    ap.add_argument("--images", required=True, help="IDX images file of the test rows")
    ap.add_argument("--labels", required=True, help="IDX labels file of the test rows")
    ap.add_argument("--test-rows", default="8000:10000", help="A:B rows of the files")
    args = ap.parse_args(argv)
    bad = []
    try:
        with open(os.path.join(args.run, "best.csv"), newline="") as f:
            best_rows = list(csv.DictReader(f))
        with open(os.path.join(args.run, "summary.json")) as f:
            summary = json.load(f)
        pix, lab = load_mnist(args.images, args.labels)
        rows = parse_range(args.test_rows, len(lab), "--test-rows")
        X = pix[rows].astype(np.float64) / 255.0
        y = lab[rows].astype(np.int64)

        bad += check_selection(summary, best_rows)
        try:
            run = runload.open_run(args.run)
        except runload.RunError as exc:
            raise InputError(str(exc)) from exc

        pairs = [r for r in best_rows if not r["pair"].endswith("-rest")]
        votes = np.zeros((X.shape[0], 10), dtype=np.int64)
        seen = set()
        near_zero = 0
        for r in pairs:
            neg, pos = (int(d) for d in r["pair"].split("-"))
            seen.add(frozenset((neg, pos)))
            w, b = load_model(run, r["pair"], r["lr"], r["iterations"])
            z = margins(X, w, b)
            near_zero += int(np.count_nonzero(np.abs(z) < 1e-9))
            votes[np.arange(len(z)), np.where(z > 0, pos, neg)] += 1
        ovo_file = os.path.join(args.run, "ovo_confusion.csv")
        if len(seen) == 45:
            pred = np.argmax(votes, axis=1)   # the first maximum: ties to the smaller digit
            conf = np.zeros((10, 10), dtype=np.int64)
            np.add.at(conf, (y, pred), 1)
            nbad = len(bad)
            got = read_confusion(ovo_file)
            if not np.array_equal(got, conf):
                bad.append(f"ovo_confusion.csv differs from NumPy's vote "
                           f"({near_zero} margins within 1e-9 of 0):\n{got}\nvs\n{conf}")
            js = summary["one_vs_one"]
            if js is None or js["confusion"] != conf.tolist() or js["rows"] != len(y):
                bad.append("summary.json one_vs_one differs from NumPy's vote")
            elif abs(js["accuracy"] - float(np.trace(conf)) / len(y)) > 0:
                bad.append("summary.json one_vs_one accuracy is not correct/rows")
            if len(bad) == nbad:
                print(f"ovo_ref: one-vs-one vote of 45 pairs on {len(y)} rows agrees: "
                      f"accuracy {np.trace(conf) / len(y):.4f}")
        elif os.path.exists(ovo_file):
            bad.append(f"ovo_confusion.csv exists but best.csv has {len(seen)} pairs")

        rests = {int(r["pair"].split("-")[0]): r for r in best_rows
                 if r["pair"].endswith("-rest")}
        ovr_file = os.path.join(args.run, "ovr_confusion.csv")
        if len(rests) == 10:
            Z = np.stack([margins(X, *load_model(run, rests[d]["pair"], rests[d]["lr"],
                                            rests[d]["iterations"])) for d in range(10)],
                         axis=1)
            conf = np.zeros((10, 10), dtype=np.int64)
            np.add.at(conf, (y, np.argmax(Z, axis=1)), 1)
            if not np.array_equal(read_confusion(ovr_file), conf):
                bad.append("ovr_confusion.csv differs from NumPy's argmax")
            else:
                print(f"ovo_ref: one-vs-rest argmax on {len(y)} rows agrees: "
                      f"accuracy {np.trace(conf) / len(y):.4f}")
        elif os.path.exists(ovr_file):
            bad.append(f"ovr_confusion.csv exists but best.csv has {len(rests)} d-rest tasks")
    except (InputError, OSError, KeyError, ValueError) as exc:
        print(f"ovo_ref: {exc}", file=sys.stderr)
        return 2
    for b in bad:
        print(f"ovo_ref: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
