#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-fuzz.sh - run the libFuzzer harnesses (build/fuzz/bin/NAME, built by
# `make fuzz-build`) one at a time and report, per harness, executions,
# seconds, executions per second and corpus size. What libFuzzer finds
# goes to build/fuzz/corpus/NAME/, crashes to build/fuzz/crash-NAME-*;
# the checked-in seeds in tests/fuzz/corpus/NAME/ are only read.
#
# Usage: tools/run-fuzz.sh --runs N [--max-time S] NAME...
#                                                fuzz N executions each
#                                                (or S seconds, if sooner)
#        tools/run-fuzz.sh --corpus-only NAME... run each checked-in input
#                                                once (make test's pass)
#        tools/run-fuzz.sh --merge NAME...       add the inputs of
#                                                build/fuzz/corpus/NAME that
#                                                reach new coverage to
#                                                tests/fuzz/corpus/NAME
# Exit status: 0 if no harness crashed, 1 if one did, 2 on a usage error.
set -uo pipefail
cd "$(dirname "$0")/.."

mode= runs= maxtime=0
case "${1:-}" in
--runs)
    mode=runs; runs=${2:?--runs needs a count}; shift 2
    if [ "${1:-}" = --max-time ]; then
        maxtime=${2:?--max-time needs seconds}; shift 2
    fi
    ;;
--corpus-only) mode=corpus; shift ;;
--merge) mode=merge; shift ;;
*) sed -n '3,21p' "$0"; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "run-fuzz: no harness named"; exit 2; }

# Inputs are small structures: 4 KiB holds every layout with room over.
common=(-max_len=4096 -timeout=10 -rss_limit_mb=2048)
failed=0
rows=()
for name in "$@"; do
    bin=build/fuzz/bin/$name seeds=tests/fuzz/corpus/$name
    # One log per mode: a corpus pass must not clobber a long run's log.
    found=build/fuzz/corpus/$name log=build/fuzz/$name.$mode.log
    [ -x "$bin" ] || { echo "run-fuzz: $bin missing: make fuzz-build"; exit 2; }
    [ -d "$seeds" ] || { echo "run-fuzz: $seeds missing"; exit 2; }
    mkdir -p "$found"
    start=$(date +%s.%N)
    case $mode in
    runs)
        echo "=== fuzz $name: $runs executions (log: $log)"
        "$bin" "${common[@]}" -runs="$runs" -max_total_time="$maxtime" \
            -print_final_stats=1 \
            -artifact_prefix="build/fuzz/crash-$name-" "$found" "$seeds" \
            >"$log" 2>&1
        ;;
    corpus)
        mapfile -t inputs < <(find "$seeds" -type f | sort)
        echo "=== fuzz corpus $name: ${#inputs[@]} inputs"
        "$bin" "${common[@]}" "${inputs[@]}" >"$log" 2>&1
        ;;
    merge)
        echo "=== merge $name into $seeds"
        "$bin" "${common[@]}" -merge=1 "$seeds" "$found" >"$log" 2>&1
        ;;
    esac
    rc=$?
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc)
    if [ $rc != 0 ]; then
        failed=1
        echo "run-fuzz: $name FAILED (exit $rc); the end of $log:"
        grep -E 'ERROR|runtime error|invariant broken|SUMMARY|Test unit written' "$log" | head -20
    fi
    # Final stats: printed after -runs, -max_total_time or an interrupt.
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    case $mode in
    runs) n=${done_runs:-?} ;;
    corpus) n=$(grep -c '^Executed ' "$log") ;;
    merge) n=$(find "$seeds" -type f | wc -l) ;;
    esac
    rate=-
    [ "$mode" = runs ] && [ -n "$done_runs" ] && rate=$(echo "$done_runs / $secs" | bc)
    rows+=("$(printf '%-16s %-5s %12s %8.1fs %10s/s %6s files' "$name" \
        "$([ $rc = 0 ] && echo ok || echo FAIL)" "$n" "$secs" "$rate" \
        "$(find "$seeds" $([ "$mode" = runs ] && echo "$found") -type f | wc -l)")")
done
echo
printf '%-16s %-5s %12s %9s %12s %12s\n' harness result executions time rate corpus
printf '%s\n' "${rows[@]}"
exit $failed
