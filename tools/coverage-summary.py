#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# coverage-summary.py - line and function coverage per folder from lcov
# tracefiles: the merged report, and beside it what the in-kernel runs
# alone and the host unit tests alone reached (make coverage).
#
# Usage: tools/coverage-summary.py MERGED.info [KERNEL.info HOST.info]
import os
import sys


def read_info(path):
    """{source file: (lines found, lines hit, functions found, functions hit)}"""
    files, name, lines, fns = {}, None, {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                name, lines, fns = line[3:], {}, {}
            elif line.startswith("DA:"):
                no, hits = line[3:].split(",")[:2]
                lines[no] = lines.get(no, 0) + int(hits)
            elif line.startswith("FNDA:"):
                hits, fn = line[5:].split(",", 1)
                fns[fn] = fns.get(fn, 0) + int(hits)
            elif line.startswith("FN:"):
                fns.setdefault(line[3:].split(",", 1)[1], 0)
            elif line == "end_of_record" and name:
                old = files.get(name, ({}, {}))
                for no, h in lines.items():
                    old[0][no] = old[0].get(no, 0) + h
                for fn, h in fns.items():
                    old[1][fn] = old[1].get(fn, 0) + h
                files[name] = old
    return {n: (len(l), sum(1 for h in l.values() if h), len(f), sum(1 for h in f.values() if h))
            for n, (l, f) in files.items()}


def folder(path, top):
    rel = os.path.relpath(path, top)
    return os.path.dirname(rel) or "."


def pct(hit, found):
    return "%5.1f%%" % (100.0 * hit / found) if found else "    - "


def main(argv):
    if len(argv) not in (1, 3):
        print("usage: coverage-summary.py MERGED.info [KERNEL.info HOST.info]", file=sys.stderr)
        return 2
    top = os.getcwd()
    infos = [read_info(p) for p in argv]
    merged = infos[0]
    rows = {}
    for name in merged:
        d = folder(name, top)
        for i, info in enumerate(infos):
            if name in info:
                acc = rows.setdefault(d, [[0, 0, 0, 0] for _ in infos])[i]
                for k in range(4):
                    acc[k] += info[name][k]
            else:
                rows.setdefault(d, [[0, 0, 0, 0] for _ in infos])
    width = max([len(d) for d in rows] + [6])
    head = "%-*s %15s %13s" % (width, "folder", "lines", "functions")
    if len(infos) == 3:
        head += "   %6s  %6s" % ("kernel", "host")
    print(head)
    total = [[0, 0, 0, 0] for _ in infos]
    for d in sorted(rows):
        r = rows[d]
        for i in range(len(infos)):
            for k in range(4):
                total[i][k] += r[i][k]
    for d, r in sorted(rows.items()) + [("total", total)]:
        lf, lh, ff, fh = r[0]
        s = "%-*s %s %5d/%-5d %s %3d/%-3d" % (width, d, pct(lh, lf), lh, lf, pct(fh, ff), fh, ff)
        if len(infos) == 3:
            # Lines of these folders the kernel runs / host tests reached.
            s += "   %s  %s" % (pct(r[1][1], lf), pct(r[2][1], lf))
        print(s)
    if len(infos) == 3:
        print("(kernel, host: the lines that the in-kernel runs alone, and the host unit"
              " tests alone, ran)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
