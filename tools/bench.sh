#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench.sh - run the benchmarks (tests/kernel/bench.c, TEST_MANUAL so they
# never run by default) on tier 1 and print their "# bench:" lines.
#
# Usage: tools/bench.sh [--vcpus N] KERNEL
# Exit: the tier-1 runner's status (0 pass, 1 a benchmark failed, 2 no
# verdict). The numbers are reported, never judged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

vcpus=2
if [ "${1:-}" = "--vcpus" ]; then
    vcpus=$2
    shift 2
fi
kernel=${1:?usage: bench.sh [--vcpus N] KERNEL}
log=build/logs/bench-$(date +%s%N).log

set +e
"$here/run-tier1.sh" --vcpus "$vcpus" --cmdline "tests=bench.*" \
    --log "$log" "$kernel"
status=$?
set -e
echo "bench: results (log $log):"
grep -o '# bench: .*' "$log" | sed 's/\r$//' || echo "bench: no results"
exit $status
