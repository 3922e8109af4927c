#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-monitor.sh - the monitor through the user's path: tier 2 with
# --interactive (what `make run` does on a terminal), under a pseudo-
# terminal made by script(1). Once the monitor says it is ready, commands
# are typed as a user types them; the run passes if their answers come
# back through the PV console and `poweroff` ends the domain.
#
# Usage: tools/test-monitor.sh KERNEL      Exit: 0 pass, 1 fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
kernel=${1:?usage: test-monitor.sh KERNEL}
out=build/tier2/monitor-test.typescript
mkdir -p build/tier2
rm -f "$out"

type_commands() {
    local i
    for ((i = 0; i < 900; i++)); do
        grep -q "monitor: type 'help' for commands" "$out" 2>/dev/null && break
        sleep 1
    done
    printf 'cpus\r'
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
$kernel" "$out" <&3 >/dev/null 2>&1
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
check "an unknown command is refused" "unknown command 'nosuchcmd'"
check "'poweroff' ends the domain" "guest ended: reason=poweroff"
exit $rc
