#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-gdb.sh - prove `make qemu-gdb` works, in batch mode: QEMU waits
# with its gdb stub (tools/run-qemu.sh --gdb), gdb starts through the
# shipped .gdbinit, stops in the 32-bit PVH entry and checks that it is
# disassembled as 32-bit code, stops at kernel_main, prints a backtrace,
# steps a line, lists one thread per CPU and continues; the run must
# still end with its own verdict. Each expectation is checked in gdb's
# transcript; a missing one fails the test.
#
# Usage: tools/test-gdb.sh [--smp N] [KERNEL]   (default build/xenling, 2)
# Exit: 0 pass, 1 an expectation failed, 2 no verdict from the run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

smp=2
[ "${1:-}" = --smp ] && { smp=$2; shift 2; }
kernel=${1:-build/xenling}
logs=build/logs
mkdir -p "$logs"
stamp=$(date +%s%N)
qlog=$logs/gdb-qemu-$stamp.log
glog=$logs/gdb-$stamp.log
session=build/qemu-gdb.session

if [ -e "$session" ]; then
    echo "test-gdb: $session exists: another qemu-gdb session runs in this tree" >&2
    exit 2
fi
tools/run-qemu.sh --gdb --smp "$smp" --timeout 120 --log "$qlog" \
    --cmdline "tests=printk.*" "$kernel" >"$logs/gdb-runner-$stamp.log" 2>&1 &
runner=$!
# The runner may first wait for a QEMU slot (it gives up after 30 min).
while [ ! -e "$session" ] && kill -0 $runner 2>/dev/null; do
    sleep 0.5
done
if [ ! -e "$session" ]; then
    echo "test-gdb: the runner never offered a gdb session:" >&2
    cat "$logs/gdb-runner-$stamp.log" >&2
    wait $runner
    exit 2
fi

# The symbol address of a 32-bit instruction whose 64-bit decoding differs:
# common32 starts with lgdt of an absolute address (RIP-relative in 64-bit).
timeout 120 gdb -q -batch -iex "add-auto-load-safe-path $top/.gdbinit" \
    -ex 'break pvh_start' -ex 'continue' \
    -ex 'x/2i common32' \
    -ex 'break kernel_main' -ex 'continue' \
    -ex 'bt' -ex 'next' -ex 'info threads' \
    -ex 'delete' -ex 'continue' >"$glog" 2>&1
gdb_rc=$?
wait $runner
run_rc=$?

fail=0
expect() {   # DESCRIPTION EXTENDED-REGEX
    if grep -Eq -- "$2" "$glog"; then
        echo "test-gdb: ok: $1"
    else
        echo "test-gdb: MISSING: $1 (no line matching /$2/ in $glog)"
        fail=1
    fi
}
expect "connected through .gdbinit" '^xenling: connected'
hit='^(Thread [0-9]+ hit )?Breakpoint'
expect "stopped in the 32-bit PVH entry" "$hit"' 1, pvh_start \(\) at boot/head.asm'
expect "32-bit code disassembled as 32-bit" '<common32>:[[:space:]]+lgdtl? +0x[0-9a-f]+$'
expect "stopped at kernel_main" "$hit"' 2, kernel_main \(proto=1, info=[0-9]+\) at kernel/main.c'
expect "backtrace frame #0" '^#0  kernel_main \(proto=1, info=[0-9]+\) at kernel/main.c:[0-9]+'
expect "backtrace ends at long_entry" '^#1  0x[0-9a-f]+ in long_entry.* at boot/head.asm'
if grep -q '^#2 ' "$glog"; then
    echo "test-gdb: FAIL: the backtrace goes past long_entry"; fail=1
fi
# `next` printed the following line of kernel_main: a number one higher.
first=$(sed -En 's/^(Thread [0-9]+ hit )?Breakpoint 2, kernel_main .*:([0-9]+)$/\2/p' "$glog")
if [ -n "$first" ] && grep -Eq "^$((first + 1))[[:space:]]" "$glog"; then
    echo "test-gdb: ok: next stepped from line $first to $((first + 1))"
else
    echo "test-gdb: MISSING: next did not reach the line after line ${first:-?} of kernel_main"
    fail=1
fi
threads=$(grep -Ec '^[* ] +[0-9]+ +Thread [0-9.]+ \(CPU#[0-9]+' "$glog")
if [ "$threads" = "$smp" ]; then
    echo "test-gdb: ok: one gdb thread per CPU ($threads)"
else
    echo "test-gdb: FAIL: $threads gdb threads for $smp CPUs"; fail=1
fi
expect "the run went on to its end" '^\[Inferior 1 \(process 1\) exited with code 041\]'
echo "test-gdb: gdb exited $gdb_rc; the run's own verdict:"
sed -n 's/^verdict: /  verdict: /p' "$logs/gdb-runner-$stamp.log"
if [ $run_rc != 0 ]; then
    echo "test-gdb: FAIL: the run under gdb did not pass (runner exit $run_rc)"
    exit $run_rc
fi
[ $fail = 0 ] && echo "test-gdb: PASS (gdb transcript $glog)"
exit $fail
