#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-monitor.sh - the monitor through the user's path: tier 2 with
# --interactive (what `make run` does on a terminal), under a pseudo-
# terminal made by script(1). Once the monitor says it is ready, commands
# are typed as a user types them; the run passes if their answers come
# back through the PV console and `poweroff` ends the domain. A 1 MiB
# disk holding the block tests' pattern (seed 0) is attached, so `blk list`
# and `blk read` have something to show.
#
# Usage: tools/test-monitor.sh KERNEL      Exit: 0 pass, 1 fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
kernel=${1:?usage: test-monitor.sh KERNEL}
out=build/tier2/monitor-test.typescript
mkdir -p build/tier2
rm -f "$out"
disk=build/tier2/monitor-disk.img
python3 - "$disk" <<'PY'
import sys
sys.path.insert(0, "tools/blk")
import blkfmt
with open(sys.argv[1], "wb") as f:
    for n in range(2048):
        f.write(blkfmt.pattern(n, 0))
PY

type_commands() {
    local i
    for ((i = 0; i < 900; i++)); do
        grep -q "monitor: type 'help' for commands" "$out" 2>/dev/null && break
        sleep 1
    done
    printf 'cpus\r'
    sleep 3
    printf 'blk list\r'
    sleep 3
    printf 'blk read xvda 1\r'
    sleep 3
    printf 'nosuchcmd\r'
    sleep 3
    printf 'poweroff\r'
    sleep 900 # stdin stays open until the run ends (then killed)
}

exec 3< <(type_commands)
feeder=$!
script -qfec "tools/run-tier2.sh --vcpus 2 --interactive --timeout 300 \
--transcript build/tier2/monitor-test.txt --cmdline 'tests=none monitor' \
--disk $disk $kernel" "$out" <&3 >/dev/null 2>&1
kill "$feeder" 2>/dev/null
exec 3<&-

rc=0
check() {
    if grep -q -- "$2" "$out"; then
        echo "monitor: ok: $1"
    else
        echo "monitor: FAIL: $1 (no '$2' in $out)"
        rc=1
    fi
}
check "the prompt answers 'cpus' with a table" "cpu  online  upcalls"
check "'blk list' shows the disk" "xvda: 2048 sectors, 512/512 B, read-write"
check "'blk read xvda 1' shows sector 1 (1 XOR seed 0)" "000: 01 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00"
check "an unknown command is refused" "unknown command 'nosuchcmd'"
check "'poweroff' ends the domain" "guest ended: reason=poweroff"
exit $rc
