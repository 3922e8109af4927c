#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-faults.sh - runs that break the kernel on purpose and must still
# end with a verdict (a panic with the console lock held, a CPU stuck
# with interrupts off, a stack overflow, a shutdown that returns or
# hangs). Each case boots Xenling with a manual test or a
# fault-injection option (tests/kernel/faults.c) and checks the console
# for the line that proves the right path ran, and the runner's exit
# status: a hang (no verdict, exit 2) is the bug these cases catch.
#
# Usage: tools/test-faults.sh KERNEL
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=${1:?usage: test-faults.sh KERNEL}
logs=build/logs
mkdir -p "$logs"

bad=0
# case NAME WANT_EXIT PATTERN LOG_OPTION RUNNER [ARGS...]: run the runner
# with its log (or transcript) in LOG_OPTION's file, then judge.
case_() {
    local name=$1 want=$2 pattern=$3 logopt=$4 log rc
    shift 4
    log="$logs/faults-$name-$(date +%s%N).txt"
    "$@" "$logopt" "$log" "$kernel" >"$log.out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ] && grep -Eq "$pattern" "$log"; then
        echo "faults: $name: exit $rc and /$pattern/ seen: ok"
    else
        echo "faults: $name: FAILED (exit $rc, want $want; /$pattern/ $(grep -Eq "$pattern" "$log" && echo seen || echo 'not seen'))"
        sed 's/^/  /' "$log.out"
        tail -n 15 "$log" | sed 's/^/  | /'
        bad=1
    fi
}

# A console's write panics: the console lock is held by the panicking CPU.
case_ panic-in-console-write 1 "PANIC on CPU 0: faults: test console panics" \
    --log "$here/run-qemu.sh" --timeout 30 \
    --cmdline "tests=faults.panic_inside_console_write"
# Another CPU is stuck inside a console's write, holding the lock.
case_ panic-console-held-elsewhere 1 "PANIC on CPU 0: faults: panic while CPU 1" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "tests=faults.panic_while_other_cpu_holds_console_lock"
# A CPU spins with interrupts off for ever, so its own watchdog cannot
# fire: the hard-lockup detector on the other CPU finds it, its NMI
# reports where it was, and the run fails (without it: no verdict, exit 2).
case_ hard-lockup-other-cpu 1 \
    "hardlockup: CPU 1 made no progress for [0-9]+ ms running or halted.*NMI from CPU 0" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "tests=faults.hard_lockup_on_another_cpu"
# A CPU halted with interrupts on whose timers are lost (its APIC timer
# stopped): blocked in Xen, no beat; the NMI wakes and reports it.
case_ hard-lockup-halted 1 \
    "hardlockup: CPU 1: interrupted thread [0-9]+ \(halter\)" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "tests=faults.hard_lockup_halted_with_timers_lost"
# ...and the CPU running the tests is the stuck one.
case_ hard-lockup-this-cpu 1 \
    "hardlockup: CPU 0: rip [0-9a-f]+ rflags [0-9a-f]+ \(interrupts off\)" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "tests=faults.hard_lockup_on_this_cpu"
# A thread loops with interrupts on for ever: the soft-lockup check
# reports it after 2 s and panics at 6 s (without it: no verdict).
case_ soft-lockup 1 "PANIC on CPU 0: soft lockup: thread main on CPU 0 ran 6 s" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "softlockup_s=6 tests=faults.soft_lockup"
# An upcall requested but not injected (played on CPU 1): its watcher
# reports the stall and Xen dumps the VMCBs (debug key v); a pass.
case_ upcall-stall-report 0 \
    "Dumping guest's current state at key_handler" \
    --log "$here/run-tier1.sh" --vcpus 2 --timeout 60 \
    --cmdline "tests=hardlockup.upcall_stall_is_reported"
# A thread runs off its stack: the guard page below it faults, the double
# fault's dump names the guard page and the thread (docs/hardening.md).
case_ stack-overflow-dump 1 \
    "stack guard page hit: [0-9a-f]+ is in the guard page below the stack of thread [0-9]+ \(overflow\)" \
    --log "$here/run-qemu.sh" --timeout 30 \
    --cmdline "tests=crash.stack_overflow_dump"
if [ -x "$here/run-tier2.sh" ]; then
    # SCHEDOP_shutdown returns after a pass: every vCPU goes down, and Xen
    # powers the domain off (a pass).
    case_ shutdown-returns-pass 0 "exit: taking every vCPU down instead" \
        --transcript "$here/run-tier2.sh" --vcpus 2 \
        --cmdline "fault_shutdown_returns tests=xen.*"
    # ...and after a failure: a triple fault, which Xen reports as a
    # reboot, never as a poweroff.
    case_ shutdown-returns-fail 1 "domain ended: reason=reboot" \
        --transcript "$here/run-tier2.sh" --vcpus 2 \
        --cmdline "fault_shutdown_returns tests=harness.must_fail"
    # The end hangs after the verdict: Xen's domain watchdog ends the
    # domain (no poweroff: no pass).
    case_ exit-hangs 2 "domain ended: reason=watchdog" \
        --transcript "$here/run-tier2.sh" --vcpus 2 \
        --cmdline "fault_exit_hangs tests=xen.*"
fi
exit $bad
