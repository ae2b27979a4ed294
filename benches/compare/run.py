#!/usr/bin/env python3
"""Run every workload for every framework, interleaved, in fresh processes,
and summarise: medians with min-max, and a markdown table with each
framework's ratio to raw tokio.

    python3 run.py                 # full run, 3 repetitions (about 2 min on 2 cores, plus the build)
    python3 run.py --reps 5        # more repetitions
    python3 run.py --quick         # every count / 10, 1 repetition (under a minute)
    python3 run.py --only w1,w5 --frameworks ours,tokio
    python3 run.py --summarize results/run-*.txt   # re-summarise saved lines

Order: for each repetition, for each (workload, runtime), every framework
in turn (ours actix kameo ractor tokio, ours actix ...), so slow drifts of
a shared machine hit every framework alike. Each measurement is one fresh
process of `target/release/compare`. Raw lines are saved under results/.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.path.join(HERE, "target", "release", "compare")
FRAMEWORKS = ["ours", "actix", "kameo", "ractor", "tokio"]
# (workload, runtime) in the order they run: the rows (W1 on both
# runtimes, the rest on the multi-thread runtime)...
PLAN = [
    ("w1", "multi"),
    ("w1", "current"),
    ("w2", "multi"),
    ("w3", "multi"),
    ("w4", "multi"),
    ("w5", "multi"),
    ("w6", "multi"),
]
# ... and supplementary rows on the current-thread runtime, the kind of
# runtime actix always uses (skip them with --core).
EXTRA = [("w2", "current"), ("w3", "current"), ("w4", "current"), ("w5", "current")]
TITLES = {
    ("w1", "tell"): "W1 tell throughput",
    ("w2", "mean"): "W2 ask round trip, mean",
    ("w2", "p50"): "W2 ask round trip, p50",
    ("w2", "p99"): "W2 ask round trip, p99",
    ("w3", "spawn_stop"): "W3 spawn + stop",
    ("w4", "ring"): "W4 ring",
    ("w5", "fanout"): "W5 fan-out",
    ("w6", "idle_memory"): "W6 memory per idle actor",
}
UNITS = {
    "ns_per_msg": "ns/msg",
    "ns": "ns",
    "actors_per_s": "actors/s",
    "ns_per_hop": "ns/hop",
    "deliveries_per_s": "deliveries/s",
    "bytes_per_actor": "B/actor",
}


def parse_line(line):
    fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    if "workload" not in fields or "value" not in fields:
        return None
    return fields


def higher_is_better(unit):
    return unit.endswith("_per_s")


def fmt(value, unit):
    if value != value:  # NaN
        return "—"
    if unit.endswith("_per_s"):
        if value >= 1e6:
            return f"{value / 1e6:.2f} M"
        return f"{value / 1e3:.0f} k"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def build():
    print("building (release)...", file=sys.stderr, flush=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=HERE, check=True)


def run_all(args):
    plan = [p for p in PLAN + ([] if args.core else EXTRA) if not args.only or p[0] in args.only]
    frameworks = args.frameworks or FRAMEWORKS
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out_path = os.path.join(HERE, "results", time.strftime("run-%Y%m%d-%H%M%S.txt"))
    total = args.reps * len(plan) * len(frameworks)
    done = 0
    started = time.time()
    with open(out_path, "w") as out:
        out.write(f"# reps={args.reps} scale={args.scale} load={os.getloadavg()}\n")
        for rep in range(1, args.reps + 1):
            for workload, runtime in plan:
                for fw in frameworks:
                    cmd = [BINARY, workload, fw, "--runtime", runtime]
                    if args.scale != 1.0:
                        cmd += ["--scale", str(args.scale)]
                    t0 = time.time()
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                    done += 1
                    lines = [l for l in proc.stdout.splitlines() if parse_line(l)]
                    for l in lines:
                        out.write(f"{l} rep={rep}\n")
                    out.flush()
                    status = "ok" if proc.returncode == 0 else f"FAILED rc={proc.returncode}"
                    if proc.returncode != 0:
                        out.write(f"# FAILED {' '.join(cmd)}: {proc.stderr.strip()[-300:]}\n")
                    print(
                        f"[{done}/{total} {time.time() - started:5.0f}s] rep {rep} {workload} {runtime:7} {fw:6} "
                        f"{time.time() - t0:5.1f}s {status} "
                        + " ".join(f"{parse_line(l)['metric']}={parse_line(l)['value']}" for l in lines),
                        file=sys.stderr,
                        flush=True,
                    )
        out.write(f"# elapsed={time.time() - started:.0f}s load={os.getloadavg()}\n")
    print(f"raw lines: {out_path}", file=sys.stderr)
    return [out_path]


def summarize(paths):
    values = defaultdict(list)  # (workload, runtime, metric, unit) -> fw -> [values]
    failures = []
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.startswith("# FAILED"):
                    failures.append(line.strip())
                    continue
                fields = parse_line(line)
                if not fields:
                    continue
                key = (fields["workload"], fields["runtime"], fields["metric"], fields["unit"])
                values[key].append((fields["framework"], float(fields["value"]), fields.get("executor", "")))
    rows = []
    for key in sorted(values, key=lambda k: (k[0], k[1] != "multi", ["tell", "mean", "p50", "p99"].index(k[2]) if k[2] in ["tell", "mean", "p50", "p99"] else 0)):
        per_fw = defaultdict(list)
        executors = {}
        for fw, v, ex in values[key]:
            per_fw[fw].append(v)
            executors[fw] = ex
        stats = {}
        for fw, vs in per_fw.items():
            good = [v for v in vs if v == v]
            if good:
                stats[fw] = (statistics.median(good), min(good), max(good), len(good))
        rows.append((key, stats, executors))

    # Plain text: medians with min-max.
    print("\nmedians [min-max] (n runs):")
    for (workload, runtime, metric, unit), stats, _ in rows:
        print(f"  {workload} {runtime:7} {metric:11} ({UNITS.get(unit, unit)})")
        for fw in FRAMEWORKS:
            if fw in stats:
                med, lo, hi, n = stats[fw]
                print(f"      {fw:6} {fmt(med, unit):>9}  [{fmt(lo, unit)}-{fmt(hi, unit)}]  n={n}")

    # Markdown: each cell is median (min-max) and the cost ratio to raw tokio.
    print("\n| workload | runtime | unit | " + " | ".join(f if f != "tokio" else "raw tokio" for f in FRAMEWORKS) + " |")
    print("|---|---|---|" + "---:|" * len(FRAMEWORKS))
    for (workload, runtime, metric, unit), stats, executors in rows:
        title = TITLES.get((workload, metric), f"{workload} {metric}")
        cells = []
        floor = stats.get("tokio", (None,))[0]
        for fw in FRAMEWORKS:
            if fw not in stats:
                cells.append("—")
                continue
            med, lo, hi, _ = stats[fw]
            cell = f"{fmt(med, unit)} ({fmt(lo, unit)}–{fmt(hi, unit)})"
            if floor and fw != "tokio":
                ratio = floor / med if higher_is_better(unit) else med / floor
                cell += f" **{ratio:.2f}×**"
            cells.append(cell)
        print(f"| {title} | {runtime} | {UNITS.get(unit, unit)} | " + " | ".join(cells) + " |")
    print(
        "\nRatio = cost relative to raw tokio (time or bytes per item ÷ raw's; for rates, raw's rate ÷ the "
        "framework's): 1.00× is the floor, higher is slower / bigger."
    )
    if failures:
        print("\nfailed runs:")
        for f in failures:
            print("  " + f)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3, help="repetitions of the whole plan (default 3)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every count (default 1)")
    p.add_argument("--quick", action="store_true", help="--scale 0.1 --reps 1")
    p.add_argument("--core", action="store_true", help="only the issue's rows, not the current-thread extras")
    p.add_argument("--only", type=lambda s: s.split(","), help="workloads, e.g. w1,w5")
    p.add_argument("--frameworks", type=lambda s: s.split(","), help="e.g. ours,tokio")
    p.add_argument("--timeout", type=float, default=300, help="seconds per measurement (default 300)")
    p.add_argument("--no-build", action="store_true", help="use the existing binary")
    p.add_argument("--summarize", nargs="+", metavar="FILE", help="summarise saved raw lines, run nothing")
    args = p.parse_args()
    if args.summarize:
        summarize(args.summarize)
        return
    if args.quick:
        args.scale, args.reps = 0.1, 1
    if not args.no_build:
        build()
    summarize(run_all(args))


if __name__ == "__main__":
    main()
