#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test-hostile.sh - blkfront against a hostile backend, on tier 2, in one
# boot: the guest (tests=blk_hostile.*, tests/kernel/blk_hostile.c) has a
# real disk xvda (Linux's blkback over a host file holding a pattern) and
# asks dom0's agent for thirteen more, each served by
# tools/tier2/hostileback.c misbehaving in its own way. The step passes
# when the guest's tests pass (each hostile disk stopped or refused, its
# I/O failed, the real disk still right, nothing leaked, the verdict came)
# AND the transcript holds, for each hostile disk, the console message
# naming what was wrong (the table below), and none for xvda.
#
# Usage: tools/test-hostile.sh [--tame] [KERNEL_ELF]
#        tools/test-hostile.sh --check TRANSCRIPT
#   --tame   every backend behaves (hostileback's "tame"): the guest's
#            tests and the message checks must then fail, and so does
#            this script (exit 1): the proof that the step can fail
#   --check  only check a transcript's messages (exit 0 or 1)
# Exit status: 0 pass, 1 a check failed, 2 no verdict (tier-2 problem).
# Files in build/hostile/ (run.* and real.img; tame.* and tame.img with
# --tame, so both can wait for a QEMU slot at once).
set -uo pipefail
cd "$(dirname "$0")/.."
kernel=build/xenling tame= check=
while [ $# -gt 0 ]; do
    case "$1" in
        --tame) tame=1; shift ;;
        --check) [ $# -ge 2 ] || { sed -n '3,23p' "$0"; exit 2; }
                 check=$2; shift 2 ;;
        -*) sed -n '3,23p' "$0"; exit 2 ;;
        *) kernel=$1; shift ;;
    esac
done

# disk|extended regex that must appear on the guest's console.
EXPECTED=(
    "xvdb|blk: xvdb: bad response: id 0x[0-9a-f]+ names no request in flight"
    "xvdb|blk: xvdb: stopped: the backend sent a bad response"
    "xvdc|blk: xvdc: bad response: id 0x[0-9a-f]+ is for a request already completed"
    "xvdc|blk: xvdc: stopped: the backend sent a bad response"
    "xvdd|blk: xvdd: bad response: id 0x[0-9a-f]+ \(read\) has status 7, not one blkif defines for it"
    "xvde|blk: xvde: bad response: id 0x[0-9a-f]+ has operation 1 \(write\), its request was 0 \(read\)"
    "xvdf|blk: xvdf: bad response index: rsp_prod [0-9]+ is [0-9]+ past rsp_cons [0-9]+, more than the ring's 32 slots"
    "xvdf|blk: xvdf: stopped: the backend broke the ring"
    "xvdg|blk: xvdg: bad response index: rsp_prod [0-9]+ answers 1 requests but only 0 are in flight"
    "xvdg|blk: xvdg: stopped: the backend broke the ring"
    "xvdh|blk: xvdh: stopped: the backend closed the disk"
    "xvdi|blk: xvdi: stopped: a request got no answer in 30 s"
    "xvdj|blk: xvdj: backend's sector-size 0 is not a power of two >= 512"
    "xvdk|blk: xvdk: backend's sector-size 3 is not a power of two >= 512"
    "xvdl|blk: xvdl: backend's sectors 4611686018427387904 times sector-size 4096 overflows 64 bits"
    "xvdm|blk: xvdm: backend did not write info"
    "xvdn|blk: xvdn: backend did not write sectors"
)
REFUSED="xvdj xvdk xvdl xvdm xvdn"

# Check transcript $1; prints each miss; 0 if all there. Only what came
# before the guest asked dom0 to take the disks away counts: closing them
# stops every disk still running ("stopped: the backend closed the
# disk"), which must not pass for a fault that was caught.
check_messages() {
    local t=$1 bad=0 e disk re
    # (In each of the transcript's sections: port 0xE9, PV console.)
    awk '/^# --- /{ cut = 0 } /XENLING-DOM0-REQUEST [0-9a-f]* hostile-end/{ cut = 1 } !cut' \
        "$1" >"$1.before-end"
    t=$1.before-end
    for e in "${EXPECTED[@]}"; do
        disk=${e%%|*} re=${e#*|}
        if ! grep -Eq -- "$re" "$t"; then
            echo "hostile: FAIL: $disk: no console line matching: $re"
            bad=1
        fi
    done
    for disk in $REFUSED; do
        if ! grep -q "blk: $disk: not brought up: the backend's keys were refused" "$t"; then
            echo "hostile: FAIL: $disk: no line saying it was not brought up"
            bad=1
        fi
    done
    if grep -Eq "blk: xvda: (stopped|bad response)" "$t"; then
        echo "hostile: FAIL: the real disk xvda was stopped: $(grep -E 'blk: xvda: (stopped|bad)' "$t" | head -n 1)"
        bad=1
    fi
    [ $bad = 1 ] || echo "hostile: every hostile disk's fault was named on the console, xvda untouched"
    return $bad
}

if [ -n "$check" ]; then
    [ -r "$check" ] || { echo "hostile: cannot read $check" >&2; exit 2; }
    check_messages "$check"
    exit $?
fi

out=build/hostile
mkdir -p "$out"
seed=0x1dea5eed
name=run img=real
[ -z "$tame" ] || name=tame img=tame
# The real disk: 4 MiB holding the pattern of seed, read-only to the guest.
python3 - "$out/$img.img" "$seed" <<'PY' || exit 2
import sys
sys.path.insert(0, "tools/blk")
import blkfmt
seed = int(sys.argv[2], 0)
with open(sys.argv[1], "wb") as f:
    for n in range(4 * 2048):
        f.write(blkfmt.pattern(n, seed))
PY
cmdline="tests=blk_hostile.* blkseed=$seed"
[ -z "$tame" ] || cmdline="$cmdline hostiletame"
tools/run-tier2.sh --vcpus 2 --timeout 240 --transcript "$out/$name.txt" \
    --disk "$out/$img.img,ro" --cmdline "$cmdline" "$kernel"
st=$?
[ $st = 2 ] && { echo "hostile: NO VERDICT: the tier-2 run had no verdict"; exit 2; }
[ $st = 0 ] || echo "hostile: FAIL: the guest's tests failed (transcript $out/$name.txt)"
check_messages "$out/$name.txt" || st=1
# dom0's notes: what each hostile backend did.
grep -a "XENLING-TIER2: agent: .*hostile" "$out/$name.serial.log" | \
    sed 's/^.*XENLING-TIER2: agent: /hostile: dom0: /' | tail -n 60
if [ $st = 0 ]; then
    echo "hostile: PASS"
else
    echo "hostile: FAIL"
fi
exit $st
