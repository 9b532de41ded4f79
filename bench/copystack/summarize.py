#!/usr/bin/env python3
"""bench/copystack/summarize.py: the stack-move tables and plot data from bench/copystack/run.

Usage: summarize.py DIR
Reads from DIR:
  precise.json, conservative.json  Google Benchmark JSON (aggregates) of copystack_bench, run
                                   with the default precise relocation and with
                                   GOSTACK_RELOCATE=conservative; time = ns per move or memcpy
  frames, revision, loadavg-start, loadavg-end (optional: the four levels' frame sizes, what
                                   was measured, the load)
Writes DIR/table.md (also printed), DIR/summary.json and DIR/copystack.dat (for copystack.gp).
Every ratio divides numbers from one process: a row's copystack median by the memcpy median of
the same size measured by the same process minutes apart at most (the machine is noisy)."""
import json
import os
import re
import statistics
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
MODES = ["precise", "conservative"]
TARGET = 0.5          # issue 6: copystack >= 0.5 x memcpy throughput ...
TARGET_FROM = 64 << 10  # ... for stacks >= 64 KB (the warm rows)


def strip_name(name):
    return re.sub(r"/(iterations:\d+|manual_time|real_time)", "", name)


def load(path):
    """Google Benchmark JSON -> {name: {"median": ns, "cv": fraction, "reps": n, counters}}."""
    with open(path) as f:
        data = json.load(f)
    res, runs, errors = {}, {}, {}
    for b in data.get("benchmarks", []):
        name = strip_name(b.get("run_name", b["name"]))
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        e = res.setdefault(name, {})
        t = b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]
        agg = b.get("aggregate_name")
        if agg == "median":
            e["median"] = t
            e["reps"] = b.get("repetitions")
            for k in ("bytes", "frames", "stack_size"):
                e[k] = b.get(k)
        elif agg == "mean":
            e["discarded"] = b.get("discarded", 0) * (b.get("repetitions") or 1)
        elif agg == "cv":
            e["cv"] = b["real_time"]
        elif agg is None:
            runs.setdefault(name, []).append((t, b))
    for name, rs in runs.items():  # one repetition: no aggregates
        e = res[name]
        if "median" not in e:
            e["median"] = statistics.median(t for t, _ in rs)
            e["reps"] = len(rs)
            e["cv"] = 0.0
            for k in ("bytes", "frames", "stack_size"):
                e[k] = rs[0][1].get(k)
    for name, message in errors.items():  # a failed repetition invalidates the row
        res[name] = {"error": message}
    return res


def size_label(n):
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def gbs(nbytes, ns):
    return nbytes / ns  # bytes per ns = GB/s


def main():
    d = sys.argv[1]
    data = {m: load(os.path.join(d, f"{m}.json")) for m in MODES
            if os.path.exists(os.path.join(d, f"{m}.json"))}
    if not data:
        sys.exit("summarize.py: no precise.json or conservative.json in " + d)
    sizes = sorted({int(n.split("/")[1]) for res in data.values() for n in res})
    rows, failures = [], []
    for size in sizes:
        row = {"stack_size": size}
        for mode, res in data.items():
            for kind in ("warm", "cold"):
                mv, mc = res.get(f"move_{kind}/{size}"), res.get(f"memcpy_{kind}/{size}")
                for name, e in ((f"move_{kind}/{size}", mv), (f"memcpy_{kind}/{size}", mc)):
                    if e and "error" in e:
                        failures.append(f"{mode} {name}: {e['error']}")
                if not mv or not mc or "median" not in mv or "median" not in mc:
                    continue
                row["bytes"], row["frames"] = int(mv["bytes"]), int(mv["frames"])
                row[f"{mode}_{kind}"] = {
                    "move_ns": mv["median"], "memcpy_ns": mc["median"],
                    "move_gbs": gbs(row["bytes"], mv["median"]),
                    "memcpy_gbs": gbs(row["bytes"], mc["median"]),
                    "ratio": mc["median"] / mv["median"],
                    "ns_per_frame": mv["median"] / row["frames"],
                    "extra_ns_per_frame": (mv["median"] - mc["median"]) / row["frames"],
                    "reps": mv["reps"], "cv": max(mv.get("cv", 0), mc.get("cv", 0)),
                }
        rows.append(row)

    def cell(row, key, field, f):
        v = row.get(key)
        return f(v[field]) if v else "-"

    def tput(row, key, which):
        v = row.get(key)
        return f"{fmt_time(v[which + '_ns'])} ({v[which + '_gbs']:.1f} GB/s)" if v else "-"

    discarded = int(sum(e.get("discarded") or 0 for res in data.values() for e in res.values()))
    reps = sorted({v["reps"] for r in rows for k, v in r.items()
                   if isinstance(v, dict) and v.get("reps")})
    out = []
    rev = read(d, "revision")
    frames = ", ".join((read(d, "frames") or "80 128 192 256").split())
    load_s, load_e = read(d, "loadavg-start"), read(d, "loadavg-end")
    out.append("### Warm: a move to a stack of the same size from the pool, against memcpy\n")
    out.append("| stack | copied | frames | memcpy | copystack precise | precise / memcpy "
               "| ns/frame (over memcpy) | copystack conservative | conservative / memcpy "
               "| target | max cv |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p, c = r.get("precise_warm"), r.get("conservative_warm")
        target = "-"
        if p and r["stack_size"] >= TARGET_FROM:
            target = "met" if p["ratio"] >= TARGET else "MISSED"
        cv = max([v["cv"] for v in (p, c) if v] or [0])
        out.append(
            f"| {size_label(r['stack_size'])} | {r.get('bytes', 0) / 1024:.1f} KB "
            f"| {r.get('frames', '-')} | {tput(r, 'precise_warm', 'memcpy')} "
            f"| {tput(r, 'precise_warm', 'move')} "
            f"| {cell(r, 'precise_warm', 'ratio', lambda x: f'{x:.2f}')} "
            f"| {cell(r, 'precise_warm', 'ns_per_frame', lambda x: f'{x:.1f}')} "
            f"({cell(r, 'precise_warm', 'extra_ns_per_frame', lambda x: f'{x:.1f}')}) "
            f"| {tput(r, 'conservative_warm', 'move')} "
            f"| {cell(r, 'conservative_warm', 'ratio', lambda x: f'{x:.2f}')} | {target} "
            f"| {100 * cv:.1f}% |")
    out.append("")
    out.append("### Cold: a growth to twice the size into pages that are not resident\n")
    out.append("| stack | copied | frames | memcpy into fresh pages | growth precise "
               "| precise / memcpy | growth conservative | conservative / memcpy | max cv |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p, c = r.get("precise_cold"), r.get("conservative_cold")
        cv = max([v["cv"] for v in (p, c) if v] or [0])
        out.append(
            f"| {size_label(r['stack_size'])} | {r.get('bytes', 0) / 1024:.1f} KB "
            f"| {r.get('frames', '-')} | {tput(r, 'precise_cold', 'memcpy')} "
            f"| {tput(r, 'precise_cold', 'move')} "
            f"| {cell(r, 'precise_cold', 'ratio', lambda x: f'{x:.2f}')} "
            f"| {tput(r, 'conservative_cold', 'move')} "
            f"| {cell(r, 'conservative_cold', 'ratio', lambda x: f'{x:.2f}')} | {100 * cv:.1f}% |")
    out.append("")
    out.append("![copystack](img/copystack.png)")
    out.append("")
    notes = [
        f"Medians of {', '.join(map(str, reps)) or '?'} repetitions (Google Benchmark "
        "`--benchmark_repetitions`), each the mean over a batch of moves (warm: about 16 MB of "
        "stack moved per batch, at least 8 moves; cold: about 4 MB, at least 4). Times are the "
        "thread's CPU time (CLOCK_THREAD_CPUTIME_ID, page faults included), for the moves and "
        "for memcpy alike: the machine is shared, and wall time would add whatever time the "
        "thread waited for a CPU. Throughput = bytes copied / time. Ratios are copystack "
        "throughput / memcpy throughput, both medians from the same process (precise and "
        "conservative each ran their own memcpy rows); max cv = the larger coefficient of "
        "variation of the two.",
        "A stack of S bytes is filled as a growth finds it: a recursion through four "
        f"gostack-compiled functions with frames of {frames} bytes (-O2; an array of 3 to 25 "
        "words each), the next one picked by a hash of the depth, each frame keeping three "
        "pointers into the stack live across its call (the fill state, a word of its caller's "
        "frame, its own array), until the used part (__morestack's 256-byte context included) "
        "is S minus about 1.6 KB. `copied` is that used part, `frames` the frames the move "
        "walks.",
        "One move = what a growth does from the prologue check on: __morestack saves the "
        "registers and the vector state, newstack allocates the new stack, copystack copies the "
        "used part, relocates (precise: the stack maps, frame by frame up the frame-pointer "
        "chain; conservative: every word of the copy that points into the old stack) and frees "
        "the old stack, then __morestack returns into the function on the new stack. The "
        "benchmark asks for it with gostack_request_move (runtime/newstack.c) and times it from "
        "inside the task. The task lets the scheduler run an empty task between timed runs, so "
        "that the monitor does not preempt it (a preemption at a move asks for more room and "
        "grows the stack); a timed run a preemption hit anyway is run again"
        f" ({discarded} in this run).",
        "Warm: the move goes to a new stack of the same size S, which the pool returns warm: the "
        "stack the previous move freed (per-thread cache up to 32 KB, the large-stack cache "
        "above). memcpy: the same number of bytes between two resident S-byte buffers, at the "
        "same offsets, alternating direction as the moves do.",
        "Cold: the move is a growth S -> 2S into a stack whose pages are not resident "
        "(madvise(MADV_DONTNEED) on the stack the allocator will hand out, untimed), so the copy "
        "takes a page fault per 4 KB; at S = 4 MB the 8 MB stack is above the large-stack cache "
        "limit and comes from a fresh mmap (the syscall is timed too). memcpy: into a buffer "
        "made non-resident the same way. An untimed move back to S follows each timed growth.",
        f"Target (issue 6): warm copystack precise >= {TARGET} x memcpy for stacks >= 64 KB. "
        "ns/frame: the move's time per frame walked, and in parentheses the part beyond the "
        "memcpy of the same bytes.",
    ]
    if rev:
        notes.append(f"Measured at {rev}; load average {load_s or '?'} before, "
                     f"{load_e or '?'} after (2 vCPUs, shared).")
    for i, n in enumerate(notes, 1):
        out.append(f"{i}. {n}")
    if failures:
        out.append("")
        out.append("FAILED: " + "; ".join(failures))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(d, "table.md"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump({"target": {"ratio": TARGET, "from_stack_size": TARGET_FROM},
                   "revision": rev, "loadavg": [load_s, load_e], "frame_bytes": frames,
                   "discarded_runs": discarded, "rows": rows, "failures": failures}, f, indent=1)
    with open(os.path.join(d, "copystack.dat"), "w") as f:
        f.write("# stack_bytes memcpy_warm_gbs precise_warm_gbs conservative_warm_gbs "
                "memcpy_cold_gbs precise_cold_gbs conservative_cold_gbs\n")
        for r in rows:
            vals = [r.get("precise_warm", {}).get("memcpy_gbs"),
                    r.get("precise_warm", {}).get("move_gbs"),
                    r.get("conservative_warm", {}).get("move_gbs"),
                    r.get("precise_cold", {}).get("memcpy_gbs"),
                    r.get("precise_cold", {}).get("move_gbs"),
                    r.get("conservative_cold", {}).get("move_gbs")]
            f.write(f"{r['stack_size']} " +
                    " ".join("NaN" if v is None else f"{v:.4f}" for v in vals) + "\n")
    return 1 if failures else 0


def read(d, name):
    p = os.path.join(d, name)
    return open(p).read().strip() if os.path.exists(p) else None


if __name__ == "__main__":
    sys.exit(main())
