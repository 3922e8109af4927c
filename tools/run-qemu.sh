#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-qemu.sh - boot Xenling on plain QEMU (no Xen) through PVH -kernel,
# and judge its self-tests. Xen tests must SKIP here.
#
# Usage: tools/run-qemu.sh [--cmdline "args"] [--smp N] [--log FILE]
#                          [--console] [--timeout S] [--kernel-is-iso] KERNEL
# Exit: 0 pass, 1 tests failed, 2 no verdict (crash, hang, bad exit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/verdict.sh"
. "$here/lib/qemu-slot.sh"

cmdline="" smp=1 log="" console=0 tmo=60 iso=0
while [ $# -gt 1 ]; do
    case $1 in
        --cmdline) cmdline=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --console) console=1; shift ;;
        --timeout) tmo=$2; shift 2 ;;
        --kernel-is-iso) iso=1; shift ;;
        *) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
    esac
done
kernel=${1:?usage: run-qemu.sh [options] KERNEL}
[ -f "$kernel" ] || { echo "run-qemu: no such file: $kernel" >&2; exit 2; }
log=${log:-build/logs/qemu-$(date +%s%N).log}
mkdir -p "$(dirname "$log")"

if [ "$iso" = 1 ]; then
    boot=(-cdrom "$kernel")
else
    boot=(-kernel "$kernel" -append "$cmdline")
fi
qemu_slot_take || exit 2
echo "qemu: booting $kernel (no Xen, $smp CPU) ${cmdline:+with \"$cmdline\"}"
set +e
if [ "$console" = 1 ]; then
    timeout -k 2 "$tmo" qemu-system-x86_64 -accel tcg -machine q35 -cpu max \
        -smp "$smp" -m 256 -nographic -monitor none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${boot[@]}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
else
    timeout -k 2 "$tmo" qemu-system-x86_64 -accel tcg -machine q35 -cpu max \
        -smp "$smp" -m 256 -nographic -monitor none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${boot[@]}" >"$log" 2>&1
    status=$?
fi
set -e
[ "$status" = 124 ] && echo "qemu: timed out after ${tmo}s (hang)"
echo "qemu: exit status $status, log $log"
judge_log "$log" "$status"
