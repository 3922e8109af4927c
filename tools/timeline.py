#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# timeline.py - the picture of a boot (build/boot-timeline.png), drawn with
# gnuplot from a tier runner's console log. Every time is in seconds of
# Xen system time (since Xen booted):
#   - Xenling's own stamps, "timeline: START END cpuN KIND LABEL"
#     (include/timeline.h), taken with the PV clock;
#   - Xen's console timestamps (console_timestamps=boot) for Xen's stages;
#   - tier 2 only: the runner's host-clock times of the dom0 stages
#     (--times), put on Xen's clock by the smallest observed gap between
#     a Xen-stamped line's stamp and the moment the runner read it.
# Usage: tools/timeline.py LOG [--times FILE] [-o PNG] [--title TEXT]
# Prints one summary line; exit 0, or 1 if LOG has no Xenling stamps.
import argparse
import os
import re
import subprocess
import sys
import tempfile

STAMP = re.compile(r"timeline: (\d+\.\d+) (\d+\.\d+) cpu(\d+) (\S+) ?(.*)$")
XEN_STAMP = re.compile(r"^\(XEN\) \[ *(\d+\.\d+)\] (.*)$")


def read_log(path):
    stamps, xen, seen = [], {}, set()
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = STAMP.search(line)
            if m:
                key = m.groups()
                if key not in seen:  # tier 2: a stamp reaches two consoles
                    seen.add(key)
                    stamps.append((float(m.group(1)), float(m.group(2)), int(m.group(3)),
                                   m.group(4), m.group(5).strip()))
                continue
            m = XEN_STAMP.match(line)
            if m:
                t, text = float(m.group(1)), m.group(2)
                for key, pattern in (("dom0 build", "*** Building a P"),
                                     ("xen up", "*** Serial input to DOM0"),
                                     ("domain build", "HVM d1v0 save"),
                                     ("xen end", "Hardware Dom0 shutdown")):
                    if pattern in text and key not in xen:
                        xen[key] = t
                xen.setdefault("xen first", t)
    return stamps, xen


def read_times(path):
    """Host-clock stage times mapped to Xen time, from the tier-2 runner."""
    stages, offset = {}, None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[0] == "anchor" and len(parts) == 3:
                gap = int(parts[1]) / 1e6 - float(parts[2])
                offset = gap if offset is None else min(offset, gap)
            elif parts[0] == "stage" and len(parts) == 3:
                stages[parts[1]] = int(parts[2]) / 1e6
    if offset is None:
        return {}
    return {k: v - offset for k, v in stages.items()}


def short(label):
    """'evtchn_init(boot_info.cmdline)' -> 'evtchn_init'."""
    return label.split("(")[0] if "(" in label else label


def fmt(sec):
    if sec < 0.01:
        return "%.1f ms" % (sec * 1000)
    return "%.0f ms" % (sec * 1000) if sec < 1 else "%.2f s" % sec


def build_panels(stamps, xen, host):
    """[(title, rows)], rows a list of (label, start, end, colour)."""
    steps = [s for s in stamps if s[3] == "step"]
    suites = [s for s in stamps if s[3] == "suite"]
    ups = [s for s in stamps if s[3] == "cpu-up"]
    exits = [s for s in stamps if s[3] == "exit"]
    k_start = steps[0][0] if steps else stamps[0][0]
    k_end = exits[0][0] if exits else stamps[-1][1]
    over = []
    xen_up = xen.get("xen up")
    if xen_up is not None:
        over.append(("Xen boots (to dom0 hand-over)", 0.0, xen_up, "#4e79a7"))
    if host:
        order = [("dom0", "Linux dom0 kernel", "init"),
                 ("init", "dom0 /init: modules, xenfs", "toolstack"),
                 ("toolstack", "xenstored, xenconsoled up", "create"),
                 ("create", "xl create (domain build)", None)]
        for key, label, nxt in order:
            if key in host:
                end = host.get(nxt) if nxt else k_start
                if end is not None and end > host[key]:
                    over.append((label, host[key], end, "#f28e2b"))
    elif xen_up is not None and steps:
        over.append(("Xen builds and starts dom0", xen_up, k_start, "#f28e2b"))
    if steps:
        over.append(("Xenling boot (kernel_main)", k_start, steps[-1][1], "#59a14f"))
    if suites:
        over.append(("Xenling self-tests", suites[0][0], k_end, "#e15759"))
    end = host.get("ended") if host else None
    if end is None:
        end = xen.get("xen end")
    if end is not None and end > k_end:
        over.append(("shutdown" + (", domain destroyed" if host else ""), k_end, end, "#79706e"))

    boot = [(short(s[4]), s[0], s[1], "#59a14f") for s in steps]
    boot += [("vCPU %d up" % s[2], s[0], s[0], "#b07aa1") for s in ups]
    tests = []
    for i, s in enumerate(suites):
        stop = suites[i + 1][0] if i + 1 < len(suites) else k_end
        tests.append(("tests: %s" % s[4], s[0], stop, "#e15759"))
    tests += [("verdict: %s" % s[4], s[0], s[0], "#79706e") for s in exits]
    panels = [("The whole run", over),
              ("Xenling's boot: each kernel_main step (PV clock stamps), each vCPU", boot),
              ("Xenling's self-tests, by suite", tests)]
    return [(t, r) for t, r in panels if r]


def gnuplot(panels, png, title):
    n_rows = sum(len(r) for _, r in panels)
    unit = 1.0 / (n_rows + 6.0 * len(panels))
    height = int(60 + 22 * n_rows + 120 * len(panels))
    script = ["set terminal pngcairo size 1400,%d font 'Sans,9' noenhanced" % height,
              "set output '%s'" % png,
              "set multiplot title '%s' font 'Sans,12'" % title.replace("'", ""),
              "set style fill solid 0.85 border -1",
              "set grid xtics lc rgb '#dddddd'",
              "set key off", "set yrange [*:*] reverse", "set ytics nomirror",
              "set xlabel 'seconds since Xen booted (Xen system time)'"]
    with tempfile.TemporaryDirectory() as tmp:
        origin = 1.0 - 0.5 * unit
        for k, (ptitle, rows) in enumerate(panels):
            path = os.path.join(tmp, "panel%d" % k)
            with open(path, "w") as f:
                for i, (label, a, b, colour) in enumerate(rows):
                    f.write('%d "%s" %.6f %.6f 0x%s "%s"\n'
                            % (i, label.replace('"', "'"), a, b, colour[1:], fmt(b - a)))
            lo = 0.0 if k == 0 else min(r[1] for r in rows)
            hi = max(r[2] for r in rows)
            pad = (hi - lo) * 0.01 or 0.001
            size = unit * (len(rows) + 5.5)
            origin -= size
            script += ['set title "%s"' % ptitle.replace('"', "'"),
                       "set size 1,%f" % size, "set origin 0,%f" % max(origin, 0.0),
                       "set xrange [%f:%f]" % (max(lo - pad, 0.0), hi + 10 * pad),
                       "plot '%s' using (($3+$4)/2):1:3:4:($1-0.35):($1+0.35):5:ytic(2) "
                       "with boxxyerror lc rgb variable, "
                       "'' using ($3 == $4 ? $3 : NaN):1:5 with points pt 7 ps 1.2 lc rgb variable, "
                       "'' using 4:1:(' '.strcol(6)) with labels left" % path]
        script.append("unset multiplot")
        res = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True,
                             capture_output=True)
    if res.returncode != 0:
        print("timeline: gnuplot failed: %s" % res.stderr.strip()[:400])
        return False
    return True


def main(argv):
    ap = argparse.ArgumentParser(description="draw the boot timeline of a run")
    ap.add_argument("log")
    ap.add_argument("--times")
    ap.add_argument("-o", "--output", default="build/boot-timeline.png")
    ap.add_argument("--title", default="")
    args = ap.parse_args(argv)
    stamps, xen = read_log(args.log)
    if not stamps:
        print("timeline: no Xenling stamps in %s (plain QEMU has no PV clock)" % args.log)
        return 1
    host = read_times(args.times) if args.times else {}
    panels = build_panels(stamps, xen, host)
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    # The picture's numbers, also as text next to it.
    with open(os.path.splitext(args.output)[0] + ".txt", "w") as f:
        for ptitle, rows in panels:
            f.write("# %s\n" % ptitle)
            for label, a, b, _ in rows:
                f.write("%10.6f %10.6f %10s  %s\n" % (a, b, fmt(b - a), label))
    if not gnuplot(panels, args.output, args.title or "Boot of %s" % os.path.basename(args.log)):
        return 1
    print("timeline: %s: %s" % (args.output, ", ".join(
        "%s %s" % (label.split(" (")[0], fmt(b - a)) for label, a, b, _ in panels[0][1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
