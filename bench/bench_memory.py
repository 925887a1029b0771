#!/usr/bin/python3
"""bench_memory.py - peak resident memory of a 60,000-row, 45-pair sweep
(issue 15's figure: at most 100 MB per process on one rank), against the
size of the pixels themselves.

The set is made from MNIST's 10k set by make_shifted.py (six shifted copies),
54,000 rows to train and 6,000 to test, every pair, one learning rate, five
iterations: the memory a run needs, not its time.  Each run is a fresh child
process; its peak is the kernel's own count (os.wait4's ru_maxrss).  Several
runs per thread count, the largest peak reported.  Then the same sweep over
2 and 3 ranks (mpirun, one thread each), split by rows (each rank holds only
its own blocks' training rows) and by models: the largest rank's peak.

  /usr/bin/python3 bench/bench_memory.py BUILD [--mirror DIR] [--runs 3]
Output: a table and "memory key=value" lines.  Exits 1 when a run fails.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

PIXELS_MB = 60000 * 784 / 1e6   # the uint8 pixels of the whole file
TARGET_MB = 100.0

CONFIG = """[data]
dir = {data}
train_images = shifted-images-idx3-ubyte.gz
train_labels = shifted-labels-idx1-ubyte.gz
split = rows
train_rows = 0:54000
test_rows = 54000:60000
[task]
pairs = all
multiclass = none
[train]
learning_rates = 0.5
iterations = 5
[output]
dir = {out}
plots = false
"""


def peak_mb(cmd):
    """Runs cmd as a child; returns (exit status, its peak RSS in MB)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(err)
    return code, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--mirror", default=os.environ.get("MNIST_MIRROR", "../shared/data/mnist"))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    binary = os.path.join(a.build, "parlogit")
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="parlogit-mem-") as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run([sys.executable, os.path.join(here, "make_shifted.py"), a.mirror, data],
                       check=True, stdout=subprocess.DEVNULL)
        ini = os.path.join(tmp, "big.ini")
        with open(ini, "w") as f:
            f.write(CONFIG.format(data=data, out=os.path.join(tmp, "run")))
        print("peak resident memory, 60,000 rows (54,000 train / 6,000 test), 45 pairs, "
              f"{a.runs} runs per line; the file's pixels are {PIXELS_MB:.1f} MB")
        print(f"{'threads':>7} {'peak MB':>8} {'x pixels':>8} {'target':>7}")
        worst = 0.0
        for threads in (1, 2):
            peaks = []
            for _ in range(a.runs):
                code, mb = peak_mb([binary, "train", ini, "--quiet", "--threads", str(threads)])
                if code != 0:
                    sys.exit(f"bench_memory: parlogit exited {code}")
                peaks.append(mb)
            top = max(peaks)
            worst = max(worst, top)
            print(f"{threads:>7} {top:>8.1f} {top / PIXELS_MB:>8.2f} {TARGET_MB:>7.0f}")
            print(f"memory threads={threads} peak_mb={top:.1f} min_mb={min(peaks):.1f} "
                  f"pixels_mb={PIXELS_MB:.1f} target_mb={TARGET_MB:.0f}")
        print(f"memory target {'met' if worst <= TARGET_MB else 'NOT met'}: "
              f"{worst:.1f} MB against {TARGET_MB:.0f} MB")
        # over ranks (distribute = rows: each rank holds its own blocks' rows):
        # mpirun's own peak counts its waited-for ranks, so wait4 on it gives
        # the largest rank's (mpirun itself holds far less)
        mpirun = shutil.which("mpirun")
        if not mpirun:
            print("memory ranks: mpirun not found, not measured")
            return
        print(f"{'ranks':>7} {'split':>7} {'largest rank MB':>16}")
        for ranks in (2, 3):
            for split in ("rows", "models"):
                peaks = []
                for _ in range(a.runs):
                    code, mb = peak_mb([mpirun, "--oversubscribe", "--allow-run-as-root", "-np",
                                        str(ranks), binary, "train", ini, "--quiet",
                                        "--threads", "1", "--set",
                                        f"engine.distribute={split}"])
                    if code != 0:
                        sys.exit(f"bench_memory: mpirun exited {code}")
                    peaks.append(mb)
                print(f"{ranks:>7} {split:>7} {max(peaks):>16.1f}")
                print(f"memory ranks={ranks} distribute={split} rank_peak_mb={max(peaks):.1f} "
                      f"min_mb={min(peaks):.1f}")


if __name__ == "__main__":
    main()
