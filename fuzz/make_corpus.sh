#!/usr/bin/env bash
# make_corpus.sh CORPUS_DIR - seed corpora for the fuzz harnesses, one folder
# per harness (fuzz/README.md).  Nothing here is committed: the seeds are made
# from small crafted files, the first bytes of the MNIST files in
# $MNIST_MIRROR (or data/mnist), configs/*.ini, and a tiny run directory that
# the release binary (build/parlogit) trains in a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-fuzz/corpus}
bin=${PARLOGIT_BIN:-build/parlogit}
py=${PYTHON:-/usr/bin/python3}
mnist=${MNIST_MIRROR:-data/mnist}
[ -f "$mnist/t10k-images-idx3-ubyte.gz" ] || mnist=data/mnist
for f in t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$mnist/$f" ] || { echo "make_corpus: $mnist/$f missing (make data)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "make_corpus: $bin missing (make)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parlogit-corpus-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for h in idx idx_gz csv config set npy results best curves digit_matrix rundir sidecar model npz image; do
    mkdir -p "$out/fuzz_$h"
done

# A tiny run directory: two pairs with two learning rates (best.csv), all 45
# pairs on few rows (pair_accuracy.csv, ovo_confusion.csv), a softmax and an
# ovr model, an L-BFGS one.  Both configs train on the same rows.
data_ini() {
    cat <<INI
[data]
dir = $(cd "$mnist" && pwd)
train_images = t10k-images-idx3-ubyte.gz
train_labels = t10k-labels-idx1-ubyte.gz
split = rows
train_rows = 0:1000
test_rows = 9000:9200
INI
}
{ data_ini; cat <<INI
[task]
pairs = all
multiclass = softmax, ovr
[train]
learning_rates = 0.1, 0.5
iterations = 2
INI
} > "$tmp/run.ini"
train() {   # CONFIG OUT: quiet unless it fails
    "$bin" train "$1" --threads 1 --quiet --set output.model_files=true --out "$2" \
        >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
}
train "$tmp/run.ini" "$tmp/run"
{ data_ini; cat <<INI
[task]
pairs = 1-7, 3-rest
multiclass = softmax
classes = 0,1,2
[train]
solver = lbfgs
C = 1
max_iter = 5
INI
} > "$tmp/lbfgs.ini"
train "$tmp/lbfgs.ini" "$tmp/lbfgs"

"$py" - "$out" "$mnist" "$tmp" <<'PY'
import glob, gzip, os, struct, sys
out, mnist, tmp = sys.argv[1:4]
SEP = b"\n=====\n"
def put(h, name, data):
    with open(os.path.join(out, "fuzz_" + h, name), "wb") as f:
        f.write(data)
def read(p):
    with open(p, "rb") as f:
        return f.read()

img = gzip.open(os.path.join(mnist, "t10k-images-idx3-ubyte.gz")).read(16 + 784 * 4)
lab = gzip.open(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz")).read(8 + 4)
def idx_pair(n, rows=28, cols=28):
    i = struct.pack(">IIII", 0x803, n, rows, cols) + img[16:16 + n * rows * cols]
    l = struct.pack(">II", 0x801, n) + lab[8:8 + n]
    return i, l
# IDX, plain and gzip-wrapped; first bytes of the published files (cut gzip)
for n in (1, 3):
    i, l = idx_pair(n)
    put("idx", "plain%d" % n, i + SEP + l)
    put("idx", "gzip%d" % n, gzip.compress(i, 9) + SEP + gzip.compress(l, 9))
    put("idx_gz", "pair%d" % n, i + SEP + l)
i, l = idx_pair(2, 2, 3)
put("idx", "small", i + SEP + l)
put("idx_gz", "small", i + SEP + l)
put("idx", "mnist_head", read(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"))[:2048] + SEP +
    read(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz"))[:64])
put("idx", "bad_label", i + SEP + l[:-1] + b"\x0c")
put("idx", "empty", SEP)

# CSV: selector byte (bits 0-1: label first, last, none, detect; ((b >> 2) & 3) % 3:
# header auto, no, yes; bit 4: shape 8 x 8, else from the first line; bit 5:
# pixel_max 16, else 255)
rows = [(lab[8 + r], img[16 + 784 * r:16 + 784 * (r + 1)]) for r in range(3)]
def csv(last, header, crlf=False):
    nl = "\r\n" if crlf else "\n"
    s = ""
    if header:
        cols = ["p%d" % k for k in range(784)]
        s += ",".join(cols + ["label"] if last else ["label"] + cols) + nl
    for y, px in rows:
        cells = [str(v) for v in px]
        s += ",".join(cells + [str(y)] if last else [str(y)] + cells) + nl
    return s.encode()
put("csv", "first", b"\x04" + csv(False, False))
put("csv", "last_header", b"\x09" + csv(True, True))
put("csv", "crlf_auto", b"\x00" + csv(False, True, True))
put("csv", "gzip", b"\x04" + gzip.compress(csv(False, False)))
put("csv", "short", b"\x04" + b"1,2,3\n")
put("csv", "detect_pixels", b"\x07" + "".join(",".join(str(v) for v in px) + "\n"
                                             for _, px in rows).encode())
# scikit-learn's 8 x 8 digits: 64 pixels 0..16 and the label last
d8 = "".join(",".join(str((r * 7 + k * 3) % 17) for k in range(64)) + ",%d\n" % r
             for r in range(3)).encode()
put("csv", "digits_8x8", b"\x35" + d8)
put("csv", "digits_auto", b"\x25" + d8)

# INI configs and --set lines
for p in sorted(glob.glob("configs/*.ini")) + [os.path.join(tmp, "run.ini"), os.path.join(tmp, "lbfgs.ini")]:
    text = read(p)
    put("config", os.path.basename(p), text)
    sec, lines = "", []
    for ln in text.decode().splitlines():
        ln = ln.split("#")[0].split(";")[0].strip()
        if ln.startswith("[") and ln.endswith("]"):
            sec = ln[1:-1].strip()
        elif "=" in ln and sec:
            k, v = ln.split("=", 1)
            lines.append("%s.%s=%s" % (sec, k.strip(), v.strip()))
    put("set", os.path.basename(p), "\n".join(lines).encode())

# the run directories
for run in ("run", "lbfgs"):
    d = os.path.join(tmp, run)
    if not os.path.isdir(d):
        continue
    res = read(os.path.join(d, "results.csv"))
    put("results", run, res)
    put("results", run + "_header", res.split(b"\n")[0] + b"\n")
    best = os.path.join(d, "best.csv")
    if os.path.exists(best):
        put("best", run, read(best))
        put("rundir", run, res + SEP + read(best))
    put("rundir", run + "_nobest", res)
    if os.path.exists(os.path.join(d, "curves.csv")):
        put("curves", run, read(os.path.join(d, "curves.csv"))[:65536])
    for m, corner in (("pair_accuracy", 0), ("ovo_confusion", 1), ("ovr_confusion", 1)):
        p = os.path.join(d, m + ".csv")
        if os.path.exists(p):
            put("digit_matrix", run + "_" + m, bytes([corner]) + read(p))
    names = ["1-7_lr0.1_it100", "3-rest_lr0.5_it10", "softmax_lr0.5_it500", "ovr-012_lr1_it2",
             "softmax_lbfgs_C1", "1-7_lbfgs_l1_C0.5"]
    for w in sorted(glob.glob(os.path.join(d, "models", "*.w.npy")))[:6]:
        stem = os.path.basename(w)[:-6]
        b = w[:-6] + ".b.npy"
        put("npy", stem + ".w", read(w))
        put("npy", stem + ".b", read(b))
        task = stem.split("_")[0]
        sel = 0 if "-" in task and "rest" not in task else 1 if "rest" in task else \
              2 if task == "softmax" else 3
        if "lbfgs" in stem:
            sel = 4 if task == "softmax" else 5
        put("model", stem, bytes([sel]) + read(w) + SEP + read(b))
        js = w[:-6] + ".json"
        if os.path.exists(js):
            put("sidecar", stem, read(js))
            put("model", stem + "_sidecar", bytes([sel]) + read(w) + SEP + read(b) + SEP +
                read(js))
    zp, jp = os.path.join(d, "models.npz"), os.path.join(d, "models.json")
    if os.path.exists(zp) and os.path.exists(jp):
        for sel in range(6):
            put("npz", run + "_%d" % sel, bytes([sel]) + read(zp) + SEP + read(jp))
        put("npz", run + "_alone", b"\0" + read(zp))
    sj = os.path.join(d, "summary.json")
    if os.path.exists(sj):
        put("sidecar", run + "_summary", read(sj))
put("sidecar", "tiny", b'{"config": {"train": {"iterations": "5"}}}')

# small archives whose members are the fuzz_npz selector's model names, one
# as parlogit writes it (a run trained with them is too large a seed) and one
# as numpy.savez does (Zip64 extra fields in the local headers)
import io, json, numpy as np, zipfile
fz_names = ["1-7_lr0.1_it100", "3-rest_lr0.5_it10", "softmax_lr0.5_it500", "ovr-012_lr1_it2",
            "softmax_lbfgs_C1", "1-7_lbfgs_l1_C0.5"]
for sel, name in enumerate(fz_names):
    k = 10 if name.startswith("softmax") else 3 if name.startswith("ovr") else 1
    w = (np.arange(k * 64, dtype=np.float32) / 100).reshape((k, 64) if k > 1 else (64,))
    b = np.arange(k, dtype=np.float32) if k > 1 else np.float32(0.5)
    side = {"models": {name: {"pair": name.split("_")[0], "image": [8, 8], "pixel_max": 16,
                              "weights": name + ".w", "bias_file": name + ".b", "status": "ok"}},
            "config": {}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for m, a in ((name + ".w.npy", w), (name + ".b.npy", np.asarray(b))):
            one = io.BytesIO()
            np.save(one, a)
            z.writestr(zipfile.ZipInfo(m, (1980, 1, 1, 0, 0, 0)), one.getvalue())
    put("npz", "small_%d" % sel, bytes([sel]) + buf.getvalue() + SEP + json.dumps(side).encode())
    buf = io.BytesIO()
    np.savez(buf, **{name + ".w": w, name + ".b": b})
    put("npz", "savez_%d" % sel, bytes([sel]) + buf.getvalue() + SEP + json.dumps(side).encode())

# photos: small PNGs (grey, RGB, RGBA, palette, 16-bit) and JPEGs (grey, colour,
# with an EXIF orientation) of an MNIST digit on paper
import io
from PIL import Image
digit = Image.frombytes("L", (28, 28), img[16:16 + 784])
page = Image.new("L", (40, 36), 220)
page.paste(Image.eval(digit, lambda v: 255 - v), (6, 4))
def enc(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()
put("image", "grey.png", enc(page, "PNG"))
put("image", "rgb.png", enc(page.convert("RGB"), "PNG"))
put("image", "rgba.png", enc(page.convert("RGBA"), "PNG"))
put("image", "palette.png", enc(page.convert("P"), "PNG"))
put("image", "grey16.png", enc(page.convert("I;16"), "PNG"))
put("image", "grey.jpg", enc(page, "JPEG", quality=80))
put("image", "rgb.jpg", enc(page.convert("RGB"), "JPEG", quality=80))
exif = Image.Exif()
exif[0x0112] = 6   # orientation: rotate 90
put("image", "exif6.jpg", enc(page.convert("RGB").rotate(90, expand=True), "JPEG", exif=exif.tobytes()))
put("npy", "scalar", b"\x93NUMPY\x01\x00\x76\x00" +
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (), }".ljust(117) + b"\n" + b"\0\0\x80\x3f")
PY
for h in "$out"/fuzz_*; do
    printf '%s: %s seeds\n' "$(basename "$h")" "$(ls "$h" | wc -l)"
done
