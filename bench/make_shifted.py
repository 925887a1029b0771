#!/usr/bin/python3
"""make_shifted.py - a larger MNIST-like IDX set made from the 10k test set:
COPIES shifted copies of every image (copy 0 as it is, then shifts by one
pixel right, left, down, up, and diagonally, cycling), labels repeated, rows
interleaved by copy (row i*COPIES+c is copy c of image i), gzip-compressed
IDX files as MNIST publishes them.  For benchmarks (bench/README.md: the
60,000-row figures): never a test's reference data.

  /usr/bin/python3 bench/make_shifted.py SRC_DIR OUT_DIR [--copies 6]
writes OUT_DIR/shifted-images-idx3-ubyte.gz and shifted-labels-idx1-ubyte.gz.
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np

SHIFTS = [(0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, -1), (1, -1), (-1, 1)]


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    m = struct.unpack(">I", data[:4])[0]
    if m != magic:
        sys.exit(f"{path}: magic {m:#x}, expected {magic:#x}")
    nd = m & 0xFF
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--copies", type=int, default=6)
    a = ap.parse_args()
    img = read_idx(os.path.join(a.src, "t10k-images-idx3-ubyte.gz"), 0x803)
    lab = read_idx(os.path.join(a.src, "t10k-labels-idx1-ubyte.gz"), 0x801)
    n, h, w = img.shape
    out = np.zeros((n, a.copies, h, w), np.uint8)
    for c in range(a.copies):
        dy, dx = SHIFTS[c % len(SHIFTS)]
        out[:, c] = np.roll(np.roll(img, dy, axis=1), dx, axis=2)
    out = out.reshape(n * a.copies, h, w)
    labels = np.repeat(lab, a.copies)
    os.makedirs(a.out, exist_ok=True)
    with gzip.open(os.path.join(a.out, "shifted-images-idx3-ubyte.gz"), "wb", 6) as f:
        f.write(struct.pack(">IIII", 0x803, n * a.copies, h, w) + out.tobytes())
    with gzip.open(os.path.join(a.out, "shifted-labels-idx1-ubyte.gz"), "wb", 6) as f:
        f.write(struct.pack(">II", 0x801, n * a.copies) + labels.tobytes())
    print(f"{n * a.copies} rows of {h} x {w} into {a.out}")


if __name__ == "__main__":
    main()
