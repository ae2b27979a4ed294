#!/usr/bin/env python3
"""Summarise criterion results of the comparison benches as a markdown table.

usage: summarize.py CRITERION_DIR [CRITERION_DIR ...]

Each CRITERION_DIR is a copy of target/criterion from one `cargo bench -p
benches` run. Prints, per run, the median time per iteration of `ours` and
`raw_tokio` in every group and their ratio, then the median over runs of
each figure (ratios are taken within a run, then the median of the ratios).
"""
import json
import statistics
import sys
from pathlib import Path

# group -> (items per iteration, unit of one item)
GROUPS = {
    "tell": (2_000_000, "message"),
    "ask": (1, "round trip"),
    "spawn_stop": (100_000, "actor"),
    "ring": (1_000_000, "hop"),
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
    return f"{1e9 / ns:,.0f}/s"


def main() -> None:
    runs = [Path(p) for p in sys.argv[1:]]
    rows = {g: [] for g in GROUPS}
    print("| run | workload | ours per iteration | raw per iteration | ours ns/item | raw ns/item | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for i, run in enumerate(runs, 1):
        for group, (items, unit) in GROUPS.items():
            try:
                ours = median_ns(run, group, "ours") / items
                raw = median_ns(run, group, "raw_tokio") / items
            except FileNotFoundError:
                continue
            rows[group].append((ours, raw, ours / raw))
            print(
                f"| {i} | {group} ({items:,} {unit}{'s' if items != 1 else ''}) | {fmt(ours * items)} | {fmt(raw * items)} "
                f"| {ours:.1f} | {raw:.1f} | {ours / raw:.2f} |"
            )
    print()
    print("| workload | ours (median) | raw (median) | ratio (median of per-run ratios) | runs |")
    print("|---|---:|---:|---:|---:|")
    for group, (items, unit) in GROUPS.items():
        r = rows[group]
        if not r:
            continue
        ours = statistics.median(x[0] for x in r)
        raw = statistics.median(x[1] for x in r)
        ratio = statistics.median(x[2] for x in r)
        print(
            f"| {group} | {ours:.1f} ns/{unit} ({per_s(ours)}) "
            f"| {raw:.1f} ns/{unit} ({per_s(raw)}) | {ratio:.2f} | {len(r)} |"
        )


if __name__ == "__main__":
    main()
