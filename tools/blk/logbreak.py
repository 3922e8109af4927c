#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# logbreak.py - break a real dm-log-writes log on purpose, to show that
# tools/blk/logcheck.py notices: move one logged write of a flush epoch to
# just after the flush that sealed it (as if the guest had flushed before
# the write completed), or one write issued after a barrier to just
# before the barrier's data (as if it had overtaken the barrier).
#
# Usage: logbreak.py IN OUT --flush | --barrier
# Exit status: 0 written, 1 nothing in the log to break that way, 2 the
# log cannot be read.

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blkfmt  # noqa: E402


def first_tag(entry, per):
    """The first tag in a write entry, or None."""
    for i in range(entry.nr_sectors * per):
        tag = blkfmt.decode_tag(entry.data[i * blkfmt.SECTOR:
                                           (i + 1) * blkfmt.SECTOR])
        if isinstance(tag, blkfmt.Tag):
            return tag
    return None


def break_flush(entries, per):
    """Move the first sealed write to just after its sealing flush."""
    flushes = [k for k, e in enumerate(entries) if e.is_flush()]
    for k, e in enumerate(entries):
        tag = first_tag(e, per) if e.is_write() else None
        if tag and tag.seal and tag.seal <= len(flushes):
            at = flushes[tag.seal - 1]
            moved = entries[:k] + entries[k + 1:at + 1] + [e] + \
                entries[at + 1:]
            return moved, "write of epoch %d (entry %d) moved after flush %d" \
                % (tag.epoch, k, tag.seal)
    return None, None


def break_barrier(entries, per):
    """Move the first write issued after a barrier to before its data."""
    data = {}
    for k, e in enumerate(entries):
        tag = first_tag(e, per) if e.is_write() else None
        if tag and tag.kind == blkfmt.TAG_BARRIER:
            data.setdefault(tag.barriers + 1, k)
    for k, e in enumerate(entries):
        tag = first_tag(e, per) if e.is_write() else None
        if tag and tag.kind == blkfmt.TAG_WRITE and tag.barriers >= 1 and \
                tag.barriers in data and data[tag.barriers] < k:
            at = data[tag.barriers]
            moved = entries[:at] + [e] + entries[at:k] + entries[k + 1:]
            return moved, "write issued after barrier %d (entry %d) moved " \
                "before its data" % (tag.barriers, k)
    return None, None


def main():
    ap = argparse.ArgumentParser(
        description="Break a dm-log-writes log's ordering on purpose.")
    ap.add_argument("inp")
    ap.add_argument("out")
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--flush", action="store_true")
    how.add_argument("--barrier", action="store_true")
    args = ap.parse_args()
    try:
        with open(args.inp, "rb") as f:
            sectorsize, entries = blkfmt.read_log(f.read())
    except (OSError, blkfmt.LogError) as e:
        print("logbreak: %s: %s" % (args.inp, e))
        return 2
    per = sectorsize // blkfmt.SECTOR
    fn = break_flush if args.flush else break_barrier
    moved, what = fn(entries, per)
    if moved is None:
        print("logbreak: %s: nothing to break that way" % args.inp)
        return 1
    log = blkfmt.LogWriter(sectorsize)
    for e in moved:
        if e.flags & blkfmt.MARK:
            log.mark(e.mark)
        elif e.is_write():
            log.write(e.sector, e.data, e.flags)
        else:
            log._entry(e.sector, e.nr_sectors, e.flags)
    with open(args.out, "wb") as f:
        f.write(log.blob())
    print("logbreak: %s: %s" % (args.out, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
