#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-harness.sh - prove the harness can fail. Every tier boots Xenling
# with tests=harness.must_fail (a test that always fails, never run by
# default) and must report a failure (exit 1) with the failure marker;
# a pass or a missing verdict there is a harness bug.
#
# Usage: tools/test-harness.sh KERNEL [tier ...]   (tiers: qemu tier1 tier2)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=${1:?usage: test-harness.sh KERNEL [tier ...]}
shift
tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(qemu tier1)

bad=0
for tier in "${tiers[@]}"; do
    case $tier in
        qemu) cmd=("$here/run-qemu.sh" --cmdline "tests=harness.must_fail" "$kernel") ;;
        tier1) cmd=("$here/run-tier1.sh" --vcpus 1 --cmdline "tests=harness.must_fail" "$kernel") ;;
        tier2) cmd=("$here/run-tier2.sh" --vcpus 1 --cmdline "tests=harness.must_fail" "$kernel") ;;
        *) echo "test-harness: unknown tier $tier"; exit 2 ;;
    esac
    out=$("${cmd[@]}" 2>&1)
    rc=$?
    if [ "$rc" = 1 ] && grep -Eq "(verdict|tier2): FAIL" <<<"$out"; then
        echo "harness: $tier reports the deliberate failure (exit $rc): ok"
    else
        echo "harness: $tier did NOT report the deliberate failure (exit $rc)"
        printf '%s\n' "$out" | sed 's/^/  /'
        bad=1
    fi
done
exit $bad
