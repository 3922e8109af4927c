#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench-table.py - the block table of `make bench` from its transcripts.

Reads the "BENCH <who> <workload> <value> <unit>" lines of one or more
tier-2 benchmark transcripts (tools/blk/bench.sh; who is xenling, linux
or dom0, then -disk or -null), and writes to OUTDIR:
  blk-table.txt  the numbers and the ratios Xenling/Linux and
                 Xenling/dom0 (median over the runs, with the range
                 [min-max] when there is more than one run)
  blk-table.csv  every number of every run
  blk-mibs.png, blk-iops.png, blk-ratios.png  charts (gnuplot)
and prints the table. Exit status 1 when a number is missing from a run
(a workload failed), 0 otherwise.

Usage: bench-table.py --out OUTDIR TRANSCRIPT...
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

WORKLOADS = ["seq-read-1M-qd1", "seq-write-1M-qd1", "seq-read-1M-qd8",
             "seq-write-1M-qd8", "rand-read-4K-qd1", "rand-write-4K-qd1",
             "rand-read-4K-qd32"]
BOOT = "create-to-start"
WHO = ["xenling", "linux", "dom0"]
DEVS = ["disk", "null"]
LINE = re.compile(r"^BENCH (\S+) (\S+) ([0-9.]+) (MiB/s|IOPS|s)$")
ERROR = re.compile(r"^BENCH-ERROR (\S+) (\S+) (.*)$")
HOST = re.compile(r"^# bench: host: (.*)$")


def parse(path):
    vals, units, errors, host = {}, {}, [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = LINE.match(line)
            if m:
                key = (m.group(1), m.group(2))
                vals[key] = float(m.group(3))
                units[m.group(2)] = m.group(4)
                continue
            m = ERROR.match(line)
            if m:
                errors.append("%s %s: %s" % m.groups())
            m = HOST.match(line)
            if m:
                host = m.group(1)
    return vals, units, errors, host


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "IOPS":
        return "%.0f" % v
    return "%.2f" % v


def summary(xs, unit=None, ratio=False):
    """Median, and [min-max] over the runs when there are several."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    f = (lambda v: "%.2f" % v) if ratio else (lambda v: fmt(v, unit))
    s = f(statistics.median(xs))
    if len(xs) > 1:
        s += " [%s-%s]" % (f(min(xs)), f(max(xs)))
    return s


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("transcripts", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    runs, units, missing, hosts = [], {w: ("MiB/s" if "-1M-" in w else "IOPS")
                                       for w in WORKLOADS}, [], []
    units[BOOT] = "s"
    for i, path in enumerate(a.transcripts, 1):
        vals, _, errors, host = parse(path)
        runs.append(vals)
        hosts.append("run %d: %s" % (i, host or "not measured"))
        for e in errors:
            missing.append("run %d: %s" % (i, e))
        for who in WHO:
            for dev in DEVS:
                wls = WORKLOADS + ([BOOT] if who != "dom0" else [])
                for w in wls:
                    if ("%s-%s" % (who, dev), w) not in vals:
                        missing.append("run %d: no %s-%s %s" % (i, who, dev, w))

    def get(run, who, dev, w):
        return run.get(("%s-%s" % (who, dev), w))

    out = []
    out.append("Block benchmark: %d run%s (median [min-max] over the runs)"
               % (len(runs), "" if len(runs) == 1 else "s"))
    out.append("")
    for dev, title in (("disk", "on the scratch disk (a host file behind "
                                "QEMU's virtio-blk)"),
                       ("null", "on a dom0 null_blk device")):
        out.append("## " + title)
        hdr = ["workload", "unit", "Xenling", "Linux domU", "dom0",
               "Xenling/Linux", "Xenling/dom0"]
        rows = []
        for w in WORKLOADS + [BOOT]:
            cols = [w, units[w]]
            for who in WHO:
                cols.append("-" if (who == "dom0" and w == BOOT) else
                            summary([get(r, who, dev, w) for r in runs],
                                    units[w]))
            for other in ("linux", "dom0"):
                rs = [ratio(get(r, "xenling", dev, w), get(r, other, dev, w))
                      for r in runs]
                cols.append(summary(rs, ratio=True))
            rows.append(cols)
        widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
        for r in [hdr, ["-" * n for n in widths]] + rows:
            out.append("  ".join(str(x).ljust(n) for x, n in
                                 zip(r, widths)).rstrip())
        out.append("")
    out.append("create-to-start: dom0's clock from `xl create` to Xenling's "
               "first test (\"KTAP version 1\") or Linux's /init's first "
               "line (looked for every 10 ms). For times, a ratio below 1 is "
               "Xenling faster.")
    out.append("")
    out.append("The host during the runs (numbers hold only when it was "
               "quiet):")
    out += ["  " + h for h in hosts]
    if missing:
        out.append("")
        out.append("Missing or failed:")
        out += ["  " + m for m in missing]
    text = "\n".join(out) + "\n"
    with open(os.path.join(a.out, "blk-table.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "blk-table.csv"), "w") as f:
        f.write("run,who,workload,value,unit\n")
        for i, run in enumerate(runs, 1):
            for (who, w), v in sorted(run.items()):
                f.write("%d,%s,%s,%s,%s\n" % (i, who, w, v,
                                              units.get(w, "")))
    charts(a.out, runs, get, units)
    sys.stdout.write(text)
    return 1 if missing else 0


def charts(outdir, runs, get, units):
    """Clustered bars of the medians (gnuplot): MiB/s, IOPS, ratios."""
    def med(who, dev, w):
        xs = [get(r, who, dev, w) for r in runs]
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else 0

    series = [(who, dev) for dev in DEVS for who in WHO]
    sets = {
        "mibs": ([w for w in WORKLOADS if units[w] == "MiB/s"], "MiB/s",
                 series, med),
        "iops": ([w for w in WORKLOADS if units[w] == "IOPS"], "IOPS",
                 series, med),
    }
    for name, (wls, ylabel, ser, fn) in sets.items():
        data = os.path.join(outdir, "blk-%s.dat" % name)
        with open(data, "w") as f:
            f.write("workload " + " ".join("%s-%s" % s for s in ser) + "\n")
            for w in wls:
                f.write(w + " " + " ".join("%g" % fn(who, dev, w)
                                           for who, dev in ser) + "\n")
        plot(outdir, name, data, len(ser), ylabel,
             "Block benchmark (tier 2): Xenling, Linux domU, dom0")
    data = os.path.join(outdir, "blk-ratios.dat")
    with open(data, "w") as f:
        f.write("workload Xenling/Linux(disk) Xenling/dom0(disk) "
                "Xenling/Linux(null) Xenling/dom0(null)\n")
        for w in WORKLOADS:
            rs = []
            for dev in DEVS:
                for other in ("linux", "dom0"):
                    x = [ratio(get(r, "xenling", dev, w), get(r, other, dev, w))
                         for r in runs]
                    x = [v for v in x if v is not None]
                    rs.append(statistics.median(x) if x else 0)
            f.write(w + " " + " ".join("%g" % v for v in rs) + "\n")
    plot(outdir, "ratios", data, 4, "ratio",
         "Block benchmark: Xenling / Linux domU and Xenling / dom0",
         hline=1)


def plot(outdir, name, data, ncols, ylabel, title, hline=None):
    png = os.path.join(outdir, "blk-%s.png" % name)
    cmds = [
        "set terminal pngcairo size 1000,520 noenhanced" if have_cairo()
        else "set terminal png size 1000,520 noenhanced",
        "set output '%s'" % png,
        "set title '%s'" % title,
        "set style data histogram",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set key outside right top vertical",
        "set ylabel '%s'" % ylabel,
        "set yrange [0:*]",
        "set grid ytics",
        "set xtics rotate by -20",
    ]
    if hline is not None:
        cmds.append("set arrow from graph 0, first %g to graph 1, first %g "
                    "nohead dt 2" % (hline, hline))
    cmds.append("plot " + ", ".join(
        "'%s' using %d:xtic(1) title columnheader(%d)" % (data, c, c)
        for c in range(2, ncols + 2)))
    r = subprocess.run(["gnuplot"], input="\n".join(cmds) + "\n", text=True,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        print("bench-table: gnuplot failed for %s: %s" % (png, r.stderr),
              file=sys.stderr)


def have_cairo():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return "pngcairo" in r.stdout


if __name__ == "__main__":
    sys.exit(main())
