#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# mklog.py - make a dm-log-writes log of what Xenling's ordering tests
# do, to test tools/blk/logcheck.py: a guest writing tagged epochs, each
# sealed by a flush, then barriers with writes before and after each,
# then untagged pattern writes. dm-log-writes is modelled as it behaves
# (a completed write waits in a list; a flush logs the list, in
# completion order, then itself; removing the target logs what is left
# and an end mark), and the guest's writes complete in a shuffled order.
# --break makes the guest break one promise on purpose, so the checker
# must fail:
#   flush-early     an epoch's write completes only after its flush
#   barrier-after   a write issued after a barrier completes before it
#   barrier-before  a write issued before a barrier completes after it
#   torn            a tagged sector whose tail is another write's
#   misdirect       a tag lands on another sector
#
# Usage: mklog.py OUT [--epochs N] [--barriers N] [--seed N]
#                     [--sector-size N] [--break KIND] [--rng N]

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blkfmt  # noqa: E402

BREAKS = ("none", "flush-early", "barrier-after", "barrier-before", "torn",
          "misdirect")


class DmLogWrites:
    """dm-log-writes' ordering, over a LogWriter."""

    def __init__(self, log):
        self.log = log
        self.unflushed = []

    def completed(self, sector, data):
        self.unflushed.append((sector, data))

    def flush(self):
        for sector, data in self.unflushed:
            self.log.write(sector, data)
        self.unflushed = []
        self.log.flush()

    def remove(self):
        for sector, data in self.unflushed:
            self.log.write(sector, data)
        self.unflushed = []
        self.log.mark("dm-log-writes-end")


class Guest:
    """The guest's side: tagged writes of a few sectors each, counting
    its flushes and barriers as the driver does."""

    def __init__(self, dm, seed, per, rng):
        self.dm = dm
        self.seed = seed
        self.per = per          # 512-byte sectors per log sector
        self.rng = rng
        self.flushes = 0
        self.barriers = 0
        self.next_sector = 64 * per

    def tagged(self, epoch, seal, kind=blkfmt.TAG_WRITE, count=None):
        """A write of `count` log sectors of tags: (sector, bytes)."""
        count = count or self.rng.randint(1, 4)
        n = self.next_sector
        self.next_sector += count * self.per
        data = b"".join(
            blkfmt.Tag(n + i, self.seed, epoch, seal, self.barriers,
                       kind).encode()
            for i in range(count * self.per))
        return n // self.per, data

    def complete_all(self, writes):
        order = list(writes)
        self.rng.shuffle(order)
        for w in order:
            self.dm.completed(*w)

    def flush(self):
        self.dm.flush()
        self.flushes += 1


def make(args):
    log = blkfmt.LogWriter(args.sector_size)
    dm = DmLogWrites(log)
    rng = random.Random(args.rng)
    g = Guest(dm, args.seed, args.sector_size // blkfmt.SECTOR, rng)
    log.mark("xenling-start")
    late = None
    for epoch in range(1, args.epochs + 1):
        writes = [g.tagged(epoch, g.flushes + 1) for _ in range(5)]
        if args.brk == "flush-early" and epoch == 2:
            late = writes.pop()     # still in flight at the flush
        g.complete_all(writes)
        g.flush()
        if late:
            dm.completed(*late)
            late = None
    for _ in range(args.barriers):
        before = [g.tagged(0, 0) for _ in range(3)]
        if args.brk == "barrier-before" and g.barriers == 1:
            late = before.pop()
        g.complete_all(before)
        # DRAIN, then the backend's barrier: its preflush, then the data.
        g.flush()
        data = g.tagged(0, 0, blkfmt.TAG_BARRIER, 2)
        g.barriers += 1
        after = [g.tagged(0, 0) for _ in range(3)]
        if args.brk == "barrier-after" and g.barriers == 2:
            dm.completed(*after.pop())   # overtook the barrier
        dm.completed(*data)
        if late:
            dm.completed(*late)
            late = None
        g.flush()                        # the FLUSH after the data
        g.complete_all(after)
    # The whole-disk pattern, untagged.
    for n in range(0, 64 * g.per, 8):
        dm.completed(n // g.per,
                     b"".join(blkfmt.pattern(n + i, args.seed)
                              for i in range(8)))
    g.flush()
    dm.remove()
    blob = bytearray(log.blob())
    if args.brk in ("torn", "misdirect"):
        spoil(blob, args)
    return bytes(blob)


def spoil(blob, args):
    """Damage the first tagged sector of the log in place."""
    at = blob.find(blkfmt.TAG_MAGIC)
    if args.brk == "torn":
        blob[at + 300:at + 308] = b"\xff" * 8
    else:
        tag = blkfmt.decode_tag(bytes(blob[at:at + blkfmt.SECTOR]))
        tag.sector += 1
        blob[at:at + blkfmt.SECTOR] = tag.encode()


def main():
    ap = argparse.ArgumentParser(
        description="Make a dm-log-writes log for testing logcheck.py.")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--barriers", type=int, default=3)
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--sector-size", type=int, default=512)
    ap.add_argument("--break", dest="brk", choices=BREAKS, default="none")
    ap.add_argument("--rng", type=int, default=1)
    args = ap.parse_args()
    blob = make(args)
    with open(args.out, "wb") as f:
        f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
