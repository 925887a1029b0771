#!/usr/bin/env bash
# race.sh - the engine's threads under ThreadSanitizer (make test-race).
#
# BIN is parlogit built by clang with -fsanitize=thread; its OpenMP runtime is
# LLVM's libomp, and Archer (libarcher.so, loaded through OMPT by
# OMP_TOOL_LIBRARIES) tells TSan what OpenMP's barriers, locks and task waits
# order, so that only real races are reported.  One TSan option is set and
# explained here; there are no suppressions:
#   ignore_noninstrumented_modules=1  libomp itself is not instrumented; its
#       internal futex/mutex hand-offs look racy to TSan without Archer's view
#       from inside (the runtime's own warning asks for this option).
# First a canary with a deliberate race must be reported (a detector that sees
# nothing proves nothing); then small 2- and 3-thread runs of every strategy and
# solver, and of each way of waiting at barriers (engine.wait), must report
# nothing.  Any report fails the check (exit 66).
set -euo pipefail
BIN=${1:?usage: race.sh PARLOGIT_TSAN_BIN CC}
CC=${2:-clang}
ARCHER=${ARCHER:-$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -1)}
[ -n "$ARCHER" ] || { echo "race: libarcher.so not found (Debian: libomp-dev)" >&2; exit 1; }
export OMP_TOOL_LIBRARIES="$ARCHER"
export TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 exitcode=66"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/canary.c" <<'C'
#include <stdio.h>
int main(void)
{
    long s = 0;
#pragma omp parallel for num_threads(2)
    for (int i = 0; i < 100000; i++)
        s += i;   /* the deliberate race */
    printf("%ld\n", s);
    return 0;
}
C
"$CC" -fopenmp -fsanitize=thread -O1 -g "$work/canary.c" -o "$work/canary"
if "$work/canary" > "$work/canary.out" 2>&1; then
    echo "race: FAIL: the canary's deliberate race was not reported; the detector is not working" >&2
    exit 1
fi
grep -q "ThreadSanitizer: data race" "$work/canary.out" ||
    { echo "race: FAIL: the canary failed without a race report:" >&2; cat "$work/canary.out" >&2; exit 1; }
echo "race: canary's deliberate race reported (the detector works)"

cat > "$work/race.ini" <<INI
[data]
dir = $PWD/data/mnist
train_images = t10k-images-idx3-ubyte.gz
train_labels = t10k-labels-idx1-ubyte.gz
split = fraction
test_fraction = 0.2
train_size = 1200
test_size = 300
validation_fraction = 0.1
seed = 1
[task]
pairs = 1-7, 0-6, 3-rest
multiclass = softmax, ovr
classes = 0-9
[train]
learning_rates = 0.5, 1
iterations = 5, 15
[output]
dir = $work/out
plots = false
INI

run() {
    local what=$1; shift
    if ! "$BIN" train "$work/race.ini" --quiet "$@" > "$work/log" 2>&1; then
        echo "race: FAIL: $what ($*)" >&2
        cat "$work/log" >&2
        exit 1
    fi
    echo "race: ok  $what"
}
for t in 2 3; do
    run "fused sweep, gd, $t threads" --threads "$t" --set engine.strategy=fused
    for w in sleep spin; do   # auto spins then sleeps; these take each path alone
        run "fused sweep, gd, $t threads, wait $w" --threads "$t" --set engine.strategy=fused \
            --set engine.wait=$w
    done
    for pen in l2 l1; do
        run "fused, lbfgs $pen, $t threads" --threads "$t" --set engine.strategy=fused \
            --set train.solver=lbfgs --set train.penalty=$pen --set train.C=0.1,1 --set train.max_iter=20
    done
    run "sgd, l1 and none, $t threads" --threads "$t" --set train.solver=sgd \
        --set train.epochs=2 --set train.batch_size=50 --set train.eval_every=7 \
        --set "train.penalty=none, l1" --set train.C=0.5
    run "newton, $t threads" --threads "$t" --set train.solver=newton --set train.penalty=l2 \
        --set train.C=0.1,1 --set train.max_iter=8
    run "data strategy, $t threads" --threads "$t" --set engine.strategy=data \
        --set task.multiclass=none --set task.pairs=1-7,0-6
    run "jobs strategy, $t threads" --threads "$t" --set engine.strategy=jobs \
        --set task.multiclass=none
    run "data strategy, lbfgs, $t threads" --threads "$t" --set engine.strategy=data \
        --set task.multiclass=none --set task.pairs=1-7,0-6 --set train.solver=lbfgs --set train.max_iter=20
done
echo "race: no race reported"
