#!/bin/bash
# bench/bench_report.sh - the report's pictures drawn by 1 and by N worker
# processes (issue 16, item 5; bench/README.md "Pictures in parallel").
#
#   bench/bench_report.sh BUILD [REPEATS] [WORKERS] [RUN_DIR]
#
# Trains configs/default.ini into a temporary run directory without pictures
# (unless RUN_DIR names an existing run), then runs `parlogit report` on it
# REPEATS times (default 5) with --workers 1 and REPEATS times with --workers
# WORKERS (default: nproc), alternating, so that a change in the machine's
# load hits both alike.  Prints every wall time, the median and the spread
# (min - max) of each, the speedup of the medians, the load before and after
# (uptime), for each run the share of the CPUs other processes took
# meanwhile (from /proc/stat), and checks that both drew the same bytes.
# BENCH_NICE=-10 (as root) runs the reports, and this session's scheduler
# group (autogroup), at a higher priority than the machine's other work: on
# a shared machine, the closest to a quiet one.  Run it as its own session
# (setsid) so that only the benchmark's group is raised.
set -euo pipefail
BUILD=${1:-build}
REPEATS=${2:-5}
WORKERS=${3:-$(nproc)}
RUN=${4:-}
BIN=$BUILD/parlogit
# The kernel shares the CPUs between sessions (autogroups) first, so a nice
# value only matters within this session: give the session's group the same.
if [ "${BENCH_NICE:-0}" != 0 ] && [ -w /proc/self/autogroup ]; then
    echo "$BENCH_NICE" >/proc/self/autogroup || true
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$RUN" ]; then
    RUN=$tmp/default
    "$BIN" train configs/default.ini --set output.plots=false --out "$RUN" --quiet >/dev/null
fi

# Busy CPU ticks of the whole machine (/proc/stat: all but idle and iowait).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# One report: prints its wall seconds and the share of the CPUs that other
# processes used meanwhile ("foreign", %: the machine's busy time minus the
# report's own user + system time, over wall x CPUs).
one() {
    local b0 b1 hz
    hz=$(getconf CLK_TCK)
    b0=$(busy)
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" nice -n "${BENCH_NICE:-0}" \
        "$BIN" report "$RUN" --workers "$1" \
        >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    b1=$(busy)
    read -r wall user sys <"$tmp/time"
    echo "$wall $user $sys $b0 $b1 $hz $(nproc)" |
        awk '{ f = (($5 - $4) / $6 - $2 - $3) / ($1 * $7); printf "%.3f %.0f\n", $1, 100 * (f < 0 ? 0 : f) }'
}

stats() {   # median, min, max of the numbers on stdin
    sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                        printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

echo "# report benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(nproc) CPUs"
echo "# run: $RUN ($(/usr/bin/python3 "$(dirname "$0")/../tests/runload.py" names "$RUN" | wc -l) models)"
echo "# load before: $(uptime | sed 's/.*load average: //'), nice ${BENCH_NICE:-0}, $(cat /proc/self/autogroup 2>/dev/null)"
one 1 >/dev/null   # warm the page cache and the fonts
: >"$tmp/r1"
: >"$tmp/rn"
for ((r = 0; r < REPEATS; r++)); do
    one 1 >>"$tmp/r1"
    one "$WORKERS" >>"$tmp/rn"
done
echo "# load after:  $(uptime | sed 's/.*load average: //')"
cut -d' ' -f1 "$tmp/r1" >"$tmp/t1"
cut -d' ' -f1 "$tmp/rn" >"$tmp/tn"
pictures=$(ls "$RUN"/plots/*.png | wc -l)
read -r m1 lo1 hi1 < <(stats <"$tmp/t1")
read -r mn lon hin < <(stats <"$tmp/tn")
echo "1 worker, s (foreign CPU %):  $(awk '{ printf "%s (%s)  ", $1, $2 }' "$tmp/r1")"
echo "$WORKERS workers, s (foreign CPU %): $(awk '{ printf "%s (%s)  ", $1, $2 }' "$tmp/rn")"
printf '%d pictures: 1 worker median %.2f s (%.2f-%.2f), %d workers median %.2f s (%.2f-%.2f): %.2fx\n' \
    "$pictures" "$m1" "$lo1" "$hi1" "$WORKERS" "$mn" "$lon" "$hin" "$(echo "$m1 $mn" | awk '{ print $1 / $2 }')"

# the same bytes either way
cp -r "$RUN/plots" "$tmp/plots.n"
cp "$RUN/report.html" "$tmp/plots.n/"
"$BIN" report "$RUN" --workers 1 >/dev/null 2>&1
cp "$RUN/report.html" "$RUN/plots/"
diff -r "$tmp/plots.n" "$RUN/plots" >/dev/null && echo "identical: every PNG and report.html" \
    || { echo "DIFFERENT pictures for 1 and $WORKERS workers" >&2; exit 1; }
rm -f "$RUN/plots/report.html"
