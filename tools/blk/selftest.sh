#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# selftest.sh - prove the host-side block checkers can pass and can fail:
# logcheck.py on logs made by mklog.py (good ones pass; each deliberate
# break fails with its message; unreadable logs give status 2), and
# patcheck.py on images written by the guest's own encoder (mkimage.c,
# built here from drivers/blk/blk_pattern.c). Run from anywhere; exit 0
# when every case came out as expected.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/blk-selftest
mkdir -p "$out"
fails=0
cases=0

# expect RC GREP CMD...: CMD must exit RC and print a line matching GREP.
expect() {
    local rc=$1 pat=$2 got
    shift 2
    cases=$((cases + 1))
    "$@" > "$out/last.txt" 2>&1
    got=$?
    if [ "$got" != "$rc" ] || ! grep -q -- "$pat" "$out/last.txt"; then
        echo "selftest: FAIL: '$*' exited $got (wanted $rc), output:"
        sed 's/^/    /' "$out/last.txt"
        fails=$((fails + 1))
    fi
}

L="python3 tools/blk/logcheck.py"
M="python3 tools/blk/mklog.py"
P="python3 tools/blk/patcheck.py"

for ss in 512 4096; do
    for rng in 1 2 3; do
        $M "$out/good.log" --sector-size $ss --rng $rng --seed 0x55
        expect 0 "logcheck: PASS" $L "$out/good.log" --seed 0x55
    done
done
expect 1 "seed 0x55, expected 0x56" $L "$out/good.log" --seed 0x56

declare -A why=(
    [flush-early]="is logged after flush 2 (entry [0-9]*) that should have made it durable"
    [barrier-after]="was issued after barrier 2 but is logged before its data"
    [barrier-before]="was issued before barrier 2 but is logged after its data"
    [torn]="whose tail is not its pattern (torn)"
    [misdirect]="(misdirected write)"
)
for b in "${!why[@]}"; do
    $M "$out/$b.log" --break "$b" --seed 0x55
    expect 1 "${why[$b]}" $L "$out/$b.log"
done

# Not a log; a log cut short; a log with nothing tagged.
head -c 4096 /dev/urandom > "$out/junk.log"
expect 2 "not a dm-log-writes log" $L "$out/junk.log"
head -c 20000 "$out/good.log" > "$out/short.log"
expect 2 "past the end of the log" $L "$out/short.log"
$M "$out/empty.log" --epochs 0 --barriers 0
expect 1 "no tagged writes in the log" $L "$out/empty.log"

# The guest's encoder against the host's decoder.
cc -std=gnu11 -O1 -Wall -Wextra -Werror -DXENLING_HOST -Iinclude -I. \
    -isystem build/xeninc -D__XEN_INTERFACE_VERSION__=0x00040e00 \
    -o "$out/mkimage" tools/blk/mkimage.c drivers/blk/blk_pattern.c || {
    echo "selftest: FAIL: cannot build mkimage"; exit 1; }
"$out/mkimage" "$out/disk.img" 20007 0xfeed
expect 0 "0 of 20007 sectors differ: PASS" $P "$out/disk.img" --seed 0xfeed
expect 1 "20007 of 20007 sectors differ" $P "$out/disk.img" --seed 0xfeee
printf '\1' | dd of="$out/disk.img" bs=1 seek=$((512 * 777 + 5)) \
    conv=notrunc status=none
expect 1 "sector 777: 1 of its 64 words wrong" $P "$out/disk.img" --seed 0xfeed
dd if="$out/disk.img" of="$out/disk.img" bs=512 skip=10 seek=11 count=1 \
    conv=notrunc status=none
expect 1 "sector 11: the pattern of sector 10" $P "$out/disk.img" --seed 0xfeed
expect 2 "image ends before sector 20007" $P "$out/disk.img" --count 20008

"$out/mkimage" "$out/crash.img" 4096 7 1024 16 20
expect 0 "epochs 1..20 (sectors 1024..1343), seed 0x7: 0 of 320 sectors differ: PASS" \
    $P "$out/crash.img" --seed 7 --epochs 1024:16:20
expect 1 "epoch 21's sector holds the pattern of sector 1344" \
    $P "$out/crash.img" --seed 7 --epochs 1024:16:21
dd if=/dev/zero of="$out/crash.img" bs=512 seek=1100 count=1 conv=notrunc \
    status=none
expect 1 "epoch 5's sector holds zeros" $P "$out/crash.img" --seed 7 \
    --epochs 1024:16:20

echo "selftest: $cases cases, $fails unexpected"
[ "$fails" -eq 0 ]
