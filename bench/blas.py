"""blas.py - which BLAS the NumPy peers of `make bench` run on, for the record.

NumPy on Debian links libblas.so.3 and liblapack.so.3, which the alternatives
system points at the reference BLAS or, once libopenblas0-pthread is installed
(make bench installs it: the BLAS NumPy's users have), at OpenBLAS.  What is
loaded is read from /proc/self/maps after a matrix product, so the answer is
the library actually used, not the one configured.
"""
import os

import numpy as np


def blas_library():
    """The file name of the BLAS this process's NumPy calls, e.g. 'libopenblas.so.0'."""
    a = np.ones((64, 64))
    a @ a
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if "/" in line else ""
            base = os.path.basename(path)
            if "blas" in base or "mkl" in base or "blis" in base:
                libs.add(os.path.realpath(path))
    names = sorted(libs)
    if any("openblas" in n for n in names):
        kind = "OpenBLAS" + (" (pthread)" if any("pthread" in n for n in names) else "")
    elif any("mkl" in n for n in names):
        kind = "MKL"
    elif any("blis" in n for n in names):
        kind = "BLIS"
    else:
        kind = "reference BLAS"
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "GOTO_"))}
    return f"{kind}: {', '.join(names) or 'none loaded'}" + (f"; env {env}" if env else "")


if __name__ == "__main__":
    print(blas_library())
