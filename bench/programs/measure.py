#!/usr/bin/env python3
"""bench/programs/measure.py: times the real-program workloads of bench/programs/run.

Each round runs every workload once per variant, the variants in a rotating order (so no
variant always runs first, on a cold cache, or last, after the others heated the machine).
A run's cost is its CPU time (user + sys of the child), which a busy 2-core machine disturbs less
than wall time; wall time is recorded too. Every run's output (stdout, or the file the workload
writes) must equal plain's: a variant that computes something else fails the run.

Writes OUT/results.json (every run), OUT/summary.json and OUT/table.md (medians, ratios to plain,
geometric mean), OUT/programs.dat + programs.png (gnuplot, if installed) and prints the table."""
import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

TARGET_GEOMEAN = 1.02
TARGET_WORST = 1.05


def workloads(args):
    """name -> (label, argv with {bin} for the variant's bin directory, output file or None)."""
    lua = os.path.abspath(args.lua_scripts)
    corpus = os.path.abspath(args.corpus)
    tmp = os.path.join(args.out, "tmp")
    bz = os.path.join(args.out, "corpus.txt.bz2")
    zs = os.path.join(args.out, "corpus.txt.zst")
    zs8 = os.path.join(args.out, "corpus8.txt.zst")
    return [
        ("sqlite-speedtest1", "SQLite speedtest1 --size 40, in-memory database",
         ["{bin}/speedtest1", "--size", "40", "--memdb", "--verify"], None),
        ("lua-fib", "Lua: fib(34), recursive calls",
         ["{bin}/lua", f"{lua}/fib.lua", "34"], None),
        ("lua-sort", "Lua: table.sort of 300,000 records, Lua comparator",
         ["{bin}/lua", f"{lua}/sort.lua", "300000"], None),
        ("lua-strings", "Lua: string.format, match, gsub, gmatch",
         ["{bin}/lua", f"{lua}/strings.lua", "200000"], None),
        ("lua-nbody", "Lua: n-body, 500,000 steps",
         ["{bin}/lua", f"{lua}/nbody.lua", "500000"], None),
        ("bzip2-compress", "bzip2 -9 of a 16 MB log corpus",
         ["{bin}/bzip2", "-9", "-c", corpus], f"{tmp}.bz2"),
        ("bzip2-decompress", "bzip2 -d of the same",
         ["{bin}/bzip2", "-d", "-c", bz], f"{tmp}.txt"),
        ("zstd-compress", "zstd -6, one thread, same corpus",
         ["{bin}/zstd", "-6", "-T1", "-q", "-c", corpus], f"{tmp}.zst"),
        ("zstd-decompress", "zstd -d of the same, 8 times (concatenated frames)",
         ["{bin}/zstd", "-d", "-q", "-c", zs8], f"{tmp}.txt"),
    ], bz, zs, zs8


def run_once(argv, env, outfile):
    """Runs argv to completion; returns (wall seconds, its output: stdout or outfile's bytes)."""
    t0 = time.monotonic()
    if outfile:
        with open(outfile, "wb") as f:
            p = subprocess.run(argv, stdout=f, stderr=subprocess.PIPE, env=env)
    else:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("bench/programs: %s exited with %d:\n%s" % (" ".join(argv), p.returncode,
                                                            p.stderr.decode(errors="replace")[-2000:]))
    if outfile:
        with open(outfile, "rb") as f:
            return wall, f.read()
    return wall, p.stdout


def cpu_run(argv, env, outfile):
    """CPU time of one run, measured as the children's rusage difference."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, output = run_once(argv, env, outfile)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, output


def normalize(name, output):
    """The part of a workload's output that must not differ between variants."""
    if name == "sqlite-speedtest1":
        # speedtest1 prints each test's time; --verify adds a checksum line per test
        # ("verify: ..."), which must match. Times are dropped.
        lines = [l for l in output.decode(errors="replace").splitlines()
                 if "verify" in l.lower() or "checksum" in l.lower() or "hash" in l.lower()]
        return "\n".join(lines).encode()
    return output


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--lua-scripts", required=True)
    ap.add_argument("--variants", nargs="+", required=True)
    args = ap.parse_args()
    if args.variants[0] != "plain":
        sys.exit("bench/programs: the first variant must be plain (ratios are against it)")

    wl, bz, zs, zs8 = workloads(args)
    # Inputs of the decompression workloads, made once by the plain build.
    plain_bin = os.path.join(args.out, "plain", "bin")
    with open(bz, "wb") as f:
        subprocess.run([f"{plain_bin}/bzip2", "-9", "-c", args.corpus], stdout=f, check=True)
    with open(zs, "wb") as f:
        subprocess.run([f"{plain_bin}/zstd", "-6", "-T1", "-q", "-c", args.corpus], stdout=f,
                       check=True)
    # zstd decompresses 16 MB in a few hundredths of a second: eight frames make it measurable.
    with open(zs, "rb") as f:
        frame = f.read()
    with open(zs8, "wb") as f:
        f.write(frame * 8)

    env_for = {}
    for v in args.variants:
        e = dict(os.environ)
        e.pop("GOSTACK_MOVESTACK", None)
        if v == "gostack-nomaps":
            e["GOSTACK_RELOCATE"] = "conservative"
        env_for[v] = e

    results = {name: {v: {"cpu": [], "wall": []} for v in args.variants} for name, *_ in wl}
    reference = {}
    nv = len(args.variants)
    for r in range(args.reps):
        order = args.variants[r % nv:] + args.variants[:r % nv]
        print("bench/programs: round %d/%d (%s)" % (r + 1, args.reps, " ".join(order)),
              file=sys.stderr, flush=True)
        for name, _, argv, outfile in wl:
            for v in order:
                binv = os.path.join(args.out, v, "bin")
                cmd = [a.replace("{bin}", binv) for a in argv]
                cpu, wall, output = cpu_run(cmd, env_for[v], outfile)
                digest = hashlib.sha256(normalize(name, output)).hexdigest()
                ref = reference.setdefault(name, (v, digest))
                if ref[1] != digest:
                    sys.exit("bench/programs: %s: the %s build's output differs from the %s "
                             "build's" % (name, v, ref[0]))
                results[name][v]["cpu"].append(cpu)
                results[name][v]["wall"].append(wall)

    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"reps": args.reps, "variants": args.variants, "results": results}, f,
                  indent=1)
    summarize(args, wl, results)


def summarize(args, wl, results):
    variants = args.variants
    others = variants[1:]
    rows, logs = [], {v: [] for v in others}
    for name, label, _, _ in wl:
        med = {v: statistics.median(results[name][v]["cpu"]) for v in variants}
        spread = {v: (min(results[name][v]["cpu"]), max(results[name][v]["cpu"]))
                  for v in variants}
        ratio = {v: med[v] / med["plain"] for v in others}
        for v in others:
            logs[v].append(math.log(ratio[v]))
        rows.append({"name": name, "label": label, "median_cpu_s": med, "min_max_cpu_s": spread,
                     "ratio": ratio})
    geo = {v: math.exp(sum(logs[v]) / len(logs[v])) for v in others}
    worst = {v: max(r["ratio"][v] for r in rows) for v in others}
    summary = {"reps": args.reps, "variants": variants, "rows": rows, "geomean": geo,
               "worst": worst, "target_geomean": TARGET_GEOMEAN, "target_worst": TARGET_WORST}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    head = "| workload | " + " | ".join("%s (s)" % v for v in variants) + " | " + \
        " | ".join("%s / plain" % v for v in others) + " |"
    lines = [head, "|" + "---|" * (1 + len(variants) + len(others))]
    for r in rows:
        lines.append("| %s | " % r["label"] + " | ".join(
            "%.3f" % r["median_cpu_s"][v] for v in variants) + " | " + " | ".join(
            "%.3f" % r["ratio"][v] for v in others) + " |")
    lines.append("| **geometric mean** | " + " | ".join("" for _ in variants) + " | " +
                 " | ".join("**%.3f**" % geo[v] for v in others) + " |")
    lines.append("| **worst** | " + " | ".join("" for _ in variants) + " | " +
                 " | ".join("**%.3f**" % worst[v] for v in others) + " |")
    main_v = "gostack" if "gostack" in others else others[0]
    verdict = "met" if geo[main_v] <= TARGET_GEOMEAN and worst[main_v] <= TARGET_WORST \
        else "missed"
    note = ("\nMedian CPU time (user + sys) of %d rounds; the variants alternate within each "
            "round and every output matched plain's. Target for `%s`: geometric mean <= %.2f, "
            "worst <= %.2f: **%s** (%.3f, %.3f).\n" % (args.reps, main_v, TARGET_GEOMEAN,
                                                       TARGET_WORST, verdict, geo[main_v],
                                                       worst[main_v]))
    table = "\n".join(lines) + "\n" + note
    plot = write_plot(args.out, rows, others)
    if plot:
        table += "\n![real programs](img/programs.png)\n"
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(table)
    print(table)


def write_plot(out, rows, others):
    """A bar chart of the ratios to plain, one bar per variant and workload."""
    dat = os.path.join(out, "programs.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(others) + "\n")
        for r in rows:
            f.write(r["name"] + " " + " ".join("%.4f" % r["ratio"][v] for v in others) + "\n")
    if not shutil.which("gnuplot"):
        print("bench/programs: no gnuplot: no plot", file=sys.stderr)
        return False
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs.gp")
    subprocess.run(["gnuplot", "-e", "datafile='%s'; outfile='%s'; ncols=%d" % (
        dat, os.path.join(out, "programs.png"), len(others)), gp], check=True)
    return True


if __name__ == "__main__":
    main()
