#!/usr/bin/python3
"""runload.py - the one reader of a run directory's models for the tests and benchmarks.

A run directory holds its models in one of two layouts, and every test oracle
and benchmark that needs a model's weights or its sidecar goes through this
module, so that none of them knows which one it reads:

  archive (the current writer): RUN/models.json, one JSON object
      {"format": "parlogit models 1", "archive": "models.npz",
       "models": {NAME: {...}, ...}, "data_files": [...], "config": {...}},
      and RUN/models.npz, a zip of .npy members "NAME.w.npy" and "NAME.b.npy"
      (NumPy keys "NAME.w", "NAME.b") of every model with status ok;
  files (runs written before): RUN/models/NAME.json, the sidecar, and
      RUN/models/NAME.w.npy, RUN/models/NAME.b.npy.

The archive layout is read whenever RUN/models.json exists (a run that also
kept the per-model files, output.model_files = true, is read from the
archive).  A model's sidecar is the same dict in both: in the archive layout
its entry in "models" with the run-wide "data_files" and "config" added at
the end, where an old sidecar had them; only "weights" and "bias_file" differ
("NAME.w", keys in the archive, against "NAME.w.npy", file names), and callers
get the weights from weights(), never from those members.  Weights are
returned as stored, float32: a binary model's w of shape (dim,) and b of
shape (); a K-output model's (K, dim) and (K,).  Every problem (a missing
file, member or model, a file that is not what the layout says) is a
RunError whose message names the file and what was wrong; nothing here exits
except the command line at the bottom.  Only NumPy and the standard library;
Debian's /usr/bin/python3.

Command line (for the C tests' shell snippets; exit 0, 1 for `has` when a
model lacks something, 2 on a bad run directory or usage):
  runload.py names RUN            the model names, one a line, in results.csv order
  runload.py has RUN NAME...      every NAME has a sidecar and readable weights;
                                  else names the first that has not
  runload.py sidecar RUN NAME     NAME's sidecar as JSON, one top-level member a line
  runload.py export RUN NAME DIR  writes DIR/NAME.w.npy and DIR/NAME.b.npy, the
                                  stored .npy bytes unchanged
  runload.py files RUN            the files that hold the weights, relative to
                                  RUN, one a line: the archive, or every
                                  models/*.npy of the files layout
  runload.py arrays RUN           the stored arrays, one a line ("NAME.w",
                                  "NAME.b"), in storage order
"""
import argparse
import csv
import io
import json
import os
import sys
import zipfile

import numpy as np

FORMAT = "parlogit models 1"
INDEX = "models.json"


class RunError(Exception):
    """A run directory, or one of its models, is not readable as the layout
    says; the message names the file and what was wrong."""


def open_run(run_dir):
    """The run directory run_dir opened for reading: a Run in the archive
    layout when run_dir/models.json exists, else in the files layout.  Reads
    the model index (models.json, or results.csv for the files layout) now
    and the weights only when asked.  RunError when the index is missing or
    malformed.  The caller may close() it (or use it in a with statement);
    an unclosed Run holds one open file until the process ends."""
    if os.path.exists(os.path.join(run_dir, INDEX)):
        return ArchiveRun(run_dir)
    return FilesRun(run_dir)


def check_arrays(w, b, where):
    """(w, b) when they are a model's weights as stored - float32 arrays, w
    of 1 or 2 dimensions, b of shape () for a 1-dimensional w and (K,) for a
    (K, dim) one; else RunError naming where."""
    for a, what in ((w, "weights"), (b, "bias")):
        if not isinstance(a, np.ndarray) or a.dtype != np.float32:
            raise RunError(f"{where}: the {what} are not a float32 array "
                           f"({getattr(a, 'dtype', type(a).__name__)})")
    want = () if w.ndim == 1 else (w.shape[0],) if w.ndim == 2 else None
    if want is None or b.shape != want:
        raise RunError(f"{where}: weights of shape {w.shape} and bias of shape {b.shape}: "
                       f"expected (dim,) and (), or (K, dim) and (K,)")
    return w, b


def parse_npy(data, where):
    """The array in the .npy bytes data; RunError naming where when they are
    not one (pickled objects are refused)."""
    try:
        a = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise RunError(f"{where}: not a .npy array: {exc}") from exc
    if not isinstance(a, np.ndarray):
        raise RunError(f"{where}: not a single .npy array")
    return a


class Run:
    """A run directory's models, in either layout.  Attributes: dir (the
    directory as given), layout ("archive" or "files"), names (the model
    names, results.csv order; every model of the run, also those never
    reached, which have a sidecar but no weights)."""

    layout = None

    def __init__(self, run_dir):
        self.dir = run_dir
        self.names = []

    def sidecar(self, name):
        """Model name's sidecar: a new dict with the members of an old
        models/NAME.json in their order, data_files and config last.
        RunError when the run has no model name or its sidecar is unreadable."""
        raise NotImplementedError

    def npy_bytes(self, name):
        """(w, b) of model name as the bytes of their .npy files, as the
        writer stored them.  RunError when the model has no weights."""
        raise NotImplementedError

    def weights(self, name):
        """(w, b) of model name, float32 arrays as stored (check_arrays).
        RunError when the run has no such model, it has no weights (a model
        never reached), or they are not a model's arrays."""
        wb, bb = self.npy_bytes(name)
        where = self.where(name)
        return check_arrays(parse_npy(wb, where + " (weights)"), parse_npy(bb, where + " (bias)"),
                            where)

    def has(self, name):
        """None when model name has a readable sidecar and weights, else why
        not (a message naming the file)."""
        try:
            self.sidecar(name)
            self.weights(name)
        except RunError as exc:
            return str(exc)
        return None

    def export(self, name, out_dir):
        """Writes out_dir/NAME.w.npy and out_dir/NAME.b.npy with the stored
        bytes of model name's weights (after checking them as weights() does),
        for tools that take file paths; returns the two paths.  RunError as
        weights(); OSError when out_dir is not writable."""
        self.weights(name)
        paths = []
        for data, ext in zip(self.npy_bytes(name), (".w.npy", ".b.npy")):
            path = os.path.join(out_dir, name + ext)
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        return tuple(paths)

    def files(self):
        """The files that hold the weights, relative to dir, sorted as the
        layout stores them (for byte-for-byte comparisons of two runs)."""
        raise NotImplementedError

    def arrays(self):
        """The keys of the stored arrays ("NAME.w", "NAME.b"), in storage order."""
        raise NotImplementedError

    def where(self, name):
        """Where model name's weights are, for messages."""
        raise NotImplementedError

    def close(self):
        """Closes what the Run holds open; it may not be used after."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ArchiveRun(Run):
    """RUN/models.json and the archive it names (module docstring)."""

    layout = "archive"

    def __init__(self, run_dir):
        super().__init__(run_dir)
        self.index = os.path.join(run_dir, INDEX)
        try:
            with open(self.index, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as exc:
            raise RunError(f"{self.index}: not readable as JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise RunError(f"{self.index}: \"format\" is not \"{FORMAT}\"")
        archive = doc.get("archive")
        if not isinstance(archive, str) or not archive or os.path.basename(archive) != archive:
            raise RunError(f"{self.index}: \"archive\" is not a file name in the run: {archive!r}")
        models = doc.get("models")
        if not isinstance(models, dict) or not all(isinstance(m, dict) for m in models.values()):
            raise RunError(f"{self.index}: \"models\" is not an object of objects")
        self.doc = doc
        self.models = models
        self.names = list(models)
        self.archive_name = archive
        self.archive = os.path.join(run_dir, archive)
        self.npz = None

    def entry(self, name):
        """Model name's object in models.json; RunError when there is none."""
        if name not in self.models:
            raise RunError(f"{self.index}: no model {name}")
        return self.models[name]

    def sidecar(self, name):
        side = dict(self.entry(name))
        for key in ("data_files", "config"):
            if key in self.doc:
                side[key] = self.doc[key]
        return side

    def open_archive(self):
        """The archive as numpy.load opens it, opened on first use."""
        if self.npz is None:
            try:
                self.npz = np.load(self.archive, allow_pickle=False)
            except (OSError, ValueError, zipfile.BadZipFile) as exc:
                raise RunError(f"{self.archive}: not readable as a NumPy archive: {exc}") from exc
            if not isinstance(self.npz, np.lib.npyio.NpzFile):
                raise RunError(f"{self.archive}: not a NumPy .npz archive")
        return self.npz

    def npy_bytes(self, name):
        e = self.entry(name)
        keys = e.get("weights"), e.get("bias_file")
        if keys[0] is None or keys[1] is None:
            raise RunError(f"{self.index}: model {name} has no weights "
                           f"(status {e.get('status')})")
        npz = self.open_archive()
        out = []
        for key in keys:
            if not isinstance(key, str) or key not in npz.files:
                raise RunError(f"{self.archive}: no member {key}.npy (model {name})")
            try:
                out.append(npz.zip.read(key + ".npy"))
            except (OSError, ValueError, zipfile.BadZipFile) as exc:
                raise RunError(f"{self.archive}: member {key}.npy: {exc}") from exc
        return tuple(out)

    def files(self):
        return [self.archive_name]

    def arrays(self):
        return list(self.open_archive().files)

    def where(self, name):
        return f"{self.archive} (model {name})"

    def close(self):
        if self.npz is not None:
            self.npz.close()
            self.npz = None


class FilesRun(Run):
    """RUN/results.csv and RUN/models/NAME.{json,w.npy,b.npy} (module docstring)."""

    layout = "files"

    def __init__(self, run_dir):
        super().__init__(run_dir)
        self.models = os.path.join(run_dir, "models")
        results = os.path.join(run_dir, "results.csv")
        try:
            with open(results, newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as exc:
            raise RunError(f"{results}: {exc.strerror or exc} (and no {INDEX})") from exc
        if rows and "model" not in rows[0]:
            raise RunError(f"{results}: no column \"model\"")
        self.names = [r["model"] for r in rows]

    def path(self, name, ext):
        return os.path.join(self.models, name + ext)

    def sidecar(self, name):
        path = self.path(name, ".json")
        try:
            with open(path, encoding="utf-8") as f:
                side = json.load(f)
        except (OSError, ValueError) as exc:
            raise RunError(f"{path}: not readable as JSON: {exc}") from exc
        if not isinstance(side, dict):
            raise RunError(f"{path}: not a JSON object")
        return side

    def npy_bytes(self, name):
        out = []
        for ext in (".w.npy", ".b.npy"):
            path = self.path(name, ext)
            try:
                with open(path, "rb") as f:
                    out.append(f.read())
            except OSError as exc:
                raise RunError(f"{path}: {exc.strerror or exc}") from exc
        return tuple(out)

    def npy_files(self):
        try:
            return sorted(f for f in os.listdir(self.models) if f.endswith(".npy"))
        except OSError as exc:
            raise RunError(f"{self.models}: {exc.strerror or exc}") from exc

    def files(self):
        return ["models/" + f for f in self.npy_files()]

    def arrays(self):
        return [f[:-len(".npy")] for f in self.npy_files()]

    def where(self, name):
        return self.path(name, ".{w,b}.npy")


# ---------------------------------------------------------------- command line

def dump_sidecar(side, out):
    """Writes side as a JSON object, one top-level member a line (so that a
    shell's grep finds a member on its line, as in an old sidecar)."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in side.items()]
    out.write("{\n" + ",\n".join(lines) + "\n}\n")


def main(argv=None):
    """The command line of the module docstring; returns the exit status."""
    ap = argparse.ArgumentParser(prog="runload.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for cmd in ("names", "files", "arrays"):
        sub.add_parser(cmd).add_argument("run")
    p = sub.add_parser("has")
    p.add_argument("run")
    p.add_argument("name", nargs="+")
    p = sub.add_parser("sidecar")
    p.add_argument("run")
    p.add_argument("name")
    p = sub.add_parser("export")
    p.add_argument("run")
    p.add_argument("name")
    p.add_argument("dir")
    a = ap.parse_args(argv)
    try:
        with open_run(a.run) as run:
            if a.cmd == "has":
                for name in a.name:
                    why = run.has(name)
                    if why:
                        print(f"runload: {a.run}: model {name} is missing: {why}", file=sys.stderr)
                        return 1
            elif a.cmd == "sidecar":
                dump_sidecar(run.sidecar(a.name), sys.stdout)
            elif a.cmd == "export":
                for path in run.export(a.name, a.dir):
                    print(path)
            else:
                lines = run.names if a.cmd == "names" else getattr(run, a.cmd)()
                print("\n".join(lines))
    except (RunError, OSError) as exc:
        print(f"runload: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
