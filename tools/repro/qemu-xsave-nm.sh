#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# qemu-xsave-nm.sh - the one-second reproducer for the emulator quirk
# behind tier 2's "processes dying of a fault" (tools/README.md): under
# QEMU TCG, XSAVE, XSAVEOPT and XRSTOR run although CR0.TS is set, where
# the CPU must raise #NM. Builds qemu-xsave-nm.asm with nasm, boots it in
# plain QEMU (-cpu max, as the tiers do) and prints its answers.
# Exit status: 0 when every instruction raised #NM, 1 when some ran (the
# quirk is there), 2 when the probe itself did not run to its end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/repro
mkdir -p "$out"
nasm -f bin -o "$out/qemu-xsave-nm.bin" "$here/qemu-xsave-nm.asm" || exit 2
. "$root/tools/lib/qemu-slot.sh"
qemu_slot_take || exit 2
timeout 60 qemu-system-x86_64 -accel tcg -cpu max -display none -nodefaults \
    -debugcon file:"$out/qemu-xsave-nm.txt" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$out/qemu-xsave-nm.bin"
cat "$out/qemu-xsave-nm.txt"
grep -q '^done$' "$out/qemu-xsave-nm.txt" || { echo "qemu-xsave-nm: the probe did not finish"; exit 2; }
if grep -q 'NO #NM' "$out/qemu-xsave-nm.txt"; then
    echo "qemu-xsave-nm: this QEMU runs some of these instructions with CR0.TS set (no #NM): Xen's lazy FPU switching breaks on it"
    exit 1
fi
echo "qemu-xsave-nm: every instruction raised #NM with CR0.TS set"
exit 0
