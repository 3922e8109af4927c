#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-ktap.sh - a standard TAP consumer agrees with Xenling's verdicts.
# Two plain-QEMU runs save their KTAP (tools/save-ktap.py); Perl's `prove`
# (Debian's perl package) must pass the run whose tests passed and fail
# the run with the deliberately failing harness.must_fail, pointing at
# that test's number.
#
# Usage: tools/test-ktap.sh [KERNEL]   (default build/xenling)
# Exit: 0 prove agrees both ways, 1 it does not, 2 a run gave no KTAP.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
kernel=${1:-build/xenling}
stamp=$(date +%s%N)
bad=0

for kind in pass fail; do
    log=build/logs/ktap-$kind-$stamp.log
    tests="printk.*,mm.*"
    [ $kind = fail ] && tests="$tests,harness.must_fail"
    tools/run-qemu.sh --cmdline "tests=$tests" --log "$log" "$kernel" >/dev/null 2>&1
    run_rc=$?
    ktap=${log%.log}.ktap
    if [ ! -s "$ktap" ]; then
        echo "test-ktap: no KTAP saved for the $kind run (runner exit $run_rc, log $log)"
        exit 2
    fi
    out=$(prove --exec cat "$ktap" 2>&1)
    prove_rc=$?
    if [ $kind = pass ] && [ $run_rc = 0 ] && [ $prove_rc = 0 ] && grep -q '^Result: PASS' <<<"$out"; then
        echo "test-ktap: prove passes $ktap, as the runner did: ok"
    elif [ $kind = fail ] && [ $run_rc = 1 ] && [ $prove_rc != 0 ] &&
         grep -q '^Result: FAIL' <<<"$out" &&
         grep -Eq "Failed tests?: +$(sed -n 's/^not ok \([0-9]*\) harness.must_fail$/\1/p' "$ktap")$" <<<"$out"; then
        echo "test-ktap: prove fails $ktap ($(grep -E 'Failed tests?:' <<<"$out" | xargs)), as the runner did: ok"
    else
        echo "test-ktap: prove and the runner disagree on the $kind run (runner exit $run_rc, prove exit $prove_rc):"
        printf '%s\n' "$out" | sed 's/^/  /'
        bad=1
    fi
done
exit $bad
