#!/usr/bin/python3
"""bench_scale.py - scaling over threads and ranks, measured here and modelled
for many nodes (bench/README.md, "Scaling over threads and ranks").

    bench_scale.py BUILD_DIR [--data DIR] [--repeats N] [--quick]

Three parts, all printed as a human table and as "scale key=value" lines.

(a) Strong scaling on this machine.  Two workloads on MNIST's 10k set (rows
    0:8000 train, 8000:10000 test):
      path     the regularization-path sweep: configs/path-1-7.ini's keys with
               the 45 pairs, solver lbfgs, penalty l2, C = 0.01, 0.1, 1, 10,
               100 (tol 1e-4, max_iter 500, warm starts: each pair's five C
               values one path);
      softmax  one data-parallel model: configs/softmax-10.ini's ten-class
               softmax, gradient descent, lr 0.5, 500 iterations.
    Each is timed with threads 1, 2 (and nproc when larger) on one process,
    and with ranks 2 and 3 x 1 thread under mpirun for engine.distribute =
    models and rows; the path sweep also once per round with warm_start =
    false (225 independent jobs, for the model).  The cases go round-robin,
    N rounds (default 5), so a spell of outside load spoils every case alike.
    Per case: the median, lowest and highest of the whole process's wall time
    and of the "trained in X s" parlogit prints on stderr, and the mean
    1-minute load average at the runs' starts.
(b) Bytes exchanged per pass and per run for each split and 2, 3 ranks: the
    buffers fused.c exchanges (per digit group: its blocks x 784 x its padded
    column count x 4, plus each block's loss, hits and residual sums), which
    is also the cost model's B (src/dist/dist_plan.c, pl_dist_rows_bytes,
    tested against fused.c's plan in tests/check_distplan.c), and a count of what
    was sent: one run per case with build/bench/libmpi_count.so preloaded
    (bench/mpi_count.c, MPI's profiling interface; parlogit is not changed).
(c) A model of the training time and efficiency E = T1 / (P x TP) at P = 16,
    64 and 256 nodes for the 60k set and a set 100 times larger (6M rows),
    for the models split, the rows split and a mixed split (groups of ranks:
    models across groups, rows within one; not in parlogit yet).  Inputs: the
    compute per row-output of a pass measured here (1 rank, 1 thread), the
    passes each model took (results.csv), Open MPI's loopback latency and
    bandwidth (bench/mpi_pingpong.c, run here under mpirun -np 2 and 3), and
    a typical network (100 Gb/s, 2 us).  The assumptions are printed with the
    table.

The run directories go to /dev/shm (or $TMPDIR) and are removed.  The
figures are from a shared 2-core machine: read them with the load next to
them.  --quick: 2 rounds and fewer message repetitions.
"""
import argparse
import collections
import csv
import gzip
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

DIM = 784
FBLOCK_ROWS = 512      # src/train/fused.h PL_FBLOCK_ROWS
MCOLS = 8              # src/kernels/kernels.h PL_MCOLS: fused column padding
MAX_ITER = 500         # configs/path-1-7.ini
C_LIST = "0.01,0.1,1,10,100"
MPIRUN = ["mpirun", "--oversubscribe", "--allow-run-as-root"]
NET_TYPICAL = (2e-6, 12.5e9)   # 100 Gb/s, 2 us
NODES = [16, 64, 256]
SETS = [("60k", 60000), ("6M", 6000000)]
TRAIN_ROWS = 8000


def common(data):
    return ["--set", f"data.dir={data}", "--set", "data.split=rows",
            "--set", "data.train_rows=0:8000", "--set", "data.test_rows=8000:10000",
            "--set", "data.train_size=0", "--set", "data.test_size=0",
            "--set", "output.plots=false", "--quiet"]


def workload_args(name, data):
    """parlogit train's arguments (before --threads/--out) for a workload."""
    if name.startswith("path"):
        a = ["configs/path-1-7.ini"] + common(data) + [
            "--set", "task.pairs=all", "--set", "train.penalty=l2", "--set", f"train.C={C_LIST}"]
        if name == "path-cold":
            a += ["--set", "train.warm_start=false"]
        return a
    return ["configs/softmax-10.ini"] + common(data) + [
        "--set", "train.learning_rates=0.5", "--set", "train.iterations=500"]


def run_case(build, data, tmp, case, extra_env=None):
    """One run of case (workload, threads, ranks, split) into a new directory
    under tmp.  Returns (wall s, trained s, stderr, run dir, load1 at start)."""
    wl, threads, ranks, split = case
    out = tempfile.mkdtemp(prefix="run-", dir=tmp)
    cmd = [f"{build}/parlogit", "train"] + workload_args(wl, data) + [
        "--threads", str(threads), "--out", out]
    if ranks > 1:
        cmd += ["--set", f"engine.distribute={split}"]
        pre = MPIRUN + ["-np", str(ranks)]
        for k, v in (extra_env or {}).items():
            pre += ["-x", f"{k}={v}"]
        cmd = pre + cmd
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"bench_scale.py: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    m = re.search(r"trained in ([0-9.]+) s", p.stderr)
    if not m:
        sys.exit(f"bench_scale.py: no 'trained in' line from {' '.join(cmd)}:\n{p.stderr}")
    return wall, float(m.group(1)), p.stderr, out, load


def spread(xs):
    """(median, min, max) of a list of samples."""
    return statistics.median(xs), min(xs), max(xs)


def digit_counts(data):
    """Rows of each digit among the training rows 0:8000 of the 10k set."""
    with gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz", "rb") as f:
        raw = f.read()
    labels = raw[8:8 + TRAIN_ROWS]
    return [labels.count(bytes([c])) for c in range(10)]


PAIRS = [(a, b) for a in range(10) for b in range(a + 1, 10)]


def layout_bytes(groups_cols, counts, scale, ldwmax=None):
    """Bytes fused.c exchanges per gradient pass: per digit group c with
    cols > 0 columns, ceil(rows_c / 512) blocks of 784 x ldw floats (ldw:
    cols padded to 8), and each block's loss, hits and residual sums (ldwmax
    floats each).  Returns (gradient bytes, block-statistics bytes, blocks)."""
    g = st = blocks = 0
    ldws = [-(-cols // MCOLS) * MCOLS for cols in groups_cols]
    lmax = ldwmax or max(ldws)
    for c, cols in enumerate(groups_cols):
        if not cols:
            continue
        nb = math.ceil(counts[c] * scale / FBLOCK_ROWS)
        blocks += nb
        g += nb * DIM * ldws[c] * 4
        st += 3 * nb * lmax * 4
    return g, st, blocks


def pair_cols(pairs):
    """Columns of each digit's fused group for one stage of these pairs
    (a pair is a column in both its digits' groups)."""
    cols = [0] * 10
    for a, b in pairs:
        cols[a] += 1
        cols[b] += 1
    return cols


def xrank_cuts(work, size):
    """src/dist/xrank.c pl_xrank_cuts: a block goes where its middle is."""
    total, at, k, cut = sum(work), 0.0, 0, [0]
    for i in range(1, size + 1):
        mark = total * i / size
        while k < len(work) and (i == size or at + work[k] / 2 < mark):
            at += work[k]
            k += 1
        cut.append(k)
    return cut


def path_cuts(work, size, same_path):
    """dist_plan.c pl_dist_job_cuts: xrank_cuts, then each cut moved forward
    past the jobs of a path (same_path(j - 1, j))."""
    cut = xrank_cuts(work, size)
    n = len(work)
    for r in range(1, size + 1):
        cut[r] = max(cut[r], cut[r - 1])
        while 0 < cut[r] < n and same_path(cut[r] - 1, cut[r]):
            cut[r] += 1
    return cut


def allgather_s(nbytes, p, net, calls):
    """Modelled time of `calls` allgathers moving nbytes in all over p ranks:
    calls x ceil(log2 p) latencies (recursive doubling) + the (p - 1) / p of
    the bytes each rank receives over the bandwidth."""
    if p <= 1:
        return 0.0
    lat, bw = net
    return calls * math.ceil(math.log2(p)) * lat + nbytes * (p - 1) / p / bw


def pingpong(build, ranks, sizes, quick):
    """Runs mpi_pingpong over `ranks` ranks with the extra Allgatherv sizes,
    echoes its lines, and returns {name: {bytes: {key: value}}}; exits on a
    failure."""
    cmd = MPIRUN + ["-np", str(ranks), f"{build}/bench/mpi_pingpong"]
    if quick:
        cmd.append("--quick")
    if sizes:
        cmd.append(",".join(str(s) for s in sorted(set(sizes))))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"bench_scale.py: {' '.join(cmd)} failed:\n{p.stderr}")
    res = collections.defaultdict(dict)
    for line in p.stdout.splitlines():
        print(line)
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        if "bytes" in kv:
            res[kv["name"]][int(kv["bytes"])] = kv
    return res


def counted(stderr):
    """mpi_count's lines from a run's stderr: {rank: {key: int}}."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("mpi_count "):
            kv = dict(f.split("=", 1) for f in line.split()[1:])
            out[int(kv["rank"])] = {k: int(v) for k, v in kv.items()}
    return out


def main():
    """Parses the arguments, runs report() in a scratch directory, removes it."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.repeats = min(args.repeats, 2)
    build, data = args.build, args.data
    for f in (f"{build}/parlogit", f"{build}/bench/mpi_pingpong", f"{build}/bench/libmpi_count.so"):
        if not os.path.exists(f):
            sys.exit(f"bench_scale.py: {f} is missing (make, then make -f bench/bench.mk)")
    # parlogit binds its own threads; bench.mk's OMP_* would hand that to OpenMP
    for v in ("OMP_PROC_BIND", "OMP_PLACES", "OMP_NUM_THREADS"):
        os.environ.pop(v, None)
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    tmp = tempfile.mkdtemp(prefix="parlogit-scale-", dir=base)
    ncpu = os.cpu_count() or 1
    started = time.time()
    print(f"# parlogit scaling, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.uname().nodename}, {ncpu} CPUs, load {os.getloadavg()[0]:.2f}, "
          f"{args.repeats} rounds")
    try:
        report(build, data, tmp, ncpu, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# took {time.time() - started:.0f} s")


def report(build, data, tmp, ncpu, args):
    """Parts (a), (b) and (c) of the module's docstring, printed; run
    directories under tmp."""
    # ---------------------------------------------------------------- (a)
    threads = sorted({1, 2, ncpu})
    cases = []
    for wl in ("path", "softmax"):
        cases += [(wl, t, 1, "-") for t in threads]
        cases += [(wl, 1, r, s) for r in (2, 3) for s in ("models", "rows")]
    cases.append(("path-cold", 1, 1, "-"))
    samples = collections.defaultdict(list)
    keep = {}
    for _ in range(args.repeats):
        for case in cases:
            wall, trained, _, out, load = run_case(build, data, tmp, case)
            samples[case].append((wall, trained, load))
            if case[1:] == (1, 1, "-") and case[0] not in keep:
                keep[case[0]] = out          # results.csv for the model
            else:
                shutil.rmtree(out, ignore_errors=True)
    print("\n## (a) strong scaling on this machine (median [min-max] of "
          f"{args.repeats} runs; load = mean 1-min load average at the runs' starts)")
    print(f"{'workload':9} {'thr':>3} {'ranks':>5} {'split':7} {'process s':>22} "
          f"{'trained s':>22} {'speedup':>7} {'load':>5}")
    t1 = {}
    for case in cases:
        wl, t, r, s = case
        w = spread([x[0] for x in samples[case]])
        tr = spread([x[1] for x in samples[case]])
        load = statistics.mean(x[2] for x in samples[case])
        if (t, r) == (1, 1):
            t1[wl] = tr[0]
        sp = t1[wl] / tr[0]
        print(f"{wl:9} {t:3} {r:5} {s:7} {w[0]:8.3f} [{w[1]:.3f}-{w[2]:.3f}] "
              f"{tr[0]:8.3f} [{tr[1]:.3f}-{tr[2]:.3f}] {sp:7.2f} {load:5.2f}")
        print(f"scale case={wl} threads={t} ranks={r} split={s} median_s={w[0]:.4f} "
              f"min_s={w[1]:.4f} max_s={w[2]:.4f} train_median_s={tr[0]:.4f} "
              f"train_min_s={tr[1]:.4f} train_max_s={tr[2]:.4f} speedup={sp:.3f} "
              f"load={load:.2f} runs={len(samples[case])}")
    if ncpu < 16:
        print(f"# this machine has {ncpu} CPUs: no 16-core figure was measured")

    # ---------------------------------------------------------------- inputs
    counts = digit_counts(data)
    prow = [counts[a] + counts[b] for a, b in PAIRS]
    res = {wl: list(csv.DictReader(open(f"{keep[wl]}/results.csv"))) for wl in ("path", "path-cold", "softmax")}
    cidx = {c: i for i, c in enumerate(C_LIST.split(","))}
    # warm path: passes[p][s] of pair p at the s-th C
    passes = [[0] * 5 for _ in PAIRS]
    pidx = {f"{a}-{b}": i for i, (a, b) in enumerate(PAIRS)}
    for row in res["path"]:
        passes[pidx[row["pair"]]][cidx[format(float(row["C"]), "g")]] = int(row["passes"])
    cold = [[0] * 5 for _ in PAIRS]
    for row in res["path-cold"]:
        cold[pidx[row["pair"]]][cidx[format(float(row["C"]), "g")]] = int(row["passes"])
    sm_iters = int(res["softmax"][0]["iterations"])
    stage_passes = [max(passes[p][s] for p in range(45)) for s in range(5)]
    rowouts = sum(prow)                       # per pass of one stage: 9 x 8000
    c_path = t1["path"] / (sum(stage_passes) * rowouts)
    c_cold = t1["path-cold"] / (max(max(x) for x in cold) * 5 * rowouts)
    c_sm = t1["softmax"] / (sm_iters * TRAIN_ROWS * 10)
    print("\n## model inputs, measured here (1 rank, 1 thread, median)")
    print(f"rows per digit (train 0:8000): {counts}")
    print(f"path: passes per stage (max over the 45 pairs) {stage_passes}, "
          f"sum {sum(stage_passes)}; sum over the 225 models {sum(map(sum, passes))}")
    print(f"path: {c_path * 1e9:.2f} ns per row-output per pass "
          f"({t1['path']:.3f} s / ({sum(stage_passes)} passes x {rowouts} row-outputs))")
    print(f"path, warm_start=false: {c_cold * 1e9:.2f} ns per row-output "
          f"(all 225 models in one fused pass, {max(max(x) for x in cold)} passes)")
    print(f"softmax: {c_sm * 1e9:.2f} ns per row-output ({sm_iters} iterations x 8000 rows x 10)")
    print(f"scale input=compute path_ns={c_path * 1e9:.3f} cold_ns={c_cold * 1e9:.3f} "
          f"softmax_ns={c_sm * 1e9:.3f} stage_passes={','.join(map(str, stage_passes))}")

    # ---------------------------------------------------------------- (b)
    g_path, st_path, nb_path = layout_bytes(pair_cols(PAIRS), counts, 1)
    g_sm, st_sm, nb_sm = layout_bytes([10] * 10, counts, 1)
    f_path, f_sm = g_path + st_path, g_sm + st_sm   # dist_plan.c's B counts the layout
    print("\n## (b) bytes exchanged (rows split), 8000 training rows")
    print("formula = dist_plan.c's B per pass (one stage's 45 jobs for the path: the layout); "
          "layout = the buffers fused.c exchanges per gradient pass (G + block stats); "
          "counted = mpi_count.so's sum of MPI_Allgatherv buffers on rank 0 over the run")
    counts_run = {}
    for wl in ("path", "softmax"):
        for r in (2, 3):
            for s in ("models", "rows"):
                _, _, err, out, _ = run_case(build, data, tmp, (wl, 1, r, s),
                                             {"LD_PRELOAD": os.path.abspath(f"{build}/bench/libmpi_count.so")})
                shutil.rmtree(out, ignore_errors=True)
                counts_run[(wl, r, s)] = counted(err)
    gather_sizes = set()
    for wl, fb, g, st, npass in (("path", f_path, g_path, st_path, sum(stage_passes)),
                                 ("softmax", f_sm, g_sm, st_sm, sm_iters)):
        print(f"{wl}: per pass formula {fb / 1e6:.3f} MB, layout {(g + st) / 1e6:.3f} MB "
              f"(G {g / 1e6:.3f} + stats {st / 1e6:.4f}); gradient passes {npass}: "
              f"per run formula {fb * npass / 1e6:.1f} MB, layout {(g + st) * npass / 1e6:.1f} MB")
        gather_sizes.add(g)
        for r in (2, 3):
            for s in ("models", "rows"):
                c = counts_run[(wl, r, s)].get(0, {})
                c1 = counts_run[(wl, r, s)].get(1, {})
                per = c.get("allgatherv_bytes", 0)
                print(f"  counted ranks={r} {s:6}: allgatherv {c.get('allgatherv_calls', 0)} calls, "
                      f"{per / 1e6:.1f} MB gathered ({c.get('allgatherv_recv', 0) / 1e6:.1f} MB "
                      f"received by rank 0), allreduce {c.get('allreduce_calls', 0)} calls, "
                      f"send {c1.get('send_bytes', 0) / 1e6:.3f} MB from rank 1 "
                      f"({c1.get('send_calls', 0)} messages)")
                print(f"scale bytes case={wl} ranks={r} split={s} formula_pass={fb} "
                      f"layout_pass={g + st} passes={npass} formula_run={fb * npass} "
                      f"layout_run={(g + st) * npass} counted_gathered={per} "
                      f"counted_recv0={c.get('allgatherv_recv', 0)} "
                      f"allgatherv_calls={c.get('allgatherv_calls', 0)} "
                      f"allreduce_calls={c.get('allreduce_calls', 0)} "
                      f"send_bytes1={c1.get('send_bytes', 0)}")
    print("models split: nothing is exchanged while training; at the end each rank "
          "sends its results (struct + K x 784 floats per model) and curves to rank 0")

    # ---------------------------------------------------------------- net
    print("\n## Open MPI loopback (bench/mpi_pingpong.c)")
    pp = {r: pingpong(build, r, sorted(gather_sizes), args.quick) for r in (2, 3)}
    lat = float(pp[2]["latency"][8]["median_us"]) * 1e-6
    bw = float(pp[2]["pingpong"][1 << 20]["GBps"]) * 1e9
    loop = (lat, bw)
    print(f"scale input=loopback latency_us={lat * 1e6:.3f} bandwidth_GBps={bw / 1e9:.3f} "
          f"(half round trip, 8 B; 1 MiB ping-pong, ranks=2)")
    for r in (2, 3):
        for b in sorted(gather_sizes):
            m = float(pp[r]["allgatherv"][b]["median_us"])
            print(f"  allgatherv {b} B over {r} ranks: measured {m:.1f} us, model "
                  f"{allgather_s(b, r, loop, 1) * 1e6:.1f} us")

    # ---------------------------------------------------------------- (c)
    # (name, (latency s, bandwidth B/s), cores per node: its compute is the
    # 1-core figure over the cores, as if threads scaled perfectly)
    nets = [("loopback", loop, 1), ("100Gb/s", NET_TYPICAL, 1), ("100G,16c", NET_TYPICAL, 16)]
    print("\n## (c) model: training time and efficiency E = T1 / (P x TP); a node = one "
          "rank of one core at the speed measured here (100G,16c: of 16 cores, its compute "
          "/ 16, T1 that of one such node)")
    print(f"{'set':4} {'workload':9} {'split':10} {'net':9} " +
          " ".join(f"{'P=' + str(p):>18}" for p in NODES))
    result = {}
    for sname, nrows in SETS:
        scale = nrows / TRAIN_ROWS
        t1_path = c_path * sum(stage_passes) * rowouts * scale
        t1_cold = c_cold * max(max(x) for x in cold) * 5 * rowouts * scale
        t1_sm = c_sm * sm_iters * TRAIN_ROWS * 10 * scale

        useful = sum(prow[p] * sum(passes[p]) for p in range(45))

        def path_group_time(pset, q, net, t1):
            """A group of q ranks training the warm paths pset, rows split
            within it (q = 1: the models split).  Its compute is its share
            of the useful work (rows x passes of its own models) of T1, over
            its q ranks in whole blocks (the most any rank has); its
            exchanges are made once per pass of its slowest path's stage."""
            if not pset:
                return 0.0
            cols = pair_cols([PAIRS[p] for p in pset])
            g, st, nblk = layout_bytes(cols, counts, scale)
            comp = t1 * sum(prow[p] * sum(passes[p]) for p in pset) / useful
            if q > 1:
                comp *= math.ceil(nblk / q) / nblk
            comm = allgather_s(g + st, q, net, 4) + (math.ceil(math.log2(q)) * net[0] if q > 1 else 0)
            return comp + sum(max(passes[p][s] for p in pset) for s in range(5)) * comm

        def cut_paths(groups):
            """The paths on each of `groups` ranks, cut as parlogit cuts them."""
            work = [prow[p] * MAX_ITER for p in range(45) for _ in range(5)]
            cut = path_cuts(work, groups, lambda a, b: a // 5 == b // 5)
            return [list(range(cut[i] // 5, cut[i + 1] // 5)) for i in range(groups)]

        def lpt(groups):
            """The paths balanced on measured work, longest first (not parlogit's)."""
            cost = sorted(range(45), key=lambda p: -prow[p] * sum(passes[p]))
            bins = [[] for _ in range(groups)]
            load = [0.0] * groups
            for p in cost:
                i = load.index(min(load))
                bins[i].append(p)
                load[i] += prow[p] * sum(passes[p])
            return bins

        def results_send(P, net, nmodels):
            """The models split's end: the results of ranks > 0 sent to rank 0."""
            # rank 0 receives every other rank's results: struct + 785 floats
            # per model and a short curve, about 4 messages each
            if P <= 1:
                return 0.0
            share = nmodels * (P - 1) / P
            return share * (4 * net[0]) + share * (DIM * 4 + 1024) / net[1]

        rows_out = []
        for nname, net, cores in nets:
            t1p, t1c, t1s = t1_path / cores, t1_cold / cores, t1_sm / cores
            line = collections.OrderedDict()
            for P in NODES:
                # models split, as parlogit cuts the paths (cost = rows x max_iter)
                tm = max(path_group_time(g, 1, net, t1p) for g in cut_paths(P)) + results_send(P, net, 225)
                # the same with the paths balanced on measured passes (LPT)
                tl = max(path_group_time(g, 1, net, t1p) for g in lpt(P)) + results_send(P, net, 225)
                # warm_start = false: 225 jobs, one pass shared by a rank's jobs
                work = [prow[j // 5] * MAX_ITER for j in range(225)]
                useful_cold = sum(prow[j // 5] * cold[j // 5][j % 5] for j in range(225))
                cut = xrank_cuts(work, P)
                tc = 0.0
                for i in range(P):
                    js = range(cut[i], cut[i + 1])
                    if js:
                        tc = max(tc, t1c * sum(prow[j // 5] * cold[j // 5][j % 5] for j in js)
                                 / useful_cold)
                tc += results_send(P, net, 225)
                tr = path_group_time(list(range(45)), P, net, t1p)
                # mixed: G groups of P / G ranks (powers of 2), the best G
                best = None
                G = 1
                while G <= P:
                    t = max(path_group_time(g, P // G, net, t1p) for g in cut_paths(G)) + \
                        results_send(G, net, 225)
                    if best is None or t < best[0]:
                        best = (t, G)
                    G *= 2
                # softmax, rows split (the models split is one rank: E = 1 / P)
                _, _, nblk = layout_bytes([10] * 10, counts, scale)
                g, st, _ = layout_bytes([10] * 10, counts, scale)
                ts = sm_iters * (c_sm / cores * TRAIN_ROWS * 10 * scale * math.ceil(nblk / P) / nblk +
                                 allgather_s(g + st, P, net, 4) + math.ceil(math.log2(P)) * net[0])
                line[P] = {
                    ("path", "models"): (tm, t1p / (P * tm)),
                    ("path", "models-LPT"): (tl, t1p / (P * tl)),
                    ("path-cold", "models"): (tc, t1c / (P * tc)),
                    ("path", "rows"): (tr, t1p / (P * tr)),
                    ("path", "mixed"): (best[0], t1p / (P * best[0]), best[1]),
                    ("softmax", "rows"): (ts, t1s / (P * ts)),
                }
            rows_out.append((nname, line))
        for key in (("path", "models"), ("path", "models-LPT"), ("path-cold", "models"),
                    ("path", "rows"), ("path", "mixed"), ("softmax", "rows")):
            for nname, line in rows_out:
                cells = []
                for P in NODES:
                    v = line[P][key]
                    extra = f" G={v[2]}" if len(v) > 2 else ""
                    cells.append(f"{v[0]:8.3g}s {100 * v[1]:4.0f}%{extra}")
                    result[(sname, key, nname, P)] = v
                print(f"{sname:4} {key[0]:9} {key[1]:10} {nname:9} " + " ".join(f"{c:>18}" for c in cells))
        print(f"{sname:4} T1 (one node): path {t1_path:.2f} s, path warm_start=false "
              f"{t1_cold:.2f} s, softmax {t1_sm:.2f} s")
    for (sname, key, nname, P), v in result.items():
        print(f"scale model set={sname} workload={key[0]} split={key[1]} net={nname} P={P} "
              f"time_s={v[0]:.5g} efficiency={v[1]:.4f}" + (f" groups={v[2]}" if len(v) > 2 else ""))
    e16 = max(result[("60k", ("path", k), n, 16)][1]
              for k in ("models", "rows", "mixed") for n in ("100Gb/s",))
    print(f"\n# target: >= 80 % modelled efficiency at 16 nodes for the path sweep (60k, "
          f"100 Gb/s, best of parlogit's splits models/rows/mixed): "
          f"models {100 * result[('60k', ('path', 'models'), '100Gb/s', 16)][1]:.0f} %, "
          f"rows {100 * result[('60k', ('path', 'rows'), '100Gb/s', 16)][1]:.0f} %, "
          f"mixed {100 * result[('60k', ('path', 'mixed'), '100Gb/s', 16)][1]:.0f} %: "
          f"{'met' if e16 >= 0.8 else 'NOT met'}; with 16-core nodes: models "
          f"{100 * result[('60k', ('path', 'models'), '100G,16c', 16)][1]:.0f} %, rows "
          f"{100 * result[('60k', ('path', 'rows'), '100G,16c', 16)][1]:.0f} %, mixed "
          f"{100 * result[('60k', ('path', 'mixed'), '100G,16c', 16)][1]:.0f} %")
    print("""
# assumptions of the model:
#  - a node is one rank on one core, computing at the 1-thread speed measured
#    here (row-outputs per second of the 1-rank runs); "100G,16c": a node of
#    16 such cores whose threads scale perfectly (compute / 16; not measured:
#    this machine has 2 cores), so every exchange weighs 16 times more;
#  - compute scales linearly in the rows; the digits keep the 10k set's
#    proportions; every model takes the passes it took on 8000 rows;
#  - the 60k and 6M sets do not fit in L3: their passes stream from DRAM,
#    taken at the same cost per row-output (bench_grad: within ~10 %);
#  - compute: T1 (the 1-rank time, scaled) shared out in proportion to the
#    useful work, rows x passes of each model (dist_plan.c's unit); the
#    lockstep of one fused pass (a stage runs until its slowest model) is
#    not credited to the split, so the models split never beats P x;
#  - rows split: per gradient pass 4 MPI_Allgatherv (G, loss, hits, residual
#    sums) of the layout's bytes, each ceil(log2 P) latencies + the bytes a
#    rank receives over the bandwidth, plus one MPI_Allreduce of the stop
#    flag (ceil(log2 P) latencies); no overlap of compute and exchange; a
#    rank computes whole blocks of 512 rows (the most any rank has);
#  - models split: the paths cut as parlogit cuts them (by rows x max_iter,
#    a path on one rank), or balanced on measured passes (LPT); at the end
#    the results travel to rank 0 (4 messages and 4 KiB per model);
#  - loopback = Open MPI between 2 processes of this machine (shared memory):
#    its latency is far below any network's; 100Gb/s = 12.5 GB/s, 2 us;
#  - loading the data (every rank reads every row today) is not modelled:
#    the times are the "trained in" times.""")


if __name__ == "__main__":
    main()
