#!/usr/bin/env python3
"""Summarise several runs of the remote benchmark as markdown tables.

usage: summarize_remote.py RUN_OUTPUT [RUN_OUTPUT ...]

Each RUN_OUTPUT is the saved output of one
`cargo bench -p benches --bench remote` (its `round=...` lines). Prints,
per run, the median over its rounds of each figure and of the per-round
ratio (actor-remote ÷ floor: ratios are only taken within a round, where
both sides met the same machine), then the median over runs, with the
range of the per-run ratios, and the lost and reordered messages summed
over every round.
"""
import statistics
import sys
from pathlib import Path

# (label, workload, field, unit, target)
ROWS = [
    ("one way, 1 sender", "one_way", "ns_per_msg", "ns/msg", "≥ 3 M/s and ratio ≤ 1.6"),
    ("ask round trip p50", "asks", "p50_us", "µs", "ratio ≤ 1.2"),
    ("ask round trip p99", "asks", "p99_us", "µs", "—"),
    ("4 senders, one link", "shared", "ns_per_msg", "ns/msg", "≥ 2 M/s total"),
]


def parse(path: Path):
    """{round: {(workload, variant): {field: value}}}"""
    rounds = {}
    for line in path.read_text().splitlines():
        if not line.startswith("round="):
            continue
        kv = dict(p.split("=", 1) for p in line.split())
        fields = {k: float(v.rstrip("M")) for k, v in kv.items() if k not in ("round", "workload", "variant")}
        rounds.setdefault(kv["round"], {})[(kv["workload"], kv["variant"])] = fields
    return rounds


def cell(value: float, unit: str) -> str:
    if unit == "ns/msg":
        return f"{value:.0f} ns/msg ({1e3 / value:.2f} M/s)"
    return f"{value:.1f} µs"


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        sys.exit(__doc__)
    runs = [parse(p) for p in paths]
    per_run = {label: [] for label, *_ in ROWS}  # (floor, ours, ratio) per run
    lost = {"ours": [0, 0], "floor": [0, 0]}
    print("| run | workload | floor | actor-remote | ratio (median of rounds) | rounds |")
    print("|---|---|---:|---:|---:|---:|")
    for i, run in enumerate(runs, 1):
        for label, workload, field, unit, _ in ROWS:
            pairs = [
                (r[(workload, "floor")][field], r[(workload, "ours")][field])
                for r in run.values()
                if (workload, "floor") in r and (workload, "ours") in r
            ]
            if not pairs:
                continue
            floor = statistics.median(p[0] for p in pairs)
            ours = statistics.median(p[1] for p in pairs)
            ratio = statistics.median(p[1] / p[0] for p in pairs)
            per_run[label].append((floor, ours, ratio))
            print(f"| {i} | {label} | {cell(floor, unit)} | {cell(ours, unit)} | {ratio:.2f} | {len(pairs)} |")
        for r in run.values():
            for (workload, variant), f in r.items():
                lost[variant][0] += int(f.get("lost", 0))
                lost[variant][1] += int(f.get("reordered", 0))
    print()
    print("| workload | floor (median of runs) | actor-remote (median of runs) | ratio (median of runs) | range | target |")
    print("|---|---:|---:|---:|---|---|")
    for label, _, _, unit, target in ROWS:
        r = per_run[label]
        if not r:
            continue
        ratios = [x[2] for x in r]
        print(
            f"| {label} | {cell(statistics.median(x[0] for x in r), unit)} "
            f"| {cell(statistics.median(x[1] for x in r), unit)} | {statistics.median(ratios):.2f} "
            f"| {min(ratios):.2f}–{max(ratios):.2f} | {target} |"
        )
    print()
    print(
        f"lost / reordered, all rounds: actor-remote {lost['ours'][0]} / {lost['ours'][1]}, "
        f"floor {lost['floor'][0]} / {lost['floor'][1]}"
    )


if __name__ == "__main__":
    main()
