#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# mkseeds.py - write the hand-made seed inputs of tests/fuzz/corpus/: one
# well-formed example (and a few edge cases) per harness, in the input
# layout each harness's comment describes. The fuzzer's own finds, once
# minimized with `tools/run-fuzz.sh --merge`, live beside these.
#
# Usage: tests/fuzz/mkseeds.py   (rewrites the seed-*.bin files)
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = 0x100000  # FUZZ_LOADER_BASE in fuzz_loader.h
PVH_MAGIC = 0x336EC578


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name + ".bin"), "wb") as f:
        f.write(data)


def pvh(version, cmdline, modules, memmap, change_after=0):
    """A start info at BASE, then the strings, module list and map."""
    head = 56
    blob = b""

    def place(b):
        nonlocal blob
        at = BASE + head + len(blob)
        blob += b
        return at

    cmd_at = place(cmdline + b"\0") if cmdline is not None else 0
    mods = b""
    for paddr, size, mcmd in modules:
        mc = place(mcmd + b"\0") if mcmd else 0
        mods += struct.pack("<QQQQ", paddr, size, mc, 0)
    mod_at = place(mods) if modules else 0
    mm = b"".join(struct.pack("<QQII", a, s, t, 0) for a, s, t in memmap)
    mm_at = place(mm) if memmap else 0
    si = struct.pack("<IIIIQQQQII", PVH_MAGIC, version, 0, len(modules),
                     mod_at, cmd_at, 0xE0000, mm_at, len(memmap), 0)
    return bytes([change_after]) + si + blob


def mb2(tags, change_after=0):
    body = b""
    for t, payload in tags:
        tag = struct.pack("<II", t, 8 + len(payload)) + payload
        tag += b"\0" * (-len(tag) % 8)
        body += tag
    body += struct.pack("<II", 0, 8)
    return bytes([change_after]) + struct.pack("<II", 8 + len(body), 0) + body


def main():
    ram = [(0, 0x9F000, 1), (0x100000, 0x7F00000, 1), (0xFEE00000, 0x1000, 2)]
    write("bootinfo_pvh", "v0", pvh(0, b"console=hvc tests=all", [], []))
    write("bootinfo_pvh", "v1", pvh(1, b"tests=timer.*", [
        (0x2000000, 0x1000, b"initrd"), (0x3000000, 0x200, None)], ram))
    write("bootinfo_pvh", "v1-changing",
          pvh(1, b"x", [(0x2000000, 0x1000, b"m")], ram, change_after=2))

    mmap = struct.pack("<II", 24, 0) + b"".join(
        struct.pack("<QQII", a, s, t, 0) for a, s, t in ram)
    write("bootinfo_mb2", "grub", mb2([
        (1, b"tests=all\0"),
        (3, struct.pack("<II", 0x2000000, 0x2001000) + b"initrd\0"),
        (6, mmap),
        (14, b"RSD PTR " + bytes(12)),
    ]))
    write("bootinfo_mb2", "changing", mb2([(1, b"a\0"), (6, mmap)], 3))

    write("bootinfo_e820", "three",
          b"".join(struct.pack("<QQI", a, s, t) for a, s, t in ram))

    # byte_ring: log2 size, out index, in index, then steps (byte_ring.c).
    ring = bytes([11]) + struct.pack("<II", 0xFFFFFFF0, 0x7FFFFFFF)
    ring += bytes([4]) + struct.pack("<H", 100)        # guest writes 100
    ring += bytes([2]) + struct.pack("<H", 60)         # backend takes 60
    ring += bytes([3, 5]) + b"hello"                   # backend sends 5
    ring += bytes([5]) + struct.pack("<H", 3)          # guest reads 3
    ring += bytes([0]) + struct.pack("<I", 0x12345678)  # bogus out_cons
    ring += bytes([4]) + struct.pack("<H", 10)
    write("byte_ring", "steps", ring)

    # evtchn_2l_scan: nwords, resume word, bit, scan sel, Xen sel, words.
    s = bytes([2, 1, 5]) + struct.pack("<QQ", 0, 0b11)
    s += struct.pack("<QQQ", 0b1010, 0b10, ~0 & (2**64 - 1))
    s += struct.pack("<QQQ", 1 << 63, 0, ~0 & (2**64 - 1))
    s += struct.pack("<HHH", 0, (70 << 1) | 1, 0)
    write("evtchn_2l_scan", "two-words", s)

    # evtchn_fifo: nports, READY, HEADs, words (length byte + word), ops.
    f = struct.pack("<HI", 64, 1 << 7) + struct.pack("<16H", *(
        [0] * 7 + [5] + [0] * 8))
    words = {5: (1 << 31) | (1 << 30) | 6, 6: (1 << 31) | (1 << 30)}
    for p in range(7):
        f += bytes([1]) + struct.pack("<I", words.get(p, 0))
    f += bytes([0])
    f += bytes([0]) + struct.pack("<H", 0) + bytes([4]) + struct.pack(
        "<H", 5) + bytes([0]) + struct.pack("<H", 0)
    write("evtchn_fifo", "chain", f)

    # gnt_entries: capacity, then (entry, op, operands) steps.
    g = struct.pack("<H", 64)
    g += bytes([0, 0]) + struct.pack("<H", 16)        # grow to 16 refs
    g += bytes([0, 1]) + bytes([0, 1])                # get, get
    g += bytes([2, 4]) + struct.pack("<H", 1) + struct.pack(
        "<IB", 0x1234, 0) + bytes([1])                 # grant entry 2
    g += bytes([2, 5]) + struct.pack("<H", 0x11)      # Xen: reading
    g += bytes([2, 6]) + bytes([2, 5]) + struct.pack("<H", 1) + bytes([2, 6])
    g += bytes([0, 3]) + struct.pack("<H", 8)         # put back ref 8
    write("gnt_entries", "life", g)

    # pvclock: a record as Xen writes it (3 GHz TSC), a TSC, a clamp,
    # then a wall clock and a system time.
    pv = struct.pack("<IQQIbB", 2, 10**12, 5 * 10**11, 0xAAAAAAAA, -1, 1)
    pv += struct.pack("<Q", 10**12 + 3 * 10**9) + struct.pack("<Q", 0)
    pv += struct.pack("<IIII", 4, 1700000000, 999999999, 0)
    pv += struct.pack("<Q", 5 * 10**11)
    write("pvclock", "record", pv)

    # xs_wire: how many requests, the first req_id, their types (indices
    # into the harness's types[]: READ, DIRECTORY, GET_PERMS,
    # TRANSACTION_START), then the stream in chunks (2-byte length, bytes).
    def xsmsg(t, req, body):
        return struct.pack("<IIII", t, req, 0, len(body)) + body
    stream = xsmsg(2, 1, b"hello") + xsmsg(1, 2, b"a\0b\0")
    stream += xsmsg(3, 3, b"r0\0b1\0") + xsmsg(6, 4, b"7\0")
    stream += xsmsg(15, 0, b"device/vbd\0xlw1\0")
    stream += xsmsg(16, 5, b"ENOENT\0")
    xs = bytes([5]) + struct.pack("<I", 1) + bytes([0, 1, 2, 3, 0])
    for i in range(0, len(stream), 40):
        part = stream[i:i + 40]
        xs += struct.pack("<H", len(part) - 1) + part
    write("xs_wire", "replies", xs)

    # xs_values: parser, a number, the string (see xs_values.c).
    vals = [(0, 2**32, b"12345"), (1, 0, b"r0"), (2, 0, b"xlw12"),
            (3, 1, b"/local/domain/1/device"), (4, 0, b"device/vbd/51712"),
            (5, 0 | (1 << 16), b"/local/domain/0/backend/vbd/1/51712"),
            (6, 1 | (2 << 8) | (1 << 17), b"")]
    for sel, num, text in vals:
        write("xs_values", "p%d" % sel, bytes([sel]) + struct.pack("<Q", num)
              + text)

    # blkif_engine: features (512-byte sectors, flush, barrier), a 3-byte
    # size, then actions: 0 submit (op, sector32, count), 1 backend takes,
    # 2 backend answers (which, spoil: bits 2-3 pick the status), 5 poll.
    def submit(op, sector, count):
        return bytes([0, op]) + struct.pack("<I", sector) + bytes([count])

    b = bytes([4 | 8]) + struct.pack("<I", 4096)[:3]
    b += submit(1, 0, 100) + submit(3, 8, 8) + submit(0, 16, 24)
    b += bytes([1]) + bytes([2, 0, 0]) * 8 + bytes([5])
    b += bytes([1]) + bytes([2, 0, 0]) * 8 + bytes([5])
    b += submit(2, 0, 0) + bytes([1, 2, 0, 8, 5])  # a refused flush
    write("blkif_engine", "io", b)


if __name__ == "__main__":
    main()
