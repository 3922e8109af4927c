#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tier2.sh - the block tests on tier 2 against Linux's blkback, with every
# check the host can make after the guest is gone (tools/blk/README.md):
#
#  1. One guest, two disks backed by host files behind QEMU's volatile
#     write cache: xvda the scratch disk (blktest=xvda), its writes logged
#     by dm-log-writes in dom0 onto a second host file; xvdb read-only,
#     holding a pattern; and xvdc, attached and detached during the run
#     (the dom0 agent's block-attach/-detach). Afterwards: patcheck
#     on the scratch file (the whole-disk pattern) and on the read-only
#     one (unchanged), logcheck on the dm-log-writes log, and logcheck
#     again on copies of that log broken on purpose (logbreak.py): it
#     must fail on each.
#  2. Crash consistency: the guest writes flushed epochs until dom0 runs
#     xl destroy; every epoch it reported flushed must be on the file
#     whole (patcheck --epochs).
#
# Usage: tools/blk/tier2.sh [--vcpus N] [--skip-crash|--crash-only] [KERNEL_ELF]
# Exit status: 0 all passed, 1 a check failed, 2 no verdict (a run had an
# infrastructure problem). Files in build/blk/tier2/.
set -uo pipefail
cd "$(dirname "$0")/../.."
vcpus=2 crash=1 io=1 kernel=build/xenling
while [ $# -gt 0 ]; do
    case "$1" in
        --vcpus) vcpus=$2; shift 2 ;;
        --skip-crash) crash=0; shift ;;
        --crash-only) io=0; shift ;;
        -*) sed -n '3,23p' "$0"; exit 2 ;;
        *) kernel=$1; shift ;;
    esac
done
out=build/blk/tier2
mkdir -p "$out"
seed=0x5eed0fb1
roseed=0x0dd5eed
P="python3 tools/blk/patcheck.py"
L="python3 tools/blk/logcheck.py"
worst=0
result() { # STATUS WHAT
    case "$1" in
        0) echo "blk-tier2: PASS: $2" ;;
        1) echo "blk-tier2: FAIL: $2"; [ $worst = 2 ] || worst=1 ;;
        *) echo "blk-tier2: NO VERDICT: $2"; worst=2 ;;
    esac
}

if [ $io = 1 ]; then
# Fresh files: the scratch disk (40 MiB + 7 sectors: an odd size), its
# log, the read-only disk (8 MiB holding the pattern of roseed).
rm -f "$out"/*.img "$out"/*.log
truncate -s $((40 * 1048576 + 7 * 512)) "$out/scratch.img"
truncate -s $((256 * 1048576)) "$out/scratch.log"
python3 - "$out/ro.img" "$roseed" <<'PY'
import sys
sys.path.insert(0, "tools/blk")
import blkfmt
seed = int(sys.argv[2], 0)
with open(sys.argv[1], "wb") as f:
    for n in range(8 * 2048):
        f.write(blkfmt.pattern(n, seed))
PY

tests="blk.disks*,blk.read*,blk.bad*,blk.many*,blk.scratch*,blk_loop.*"
tests="$tests,blk.hotplug_with_io_queued,blk.backend_counted_what_we_sent"
tools/run-tier2.sh --vcpus "$vcpus" --timeout 600 \
    --transcript "$out/io.txt" \
    --disk "$out/scratch.img,log=$out/scratch.log" \
    --disk "$out/ro.img,ro" \
    --cmdline "tests=$tests blktest=xvda blkseed=$seed" "$kernel"
result $? "guest block tests (transcript $out/io.txt)"
$P "$out/scratch.img" --seed "$seed"
result $? "the scratch file holds the whole-disk pattern"
$P "$out/ro.img" --seed "$roseed"
result $? "the read-only disk's file is unchanged"
$L "$out/scratch.log" --seed "$seed" --quiet
result $? "dm-log-writes: each write before the flush that sealed it, barriers in order"
# The checker must fail on the same log with its order broken on purpose.
for how in flush barrier; do
    python3 tools/blk/logbreak.py "$out/scratch.log" "$out/broken-$how.log" --$how
    if [ $? = 0 ]; then
        $L "$out/broken-$how.log" --seed "$seed" --quiet | tail -n 1
        [ "${PIPESTATUS[0]}" = 1 ]
        result $? "logcheck fails on the log with a $how promise broken on purpose"
    else
        result 1 "could not break the log's $how order on purpose"
    fi
done

fi

if [ $crash = 1 ]; then
    truncate -s $((16 * 1048576)) "$out/crash.img"
    tools/run-tier2.sh --vcpus "$vcpus" --timeout 300 \
        --transcript "$out/crash.txt" --disk "$out/crash.img" \
        --cmdline "tests=blk.crash_epochs_until_destroyed blktest=xvda" \
        --action destroy --action-when "blk: crash: epoch 20 flushed" \
        "$kernel"
    st=$?
    result $st "xl destroy while the guest writes flushed epochs"
    k=$(sed -n 's/.*blk: crash: epoch \([0-9][0-9]*\) flushed.*/\1/p' \
        "$out/crash.txt" | sort -n | tail -n 1)
    if [ -n "$k" ]; then
        $P "$out/crash.img" --epochs "4096:64:$k"
        result $? "every epoch reported flushed (1..$k) is on the disk whole"
    else
        result 1 "the guest reported no flushed epoch before the destroy"
    fi
fi
exit $worst
