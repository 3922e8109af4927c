#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# patcheck.py - check a disk image (a host file that backed a guest's
# scratch disk) against Xenling's sector pattern: every 512-byte sector n
# holds the 64-bit little-endian value n XOR seed, 64 times
# (tools/blk/README.md). Reports how many sectors differ and, for the
# first few, what they hold instead (zeros, another sector's pattern, a
# tag of the ordering tests, or something else).
#
# With --epochs BASE:WIDTH:K it checks the crash-consistency area instead:
# epoch e (1..K) wrote sectors BASE + (e-1)*WIDTH .. BASE + e*WIDTH - 1,
# each a whole tag of epoch e; K is the last epoch the guest reported as
# flushed before it was destroyed.
#
# Usage: patcheck.py IMAGE [--seed N] [--first N] [--count N]
#                          [--epochs BASE:WIDTH:K]
# Exit status: 0 all match, 1 some differ, 2 the image cannot be read or
# is shorter than asked. Standard library only.

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blkfmt  # noqa: E402

MAX_REPORTS = 10
CHUNK = 2048  # sectors read at a time


def what_is(raw, n, seed):
    """Say what a sector that is not its pattern holds."""
    if raw == bytes(blkfmt.SECTOR):
        return "zeros"
    word = struct.unpack_from("<Q", raw, 0)[0]
    if raw == struct.pack("<Q", word) * 64:
        return "the pattern of sector %d" % ((word ^ seed) & blkfmt.MASK64)
    tag = blkfmt.decode_tag(raw)
    if isinstance(tag, blkfmt.Tag):
        return "a tag of epoch %d for sector %d" % (tag.epoch, tag.sector)
    if isinstance(tag, str):
        return tag
    diff = sum(1 for i in range(0, blkfmt.SECTOR, 8)
               if raw[i:i + 8] != struct.pack("<Q", (n ^ seed)
                                              & blkfmt.MASK64))
    return "%d of its 64 words wrong" % diff


def sectors(f, first, count):
    """Yield (n, 512 bytes) for sectors first .. first+count-1."""
    f.seek(first * blkfmt.SECTOR)
    n = first
    while n < first + count:
        want = min(CHUNK, first + count - n)
        buf = f.read(want * blkfmt.SECTOR)
        if len(buf) != want * blkfmt.SECTOR:
            raise EOFError("image ends before sector %d"
                           % (n + len(buf) // blkfmt.SECTOR))
        for i in range(want):
            yield n + i, buf[i * blkfmt.SECTOR:(i + 1) * blkfmt.SECTOR]
        n += want


def check_pattern(f, first, count, seed):
    bad = []
    for n, raw in sectors(f, first, count):
        if raw != blkfmt.pattern(n, seed):
            bad.append((n, what_is(raw, n, seed)))
    return bad


def check_epochs(f, base, width, last, seed):
    bad = []
    for n, raw in sectors(f, base, width * last):
        epoch = (n - base) // width + 1
        tag = blkfmt.decode_tag(raw)
        if not isinstance(tag, blkfmt.Tag):
            bad.append((n, "epoch %d's sector holds %s"
                        % (epoch, tag or what_is(raw, n, seed))))
        elif (tag.sector, tag.epoch, tag.seed) != (n, epoch, seed):
            bad.append((n, "epoch %d's sector holds a tag of epoch %d for "
                        "sector %d, seed %#x" % (epoch, tag.epoch,
                                                 tag.sector, tag.seed)))
    return bad


def main():
    ap = argparse.ArgumentParser(
        description="Check a disk image against Xenling's sector pattern.")
    ap.add_argument("image")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=None,
                    help="sectors to check (default: to the end)")
    ap.add_argument("--epochs", default=None, metavar="BASE:WIDTH:K")
    args = ap.parse_args()
    try:
        with open(args.image, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if args.epochs:
                base, width, last = (int(x, 0)
                                     for x in args.epochs.split(":"))
                what = "epochs 1..%d (sectors %d..%d)" % (
                    last, base, base + width * last - 1)
                bad = check_epochs(f, base, width, last, args.seed)
                total = width * last
            else:
                total = args.count
                if total is None:
                    total = size // blkfmt.SECTOR - args.first
                what = "sectors %d..%d" % (args.first,
                                           args.first + total - 1)
                bad = check_pattern(f, args.first, total, args.seed)
    except (OSError, EOFError, ValueError) as e:
        print("patcheck: %s: %s" % (args.image, e))
        return 2
    if total <= 0:
        print("patcheck: %s: nothing to check" % args.image)
        return 2
    for n, why in bad[:MAX_REPORTS]:
        print("patcheck: sector %d: %s" % (n, why))
    if len(bad) > MAX_REPORTS:
        print("patcheck: ... and %d more" % (len(bad) - MAX_REPORTS))
    print("patcheck: %s: %s, seed %#x: %d of %d sectors differ: %s"
          % (args.image, what, args.seed, len(bad), total,
             "FAIL" if bad else "PASS"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
