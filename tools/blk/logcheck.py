#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# logcheck.py - prove from a dm-log-writes log that a guest's flushes and
# barriers kept their promises. dm-log-writes (in dom0, between blkback
# and the scratch disk) logs a write only once a flush has made it
# durable, in the order the writes completed, and logs each flush after
# the writes it made durable. Xenling's ordering tests tag every sector
# they write (tools/blk/README.md); from the tags this checks:
#
#   flush rule    a write whose tag says it is sealed by the disk's flush
#                 s (the guest issued flush s after the write completed)
#                 is logged before the log's s-th flush, and after flush
#                 s - 1 (issued before the write: else the guest's flush
#                 numbering and the log's disagree). So every write of
#                 epochs <= k comes before the k-th epoch's flush.
#   barrier rule  barrier j's data (a tag of kind barrier) is logged
#                 after every write issued before it (tag barriers < j)
#                 and before every write issued after it (barriers >= j).
#   each tagged sector is whole, and lies where its tag says (sector).
#
# Usage: logcheck.py LOG [--seed N] [--trailing] [--quiet]
# Exit status: 0 all rules hold, 1 a rule is broken (each broken case is
# printed), 2 the log cannot be read. Standard library only.

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blkfmt  # noqa: E402

MAX_REPORTS = 20


class Write:
    """One tagged 512-byte sector as logged: its position in the log
    (entry index; a flush logged by the same entry counts as before it)
    and its tag."""

    def __init__(self, pos, where, tag):
        self.pos = pos
        self.where = where
        self.tag = tag

    def name(self):
        t = self.tag
        kind = "barrier %d's data" % (t.barriers + 1) \
            if t.kind == blkfmt.TAG_BARRIER else "write"
        return "%s of sector %d (epoch %d, log entry %d)" % (
            kind, self.where, t.epoch, self.pos)


def collect(entries, sectorsize, seed, problems):
    """Walk the log: the positions of its flushes, and every tagged
    sector. Untagged sectors are counted and otherwise ignored."""
    flushes = []
    writes = []
    untagged = 0
    per = sectorsize // blkfmt.SECTOR
    for e in entries:
        if e.is_flush():
            # A flush entry with data made earlier writes durable first.
            flushes.append(e.index)
        if not e.is_write():
            continue
        for i in range(e.nr_sectors * per):
            where = e.sector * per + i
            raw = e.data[i * blkfmt.SECTOR:(i + 1) * blkfmt.SECTOR]
            tag = blkfmt.decode_tag(raw)
            if tag is None:
                untagged += 1
            elif isinstance(tag, str):
                problems.append("log entry %d, sector %d: %s"
                                % (e.index, where, tag))
            elif tag.sector != where:
                problems.append("log entry %d: sector %d holds the tag of "
                                "sector %d (misdirected write)"
                                % (e.index, where, tag.sector))
            elif seed is not None and tag.seed != seed:
                problems.append("log entry %d, sector %d: seed %#x, "
                                "expected %#x" % (e.index, where, tag.seed,
                                                  seed))
            else:
                writes.append(Write(e.index + 0.5 if e.is_flush()
                                    else e.index, where, tag))
    return flushes, writes, untagged


def check_flushes(flushes, writes, problems):
    """The flush rule; returns the epochs seen, {epoch: (count, seal)}."""
    epochs = {}
    for w in writes:
        s = w.tag.seal
        if w.tag.epoch:
            n, seals = epochs.get(w.tag.epoch, (0, set()))
            seals.add(s)
            epochs[w.tag.epoch] = (n + 1, seals)
        if s == 0:
            continue
        if s > len(flushes):
            problems.append("%s is sealed by flush %d, but the log has "
                            "only %d flushes" % (w.name(), s, len(flushes)))
            continue
        if w.pos >= flushes[s - 1]:
            problems.append("%s is logged after flush %d (entry %d) that "
                            "should have made it durable"
                            % (w.name(), s, flushes[s - 1]))
        if s >= 2 and w.pos <= flushes[s - 2]:
            problems.append("%s is logged before flush %d (entry %d), which "
                            "the guest issued before the write"
                            % (w.name(), s - 1, flushes[s - 2]))
    return epochs


def check_barriers(writes, problems):
    """The barrier rule; returns the barrier numbers seen."""
    barriers = {}
    for w in writes:
        if w.tag.kind == blkfmt.TAG_BARRIER:
            j = w.tag.barriers + 1
            barriers.setdefault(j, []).append(w)
    for j, data in sorted(barriers.items()):
        first = min(d.pos for d in data)
        last = max(d.pos for d in data)
        for w in writes:
            if w.tag.kind != blkfmt.TAG_WRITE:
                continue
            if w.tag.barriers < j and w.pos > first:
                problems.append("%s was issued before barrier %d but is "
                                "logged after its data (entry %d)"
                                % (w.name(), j, first))
            elif w.tag.barriers >= j and w.pos < last:
                problems.append("%s was issued after barrier %d but is "
                                "logged before its data (entry %d)"
                                % (w.name(), j, last))
    # A write issued after a barrier that never reached the log.
    top = max((w.tag.barriers for w in writes), default=0)
    for j in range(1, top + 1):
        if j not in barriers:
            problems.append("writes were issued after barrier %d, whose "
                            "data is not in the log" % j)
    return sorted(barriers)


def main():
    ap = argparse.ArgumentParser(
        description="Check a dm-log-writes log of Xenling's ordering tests.")
    ap.add_argument("log")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None,
                    help="the seed every tag must carry (blkseed=)")
    ap.add_argument("--trailing", action="store_true",
                    help="also read entries past the super block's count")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        with open(args.log, "rb") as f:
            blob = f.read()
        sectorsize, entries = blkfmt.read_log(blob, args.trailing)
    except (OSError, blkfmt.LogError) as e:
        print("logcheck: %s: %s" % (args.log, e))
        return 2
    problems = []
    flushes, writes, untagged = collect(entries, sectorsize, args.seed,
                                        problems)
    epochs = check_flushes(flushes, writes, problems)
    barriers = check_barriers(writes, problems)
    marks = [e.mark for e in entries if e.flags & blkfmt.MARK]
    if not args.quiet:
        for k in sorted(epochs):
            n, seals = epochs[k]
            print("logcheck: epoch %d: %d tagged sectors, sealed by flush %s"
                  % (k, n, "/".join(str(s) for s in sorted(seals))))
    print("logcheck: %s: %d entries (%d flushes, %d marks), %d tagged "
          "sectors in %d epochs, %d barriers, %d untagged sectors"
          % (args.log, len(entries), len(flushes), len(marks), len(writes),
             len(epochs), len(barriers), untagged))
    for p in problems[:MAX_REPORTS]:
        print("logcheck: FAIL: " + p)
    if len(problems) > MAX_REPORTS:
        print("logcheck: ... and %d more" % (len(problems) - MAX_REPORTS))
    if not writes:
        print("logcheck: FAIL: no tagged writes in the log: nothing proven")
        return 1
    print("logcheck: %s" % ("FAIL" if problems else "PASS"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
