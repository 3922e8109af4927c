#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-qemu.sh - boot Xenling on plain QEMU (no Xen) through PVH -kernel,
# and judge its self-tests. Xen tests must SKIP here.
#
# Usage: tools/run-qemu.sh [--cmdline "args"] [--smp N] [--log FILE]
#                          [--console] [--timeout S] [--kernel-is-iso]
#                          [--gdb] KERNEL
# --gdb: QEMU starts stopped, with its gdb stub on 127.0.0.1:(1234 + the
# QEMU slot's number), and waits for a debugger (docs/ch0-getting-started.md).
# Exit: 0 pass, 1 tests failed, 2 no verdict (crash, hang, bad exit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/verdict.sh"
. "$here/lib/qemu-slot.sh"
. "$here/lib/gdb-stub.sh"

cmdline="" smp=1 log="" console=0 tmo="" iso=0 gdb=0
while [ $# -gt 1 ]; do
    case $1 in
        --cmdline) cmdline=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --console) console=1; shift ;;
        --timeout) tmo=$2; shift 2 ;;
        --kernel-is-iso) iso=1; shift ;;
        --gdb) gdb=1; shift ;;
        *) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
    esac
done
kernel=${1:?usage: run-qemu.sh [options] KERNEL}
[ -f "$kernel" ] || { echo "run-qemu: no such file: $kernel" >&2; exit 2; }
# A debugging session lasts as long as the person at gdb needs.
[ "$gdb" = 1 ] && tmo=${tmo:-86400}
tmo=${tmo:-60}
log=${log:-build/logs/qemu-$(date +%s%N).log}
mkdir -p "$(dirname "$log")"

if [ "$iso" = 1 ]; then
    boot=(-cdrom "$kernel")
else
    boot=(-kernel "$kernel" -append "$cmdline")
fi
qemu_slot_take || exit 2
if [ "$gdb" = 1 ]; then
    gdb_stub_setup "$kernel"
    boot+=("${GDB_QEMU_ARGS[@]}")
fi
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
python3 "$here/save-ktap.py" "$log" || true
judge_log "$log" "$status"
