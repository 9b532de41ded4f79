#!/usr/bin/env python3
"""bench/sched/summarize_sched.py: the gostack-vs-Go scheduler table from bench/sched/run's output.

Usage: summarize_sched.py DIR
Reads, for each procs setting P that was run:
  DIR/gostack-pP[-NAME].json  Google Benchmark JSON of sched_bench (aggregates; time = ns per
                              operation), one file per benchmark or one for all
  DIR/go-pP[-NAME].jsonl      JSON lines of sched-go (per-repetition ns per operation)
and DIR/memory.jsonl  JSON lines of parked_memory / sched-go -bench=parked_memory (one per run).
Prints a Markdown table of medians: benchmark, procs, gostack, Go, gostack/Go, target, met/missed,
and writes DIR/summary.json with the same numbers."""
import glob
import json
import os
import re
import statistics
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# name -> (label, unit, target kind, target value)
#   ratio: gostack/Go <= value;  abs: gostack <= value (in the row's unit);  None: no target
ROWS = [
    ("spawn_join", "spawn + join, trivial task (ns/task)", "ns", "ratio", 0.4),
    ("go_wait1000", "go x1000 + WaitGroup wait (ns/task)", "ns", "ratio", 0.4),
    ("yield_alone", "yield, alone on its P (ns/yield)", "ns", "abs", 15.0),
    ("yield_pair", "yield, two tasks alternating (ns/yield)", "ns", "abs", 15.0),
    ("pingpong", "unbuffered chan ping-pong (ns/round trip)", "ns", "ratio", 0.3),
    ("parked_memory", "RSS per parked task, 1M tasks (bytes)", "B", "abs", 2300.0),
    ("parked_start", "start 1M tasks until all parked (ns/task)", "ns", None, None),
    ("grow_fresh", "recursion depth 10,000 in a fresh task (us)", "us", None, None),
    ("grow_warm", "recursion depth 10,000 on a grown stack (us)", "us", None, None),
    ("grow_ratio", "growth: fresh / warm", "x", "abs", 2.0),
]


def strip_name(name):
    return re.sub(r"/(iterations:\d+|manual_time|real_time)", "", name)


def load_gbench(path):
    """Google Benchmark JSON -> {bench: {"median": ns, "cv": fraction, "counters": {...}}}.
    Uses the median aggregate; without aggregates (one repetition, or
    --benchmark_report_aggregates_only=false) the median of the repetitions' own times."""
    with open(path) as f:
        data = json.load(f)
    res, runs = {}, {}
    for b in data.get("benchmarks", []):
        name = strip_name(b.get("run_name", b["name"]))
        agg = b.get("aggregate_name")
        e = res.setdefault(name, {"counters": {}})
        t = b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]
        if agg == "median" or (agg is None and b.get("run_type", "iteration") == "iteration"):
            if agg is None:
                runs.setdefault(name, []).append(t)
            else:
                e["median"] = t
            for k in ("ops_per_batch", "procs", "depth", "stack_bytes", "growths"):
                if k in b:
                    e["counters"][k] = b[k]
        elif agg == "cv":
            e["cv"] = b["real_time"]
    for name, ts in runs.items():
        if "median" not in res[name]:
            res[name]["median"] = statistics.median(ts)
            res[name].setdefault("cv", cv_of(ts))
    return data.get("context", {}), {k: v for k, v in res.items() if "median" in v}


def cv_of(xs):
    if len(xs) < 2:
        return 0.0
    m = statistics.mean(xs)
    return statistics.stdev(xs) / m if m else 0.0


def load_go(path):
    res = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            xs = d["ns_per_op"]
            res[d["bench"]] = {"median": statistics.median(xs), "cv": cv_of(xs),
                               "counters": {k: d[k] for k in ("ops_per_batch", "procs", "depth",
                                                              "go_version") if k in d}}
    return res


def load_memory(path):
    """-> {(impl, procs): {"parked_memory": {...}, "parked_start": {...}}}"""
    runs = {}
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                runs.setdefault((d["impl"], d["procs"]), []).append(d)
    res = {}
    for key, ds in runs.items():
        bpt = [d["bytes_per_task"] for d in ds]
        start = [d["start_ns_per_task"] for d in ds]
        res[key] = {
            "parked_memory": {"median": statistics.median(bpt), "cv": cv_of(bpt),
                              "counters": {"tasks": ds[0]["tasks"], "runs": len(ds)}},
            "parked_start": {"median": statistics.median(start), "cv": cv_of(start),
                             "counters": {"tasks": ds[0]["tasks"], "runs": len(ds)}},
        }
    return res


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "us":
        return f"{v / 1e3:.1f} us"
    if unit == "B":
        return f"{v:.0f} B"
    if unit == "x":
        return f"{v:.2f}x"
    return f"{v:.1f} ns"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/bench/sched"
    procs_list = sorted({int(m.group(1)) for p in glob.glob(os.path.join(d, "*-p*.json*"))
                         for m in [re.search(r"-p(\d+)(-[a-z0-9_]+)?\.jsonl?$", p)] if m})
    memory = load_memory(os.path.join(d, "memory.jsonl"))
    procs_list = sorted(set(procs_list) | {p for (_, p) in memory})
    ctx = {}
    table = []
    warnings = []
    for procs in procs_list:
        gs, go = {}, {}
        for gp in sorted(glob.glob(os.path.join(d, f"gostack-p{procs}.json")) +
                         glob.glob(os.path.join(d, f"gostack-p{procs}-*.json"))):
            c, r = load_gbench(gp)
            ctx = ctx or c
            gs.update(r)
        for op in sorted(glob.glob(os.path.join(d, f"go-p{procs}.jsonl")) +
                         glob.glob(os.path.join(d, f"go-p{procs}-*.jsonl"))):
            go.update(load_go(op))
        gs.update(memory.get(("gostack", procs), {}))
        go.update(memory.get(("go", procs), {}))
        for impl in (gs, go):
            f, w = impl.get("grow_fresh", {}).get("median"), impl.get("grow_warm", {}).get("median")
            if f is not None and w is not None:
                impl["grow_ratio"] = {"median": f / w, "cv": 0.0, "counters": {}}
        for name, label, unit, kind, target in ROWS:
            g, o = gs.get(name), go.get(name)
            if g is None and o is None:
                continue
            gc, oc = (g or {}).get("counters", {}), (o or {}).get("counters", {})
            if "ops_per_batch" in gc and "ops_per_batch" in oc and gc["ops_per_batch"] != oc["ops_per_batch"]:
                warnings.append(f"{name} p{procs}: ops per batch differ (gostack {gc['ops_per_batch']}, "
                                f"Go {oc['ops_per_batch']}): sched_kernels.h and go/sched.go disagree")
            if "procs" in gc and int(gc["procs"]) != procs:
                warnings.append(f"{name}: gostack ran with {int(gc['procs'])} procs, not {procs}")
            if "procs" in oc and int(oc["procs"]) != procs:
                warnings.append(f"{name}: Go ran with GOMAXPROCS {int(oc['procs'])}, not {procs}")
            gv = g["median"] if g else None
            ov = o["median"] if o else None
            ratio = gv / ov if gv is not None and ov else None
            if kind == "ratio":
                tgt = f"<= {target}x Go"
                met = None if ratio is None else ratio <= target
            elif kind == "abs":
                tgt = f"<= {fmt(target, unit)}"
                met = None if gv is None else gv <= target
            else:
                tgt, met = "-", None
            cv = max((g or {}).get("cv", 0.0), (o or {}).get("cv", 0.0))
            table.append({
                "bench": name, "label": label, "procs": procs, "unit": unit,
                "gostack": gv, "go": ov, "ratio": ratio, "target": tgt,
                "met": met, "max_cv": cv, "gostack_counters": gc, "go_counters": oc,
            })

    if ctx:
        print(f"# {ctx.get('host_name', '?')}: {ctx.get('num_cpus', '?')} CPUs at "
              f"{ctx.get('mhz_per_cpu', '?')} MHz")
    try:
        with open(os.path.join(d, "revision")) as f:
            revision = f.read().strip()
        print(f"# gostack at {revision}")
    except OSError:
        revision = None
    load = {}
    for k in ("start", "end"):
        try:
            with open(os.path.join(d, f"loadavg-{k}")) as f:
                load[k] = f.read().strip()
        except OSError:
            pass
    if load:
        print(f"# load average (1, 5, 15 min) at start: {load.get('start', '?')}, at end: "
              f"{load.get('end', '?')} (times are wall clock: other load inflates them)")
    gover = next((r["go_counters"].get("go_version") for r in table
                  if r["go_counters"].get("go_version")), None)
    print("# medians over repetitions (Google Benchmark --benchmark_repetitions / sched-go -reps; "
          "memory: separate runs)" + (f"; Go: {gover}" if gover else ""))
    head = ["benchmark", "procs", "gostack", "Go", "gostack/Go", "target", "met", "max cv"]
    rows = []
    for r in table:
        rows.append([r["label"], str(r["procs"]), fmt(r["gostack"], r["unit"]), fmt(r["go"], r["unit"]),
                     "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
                     r["target"], "-" if r["met"] is None else ("met" if r["met"] else "MISSED"),
                     f"{r['max_cv'] * 100:.1f}%"])
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    for r in table:
        if r["bench"] == "grow_fresh" and r["gostack_counters"].get("stack_bytes"):
            c = r["gostack_counters"]
            print(f"# gostack growth to depth {int(c.get('depth', 0))}: stack {int(c['stack_bytes'])} bytes "
                  f"after {int(c.get('growths', 0))} growths (from GOSTACK_STACK_MIN)")
            break
    for w in warnings:
        print(f"# WARNING: {w}")
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump({"context": ctx, "revision": revision, "loadavg": load, "rows": table, "warnings": warnings}, f, indent=1)


if __name__ == "__main__":
    main()
