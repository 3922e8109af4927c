# SPDX-License-Identifier: MIT
#
# verdict.sh - judge a Xenling console log, the same way for every tier.
# Source it, then: judge_log LOG QEMU_STATUS EXPECT_EXIT
#   LOG          the console transcript (Xen's or QEMU's serial output)
#   QEMU_STATUS  QEMU's exit status (33 pass, 35 fail via isa-debug-exit),
#                or "-" when the tier judges by the console alone
# Prints one verdict line and returns 0 (pass), 1 (tests failed) or
# 2 (no verdict: crash, hang, missing summary).

# Strip what Xen or the console prepend: "(XEN) ", "(d0) ", "(d1) ",
# timestamps "[...]" and carriage returns.
strip_prefixes() {
    sed -e 's/\r$//' -e 's/^\(([A-Za-z0-9]*) \)\{0,1\}\(\[[^]]*\] \)\{0,1\}//' "$1"
}

judge_log() {
    local log=$1 status=$2 clean summary n_pass n_fail n_skip
    clean=$(mktemp)
    strip_prefixes "$log" >"$clean"
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$clean" || true)
    if [ "$(printf '%s\n' "$summary" | grep -c .)" -gt 1 ]; then
        echo "verdict: NO VERDICT (more than one summary line)"; rm -f "$clean"; return 2
    fi
    if grep -q '^XENLING: PANIC$' "$clean"; then
        echo "verdict: FAIL (kernel panic)"; grep -A3 '^PANIC' "$clean" | head -5
        rm -f "$clean"; return 1
    fi
    if [ -z "$summary" ]; then
        echo "verdict: NO VERDICT (no summary line; qemu status $status)"
        rm -f "$clean"; return 2
    fi
    read -r n_pass _ n_fail _ n_skip _ <<<"$(echo "$summary" | tr -d ',')"
    if grep -q '^XENLING: TESTS FAILED$' "$clean" || [ "$n_fail" -ne 0 ]; then
        echo "verdict: FAIL ($summary)"
        grep -E '^not ok ' "$clean" | sed 's/^/  /'
        rm -f "$clean"; return 1
    fi
    if ! grep -q '^XENLING: ALL TESTS PASSED$' "$clean"; then
        echo "verdict: NO VERDICT (summary without success marker)"
        rm -f "$clean"; return 2
    fi
    if [ "$status" != "-" ] && [ "$status" != 33 ]; then
        echo "verdict: NO VERDICT (console says pass, QEMU exited $status)"
        rm -f "$clean"; return 2
    fi
    rm -f "$clean"
    if [ "$n_pass" -eq 0 ]; then
        echo "verdict: NO VERDICT (no test passed)"; return 2
    fi
    echo "verdict: PASS ($summary)"
    return 0
}
