# SPDX-License-Identifier: MIT
#
# blkfmt.py - the two on-disk formats the host-side block checkers read:
# dm-log-writes logs (Linux's device-mapper target that records every
# write, flush and mark in the order the data reached stable storage),
# and the tags Xenling's ordering tests write into each sector
# (drivers/blk/blk_pattern.h; this is an independent implementation, so
# a bug in the guest's encoder is not mirrored here). Reader and writer
# for both; the writer exists so tools/blk/mklog.py can make test logs.
# Standard library only. Layouts: tools/blk/README.md.

import struct

# --- dm-log-writes -------------------------------------------------------

LOG_MAGIC = 0x6A736677736872
LOG_VERSION = 1

FLUSH = 1 << 0
FUA = 1 << 1
DISCARD = 1 << 2
MARK = 1 << 3
METADATA = 1 << 4
KNOWN_FLAGS = FLUSH | FUA | DISCARD | MARK | METADATA

SUPER = struct.Struct("<QQQI")   # magic, version, nr_entries, sectorsize
ENTRY = struct.Struct("<QQQQ")   # sector, nr_sectors, flags, data_len


class LogError(Exception):
    """The log is not a dm-log-writes log we can read (names what)."""


class Entry:
    """One logged entry, as the log holds it.

    index: its position (0-based); sector and nr_sectors: in units of the
    log's sector size; flags: the LOG_* bits; mark: the mark's text (MARK
    entries); data: the written bytes (writes; b"" otherwise).
    """

    def __init__(self, index, sector, nr_sectors, flags, mark, data):
        self.index = index
        self.sector = sector
        self.nr_sectors = nr_sectors
        self.flags = flags
        self.mark = mark
        self.data = data

    def is_flush(self):
        return bool(self.flags & FLUSH)

    def is_write(self):
        return (self.nr_sectors > 0 and
                not self.flags & (DISCARD | MARK))

    def describe(self):
        if self.flags & MARK:
            return "mark %r" % self.mark
        what = []
        if self.flags & FLUSH:
            what.append("flush")
        if self.flags & FUA:
            what.append("fua")
        if self.flags & DISCARD:
            what.append("discard")
        if self.is_write():
            what.append("write")
        if self.nr_sectors:
            what.append("of %d sectors at %d" % (self.nr_sectors,
                                                 self.sector))
        return " ".join(what) or "empty entry"


def read_log(blob, trailing=False):
    """Parse a whole log held in `blob` (bytes).

    Returns (sectorsize, entries). The super block's nr_entries says how
    many entries were committed; with trailing=True, entries found after
    those (written after the super's last update) are read too, as far as
    they are whole. Raises LogError naming the first thing that is wrong.
    """
    if len(blob) < SUPER.size:
        raise LogError("log is %d bytes: shorter than its super block"
                       % len(blob))
    magic, version, nr_entries, sectorsize = SUPER.unpack_from(blob, 0)
    if magic != LOG_MAGIC:
        raise LogError("super block magic is %#x, not %#x (not a "
                       "dm-log-writes log)" % (magic, LOG_MAGIC))
    if version != LOG_VERSION:
        raise LogError("log version %d, only %d is known"
                       % (version, LOG_VERSION))
    if sectorsize < 512 or sectorsize & (sectorsize - 1):
        raise LogError("log sector size %d is not a power of two >= 512"
                       % sectorsize)
    entries = []
    off = sectorsize
    while len(entries) < nr_entries or trailing:
        idx = len(entries)
        if off + sectorsize > len(blob):
            if idx < nr_entries:
                raise LogError("entry %d of %d starts at byte %d, past the "
                               "end of the log (%d bytes)"
                               % (idx, nr_entries, off, len(blob)))
            break
        sector, nr, flags, data_len = ENTRY.unpack_from(blob, off)
        if idx >= nr_entries and (flags & ~KNOWN_FLAGS or
                                  (flags == 0 and nr == 0)):
            break   # past the committed entries: stale bytes
        if flags & ~KNOWN_FLAGS:
            raise LogError("entry %d has unknown flags %#x"
                           % (idx, flags & ~KNOWN_FLAGS))
        mark = None
        if flags & MARK:
            if data_len > sectorsize - ENTRY.size:
                raise LogError("entry %d: mark of %d bytes does not fit "
                               "its sector" % (idx, data_len))
            raw = blob[off + ENTRY.size:off + ENTRY.size + data_len]
            mark = raw.decode("ascii", "replace")
        elif data_len:
            raise LogError("entry %d carries %d bytes of inline data, "
                           "which only marks have" % (idx, data_len))
        off += sectorsize
        data = b""
        if nr and not flags & (DISCARD | MARK):
            end = off + nr * sectorsize
            if end > len(blob):
                if idx >= nr_entries:
                    break
                raise LogError("entry %d: %d sectors of data run past the "
                               "end of the log" % (idx, nr))
            data = blob[off:end]
            off = end
        entries.append(Entry(idx, sector, nr, flags, mark, data))
    return sectorsize, entries


class LogWriter:
    """Build a dm-log-writes log in memory (for tests)."""

    def __init__(self, sectorsize=512):
        self.sectorsize = sectorsize
        self.body = bytearray()
        self.count = 0

    def _entry(self, sector, nr, flags, data_len=0, extra=b""):
        head = ENTRY.pack(sector, nr, flags, data_len) + extra
        self.body += head.ljust(self.sectorsize, b"\0")
        self.count += 1

    def write(self, sector, data, flags=0):
        assert len(data) % self.sectorsize == 0 and data
        self._entry(sector, len(data) // self.sectorsize, flags)
        self.body += data

    def flush(self):
        self._entry(0, 0, FLUSH)

    def mark(self, text):
        raw = text.encode("ascii")
        self._entry(0, 0, MARK, len(raw), raw)

    def blob(self, committed=None):
        """The log's bytes; `committed` entries in the super (all)."""
        n = self.count if committed is None else committed
        head = SUPER.pack(LOG_MAGIC, LOG_VERSION, n, self.sectorsize)
        return head.ljust(self.sectorsize, b"\0") + bytes(self.body)


# --- Xenling's sector pattern and tags ------------------------------------

SECTOR = 512
TAG_MAGIC = b"XLBLKTAG"
TAG = struct.Struct("<8sQQQQQII")  # magic sector seed epoch seal barriers
                                   # kind zero
TAG_WRITE = 0
TAG_BARRIER = 1
MASK64 = (1 << 64) - 1


def pattern(n, seed):
    """The 512 bytes the pattern puts in sector n."""
    return struct.pack("<Q", (n ^ seed) & MASK64) * 64


class Tag:
    """A decoded tag (the fields of drivers/blk/blk_pattern.h)."""

    def __init__(self, sector, seed, epoch=0, seal=0, barriers=0,
                 kind=TAG_WRITE):
        self.sector = sector
        self.seed = seed
        self.epoch = epoch
        self.seal = seal
        self.barriers = barriers
        self.kind = kind

    def encode(self):
        head = TAG.pack(TAG_MAGIC, self.sector, self.seed, self.epoch,
                        self.seal, self.barriers, self.kind, 0)
        word = struct.pack("<Q", (self.sector ^ self.seed) & MASK64)
        return head + word * ((SECTOR - TAG.size) // 8)


def decode_tag(sector_bytes):
    """Read a tagged sector: a Tag, None if it has no tag, or a string
    saying why the tag is there but the sector is not whole."""
    if sector_bytes[:8] != TAG_MAGIC:
        return None
    _, sector, seed, epoch, seal, barriers, kind, zero = \
        TAG.unpack_from(sector_bytes, 0)
    if kind not in (TAG_WRITE, TAG_BARRIER) or zero:
        return "tag with kind %d and pad %d" % (kind, zero)
    word = struct.pack("<Q", (sector ^ seed) & MASK64)
    if sector_bytes[TAG.size:] != word * ((SECTOR - TAG.size) // 8):
        return "tag for sector %d whose tail is not its pattern (torn)" \
            % sector
    return Tag(sector, seed, epoch, seal, barriers, kind)
