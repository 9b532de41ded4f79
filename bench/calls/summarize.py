#!/usr/bin/env python3
"""bench/calls/summarize.py: prints medians and ratios vs. the first variant from bench/run's JSON.

Usage: summarize.py DIR BASELINE [VARIANT...]   (reads DIR/<variant>.json)
Google Benchmark's JSON (--benchmark_report_aggregates_only=true) holds per benchmark the
aggregates mean/median/stddev/cv over the repetitions; this uses the median of real_time per
kernel call, and also prints it per function call (the harness's "calls" counter)."""
import json
import os
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(path):
    with open(path) as f:
        data = json.load(f)
    medians, cvs, calls = {}, {}, {}
    reps = 0
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        agg = b.get("aggregate_name")
        t = b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]
        if agg == "median" or (agg is None and b.get("run_type") == "iteration"
                               and b.get("repetitions", 1) <= 1):
            # One repetition has no aggregates: its own time is the median.
            medians[name] = t
            calls[name] = b.get("calls", 1.0)
            reps = b.get("repetitions", 1)
        elif agg == "cv":
            cvs[name] = b["real_time"]  # a fraction, not a time
    return data.get("context", {}), medians, cvs, calls, reps


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.2f} ns"


def main():
    d, variants = sys.argv[1], sys.argv[2:]
    runs = {v: load(os.path.join(d, v + ".json")) for v in variants}
    base = variants[0]
    names = list(runs[base][1].keys())
    ctx = runs[base][0]
    reps = runs[base][4]
    print(f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz. Median of "
          f"{reps} repetitions, time per kernel call (per function call in parentheses); "
          f"ratio = variant / {base}; max cv = largest coefficient of variation of a cell.")
    print()
    head = ["benchmark"] + [v for v in variants] + [f"{v}/{base}" for v in variants[1:]] + ["max cv"]
    rows = []
    for n in names:
        b = runs[base][1][n]
        row = [n]
        for v in variants:
            t = runs[v][1].get(n)
            c = runs[v][3].get(n, 1.0) or 1.0
            row.append("-" if t is None else f"{fmt_time(t)} ({fmt_time(t / c)})")
        for v in variants[1:]:
            t = runs[v][1].get(n)
            row.append("-" if t is None else f"{t / b:.2f}x")
        cv = max(runs[v][2].get(n, 0.0) for v in variants)
        row.append(f"{cv * 100:.1f}%")
        rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    main()
