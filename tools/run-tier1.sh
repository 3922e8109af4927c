#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-tier1.sh - tier 1: Xen 4.17 (the CR2-fixed build) under QEMU TCG
# boots Xenling directly as its PVH dom0 (about 1.5 s a run).
#
# Usage: tools/run-tier1.sh [--vcpus N] [--cmdline "args"] [--log FILE]
#                           [--console] [--timeout S] [--xen-args "..."]
#                           [--xen XEN_ELF] [--gdb] KERNEL
# --gdb: QEMU starts stopped with its gdb stub (tools/lib/gdb-stub.sh).
# gdb sees one thread per vCPU and can set breakpoints in Xenling, step
# and read registers, but not read Xenling's memory: QEMU's debugger
# access does not walk Xen's nested page tables (docs/ch0-getting-started.md).
# Exit: 0 pass, 1 tests failed, 2 no verdict (Xen reboot, hang, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib/verdict.sh"
. "$here/lib/qemu-slot.sh"
. "$here/lib/gdb-stub.sh"

vcpus=2 cmdline="" log="" console=0 tmo="" xenargs="" xen="" gdb=0
while [ $# -gt 1 ]; do
    case $1 in
        --vcpus) vcpus=$2; shift 2 ;;
        --cmdline) cmdline=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --console) console=1; shift ;;
        --timeout) tmo=$2; shift 2 ;;
        --xen-args) xenargs=$2; shift 2 ;;
        --xen) xen=$2; shift 2 ;;
        --gdb) gdb=1; shift ;;
        *) echo "run-tier1: unknown option $1" >&2; exit 2 ;;
    esac
done
kernel=${1:?usage: run-tier1.sh [options] KERNEL}
# Only a hang should reach the limit: every vCPU is a host thread sharing
# 2 cores under TCG, so allow more time for more vCPUs.
[ "$gdb" = 1 ] && tmo=${tmo:-86400}
tmo=${tmo:-$((90 + 15 * vcpus))}
[ -f "$kernel" ] || { echo "run-tier1: no such file: $kernel" >&2; exit 2; }
if [ -z "$xen" ]; then
    xen="$top/build/xen/xen.elf"
    [ -f "$xen" ] || "$here/build-xen.sh"
fi
[ -f "$xen" ] || { echo "run-tier1: no such hypervisor: $xen" >&2; exit 2; }
log=${log:-build/logs/tier1-$(date +%s%N).log}
mkdir -p "$(dirname "$log")"

# QEMU's -initrd splits multiboot modules at commas, so a comma in the
# dom0 command line (tests=a,b) is written as ",," (tools/README.md).
# QEMU gets as many CPUs as dom0 gets vCPUs: dom0_max_vcpus cannot exceed
# the physical CPUs Xen sees.
xen_cmd="dom0=pvh dom0-iommu=none dom0_mem=256M dom0_max_vcpus=$vcpus"
# console_timestamps: Xen's stages on the boot timeline (tools/timeline.py).
xen_cmd+=" console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all"
xen_cmd+=" console_timestamps=boot $xenargs"
qemu_slot_take || exit 2
GDB_QEMU_ARGS=()
[ "$gdb" = 1 ] && gdb_stub_setup "$kernel"
echo "tier1: Xen + Xenling as PVH dom0, $vcpus vCPUs ${cmdline:+with \"$cmdline\"}"
qemu=(qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp "$vcpus" -m 1024
      -nographic -monitor none -serial stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -kernel "$xen" -initrd "$kernel ${cmdline//,/,,}" -append "$xen_cmd"
      "${GDB_QEMU_ARGS[@]}")
set +e
if [ "$console" = 1 ]; then
    timeout -k 2 "$tmo" "${qemu[@]}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
else
    timeout -k 2 "$tmo" "${qemu[@]}" >"$log" 2>&1
    status=$?
fi
set -e
case $status in
    124) echo "tier1: timed out after ${tmo}s (hang)" ;;
    0) echo "tier1: QEMU exited 0: Xen rebooted (panic, dom0 crash or triple fault)" ;;
esac
echo "tier1: exit status $status, log $log"
python3 "$here/save-ktap.py" "$log" || true
python3 "$here/timeline.py" "$log" -o "$top/build/boot-timeline.png" \
    --title "tier 1: Xen + Xenling as PVH dom0, $vcpus vCPUs ${cmdline:+($cmdline)}" || true
judge_log "$log" "$status"
