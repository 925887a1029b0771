#!/usr/bin/env bash
# bench_busy.sh - the 45-pair sweep on a busy machine (issue 16, item 6).
#
#   bench/bench_busy.sh [BUILD]          (make bench runs it with BUILD=build)
#
# Times configs/bench-sweep.ini (--set output.plots=false) as a whole process
# on 1 and 2 threads, each without and with a competing busy loop: a shell
# `while :; do :; done` under `nice -n $BUSY_NICE` (default 19), pinned with
# taskset to the last CPU.  The four cases go round-robin, $REPEATS times
# (default 5), so a spell of outside load spoils every case alike.  Each run
# records its whole-process seconds, the training seconds summary.json reports
# and the 1-minute load average when it started.  For each case: the median,
# the lowest and highest (spread), the mean load; then the ratios that matter:
# 2 threads against 1, idle and busy.  The run directories go to $BENCH_TMP
# (default /dev/shm when it exists, so that writing the 540 models does not
# time the disk) and are removed.  One grep-able line per case:
#
#   busy threads=2 competitor=nice19 median_s=2.31 min_s=2.20 max_s=2.52 train_median_s=1.90 load=0.85 runs=5
#
# The figures mean something only on a quiet machine: rerun when `load` is
# far above the competitor's 1.  BASE=/path/to/another/parlogit adds that
# binary's four cases to each round (build=base, the others build=this), for
# a before/after comparison under the same load.
set -euo pipefail

BUILD=${1:-build}
BIN=$BUILD/parlogit
REPEATS=${REPEATS:-5}
BUSY_NICE=${BUSY_NICE:-19}
CONFIG=${CONFIG:-configs/bench-sweep.ini}
ncpu=$(nproc)
BUSY_CPU=${BUSY_CPU:-$((ncpu - 1))}
if [ -z "${BENCH_TMP:-}" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then BENCH_TMP=/dev/shm; else BENCH_TMP=${TMPDIR:-/tmp}; fi
fi
# parlogit binds its own threads (bench.mk's OMP_PROC_BIND/OMP_PLACES would
# hand that to the OpenMP runtime); OMP_NUM_THREADS would override --threads
unset OMP_PROC_BIND OMP_PLACES OMP_NUM_THREADS
[ -x "$BIN" ] || { echo "bench_busy.sh: $BIN is missing; run 'make' first" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench_busy.sh: taskset (util-linux) is missing" >&2; exit 1; }

work=$(mktemp -d "$BENCH_TMP/parlogit-busy.XXXXXX")
busy_pid=
cleanup() {
    if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; wait "$busy_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

start_busy() {
    # taskset and nice exec in turn: $! is the loop's own pid
    taskset -c "$BUSY_CPU" nice -n "$BUSY_NICE" /bin/sh -c 'while :; do :; done' &
    busy_pid=$!
    sleep 0.3   # let the scheduler see it
}
stop_busy() {
    kill "$busy_pid"
    wait "$busy_pid" 2>/dev/null || true
    busy_pid=
}

# one run of binary $1 on $2 threads: prints "wall train load"
one() {
    local bin=$1 threads=$2 load t0 t1 train
    load=$(cut -d' ' -f1 /proc/loadavg)
    rm -rf "$work/run"
    t0=$EPOCHREALTIME
    "$bin" train "$CONFIG" --threads "$threads" --set output.plots=false --out "$work/run" \
        --quiet >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    t1=$EPOCHREALTIME
    train=$(sed -n 's/^  "seconds": \([0-9.e+-]*\),*$/\1/p' "$work/run/summary.json" | head -n 1)
    echo "$t0 $t1 ${train:-nan} $load" | awk '{ printf "%.3f %s %s\n", $2 - $1, $3, $4 }'
}

builds=(this)
declare -A bins=([this]=$BIN)
if [ -n "${BASE:-}" ]; then builds+=(base); bins[base]=$BASE; fi
cases=()
for b in "${builds[@]}"; do cases+=("$b 1 idle" "$b 2 idle" "$b 1 busy" "$b 2 busy"); done
label() { [ "$1" = idle ] && echo none || echo "nice$BUSY_NICE"; }

echo "# bench_busy: $CONFIG, output.plots=false, $REPEATS rounds, $(date -u '+%Y-%m-%d %H:%M UTC')," \
     "$(uname -n), $ncpu CPUs, $(lscpu | sed -n 's/^Model name: *//p')," \
     "competitor: nice -n $BUSY_NICE busy loop on CPU $BUSY_CPU"
echo "# uptime at start: $(uptime)"
# warm-up (page cache), and the data in place
"$BIN" train "$CONFIG" --set output.plots=false --out "$work/run" --quiet >/dev/null 2>"$work/stderr" ||
    { cat "$work/stderr" >&2; exit 1; }
for r in $(seq 1 "$REPEATS"); do
    for c in "${cases[@]}"; do
        set -- $c
        [ "$3" = busy ] && start_busy
        res=$(one "${bins[$1]}" "$2")
        [ "$3" = busy ] && stop_busy
        echo "$res" >>"$work/t_$1_$2_$3"
        echo "run round=$r build=$1 threads=$2 competitor=$(label "$3") wall_s=${res%% *}" \
             "train_s=$(echo "$res" | cut -d' ' -f2) load=${res##* }"
    done
done
echo "# uptime at end: $(uptime)"

# median, min, max of column $2 of file $1
stats() { sort -g -k"$2","$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, v[1], v[NR] }'; }
declare -A med
for c in "${cases[@]}"; do
    set -- $c
    f=$work/t_$1_$2_$3
    read -r m lo hi <<<"$(stats "$f" 1)"
    read -r tm _ _ <<<"$(stats "$f" 2)"
    load=$(awk '{ s += $3 } END { printf "%.2f", s / NR }' "$f")
    med[$1_$2_$3]=$m
    echo "busy build=$1 threads=$2 competitor=$(label "$3") median_s=$m min_s=$lo max_s=$hi" \
         "train_median_s=$tm load=$load runs=$REPEATS"
done
for b in "${builds[@]}"; do
    awk -v b="$b" -v a="${med[${b}_1_idle]}" -v i="${med[${b}_2_idle]}" -v c="${med[${b}_1_busy]}" \
        -v d="${med[${b}_2_busy]}" 'BEGIN {
        printf "busy ratio build=%s idle_2T_over_1T=%.3f busy_2T_over_1T=%.3f speedup_idle=%.2f speedup_busy=%.2f busy_over_idle_2T=%.3f\n",
               b, i / a, d / c, a / i, c / d, d / i }'
done
