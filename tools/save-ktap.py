#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# save-ktap.py - keep a run's KTAP for standard TAP tools: the lines from
# "KTAP version 1" to the last test result, exactly as Xenling printed
# them, with only what the transport added taken off (Xen's "(XEN) " and
# "(dN) " prefixes and timestamps; Xen's own lines). Every tier runner
# calls it; docs/ch0-getting-started.md shows `prove` reading the result.
#
# Usage: tools/save-ktap.py LOG [OUT]   (OUT: build/logs/<LOG's name>.ktap)
# LOG is a console log of tools/run-qemu.sh or run-tier1.sh, or a tier-2
# transcript (its PV console section, else its port-0xE9 section). A log
# without KTAP is not an error here: the run's verdict says what failed.
import os
import re
import sys

# Xen's serial: "(XEN) " and/or "[  1.234567] " before a guest's "(dN) ".
XEN_LINE = re.compile(r"^\(XEN\) ")
GUEST_LINE = re.compile(r"^(?:\(XEN\) )?(?:\[[ 0-9.]+\] )?\(d[0-9]+\) (?:\[[ 0-9.]+\] )?(.*)$")
RESULT = re.compile(r"^(?:not )?ok [0-9]+ ")


def guest_lines(path):
    """The lines Xenling wrote, in order, without what Xen or the tier added."""
    with open(path, errors="replace") as f:
        raw = [line.rstrip("\r\n").rstrip("\r") for line in f]
    if raw and raw[0].startswith("# Xenling tier-2 transcript"):
        sections, name = {}, None
        for line in raw[1:]:
            m = re.match(r"^# --- guest (port 0xE9|PV console) ", line)
            if m:
                name = m.group(1)
                sections[name] = []
            elif line.startswith("# --- domain ended"):
                name = None
            elif name:
                sections[name].append(line)
        pv = sections.get("PV console", [])
        return pv if "KTAP version 1" in pv else sections.get("port 0xE9", [])
    out = []
    for line in raw:
        m = GUEST_LINE.match(line)
        if m:
            out.append(m.group(1))
        elif not XEN_LINE.match(line):
            out.append(line)
    return out


def ktap(log, out=None):
    lines = guest_lines(log)
    try:
        start = lines.index("KTAP version 1")
    except ValueError:
        print("ktap: no KTAP in %s" % log)
        return 0
    end = len(lines)
    for i in range(len(lines) - 1, start, -1):
        if RESULT.match(lines[i]):
            end = i + 1
            break
    if out is None:
        name = os.path.splitext(os.path.basename(log))[0]
        out = os.path.join("build", "logs", name + ".ktap")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(lines[start:end]) + "\n")
    print("ktap: %s (%d lines)" % (out, end - start))
    return 0


def main(argv):
    if len(argv) not in (1, 2):
        print("usage: save-ktap.py LOG [OUT]", file=sys.stderr)
        return 2
    return ktap(*argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
