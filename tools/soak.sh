#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# soak.sh - long runs that look for rare failures (make soak; not in make
# test). Two parts, each optional:
#
#   storms   one tier-1 boot at --storm-vcpus vCPUs (default 8) running the
#            manual tests soak.* for --storm-seconds (default 600): IPI and
#            timer storms on every vCPU with exact counts
#            (tests/kernel/soak.c).
#   cycles   --cycles N (default 100) tier-2 cycles; each boots Xenling as an
#            xl PVH domU at every vCPU count in --vcpus (default "1 2"), and,
#            after each, Debian's Linux as a PVH domU at the same vCPU count:
#            the control for the environment's own failure rate
#            (docs/hardening.md). Each guest may run --guest-timeout S
#            (default 300: under host load Linux alone took 45 s to boot).
#
# Usage: tools/soak.sh [--cycles N] [--vcpus "1 2"] [--no-linux]
#                      [--storm-seconds S] [--storm-vcpus N] [--no-storms]
#                      [--no-cycles] [--guest-timeout S] [--out DIR] [KERNEL]
# KERNEL defaults to build/xenling; it is copied first, so rebuilding
# during a soak does not change what is tested. Results go to DIR (default
# build/soak/<date>): results.tsv (one row per boot: pass, fail, triple
# (Xen logged a triple fault), timeout (the guest ran past the limit:
# slow, not crashed), noverdict, or infra: no boot at all, e.g. no QEMU
# slot; not counted as a boot), the serial log of every boot that did
# not pass, and summary.txt, which is also printed (after every cycle, so
# an interrupted soak still reports).
# Exit: 0 if every boot passed, 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

cycles=100
vcpus_list="1 2"
linux=1
storm_s=600
storm_vcpus=8
storms=1
do_cycles=1
guest_timeout=300
out=
kernel=$top/build/xenling

usage() { sed -n '5,31p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --cycles)        cycles=$2; shift 2 ;;
        --vcpus)         vcpus_list=$2; shift 2 ;;
        --no-linux)      linux=0; shift ;;
        --storm-seconds) storm_s=$2; shift 2 ;;
        --storm-vcpus)   storm_vcpus=$2; shift 2 ;;
        --no-storms)     storms=0; shift ;;
        --no-cycles)     do_cycles=0; shift ;;
        --guest-timeout) guest_timeout=$2; shift 2 ;;
        --out)           out=$2; shift 2 ;;
        -h|--help)       usage 0 ;;
        -*)              echo "soak: unknown option '$1'" >&2; usage 2 ;;
        *)               kernel=$1; shift ;;
    esac
done
[ -f "$kernel" ] || { echo "soak: kernel '$kernel' not found (make first)" >&2; exit 2; }
out=${out:-$top/build/soak/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
cp "$kernel" "$out/xenling"
results=$out/results.tsv
[ -s "$results" ] || printf 'cycle\tguest\tvcpus\tresult\tseconds\ttriple_fault\treason\n' >"$results"

# ------------------------------------------------------ the Linux control --
# Debian's kernel (the ELF the tier-2 dom0 boots, gzip -1 for xl) with a
# busybox initramfs whose /init prints one line and powers off.
build_linux_peer() {
    "$here/tier2/build-dom0.sh" >/dev/null || return 1
    local vmlinux=$top/build/tier2/dom0-vmlinux d
    [ -s "$out/linux.gz" ] || gzip -1 -c "$vmlinux" >"$out/linux.gz" || return 1
    [ -s "$out/linux-initrd.cpio.gz" ] && return 0
    d=$(mktemp -d /tmp/xenling-soak-initrd.XXXXXX)
    mkdir -p "$d/bin" "$d/proc" "$d/dev"
    cp /bin/busybox "$d/bin/busybox" || { rm -rf "$d"; return 1; }
    cat >"$d/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
n=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
echo "XENLING-LINUX-PEER: up with $n CPUs after $(/bin/busybox cut -d' ' -f1 /proc/uptime) s"
/bin/busybox poweroff -f
EOF
    chmod +x "$d/init"
    (cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) \
        >"$out/linux-initrd.cpio.gz"
    rm -rf "$d"
}

# ------------------------------------------------------------ one boot --
# run_one CYCLE GUEST VCPUS: boot it on tier 2, append a row to results.tsv.
run_one() {
    local cycle=$1 guest=$2 v=$3 tx=$out/run.txt rc result t0 t1 secs triple reason
    local args=(--vcpus "$v" --timeout "$guest_timeout" --transcript "$tx")
    if [ "$guest" = linux ]; then
        args+=(--mem 128 --ramdisk "$out/linux-initrd.cpio.gz"
               --cmdline "console=hvc0 rdinit=/init loglevel=4" "$out/linux.gz")
    else
        args+=("$out/xenling")
    fi
    rm -f "$tx" "${tx%.txt}.serial.log" # no stale verdict from the last boot
    t0=$(date +%s)
    "$here/run-tier2.sh" "${args[@]}" >"$out/run.out" 2>&1
    rc=$?
    t1=$(date +%s)
    secs=$((t1 - t0))
    triple=0
    grep -q "Triple fault" "${tx%.txt}.serial.log" 2>/dev/null && triple=1
    reason=$(sed -n 's/^# --- domain ended: reason=\([a-z_]*\).*/\1/p' "$tx" 2>/dev/null)
    if [ "$guest" = linux ]; then
        if grep -q "^XENLING-LINUX-PEER: up" "$tx" 2>/dev/null && [ "$reason" = poweroff ]; then
            result=pass
        else
            result=fail
        fi
    else
        case $rc in 0) result=pass ;; 1) result=fail ;; *) result=noverdict ;; esac
    fi
    [ "$result" != pass ] && [ "$reason" = timeout ] && result=timeout
    [ $triple = 1 ] && result=triple
    # No domain ended: the boot never happened or never reached xl.
    [ $triple = 0 ] && [ -z "$reason" ] && [ $rc = 2 ] && result=infra
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cycle" "$guest" "$v" "$result" \
        "$secs" "$triple" "${reason:-none}" >>"$results"
    if [ "$result" != pass ]; then
        local keep=$out/fail-$cycle-$guest-$v
        cp "${tx%.txt}.serial.log" "$keep.serial.log" 2>/dev/null
        cp "$tx" "$keep.txt" 2>/dev/null
        cp "$out/run.out" "$keep.out"
        echo "soak: cycle $cycle $guest vcpus=$v: $result (kept $keep.*)"
    fi
}

# ------------------------------------------------------------- summary --
summarize() {
    {
        echo "soak summary: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(sha1sum "$out/xenling" | cut -c1-12)"
        awk -F'\t' 'NR > 1 && $4 != "infra" {
                k = $2 " vcpus=" $3; n[k]++; r[k, $4]++
                if (!(k in seen)) { seen[k] = 1; order[++m] = k }
            }
            END {
                printf "%-18s %6s %6s %6s %7s %8s %10s %9s\n", "guest", "boots", "pass", "fail", "triple", "timeout", "noverdict", "bad rate"
                for (i = 1; i <= m; i++) {
                    k = order[i]; bad = n[k] - r[k, "pass"]
                    printf "%-18s %6d %6d %6d %7d %8d %10d %8.1f%%\n", k, n[k], r[k, "pass"], r[k, "fail"],
                        r[k, "triple"], r[k, "timeout"], r[k, "noverdict"], 100 * bad / n[k]
                }
            }' "$results"
        [ -s "$out/storm.txt" ] && cat "$out/storm.txt"
    } >"$out/summary.txt"
    cat "$out/summary.txt"
}

failed=0
# --------------------------------------------------------------- storms --
if [ $storms = 1 ]; then
    echo "soak: storms: tier 1, $storm_vcpus vCPUs, $storm_s s"
    slog=$out/storm.log
    "$here/run-tier1.sh" --vcpus "$storm_vcpus" --timeout $((storm_s * 2 + 300)) \
        --cmdline "tests=soak.* soak_s=$storm_s" --log "$slog" "$out/xenling" >"$out/storm.out" 2>&1
    src=$?
    {
        echo "storms (tier 1, $storm_vcpus vCPUs, soak_s=$storm_s): $(tail -n 1 "$out/storm.out")"
        sed -n 's/^.*\(# soak: .*\)$/  \1/p' "$slog"
    } >"$out/storm.txt"
    [ $src = 0 ] || failed=1
    cat "$out/storm.txt"
fi

# --------------------------------------------------------------- cycles --
if [ $do_cycles = 1 ]; then
    if [ $linux = 1 ] && ! build_linux_peer; then
        echo "soak: cannot build the Linux control (busybox, cpio, build-dom0.sh)" >&2
        exit 2
    fi
    for ((c = 1; c <= cycles; c++)); do
        for v in $vcpus_list; do
            run_one "$c" xenling "$v"
            [ $linux = 1 ] && run_one "$c" linux "$v"
        done
        echo "soak: cycle $c of $cycles done"
        summarize >/dev/null
    done
fi
summarize
awk -F'\t' 'NR > 1 && $4 != "pass" && $4 != "infra" && $2 == "xenling" { bad = 1 } END { exit bad }' "$results" || failed=1
exit $failed
