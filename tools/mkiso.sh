#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mkiso.sh - a GRUB2 rescue ISO that boots Xenling through its multiboot2
# header (boot/head.asm: mb2_start), for plain QEMU or real hardware.
#
# Usage: tools/mkiso.sh KERNEL ISO [kernel command line]
set -euo pipefail
kernel=${1:?usage: mkiso.sh KERNEL ISO [cmdline]}
iso=${2:?usage: mkiso.sh KERNEL ISO [cmdline]}
cmdline=${3:-}
command -v grub-mkrescue >/dev/null || { echo "mkiso: grub-mkrescue missing: run tools/setup.sh" >&2; exit 2; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$kernel" "$root/boot/xenling"
cat >"$root/boot/grub/grub.cfg" <<CFG
# Xenling's GRUB2 menu: one entry, no wait. GRUB talks on the serial line
# too, so a headless QEMU shows its messages.
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Xenling" {
    multiboot2 /boot/xenling $cmdline
    boot
}
CFG
timeout 120 grub-mkrescue -o "$iso" "$root" >/dev/null 2>&1 || {
    echo "mkiso: grub-mkrescue failed" >&2; exit 1; }
echo "mkiso: $iso ($(du -k "$iso" | cut -f1) KiB)"
