#!/usr/bin/python3
"""bench_sweep.py - the default sweep, timed as a whole process, against NumPy.

    bench_sweep.py BUILD_DIR [--numpy] [--runs N]

Runs `parlogit train configs/bench-sweep.ini --threads 2` (45 pairs x learning
rates {0.015, 0.1, 0.5, 1.0} x iterations {100, 500, 1000} on MNIST 10k: first
8000 rows train, last 2000 test) N times (default 5), each into a new
directory, and reports the best and the median wall time of the whole process,
and the training GFLOP/s counted two ways:

  useful  = iterations x 4 flops x sum over training rows of nnz(row) x models(row)
            (forward and backward FMA over the non-zero pixels only; a row of
            digit c feeds the 9 pairs with c at every learning rate: 36 models)
  dense   = the same with every row's 784 pixels (what a dense engine would do)

both as a share of the machine's measured FMA peak (ceilings.txt).  With
--numpy it also runs tests/numpy_ref.py on the same sweep (the seeds'
algorithm in float64 NumPy, every CPU), reports the time ratio, and checks that
every checkpoint's test accuracy agrees within one test sample.  Output: a
human table, and "sweep key=value" lines.

Each run writes a new directory because replacing one costs more than the
training's noise here: this VM's ext4 (no journal) skips inodes freed in the
last minutes one by one when it creates a file, so the 1,620 model files of a
sweep are slow to create right after the previous run's were deleted.  The
previous invocation's runs are deleted after the timed runs, not before.
"""
import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas import blas_library  # noqa: E402

DATA = "data/mnist"
IMAGES = f"{DATA}/t10k-images-idx3-ubyte.gz"
LABELS = f"{DATA}/t10k-labels-idx1-ubyte.gz"
LRS = [0.015, 0.1, 0.5, 1.0]
ITERS = [100, 500, 1000]


def ceilings(build):
    out = {}
    try:
        for line in open(f"{build}/bench/ceilings.txt"):
            m = re.match(r"ceiling name=(\S+) threads=(\d+) value=([0-9.]+)", line)
            if m:
                out[(m.group(1), int(m.group(2)))] = float(m.group(3))
    except OSError:
        pass
    return out


def load(path, magic):
    raw = gzip.decompress(open(path, "rb").read())
    assert int.from_bytes(raw[:4], "big") == magic
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    top = f"{build}/bench/sweep"
    old = None
    if os.path.exists(top):   # deleted after the timed runs (see above)
        old = f"{top}.old.{os.getpid()}"
        os.rename(top, old)
    walls, trains = [], []
    for i in range(runs):
        out_dir = f"{top}/run{i + 1}"
        cmd = [f"{build}/parlogit", "train", "configs/bench-sweep.ini", "--threads", "2",
               "--quiet", "--out", out_dir]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        trains.append(json.load(open(f"{out_dir}/summary.json")).get("seconds", float("nan")))
    if old:
        shutil.rmtree(old, ignore_errors=True)
    k = min(range(runs), key=lambda i: walls[i])
    best, train_s, out_dir = walls[k], trains[k], f"{top}/run{k + 1}"
    median = sorted(walls)[runs // 2]

    x = load(IMAGES, 0x803).reshape(-1, 784)[:8000]
    nnz = int(np.count_nonzero(x))
    models_per_row = 9 * len(LRS)
    useful = max(ITERS) * 4.0 * nnz * models_per_row
    dense = max(ITERS) * 4.0 * x.size * models_per_row
    c = ceilings(build)
    peak = max(c.get(("fma_peak_avx512", 2), 0), c.get(("fma_peak_avx2", 2), 0)) or float("nan")
    print(f"sweep: 45 pairs x {len(LRS)} learning rates x {ITERS} iterations, 8000 train rows "
          f"(density {nnz / x.size:.3f}), 2 threads")
    print(f"  whole process, best of {runs}: {best:.3f} s   (training alone {train_s:.3f} s); "
          f"median {median:.3f} s")
    print("  runs (whole / training): " +
          ", ".join(f"{w:.2f}/{t:.2f}" for w, t in zip(walls, trains)) + " s")
    print(f"  useful work {useful / 1e9:.1f} GFLOP: {useful / train_s / 1e9:.1f} GFLOP/s in "
          f"training = {100 * useful / train_s / 1e9 / peak:.0f}% of the {peak:.0f} GFLOP/s "
          f"2-thread FMA peak")
    print(f"  dense-equivalent {dense / 1e9:.1f} GFLOP: {dense / train_s / 1e9:.1f} GFLOP/s "
          f"= {100 * dense / train_s / 1e9 / peak:.0f}% of peak")
    print(f"sweep wall_s={best:.3f} median_wall_s={median:.3f} train_s={train_s:.3f} useful_gflops={useful / train_s / 1e9:.2f} "
          f"dense_gflops={dense / train_s / 1e9:.2f} peak_gflops={peak:.2f} density={nnz / x.size:.4f}")

    if "--numpy" not in sys.argv:
        return 0
    ref = f"{build}/bench/sweep_numpy.json"
    t0 = time.perf_counter()
    # numpy_ref.py runs one worker process per CPU: each gets one BLAS thread, so
    # that processes x threads = CPUs (OpenBLAS's own threads on top of the
    # processes oversubscribe the cores: 125 s against 85 s here, session 7)
    peer_env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    subprocess.run(["/usr/bin/python3", "tests/numpy_ref.py", "--images", IMAGES, "--labels",
                    LABELS, "--pairs", "all", "--lrs", ",".join(map(str, LRS)),
                    "--iterations", ",".join(map(str, ITERS)), "--json", ref], check=True,
                   env=peer_env)
    np_wall = time.perf_counter() - t0
    doc = json.load(open(ref))
    refrows = {(r["pair"], float(r["lr"]), int(r["iterations"])): r for r in doc["rows"]}
    worst, checked = 0.0, 0
    for row in csv.DictReader(open(f"{out_dir}/results.csv")):
        r = refrows[(row["pair"], float(row["lr"]), int(row["iterations"]))]
        diff = abs(float(row["test_acc"]) - r["test_acc"]) * r["n_test"]
        worst = max(worst, diff)
        checked += 1
    print(f"  NumPy ({doc['jobs']} processes x 1 BLAS thread, float64, BLAS {blas_library()}): "
          f"{np_wall:.1f} s wall -> parlogit is {np_wall / best:.0f}x faster than its best, "
          f"{np_wall / median:.0f}x than its median")
    print(f"  {checked} checkpoints compared: test accuracies differ by at most {worst:.0f} "
          f"test sample(s)")
    print(f"sweep numpy_wall_s={np_wall:.2f} ratio={np_wall / best:.1f} checkpoints={checked} "
          f"max_test_sample_diff={worst:.0f}")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
