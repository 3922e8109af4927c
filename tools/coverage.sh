#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# coverage.sh - what `make coverage` runs: one lcov report of the host
# unit tests and of the coverage kernel (build/cov/xenling, gcc
# --coverage, kernel/gcov.c) running its self-tests on plain QEMU, tier 1
# and tier 2. Each run must pass, as the ordinary kernel's runs must; its
# counters come out on the console at the end of the run
# (tools/gcov-collect.py) and are captured with lcov on their own; lcov
# then adds all runs up. Prints line and function coverage per folder.
#
# Usage: tools/coverage.sh HOST_BIN COV_KERNEL
# Env:   KERNEL_RUNS=0  only the host unit tests
# Output: build/coverage/index.html, build/coverage.info, per-run
#         tracefiles and logs in build/cov/runs/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
host_bin=${1:?usage: coverage.sh HOST_BIN COV_KERNEL}
kernel=${2:?usage: coverage.sh HOST_BIN COV_KERNEL}
runs=build/cov/runs
rm -rf "$runs" build/coverage build/coverage.info
mkdir -p "$runs"

# lcov 1.16's geninfo redefines two subroutines, with a warning, on every
# call; nothing is wrong.
quiet_lcov() { lcov --quiet "$@" 2> >(grep -v 'redefined at' >&2); }

echo "coverage: host unit tests"
find build/host -name '*.gcda' -delete
"$host_bin" >"$runs/host.log" 2>&1 || { echo "coverage: host unit tests failed: $runs/host.log"; exit 1; }
quiet_lcov --capture --directory build/host --output-file "$runs/host-all.info"
quiet_lcov --extract "$runs/host-all.info" "$top/kernel/*" "$top/drivers/*" \
    --output-file "$runs/host.info"
infos=(-a "$runs/host.info")
kinfos=()

# NAME RUNNER ARGS...: the coverage kernel's run, judged like any other;
# its counters captured on their own.
kernel_run() {
    local name=$1 log start end rc
    shift
    log=$runs/$name.log
    start=$(date +%s)
    echo "coverage: $name: $*"
    case $1 in
        *run-tier2.sh) "$@" --transcript "$top/$runs/$name.txt" "$kernel" >"$log" 2>&1
                       rc=$?; log=$runs/$name.txt ;;
        *) "$@" --log "$log" "$kernel" >"$runs/$name.runner.log" 2>&1; rc=$? ;;
    esac
    end=$(date +%s)
    if [ $rc != 0 ]; then
        echo "coverage: $name: the coverage kernel's run did not pass (exit $rc): see $log"
        return 1
    fi
    find build/cov -name '*.gcda' -delete
    "$here/gcov-collect.py" --build build/cov "$log" | sed 's/^/coverage:   /' || return 1
    quiet_lcov --capture --directory build/cov/k --output-file "$runs/$name.info" || return 1
    infos+=(-a "$runs/$name.info")
    kinfos+=(-a "$runs/$name.info")
    echo "coverage: $name: passed ($((end - start)) s with the wait for a QEMU slot)"
}

failed=0
if [ "${KERNEL_RUNS:-1}" != 0 ]; then
    kernel_run qemu tools/run-qemu.sh || failed=1
    kernel_run tier1-1cpu tools/run-tier1.sh --vcpus 1 || failed=1
    kernel_run tier1-4cpu tools/run-tier1.sh --vcpus 4 || failed=1
    kernel_run tier1-global-fifo tools/run-tier1.sh --vcpus 2 \
        --cmdline "tests=evtchn.*,clock.*,timer.* upcall=global evtchn=fifo" || failed=1
    kernel_run tier2-2cpu tools/run-tier2.sh --vcpus 2 || failed=1
fi

# Only the kernel's own sources: not the tests themselves.
only_kernel() {   # IN OUT
    quiet_lcov --extract "$1" "$top/kernel/*" "$top/drivers/*" --output-file "$2"
}
quiet_lcov "${infos[@]}" --output-file "$runs/all.info"
only_kernel "$runs/all.info" build/coverage.info
genhtml --quiet --title "Xenling: host unit tests + in-kernel runs" \
    --output-directory build/coverage build/coverage.info
if [ ${#kinfos[@]} -gt 0 ]; then
    quiet_lcov "${kinfos[@]}" --output-file "$runs/kernel-all.info"
    only_kernel "$runs/kernel-all.info" "$runs/kernel.info"
    python3 "$here/coverage-summary.py" build/coverage.info "$runs/kernel.info" "$runs/host.info"
else
    python3 "$here/coverage-summary.py" build/coverage.info
fi
echo "coverage report: build/coverage/index.html"
[ $failed = 0 ] || echo "coverage: FAILED: a coverage-kernel run did not pass (above)"
exit $failed
