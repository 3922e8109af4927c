#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-all.sh - what `make test` runs: host unit tests, the fuzz corpus,
# the ThreadSanitizer tests, the docs and style checks, plain QEMU, tier 1
# (1 and 2 vCPUs), tier 2 when its harness is present, and the harness
# self-test. Prints a summary table and exits non-zero if anything failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
kernel=build/xenling

results=()
failed=0
step() {
    local name=$1 start end rc
    shift
    echo "=== $name"
    start=$(date +%s.%N)
    "$@"
    rc=$?
    end=$(date +%s.%N)
    results+=("$(printf '%-34s %-5s %6.1fs' "$name" "$([ $rc = 0 ] && echo ok || echo FAIL)" "$(echo "$end - $start" | bc)")")
    [ $rc = 0 ] || failed=1
}

step "host unit tests" make -s test-host
# Every checked-in fuzz input once (seconds); `make fuzz` is the long run.
step "fuzz corpus (short pass)" make -s fuzz-corpus
step "concurrency (ThreadSanitizer)" make -s test-tsan
step "docs citations" python3 tools/check-docs.py
step "style (clang-format)" tools/check-format.sh
# The host's block checkers (tools/blk/) pass on good logs and images and
# fail on ones broken on purpose.
step "block checkers can pass and fail" tools/blk/selftest.sh
step "plain QEMU" tools/run-qemu.sh "$kernel"
# make qemu-gdb, in batch mode: attach, break, backtrace, step, continue.
step "gdb: attach, break, step, verdict" tools/test-gdb.sh "$kernel"
# Saved KTAP read by a standard TAP consumer (prove), pass and fail.
step "KTAP read by prove" tools/test-ktap.sh "$kernel"
step "tier 1, 1 vCPU" tools/run-tier1.sh --vcpus 1 "$kernel"
step "tier 1, 2 vCPUs" tools/run-tier1.sh --vcpus 2 "$kernel"
step "tier 1, 4 vCPUs" tools/run-tier1.sh --vcpus 4 "$kernel"
step "tier 1, 8 vCPUs" tools/run-tier1.sh --vcpus 8 "$kernel"
# Past shared_info's 32 vcpu_info slots: VCPUOP_register_vcpu_info.
step "tier 1, 36 vCPUs: bring-up" tools/run-tier1.sh --vcpus 36 \
    --cmdline "tests=smp.*" "$kernel"
# Events, clock and timers under both upcall modes and both ABIs, on both
# Xen tiers.
for mode in "upcall=percpu evtchn=2l" "upcall=percpu evtchn=fifo" \
            "upcall=global evtchn=2l" "upcall=global evtchn=fifo"; do
    step "tier 1, events+timers: $mode" tools/run-tier1.sh --vcpus 2 \
        --cmdline "tests=evtchn.*,clock.*,timer.*,watchdog.* $mode" "$kernel"
    [ -x tools/run-tier2.sh ] && step "tier 2, events+timers: $mode" \
        tools/run-tier2.sh --vcpus 2 --cmdline "tests=evtchn.*,clock.*,timer.*,watchdog.* $mode" "$kernel"
done
step "GRUB2 ISO on plain QEMU" bash -c "make -s iso && tools/run-qemu.sh --kernel-is-iso build/xenling.iso"
if [ -x tools/run-tier2.sh ]; then
    step "tier 2 (xl create), 1 vCPU" tools/run-tier2.sh --vcpus 1 "$kernel"
    step "tier 2 (xl create), 2 vCPUs" tools/run-tier2.sh --vcpus 2 "$kernel"
    step "tier 2 (xl create), 3 vCPUs" tools/run-tier2.sh --vcpus 3 "$kernel"
    # What a new user's xl config holds (no max_event_channels): the
    # default suite must pass on it too.
    step "tier 2, stock xl config" tools/run-tier2.sh --vcpus 2 \
        --stock-config "$kernel"
    # Manual test: dom0 answers the guest's input request on its console.
    step "tier 2, PV console input" tools/run-tier2.sh --vcpus 1 \
        --cmdline "tests=pvcons.*" "$kernel"
    # The dom0 agent (tools/tier2/README.md): its own check without a
    # guest, and proof that the check can fail.
    step "tier 2, dom0 agent self-check" tools/run-tier2.sh --agent-selftest
    step "tier 2, agent self-check can fail" bash -c \
        'XENLING_TIER2_AGENT=wrong tools/run-tier2.sh --agent-selftest; [ $? = 1 ]'
    # Against the real other end (the dom0 agent): dom0 maps a page we
    # granted, reads and writes it, blocks our end while mapped; a write
    # by dom0 fires our xenstore watch.
    step "tier 2, dom0 peers: grant map, xenstore watch" tools/run-tier2.sh \
        --vcpus 2 --cmdline "tests=grant.*,xenstore.watch_fires_on_dom0_write" \
        "$kernel"
    # The monitor as `make run` gives it on a terminal: typed commands
    # reach the guest and are answered; poweroff ends the domain.
    step "tier 2, monitor (make run on a terminal)" tools/test-monitor.sh \
        "$kernel"
    # Block devices against Linux's blkback: disks backed by host files,
    # dm-log-writes in dom0, hot plug, crash consistency, then the host's
    # own checks of the files (tools/blk/tier2.sh).
    step "tier 2, block: disks, log, host checks" tools/blk/tier2.sh \
        --vcpus 2 "$kernel"
    # blkfront against thirteen hostile backends in dom0 (one boot beside
    # a real blkback disk): each fault stops only its disk, with its
    # message (tools/test-hostile.sh; --tame proves it can fail).
    step "tier 2, hostile block backends" tools/test-hostile.sh "$kernel"
    # The toolstack's control requests on an idle guest (tests=none).
    step "tier 2, xl shutdown" tools/run-tier2.sh --vcpus 2 --action shutdown \
        "$kernel"
    step "tier 2, xl reboot" tools/run-tier2.sh --vcpus 2 --action reboot \
        "$kernel"
    # Suspend cycles (docs/resume.md): an xl save -c (a cancelled suspend),
    # then xl save + xl restore (a new domain), with the resume.* workload
    # on both vCPUs and writes to a 2 MiB scratch disk across both cycles
    # (blkfront keeps, reconnects and resubmits); the host checks the disk
    # after the run (pattern=). About 90 s.
    resume_disk=build/tier2/resume-scratch.img
    mkdir -p build/tier2 && rm -f "$resume_disk" &&
        truncate -s $((2 * 1048576)) "$resume_disk"
    step "tier 2, xl save -c, xl save + restore" tools/run-tier2.sh \
        --vcpus 2 --timeout 400 --action mixed --cycles 2 \
        --disk "$resume_disk,pattern=0x5eed5a7e" \
        --cmdline "tests=resume.* resume_cycles=2 blktest=xvda blkseed=0x5eed5a7e" \
        "$kernel"
fi
# Broken on purpose (tests/kernel/faults.c): each run must still end with
# the right verdict, never hang.
step "faults end with a verdict" tools/test-faults.sh "$kernel"
harness_tiers=(qemu tier1)
[ -x tools/run-tier2.sh ] && harness_tiers+=(tier2)
step "harness can fail (${harness_tiers[*]})" tools/test-harness.sh "$kernel" "${harness_tiers[@]}"

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
if [ $failed = 0 ]; then
    echo "make test: all steps passed"
else
    echo "make test: FAILED"
fi
exit $failed
