#!/usr/bin/env python3
"""bench/sched/summarize_sched.py: the scheduler table (gostack, Go, Boost.Fiber, Boost.Context)
from bench/sched/run's output.

Usage: summarize_sched.py DIR
Reads, for each procs setting P that was run:
  DIR/gostack-pP[-NAME].json  Google Benchmark JSON of sched_bench (aggregates; time = ns per
                              operation), one file per benchmark or one for all
  DIR/go-pP[-NAME].jsonl      JSON lines of sched-go (per-repetition ns per operation)
  DIR/boost-pP[-NAME].json    Google Benchmark JSON of boost_bench: NAME is Boost.Fiber's,
                              ctx_NAME Boost.Context's analogue of gostack's NAME
and DIR/memory.jsonl  JSON lines of parked_memory, sched-go -bench=parked_memory and
boost_parked_memory (one per run; "stack" tells Boost's default stacks from the pooled ones).
Prints the Markdown table of medians with notes to stdout, and writes DIR/table.md (the same,
plus the plot's image link), DIR/summary.json (the numbers) and DIR/sched.dat (the plot's data
for bench/sched/sched.gp)."""
import glob
import json
import os
import re
import statistics
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
IMPLS = ["gostack", "go", "boost.fiber", "boost.context"]
IMPL_NAMES = {"gostack": "gostack", "go": "Go", "boost.fiber": "Boost.Fiber",
              "boost.context": "Boost.Context"}

# name -> (label, short label for the plot, unit, target kind, target value)
#   ratio: gostack/Go <= value;  abs: gostack <= value (in the row's unit);  None: no target
# The labels of the memory rows get Boost's stack sizes appended (from the data).
ROWS = [
    ("spawn_join", "spawn + join, trivial task (ns/task)", "spawn+join", "ns", "ratio", 0.4),
    ("go_wait1000", "go x1000 + WaitGroup wait (ns/task)", "go x1000+wait", "ns", "ratio", 0.4),
    ("yield_alone", "yield, alone on its P (ns/yield)", "yield alone", "ns", "abs", 15.0),
    ("yield_pair", "yield, two tasks alternating (ns/yield)", "yield pair", "ns", "abs", 15.0),
    ("pingpong", "unbuffered chan ping-pong (ns/round trip)", "ping-pong", "ns", "ratio", 0.3),
    ("parked_memory", "RSS per parked task, 1M tasks (bytes)", "default stacks", "B", "abs", 2300.0),
    ("parked_memory_pooled", "RSS per parked task, 1M tasks (bytes)", "Boost pooled stacks", "B",
     None, None),
    ("parked_start", "start 1M tasks until all parked (ns/task)", "start 1M", "ns", None, None),
]


def strip_name(name):
    return re.sub(r"/(iterations:\d+|manual_time|real_time)", "", name)


def cv_of(xs):
    if len(xs) < 2:
        return 0.0
    m = statistics.mean(xs)
    return statistics.stdev(xs) / m if m else 0.0


def load_gbench(path):
    """Google Benchmark JSON -> (context, {bench: {"median", "cv", "n", "counters"}}).
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
                e["n"] = b.get("repetitions", 1)
            for k in ("ops_per_batch", "procs", "stack_bytes", "boost_version"):
                if k in b:
                    e["counters"][k] = b[k]
        elif agg == "cv":
            e["cv"] = b["real_time"]
    for name, ts in runs.items():
        if "median" not in res[name]:
            res[name]["median"] = statistics.median(ts)
            res[name]["n"] = len(ts)
            res[name].setdefault("cv", cv_of(ts))
    return data.get("context", {}), {k: v for k, v in res.items() if "median" in v}


def load_go(path):
    res = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            xs = d["ns_per_op"]
            res[d["bench"]] = {"median": statistics.median(xs), "cv": cv_of(xs), "n": len(xs),
                               "counters": {k: d[k] for k in ("ops_per_batch", "procs", "go_version")
                                            if k in d}}
    return res


def load_memory(path):
    """-> {(impl, procs): {"parked_memory": {...}, "parked_start": {...},
    "parked_memory_pooled": {...}}}: default stacks give the first two, Boost's pooled stacks
    the third."""
    runs = {}
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                runs.setdefault((d["impl"], d["procs"], d.get("stack", "default")), []).append(d)
    res = {}
    for (impl, procs, stack), ds in runs.items():
        bpt = [d["bytes_per_task"] for d in ds]
        start = [d["start_ns_per_task"] for d in ds]
        counters = {"tasks": ds[0]["tasks"]}
        if "stack_bytes" in ds[0]:
            counters["stack_bytes"] = ds[0]["stack_bytes"]
        entry = lambda xs: {"median": statistics.median(xs), "cv": cv_of(xs), "n": len(xs),
                            "counters": counters}
        r = res.setdefault((impl, procs), {})
        if stack == "default":
            r["parked_memory"] = entry(bpt)
            r["parked_start"] = entry(start)
        elif stack == "pooled":
            r["parked_memory_pooled"] = entry(bpt)
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


def kib(n):
    return f"{n / 1024:g} KB"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/bench/sched"
    procs_list = sorted({int(m.group(1)) for p in glob.glob(os.path.join(d, "*-p*.json*"))
                         for m in [re.search(r"-p(\d+)(-[a-z0-9_]+)?\.jsonl?$", p)] if m})
    memory = load_memory(os.path.join(d, "memory.jsonl"))
    procs_list = sorted(set(procs_list) | {p for (_, p) in memory})

    def files(prefix, procs, ext):
        return sorted(glob.glob(os.path.join(d, f"{prefix}-p{procs}.{ext}")) +
                      glob.glob(os.path.join(d, f"{prefix}-p{procs}-*.{ext}")))

    ctx = {}
    table, warnings = [], []
    for procs in procs_list:
        res = {impl: {} for impl in IMPLS}
        for path in files("gostack", procs, "json"):
            c, r = load_gbench(path)
            ctx = ctx or c
            res["gostack"].update(r)
        for path in files("go", procs, "jsonl"):
            res["go"].update(load_go(path))
        for path in files("boost", procs, "json"):
            for name, e in load_gbench(path)[1].items():
                if name.startswith("ctx_"):
                    res["boost.context"][name[4:]] = e
                else:
                    res["boost.fiber"][name] = e
        for impl in IMPLS:
            res[impl].update(memory.get((impl, procs), {}))
        # The pooled-stack row compares Boost's smallest stacks with the same gostack and Go runs.
        if any("parked_memory_pooled" in res[i] for i in ("boost.fiber", "boost.context")):
            for impl in ("gostack", "go"):
                if "parked_memory" in res[impl]:
                    res[impl]["parked_memory_pooled"] = res[impl]["parked_memory"]

        for name, label, short, unit, kind, target in ROWS:
            e = {impl: res[impl].get(name) for impl in IMPLS}
            if all(v is None for v in e.values()):
                continue
            cs = {impl: (v or {}).get("counters", {}) for impl, v in e.items()}
            ops = {IMPL_NAMES[i]: int(c["ops_per_batch"]) for i, c in cs.items() if "ops_per_batch" in c}
            if len(set(ops.values())) > 1:
                warnings.append(f"{name} p{procs}: ops per batch differ ({ops}): sched_kernels.h, "
                                "go/sched.go and boost_bench.cpp disagree")
            for impl, c in cs.items():
                if "procs" in c and int(c["procs"]) != procs:
                    warnings.append(f"{name}: {IMPL_NAMES[impl]} ran with {int(c['procs'])} procs, "
                                    f"not {procs}")
            tasks = next((c["tasks"] for c in cs.values() if "tasks" in c), 1000000)
            if tasks != 1000000:
                label = label.replace("1M", f"{tasks:,}")
                short = short.replace("1M", f"{tasks:,}")
            if name.startswith("parked_memory"):
                sizes = {i[6:].capitalize(): kib(cs[i]["stack_bytes"])
                         for i in ("boost.fiber", "boost.context") if "stack_bytes" in cs[i]}
                if name == "parked_memory" and len(set(sizes.values())) == 1:
                    label = label[:-1] + f"; Boost: default {next(iter(sizes.values()))} stacks)"
                elif sizes:
                    what = "default stacks" if name == "parked_memory" else "smallest pooled stacks"
                    label = (label[:-1] + f"; Boost: {what}, " +
                             ", ".join(f"{k} {v}" for k, v in sizes.items()) + ")")
            med = {impl: (v["median"] if v else None) for impl, v in e.items()}
            gv = med["gostack"]
            ratios = {impl: (gv / med[impl] if gv is not None and med[impl] else None)
                      for impl in IMPLS[1:]}
            if kind == "ratio":
                tgt = f"<= {target}x Go"
                met = None if ratios["go"] is None else ratios["go"] <= target
            elif kind == "abs":
                tgt = f"<= {fmt(target, unit)}"
                met = None if gv is None else gv <= target
            else:
                tgt, met = "-", None
            reps = sorted({v["n"] for v in e.values() if v and "n" in v})
            table.append({
                "bench": name, "label": label, "short": short, "procs": procs, "unit": unit,
                **{impl: med[impl] for impl in IMPLS},
                "ratio": ratios["go"], "ratio_boost_fiber": ratios["boost.fiber"],
                "ratio_boost_context": ratios["boost.context"],
                "target": tgt, "met": met, "reps": reps,
                "max_cv": max((v or {}).get("cv", 0.0) for v in e.values()),
                **{f"{impl}_counters": cs[impl] for impl in IMPLS},
            })

    # --- notes -------------------------------------------------------------------------------
    notes = []
    if ctx:
        notes.append(f"{ctx.get('host_name', '?')}: {ctx.get('num_cpus', '?')} CPUs at "
                     f"{ctx.get('mhz_per_cpu', '?')} MHz")
    try:
        with open(os.path.join(d, "revision")) as f:
            revision = f.read().strip()
        notes.append(f"gostack at {revision}")
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
        notes.append(f"load average (1, 5, 15 min) at start: {load.get('start', '?')}, at end: "
                     f"{load.get('end', '?')} (times are wall clock: other load inflates them)")
    gover = next((r["go_counters"].get("go_version") for r in table
                  if r["go_counters"].get("go_version")), None)
    bver = next((int(r[f"{i}_counters"]["boost_version"]) for r in table
                 for i in ("boost.fiber", "boost.context")
                 if r[f"{i}_counters"].get("boost_version")), None)
    versions = [v for v in (gover and f"Go {gover}",
                            bver and f"Boost {bver // 100000}.{bver // 100 % 1000}") if v]
    notes.append("medians over repetitions (reps: Google Benchmark --benchmark_repetitions, "
                 "sched-go -reps; memory rows: separate runs); ratios from this one run"
                 + (f"; {', '.join(versions)}" if versions else ""))
    have = lambda impl: any(r[impl] is not None for r in table)
    stack = next((kib(r["boost.fiber_counters"]["stack_bytes"]) for r in table
                  if r["bench"] != "parked_memory_pooled"
                  and r["boost.fiber_counters"].get("stack_bytes")), "128 KB")
    if have("boost.fiber"):
        notes.append(f"Boost.Fiber: clang++-19 -O2, default stack allocator (fixedsize_stack, {stack} "
                     "from malloc); procs 1 is its default round_robin scheduler on one thread, "
                     "procs 2 is algo::work_stealing on 2 threads with idle threads sleeping (suspend = true; "
                     "its spinning default took over 25 s instead of 0.3 s per ping-pong repetition "
                     "when the machine was busy); "
                     "go x1000 uses a WaitGroup made of a fiber mutex, condition variable and "
                     "counter; memory is measured on 1 thread only")
        if any(r["boost.fiber"] is not None for r in table if r["bench"] == "go_wait1000"):
            notes.append(f"Boost.Fiber go x1000: 1000 live {stack} stacks per round make glibc's malloc "
                         "map and trim (and the kernel fault in) the stacks every round; that, not "
                         "the scheduler, is most of this cell")
    if have("boost.context"):
        notes.append("Boost.Context (boost::context::fiber, default fixedsize_stack, no scheduler, "
                     "1 thread only): spawn + join = create a context and resume it until it "
                     "returns; yield, two tasks = one resume (a one-way switch) between two "
                     "contexts; RSS per parked task = contexts resumed once and suspended")

    # --- table -------------------------------------------------------------------------------
    head = ["benchmark", "procs", "gostack", "Go", "Boost.Fiber", "Boost.Context", "gostack/Go",
            "gostack/Boost.Fiber", "gostack/Boost.Context", "target", "met", "reps", "max cv"]
    rat = lambda x: "-" if x is None else f"{x:.2f}"
    rows = []
    for r in table:
        rows.append([r["label"], str(r["procs"])] +
                    [fmt(r[i], r["unit"]) for i in IMPLS] +
                    [rat(r["ratio"]), rat(r["ratio_boost_fiber"]), rat(r["ratio_boost_context"]),
                     r["target"], "-" if r["met"] is None else ("met" if r["met"] else "MISSED"),
                     "/".join(str(n) for n in r["reps"]) or "-", f"{r['max_cv'] * 100:.1f}%"])
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    lines = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]

    for n in notes:
        print(f"# {n}")
    print("\n".join(lines))
    for w in warnings:
        print(f"# WARNING: {w}")

    with open(os.path.join(d, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n\n")
        for n in notes:
            f.write(f"- {n}\n")
        for w in warnings:
            f.write(f"- WARNING: {w}\n")
        f.write("\n![scheduler](img/sched.png)\n")

    # --- plot data: block 0 times per operation, block 1 memory per parked task (KB) ----------
    num = lambda v: "NaN" if v is None else f"{v:.6g}"
    with open(os.path.join(d, "sched.dat"), "w") as f:
        f.write("# label gostack Go Boost.Fiber Boost.Context\n")
        for r in table:
            if r["unit"] == "ns":
                f.write(f"\"{r['short']} p{r['procs']}\" " + " ".join(num(r[i]) for i in IMPLS) + "\n")
        f.write("\n\n")
        for r in table:  # memory does not depend on procs; Boost's is measured at 1 only
            if r["unit"] == "B" and r["procs"] == procs_list[0]:
                f.write(f"\"{r['short']}\" " +
                        " ".join(num(None if r[i] is None else r[i] / 1024) for i in IMPLS) + "\n")

    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump({"context": ctx, "revision": revision, "loadavg": load, "notes": notes,
                   "rows": table, "warnings": warnings}, f, indent=1)


if __name__ == "__main__":
    main()
