#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench.sh - the block table of `make bench`: one tier-2 boot (Xen + Debian's
# Linux as dom0, tools/run-tier2.sh --bench) in which dom0 runs the seven
# block workloads on the scratch disk's backing device and on a null_blk
# device, then Xenling (bench=blk, tests/kernel/blk_bench.c) and Debian's
# Linux as a PVH domU (same vCPUs and memory) run them through blkback on
# the same two devices (tools/blk/bench-dom0.sh). Then the table of the
# numbers, with the ratios Xenling/Linux and Xenling/dom0, and charts
# (tools/blk/bench-table.py).
#
# Usage: tools/blk/bench.sh [--runs N] [--secs S] [--seq-mb M] [--vcpus N]
#                           [--mem MiB] [--blk OPTS] [--only WHO,...]
#                           [--xentop] [--cmdline WORDS] [KERNEL_ELF]
#   --runs N    N boots, one after another (default 1); the table then
#               gives each number's range over the runs
#   --secs S    seconds per fio run and per Xenling workload (default 3)
#   --seq-mb M  MiB per dd run (default 32; the scratch disk is 64 MiB)
#   --blk OPTS  Xenling boots with blk=OPTS (docs/blkfront.md: e.g.
#               noindirect, queues=1), to show what a feature is worth;
#               the files then go to build/bench/blk-OPTS/
#   --only WHO  run only these targets (dom0-disk, dom0-null, xenling-disk,
#               xenling-null, linux-disk, linux-null; comma-separated), to
#               look at one closely: no table, the transcripts go to
#               build/bench/blk-only/ (blk-OPTS-only/ with --blk)
#   --xentop    while each guest runs, dom0 also runs Xen's xentop (one
#               sample a second): every domain's CPU share, to see where
#               the time went (it costs dom0 a little CPU itself)
#   --cmdline W more words for Xenling's command line (a-z 0-9 _ = , .
#               and spaces), e.g. a debugging switch
# Files: build/bench/blk/ (job/ the dom0 job, run-N.txt the transcripts,
# blk-table.txt, blk-table.csv, blk-*.png). Exit: 0 when every run
# produced its numbers, 1 when one failed, 2 no verdict (infrastructure).
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
runs=1 secs=3 seqmb=32 vcpus=2 mem=128 kernel=build/xenling blkopts= only= xentop=0 xcmd=
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --secs) secs=$2; shift 2 ;;
        --seq-mb) seqmb=$2; shift 2 ;;
        --vcpus) vcpus=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --blk) blkopts=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --xentop) xentop=1; shift ;;
        --cmdline) xcmd=$2; shift 2 ;;
        -*) sed -n '3,34p' "$0"; exit 2 ;;
        *) kernel=$1; shift ;;
    esac
done
for v in "$runs" "$secs" "$seqmb" "$vcpus" "$mem"; do
    case "$v" in '' | *[!0-9]* | 0) echo "bench: '$v' is not a positive number" >&2; exit 2 ;; esac
done
[ "$seqmb" -le 64 ] || { echo "bench: --seq-mb must be at most 64 (the disk's size)" >&2; exit 2; }
case "$blkopts" in *[!a-z0-9=,]*) echo "bench: --blk '$blkopts': only a-z, 0-9, '=' and ','" >&2; exit 2 ;; esac
case "$xcmd" in *[!a-z0-9_=,.\ ]*) echo "bench: --cmdline '$xcmd': only a-z, 0-9, '_', '=', ',', '.' and spaces" >&2; exit 2 ;; esac
case ",$only," in
    *,[!,]*) for w in $(echo "$only" | tr ',' ' '); do
        case "$w" in
            dom0-disk | dom0-null | xenling-disk | xenling-null | linux-disk | linux-null) ;;
            *) echo "bench: --only '$w': not a target" >&2; exit 2 ;;
        esac
    done ;;
esac
out=build/bench/blk
[ -z "$blkopts" ] || out=build/bench/blk-$(echo "$blkopts" | tr ',=' '-_')
[ -z "$only" ] || out=$out-only
job=$out/job
die() { echo "bench: $*" >&2; exit 2; }
for t in fio gcc readelf nm ldd cpio gzip gnuplot; do
    command -v $t >/dev/null || die "'$t' not found: run tools/setup.sh"
done
[ -x /bin/dd ] || die "/bin/dd (coreutils) missing"
tools/tier2/build-dom0.sh || die "tools/tier2/build-dom0.sh failed"

# ---------------------------------------------------------------- the job --
# Debian's kernel (the one dom0 runs, so its modules match), its modules
# null_blk (with configfs) and xen-blkfront.
kver=${XENLING_DOM0_KVER:-}
if [ -z "$kver" ]; then
    for v in $(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V); do
        [ -d "/lib/modules/$v" ] && kver=$v
    done
fi
[ -n "$kver" ] || die "no Debian kernel with modules"
moddir=/lib/modules/$kver
modfile() { # NAME: the module's file, decompressed if need be, into $2
    local p
    p=$(awk -F: -v n="/$1.ko" 'index($1, n) { print $1; exit }' "$moddir/modules.dep")
    [ -n "$p" ] || die "module $1 not in $moddir/modules.dep"
    case "$p" in
        *.xz) xz -dc "$moddir/$p" >"$2" ;;
        *.zst) zstd -qdc "$moddir/$p" >"$2" ;;
        *) cp "$moddir/$p" "$2" ;;
    esac
}
rm -rf "$job"
mkdir -p "$job/lib" "$job/modules"
cp tools/blk/bench-dom0.sh tools/blk/bench-workloads.sh "$job/"
printf 'BENCH_SECS=%s\nBENCH_SEQ_MB=%s\nBENCH_BLK=%s\nBENCH_ONLY=%s\nBENCH_XENTOP=%s\nBENCH_CMDLINE="%s"\n' "$secs" "$seqmb" "$blkopts" "$only" "$xentop" "$xcmd" >"$job/bench.env"
cp "$(command -v fio)" "$job/fio"
cp /bin/dd "$job/dd"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$job/waitline" \
    tools/blk/waitline.c || die "building tools/blk/waitline.c failed"
kept=$(python3 tools/blk/fio-stubs.py "$job/fio" "$job/lib") || die "fio-stubs.py failed"
xt=/usr/lib/xen-4.17/bin/xentop
xtlibs=
if [ $xentop = 1 ]; then
    [ -x $xt ] || die "$xt missing (Debian's xen-utils-4.17)"
    cp $xt "$job/xentop"
    xtlibs=$(ldd $xt | awk '$3 ~ /^\// { print $3 }')
fi
for l in $kept $(ldd /bin/dd | awk '$3 ~ /^\// { print $3 }') $xtlibs; do
    cp -L "$l" "$job/lib/"
done
modfile configfs "$job/modules/configfs.ko"
modfile null_blk "$job/modules/null_blk.ko"
printf 'configfs.ko\nnull_blk.ko\n' >"$job/modules/load-order"
gzip -1 -c build/tier2/dom0-vmlinux >"$job/linux.gz" || die "gzip of the kernel failed"

# The Linux domU's initramfs: busybox, fio and dd with their libraries
# where the loader looks, xen-blkfront, the workloads.
r=$(mktemp -d /tmp/xenling-bench-initrd.XXXXXX)
trap 'rm -rf "$r"' EXIT
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/lib/modules" \
    "$r/lib/x86_64-linux-gnu" "$r/lib64"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do
    [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
done
rm -f "$r/bin/dd"
cp "$job/fio" "$job/dd" "$r/bin/"
cp "$job"/lib/*.so* "$r/lib/x86_64-linux-gnu/"
mv "$r/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$r/lib64/"
modfile xen-blkfront "$r/lib/modules/xen-blkfront.ko"
cp tools/blk/bench-linux-init.sh "$r/init"
cp tools/blk/bench-workloads.sh "$job/bench.env" "$r/"
chmod +x "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
    gzip -6 -n >"$job/linux-initrd.cpio.gz" || die "the Linux initramfs failed"

# ------------------------------------------------------------- host load --
# The numbers hold only on a quiet host: QEMU TCG needs both cores, and a
# second busy process makes Xen's pCPUs stall at random (docs/blkfront.md,
# "Performance"). The run takes every QEMU slot (XENLING_QEMU_EXCLUSIVE),
# and a sampler notes, each second, how much CPU the host spent outside
# this run's QEMU; the transcript gets the mean and the worst second as a
# "# bench: host:" line, which bench-table.py reports beside the table.
hostload_start() { # FILE
    (
        prev=
        while sleep 1; do
            q=$(pgrep -f -- "^qemu-system.*file=$out/scratch.img" | head -n1)
            [ -n "$q" ] || continue
            qt=$(awk '{ print $14 + $15 }' "/proc/$q/stat" 2>/dev/null) || continue
            busy=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
            now="$busy $qt"
            [ -z "$prev" ] || echo "$prev $now"
            prev=$now
        done
    ) >"$1" &
    hostload_pid=$!
}
hostload_stop() { # TRANSCRIPT
    kill "$hostload_pid" 2>/dev/null
    wait "$hostload_pid" 2>/dev/null
    # Each line: busy and QEMU jiffies a second ago, then now (100 a core-s).
    awk '{ o = ($3 - $1) - ($4 - $2); if (o < 0) o = 0; s += o; n++; if (o > m) m = o }
        END { if (n) printf "# bench: host: outside this QEMU the host was busy %.2f cores on average, %.2f at worst, over %d s\n", s / n / 100, m / 100, n }' \
        "${1%.txt}.hostload" >>"$1"
    tail -n 1 "$1"
}

# ------------------------------------------------------------------ runs --
worst=0
tx=()
for ((n = 1; n <= runs; n++)); do
    truncate -s 0 "$out/scratch.img"
    truncate -s $((64 * 1048576)) "$out/scratch.img"
    echo "bench: run $n of $runs: one tier-2 boot, six benchmark targets"
    hostload_start "$out/run-$n.hostload"
    XENLING_QEMU_EXCLUSIVE=1 tools/run-tier2.sh --bench "$job" --vcpus "$vcpus" --mem "$mem" \
        --timeout 1500 --disk "$out/scratch.img" \
        --transcript "$top/$out/run-$n.txt" "$kernel"
    st=$?
    hostload_stop "$out/run-$n.txt"
    [ $st -le $worst ] || worst=$st
    tx+=("$out/run-$n.txt")
done
[ -n "$only" ] || python3 tools/blk/bench-table.py --out "$out" "${tx[@]}" || worst=${worst/0/1}
exit $worst
