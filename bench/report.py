#!/usr/bin/env python3
"""bench/report.py: puts bench/run's results into docs/benchmarks.md.

Usage: report.py RESULTS_DIR DOC IMG_DIR SECTION...
For each SECTION, RESULTS_DIR/SECTION/table.md replaces what DOC holds between
    <!-- bench:SECTION:begin -->   and   <!-- bench:SECTION:end -->
and RESULTS_DIR/SECTION/*.png are copied to IMG_DIR (the tables link them as img/NAME.png).
RESULTS_DIR/run-info.txt (date, revision, machine, load, durations) goes between the
bench:run-info markers. Everything outside the markers -- the hand-written analysis -- stays.
A section whose markers are missing is an error: the document and the runner must agree."""
import glob
import os
import re
import shutil
import sys


def splice(doc, doc_path, name, body):
    begin, end = "<!-- bench:%s:begin -->" % name, "<!-- bench:%s:end -->" % name
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(doc):
        sys.exit("bench/report.py: %s has no %s ... %s markers" % (doc_path, begin, end))
    return pattern.sub(lambda _: begin + "\n" + body.rstrip("\n") + "\n" + end, doc, count=1)


def main():
    results, doc_path, img = sys.argv[1], sys.argv[2], sys.argv[3]
    sections = sys.argv[4:]
    with open(doc_path) as f:
        doc = f.read()
    os.makedirs(img, exist_ok=True)
    for s in sections:
        table = os.path.join(results, s, "table.md")
        if not os.path.exists(table):
            print("bench/report.py: %s produced no table (%s); its part of %s is unchanged"
                  % (s, table, doc_path), file=sys.stderr)
            continue
        with open(table) as f:
            doc = splice(doc, doc_path, s, f.read())
        for png in glob.glob(os.path.join(results, s, "*.png")):
            shutil.copy(png, os.path.join(img, os.path.basename(png)))
    info = os.path.join(results, "run-info.txt")
    if os.path.exists(info):
        with open(info) as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
        doc = splice(doc, doc_path, "run-info", "\n".join("- " + l for l in lines))
    with open(doc_path, "w") as f:
        f.write(doc)
    print("bench/report.py: updated %s (%s)" % (doc_path, ", ".join(sections)), file=sys.stderr)


if __name__ == "__main__":
    main()
