#!/usr/bin/env python3
"""Summarise criterion results of the comparison benches as a markdown table.

usage: summarize.py CRITERION_DIR [CRITERION_DIR ...]

Each CRITERION_DIR is a copy of target/criterion from one `cargo bench -p
benches` run. Prints, per run, the median time per iteration of each
compared pair (ours and its baseline) in every group and their ratio, then
the median over runs of each figure (ratios are taken within a run, then
the median of the ratios is shown, with their range).

Pairs: `ours` vs `raw_tokio` (tell, ask, spawn_stop, ring);
`ours_actors` and `ours_streams` vs `raw_broadcast` (fanout); and
`one_stuck_subscriber` vs `no_subscriber` (publish_1m: what a subscriber
that never reads costs the publisher).
"""
import json
import statistics
import sys
from pathlib import Path

# group -> (items per iteration, unit of one item, [(label, ours, baseline)])
GROUPS = {
    "tell": (2_000_000, "message", [("ours", "ours", "raw_tokio")]),
    "ask": (1, "round trip", [("ours", "ours", "raw_tokio")]),
    "spawn_stop": (100_000, "actor", [("ours", "ours", "raw_tokio")]),
    "ring": (1_000_000, "hop", [("ours", "ours", "raw_tokio")]),
    "fanout": (
        2_000_000,
        "delivery",
        [("actors", "ours_actors", "raw_broadcast"), ("streams", "ours_streams", "raw_broadcast")],
    ),
    "publish_1m": (1_000_000, "event", [("stuck", "one_stuck_subscriber", "no_subscriber")]),
}


def median_ns(run: Path, group: str, name: str) -> float:
    est = json.loads((run / group / name / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"]


def fmt(ns: float) -> str:
    """A duration in ns, in the unit that suits it."""
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def per_s(ns: float) -> str:
    """Items per second, in M/s or k/s."""
    rate = 1e9 / ns
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M/s"
    return f"{rate / 1e3:.0f} k/s"


def plural(unit: str, n: int) -> str:
    if n == 1:
        return unit
    return unit[:-1] + "ies" if unit.endswith("y") else unit + "s"


def main() -> None:
    runs = [Path(p) for p in sys.argv[1:]]
    if not runs:
        sys.exit(__doc__)
    rows = {(g, p[0]): [] for g, (_, _, pairs) in GROUPS.items() for p in pairs}
    print("| run | workload | pair | ours per iteration | baseline per iteration | ours ns/item | baseline ns/item | ratio |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for i, run in enumerate(runs, 1):
        for group, (items, unit, pairs) in GROUPS.items():
            for label, ours_name, base_name in pairs:
                try:
                    ours = median_ns(run, group, ours_name) / items
                    base = median_ns(run, group, base_name) / items
                except FileNotFoundError:
                    continue
                rows[(group, label)].append((ours, base, ours / base))
                print(
                    f"| {i} | {group} ({items:,} {plural(unit, items)}) | {ours_name} / {base_name} "
                    f"| {fmt(ours * items)} | {fmt(base * items)} | {ours:.1f} | {base:.1f} | {ours / base:.2f} |"
                )
    print()
    print("| workload | pair | ours (median) | baseline (median) | ratio (median of per-run ratios) | range | runs |")
    print("|---|---|---:|---:|---:|---|---:|")
    for group, (items, unit, pairs) in GROUPS.items():
        for label, ours_name, base_name in pairs:
            r = rows[(group, label)]
            if not r:
                continue
            ours = statistics.median(x[0] for x in r)
            base = statistics.median(x[1] for x in r)
            ratios = [x[2] for x in r]
            print(
                f"| {group} | {ours_name} / {base_name} | {ours:.1f} ns/{unit} ({per_s(ours)}) "
                f"| {base:.1f} ns/{unit} ({per_s(base)}) | {statistics.median(ratios):.2f} "
                f"| {min(ratios):.2f}–{max(ratios):.2f} | {len(r)} |"
            )


if __name__ == "__main__":
    main()
