#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# core-walk.py - read a PVH guest's core from `xl dump-core` (plain or
# gzip'd; the format is Xen's docs/misc/dump-core-format.txt: an ELF core
# with sections .note.Xen, .xen_prstatus, .xen_pfn and .xen_pages) and walk
# its 4-level page tables for the addresses that mattered in a crash: each
# level's entry (flags P W U A D S, G for Xenling's guard mark PTE_GUARD,
# NX), the frame it names and what that table page holds (a page table,
# zeros, the allocator's poison 0x6b, text, other). A soak's
# triple fault comes with Xen's register dump on the serial line, a panic
# with Xenling's own: give the log with --serial and the last CR3, CR2,
# RIP and RSP in it are used; else CR3 is vCPU 0's from .xen_prstatus.
# See docs/hardening.md.
#
# Usage: tools/core-walk.py CORE [--serial LOG] [--cr3 HEX] [VA_HEX...]

import argparse
import gzip
import re
import struct
import sys

PAGE = 4096
POISON = 0x6B  # include/mm.h: PAGE_POISON
# struct vcpu_guest_context (x86_64, public/arch-x86/xen.h): size and the
# offsets of user_regs.rip, user_regs.rsp and ctrlreg[], from offsetof().
VGC_SIZE, VGC_RIP, VGC_RSP, VGC_CTRLREG = 5168, 648, 672, 4984


def load(path):
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    if raw[:4] != b'\x7fELF' or raw[4] != 2:
        sys.exit(f'core-walk: {path} is not a 64-bit ELF core')
    shoff, = struct.unpack_from('<Q', raw, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', raw, 0x3A)
    secs = []
    for i in range(shnum):
        name, _, _, _, off, size = struct.unpack_from(
            '<IIQQQQ', raw, shoff + i * shentsize)
        secs.append((name, off, size))
    stroff = secs[shstrndx][1]

    def sname(n):
        return raw[stroff + n:raw.index(b'\0', stroff + n)].decode()
    byname = {sname(n): (off, size) for n, off, size in secs}
    for need in ('.xen_pfn', '.xen_pages', '.xen_prstatus'):
        if need not in byname:
            sys.exit(f'core-walk: no {need} section: not an HVM/PVH xl core?')
    off, size = byname['.xen_pfn']
    pfns = struct.unpack_from(f'<{size // 8}Q', raw, off)
    base = byname['.xen_pages'][0]
    where = {pfn: base + i * PAGE for i, pfn in enumerate(pfns)
             if pfn != (1 << 64) - 1}
    return raw, where, byname['.xen_prstatus']


def page(raw, where, frame):
    off = where.get(frame)
    return None if off is None else raw[off:off + PAGE]


def kind(data):
    """What a table page holds, by its bytes."""
    if data is None:
        return 'not in the core (not guest RAM)'
    if data == bytes(PAGE):
        return 'all zero'
    if data == bytes([POISON]) * PAGE:
        return 'allocator poison 0x6b throughout'
    ents = struct.unpack('<512Q', data)
    present = [e for e in ents if e & 1]
    sane = [e for e in present if (e >> 12) & ((1 << 40) - 1) < (1 << 24)
            and not (e >> 52) & 0x7FF]
    if present and len(sane) == len(present):
        marks = sum(1 for e in ents if e and not e & 1)
        return (f'a page table: {len(present)} present entries, '
                f'{marks} not present but marked (bit 9: a guard page), '
                f'{ents.count(0)} zero')
    text = sum(32 <= b < 127 or b in (9, 10, 13) for b in data)
    if text > PAGE * 0.9:
        return 'text: ' + repr(data[:60].decode('ascii', 'replace'))
    poison = data.count(POISON)
    return (f'other: {len(present)} of 512 words with bit 0 set, '
            f'{poison} poison bytes, first words ' +
            ' '.join(f'{e:016x}' for e in ents[:4]))


def walk(raw, where, cr3, va):
    print(f'walk {va:#018x} from CR3 {cr3:#x}')
    frame = cr3 >> 12
    for level, shift in (('PML4', 39), ('PDPT', 30), ('PD', 21), ('PT', 12)):
        data = page(raw, where, frame)
        idx = (va >> shift) & 511
        print(f'  {level} page frame {frame:#x}: {kind(data)}')
        if data is None:
            return
        e, = struct.unpack_from('<Q', data, idx * 8)
        flags = ''.join(c for c, b in (('P', 0), ('W', 1), ('U', 2),
                                       ('A', 5), ('D', 6), ('S', 7),
                                       ('G', 9)) if e >> b & 1)
        nx = ' NX' if e >> 63 else ''
        print(f'  {level}[{idx}] = {e:016x} ({flags or "-"}{nx})')
        if not e & 1:
            print('  -> not present: this address does not translate')
            return
        if level in ('PDPT', 'PD') and e >> 7 & 1:
            size = 1 << shift
            print(f'  -> large page {((e & ~(size - 1)) & ((1 << 52) - 1)):#x}')
            return
        frame = (e >> 12) & ((1 << 40) - 1)
    print(f'  -> frame {frame:#x}')


def main():
    ap = argparse.ArgumentParser(
        description="walk a PVH guest's page tables in an xl dump-core file")
    ap.add_argument('core')
    ap.add_argument('--serial', help="serial log with Xen's triple-fault dump")
    ap.add_argument('--cr3', type=lambda s: int(s, 16))
    ap.add_argument('va', nargs='*', type=lambda s: int(s, 16))
    a = ap.parse_args()
    raw, where, (poff, psize) = load(a.core)
    print(f'core: {len(where)} guest pages, {psize // VGC_SIZE} vCPU contexts')
    for v in range(psize // VGC_SIZE):
        o = poff + v * VGC_SIZE
        rip, = struct.unpack_from('<Q', raw, o + VGC_RIP)
        rsp, = struct.unpack_from('<Q', raw, o + VGC_RSP)
        cr = struct.unpack_from('<8Q', raw, o + VGC_CTRLREG)
        print(f'vCPU {v} (xl): rip {rip:#x} rsp {rsp:#x} '
              f'cr0 {cr[0]:#x} cr3 {cr[3]:#x} cr4 {cr[4]:#x}')
    cr3 = a.cr3
    vas = list(a.va)
    if a.serial:
        text = open(a.serial, errors='replace').read()
        regs = dict(re.findall(r'\b(cr[234]|rip|rsp):?\s+([0-9a-f]{16})', text))
        rip = re.search(r'RIP:\s+[0-9a-f]{4}:\[<([0-9a-f]+)>\]', text)
        if rip:
            regs['rip'] = rip.group(1)
        print('registers from the log: ' + ' '.join(f'{k} {v}' for k, v in
                                          sorted(regs.items())))
        if cr3 is None and 'cr3' in regs:
            cr3 = int(regs['cr3'], 16)
        vas += [int(regs[k], 16) for k in ('cr2', 'rip', 'rsp') if k in regs]
    if cr3 is None:
        cr3, = struct.unpack_from('<Q', raw, poff + VGC_CTRLREG + 3 * 8)
    for va in vas:
        walk(raw, where, cr3, va)
    return 0


if __name__ == '__main__':
    sys.exit(main())
