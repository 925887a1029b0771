#!/usr/bin/env bash
# malformed.sh - feeds parlogit malformed inputs and faults through its command
# line and prints a Markdown table: case, exit status, first line of the
# message.  docs/reliability.md holds its output; rerun it to refresh:
#   PARLOGIT_DATA=$PWD/data bash scripts/malformed.sh build/parlogit > /tmp/table.md
# Needs MNIST's 10k files in $PARLOGIT_DATA/mnist (make test fetches them).
set -uo pipefail
BIN=$(realpath "${1:-build/parlogit}")
RUNLOAD=$(realpath "$(dirname "$0")/../tests/runload.py")   # a run's models, either layout
DATA=${PARLOGIT_DATA:-$PWD/data}/mnist
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

good_ini() {   # a config on the 10k set with extra lines
    printf '[data]\ndir = %s\ntrain_images = t10k-images-idx3-ubyte.gz\ntrain_labels = t10k-labels-idx1-ubyte.gz\nsplit = rows\ntrain_rows = 0:2000\ntest_rows = 2000:2500\n[train]\niterations = 3\n%b\n' "$DATA" "$1"
}
data_ini() {   # a config whose training files are $1 (images) and $2 (labels) in $W
    printf '[data]\ndir = %s\ntrain_images = %s\ntrain_labels = %s\ntest_images =\ntest_labels =\nsplit = fraction\n[train]\niterations = 2\n' "$W" "$1" "$2"
}
row() {   # case, then the command
    local what=$1; shift
    local out rc
    out=$("$@" 2>&1 </dev/null); rc=$?
    out=$(printf '%s' "$out" | grep -m1 'parlogit:' | sed "s|$W/||g; s|$DATA/||g; s/|/\\\\|/g" | cut -c1-220)
    printf '| %s | %s | `%s` |\n' "$what" "$rc" "$out"
}

echo "| input or fault | exit | message |"
echo "|---|---|---|"
# configs
good_ini "[train]\nbogus = 1" > a.ini;               row "unknown key" "$BIN" train a.ini --out r
printf '[data\n' > b.ini;                            row "INI syntax error" "$BIN" train b.ini --out r
good_ini "learning_rates = 0.1, x" > c.ini;          row "bad number in a list" "$BIN" train c.ini --out r
good_ini "learning_rates = -1" > d.ini;              row "negative learning rate" "$BIN" train d.ini --out r
good_ini "" > e.ini;                                 row "--set without =" "$BIN" train e.ini --set train.iterations --out r
row "missing config" "$BIN" train nothere.ini
mkdir cfgdir;                                        row "a directory as the config" "$BIN" train cfgdir
good_ini "[task]\npairs = 3-3" > f.ini;              row "a pair of one digit" "$BIN" train f.ini --out r
good_ini "[preprocess]\nbox = 40" > g.ini;           row "preprocess.box out of range" "$BIN" train g.ini --out r
# data files
head -c 100 "$DATA/t10k-images-idx3-ubyte.gz" > cut.gz; cp "$DATA/t10k-labels-idx1-ubyte.gz" lab.gz
data_ini cut.gz lab.gz > h.ini;                      row "truncated gzip" "$BIN" train h.ini --out r
printf '\0\0\x08\x03\0\0\0\x02\0\0\0\x1c\0\0\0\x1c' > short.idx; data_ini short.idx lab.gz > i.ini
row "IDX images and labels of different counts" "$BIN" train i.ini --out r
{ printf '\0\0\x08\x03\0\0\0\x02\0\0\0\x1c\0\0\0\x1c'; head -c 700 /dev/zero; } > trunc.idx
printf '\0\0\x08\x01\0\0\0\x02\x01\x02' > lab2.idx; data_ini trunc.idx lab2.idx > i2.ini
row "IDX images cut short" "$BIN" train i2.ini --out r
printf '\0\0\x08\x04' > magic.idx; data_ini magic.idx lab.gz > j.ini; row "IDX wrong magic" "$BIN" train j.ini --out r
printf '\x7f\xff\xff\xff' | cat <(printf '\0\0\x08\x03') - <(printf '\0\0\x10\0\0\0\x10\0') > huge.idx
data_ini huge.idx lab.gz > k.ini;                    row "IDX header claiming 2^31 images" "$BIN" train k.ini --out r
data_ini /dev/zero lab.gz | sed "s|train_images = /dev/zero|train_images = /dev/zero|" > l.ini
sed -i "s|^dir = .*|dir = /|; s|train_images = /dev/zero|train_images = dev/zero|; s|train_labels = lab.gz|train_labels = $W/lab.gz|" l.ini
row "/dev/zero as a data file" timeout 20 "$BIN" train l.ini --out r
mkfifo fifo; data_ini fifo lab.gz > m.ini;           row "a FIFO as a data file" timeout 20 "$BIN" train m.ini --out r
printf '7,1,2\n' > bad.csv; data_ini bad.csv "" > n.ini; sed -i 's/^train_labels = $/train_labels =/' n.ini
row "CSV row of 3 cells" "$BIN" train n.ini --out r
{ printf '7'; for i in $(seq 784); do printf ',0'; done; printf '\n5'; for i in $(seq 783); do printf ',0'; done; printf ',300\n'; } > px.csv
data_ini px.csv "" > o.ini;                          row "CSV pixel 300" "$BIN" train o.ini --out r
# run directories
good_ini "" > p.ini; "$BIN" train p.ini --quiet --out run >/dev/null 2>&1
cp -r run run_hdr; head -1 run/results.csv > run_hdr/results.csv; row "results.csv with only its header" "$BIN" explain run_hdr
m=$(/usr/bin/python3 "$RUNLOAD" names run | sort | head -1)   # the first model by name
if [ -f run/models.json ]; then   # the archive layout: models.json and models.npz
    cp -r run run_js; head -c 60 run_js/models.json > t && mv t run_js/models.json
    row "models.json cut short" "$BIN" explain run_js --model "$m"
    cp -r run run_npy; head -c 100 run_npy/models.npz > t && mv t run_npy/models.npz
    row "models.npz cut short" "$BIN" explain run_npy --model "$m"
else                              # a run of per-model files
    cp -r run run_js; f=run_js/models/$m.json; head -c 60 "$f" > t && mv t "$f"
    row "a sidecar cut short" "$BIN" explain run_js --model "$m"
    cp -r run run_npy; f=run_npy/models/$m.w.npy; head -c 100 "$f" > t && mv t "$f"
    row "a .npy cut short" "$BIN" explain run_npy --model "$m"
fi
mkdir -p mine/models; echo keep > mine/models/notes.txt; row "--out a directory that is not a run" "$BIN" train p.ini --out mine
# photos
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > cut.png;   row "predict: a truncated PNG" "$BIN" predict run cut.png
printf '\xff\xd8\xff\xe0junk' > cut.jpg;             row "predict: a truncated JPEG" "$BIN" predict run cut.jpg
printf 'GIF89a' > x.gif;                             row "predict: a GIF" "$BIN" predict run x.gif
head -c 20000 /dev/urandom > noise.bin;               row "predict: random bytes" "$BIN" predict run noise.bin
/usr/bin/python3 -c 'from PIL import Image; Image.new("L", (300, 200), 230).save("blank.png")'
row "predict: a blank page" "$BIN" predict run blank.png
/usr/bin/python3 -c 'from PIL import Image; Image.new("L", (1, 1), 230).save("one.png")'
row "predict: a 1x1 image" "$BIN" predict run one.png
# faults
good_ini "" > q.ini
row "SIGINT while loading" bash -c "'$BIN' train q.ini --out rq & p=\$!; sleep 0.05; kill -INT \$p; wait \$p"
