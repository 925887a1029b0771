"""idxread.py - MNIST's IDX files (gzip or plain) as NumPy arrays, for the
reference scripts (tests/sklearn_ref.py, tests/sgd_ref.py) and the solver
benchmark (bench/bench_solvers.py).

The scripts in tests/ import it from beside them (Python puts a script's own
folder first on sys.path, whatever the working directory); the benchmark adds
tests/ to sys.path from its own file's path.

read(path): an images file (magic 0x803) as an n x (rows * cols) uint8 array,
a labels file (magic 0x801) as n uint8.  OSError when the file cannot be read
or unzipped; BadMagic (its .magic the number found) for any other magic.
read_or_fail(path, fail, ...): the same, with those errors as a message to the
script's own fail() (which prints it under the script's name and exits).
"""
import gzip

import numpy as np

IMAGES = 0x803
LABELS = 0x801


class BadMagic(ValueError):
    """The first four bytes of an IDX file name neither images nor labels."""

    def __init__(self, path, magic):
        super().__init__("%s: offset 0: magic %#x" % (path, magic))
        self.path = path
        self.magic = magic


def read(path):
    """The images or labels of the IDX file at path (gzip or plain)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = int.from_bytes(raw[0:4], "big")
    if magic == IMAGES:
        n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(raw, np.uint8, n * r * c, 16).reshape(n, r * c)
    if magic == LABELS:
        n = int.from_bytes(raw[4:8], "big")
        return np.frombuffer(raw, np.uint8, n, 8)
    raise BadMagic(path, magic)


def read_or_fail(path, fail, what="IDX file", unreadable=False):
    """read(path); a bad magic number goes to fail() as "PATH: offset 0: magic
    M is not an WHAT", and with unreadable set an OSError as "PATH: ERROR"
    (without, it propagates)."""
    try:
        return read(path)
    except OSError as e:
        if not unreadable:
            raise
        fail("%s: %s" % (path, e))
    except BadMagic as e:
        fail("%s: offset 0: magic %#x is not an %s" % (path, e.magic, what))
