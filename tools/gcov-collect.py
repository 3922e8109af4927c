#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# gcov-collect.py - turn the coverage counters a coverage kernel printed at
# the end of a run (kernel/gcov.c; framing in include/gcov.h) back into
# .gcda files, where gcc said they belong, for lcov to read.
#
# Usage: tools/gcov-collect.py [--build DIR] LOG
#   LOG    a console log or tier-2 transcript of a run of build/cov/xenling
#   DIR    the coverage build directory (default build/cov): every .gcda
#          path must lie inside it, next to its .gcno
# One run at a time: tools/coverage.sh captures each run with lcov and
# lets lcov add the runs up. Every line is checked: its CRC-32 and its
# offset, then each file's size and CRC-32; a dump with a missing or
# damaged line is refused with the reason and nothing is written.
# Exit: 0 written, 1 refused, 2 usage.
import argparse
import os
import re
import sys
import zlib

LINE = re.compile(r"gcov-(file|data|done) (\d+) (.*)$")


def decode_payload(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if "g" <= c <= "z":
            out += bytes(ord(c) - ord("g") + 2)
            i += 1
        else:
            out.append(int(text[i:i + 2], 16))
            i += 2
    return bytes(out)


def parse_dump(path):
    """{file number: (gcda path, bytes)} from one log, or raise ValueError."""
    files, done, begun = {}, {}, False
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            if "gcov: dump begin" in line:
                begun = True
            m = LINE.search(line)
            if not m:
                continue
            kind, num, rest = m.group(1), int(m.group(2)), m.group(3).strip()
            if kind == "file":
                files.setdefault(num, [rest, bytearray()])
            elif kind == "data":
                parts = rest.split()
                if len(parts) != 3 or num not in files:
                    raise ValueError("malformed line: %r" % line)
                offset = int(parts[0])
                try:
                    data = decode_payload(parts[1])
                except ValueError:
                    raise ValueError("file %d: line at offset %d: payload is neither hex"
                                     " nor zero-run letters" % (num, offset)) from None
                if "%08x" % zlib.crc32(data) != parts[2]:
                    raise ValueError("file %d: line at offset %d fails its CRC" % (num, offset))
                buf = files[num][1]
                if offset < len(buf):
                    # The same line again (a tier-2 transcript has two consoles).
                    if buf[offset:offset + len(data)] != data:
                        raise ValueError("file %d: two different lines at offset %d" % (num, offset))
                    continue
                if offset != len(buf):
                    raise ValueError("file %d: bytes %d..%d missing" % (num, len(buf), offset))
                buf += data
            else:
                size, crc = rest.split()
                done[num] = (int(size), crc)
    if not begun:
        raise ValueError("no gcov dump (was this a coverage kernel?)")
    result = {}
    for num, (name, buf) in sorted(files.items()):
        if num not in done:
            raise ValueError("file %d (%s): no gcov-done line: the dump was cut" % (num, name))
        size, crc = done[num]
        if size != len(buf) or "%08x" % zlib.crc32(bytes(buf)) != crc:
            raise ValueError("file %d (%s): %d bytes received, %d sent, or CRC differs"
                             % (num, name, len(buf), size))
        result[num] = (name, bytes(buf))
    return result


def main(argv):
    ap = argparse.ArgumentParser(description="write .gcda files from a coverage-kernel log")
    ap.add_argument("--build", default="build/cov")
    ap.add_argument("log")
    args = ap.parse_args(argv)
    build = os.path.realpath(args.build)
    try:
        dump = parse_dump(args.log)
    except (OSError, ValueError) as e:
        print("gcov-collect: %s: refused: %s" % (args.log, e))
        return 1
    for name, _ in dump.values():
        real = os.path.realpath(name)
        if not real.startswith(build + os.sep) or not real.endswith(".gcda"):
            print("gcov-collect: %s: refused %s: not a .gcda under %s" % (args.log, name, build))
            return 1
    for name, data in dump.values():
        with open(name, "wb") as f:
            f.write(data)
    print("gcov-collect: %s: %d .gcda files, %d bytes" %
          (args.log, len(dump), sum(len(d) for _, d in dump.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
