#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# spin-timer.sh - replays the shape of the 8-vCPU tier-1 flake
# (tools/README.md, "Open: two tier-1 flakes") many times: each boot runs
# tests/kernel/repro_spin.c (200 rounds of a 5 ms sleep on CPU 0 while a
# thread there spins with interrupts on and CPU 1 spins with them off).
# A round whose sleep ends over 1 s late fails the boot, as would a
# hard-lockup report. Usage: tools/repro/spin-timer.sh [BOOTS] [VCPUS]
# (default 10 boots of 8 vCPUs). Prints one line per boot and a count.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
boots=${1:-10} vcpus=${2:-8}
kernel=$root/build/xenling
out=$root/build/repro/spin-timer
mkdir -p "$out"
pass=0 fail=0
for i in $(seq 1 "$boots"); do
    log=$out/boot-$i.log
    "$root/tools/run-tier1.sh" --vcpus "$vcpus" --log "$log" \
        --cmdline "tests=repro.sleep_wakes_past_a_spinning_thread" \
        "$kernel" >"$log.out" 2>&1
    rc=$?
    echo "spin-timer: boot $i: exit $rc; $(grep -a -m1 '# repro: [0-9]* rounds' "$log" | sed 's/^ *# //')"
    if [ "$rc" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "spin-timer: $pass of $boots boots passed, $fail did not ($vcpus vCPUs)"
[ "$fail" = 0 ]
