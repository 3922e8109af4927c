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
#   cycles   --cycles N (default 100) tier-2 rounds, all inside as few
#            tier-2 sessions as fit: ONE QEMU+Xen+dom0 boots guest after
#            guest (tools/tier2/soak, JOB_MODE=soak). Each round boots
#            Xenling (--tests, default "smp.*,xen.*,timer.*,paging.*": the
#            vcpu_info registration and SMP bring-up where the triple fault
#            hit, docs/hardening.md) at every vCPU count in --vcpus
#            (default "1 2"), each followed by Debian's Linux as a PVH domU
#            at the same count: the control for the environment's own
#            failure rate (--control-every K: only in every K-th round,
#            default 1). Each guest may run --guest-timeout S (default
#            300); a session starts no round after --session-seconds S
#            (default 1800; it always runs one, so 1 means a fresh Xen
#            per round), then the slot goes back to the queue and the
#            next session goes on with the rounds left.
#
# Usage: tools/soak.sh [--cycles N] [--vcpus "1 2"] [--no-linux] [--control-every K]
#                      [--tests GLOBS] [--session-seconds S]
#                      [--storm-seconds S] [--storm-vcpus N] [--no-storms]
#                      [--no-cycles] [--guest-timeout S] [--out DIR] [KERNEL]
# KERNEL defaults to build/xenling; it is copied first, so rebuilding
# during a soak does not change what is tested. Results go to DIR (default
# build/soak/<date>): results.tsv (one row per boot, written as dom0
# reports it: pass, fail (the tests said so), crash (SHUTDOWN_crash),
# triple (Xen's log of that boot, `xl dmesg`, has a triple fault),
# timeout (the guest ran past the limit), noverdict), for every boot that
# did not pass its slice of the session's serial log
# (fail-s<S>-b<N>-<guest>-v<V>.log: Xen's lines, the guest's console,
# xl's output) and, for a crash or a triple fault, its core (cores-s<S>/,
# from `xl dump-core` on the preserved domain; tools/core-walk.py reads
# it), and summary.txt, which is also
# printed (after every session, and from what was recorded if a session
# was cut short).
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
session_s=1800
control_every=1
xtests='smp.*,xen.*,timer.*,paging.*'
out=
kernel=$top/build/xenling

usage() { sed -n '5,43p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
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
        --session-seconds) session_s=$2; shift 2 ;;
        --tests)         xtests=$2; shift 2 ;;
        --control-every) control_every=$2; shift 2 ;;
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
[ -s "$results" ] || printf 'session\tround\tboot\tguest\tvcpus\tresult\tseconds\ttriple_fault\treason\tdomid\n' >"$results"

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

# ------------------------------------------------------------ sessions --
# A field NAME=VALUE of a "tier2: soak: boot=" line.
fieldof() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# run_session S ROUNDS: one tier-2 session of up to ROUNDS rounds; each
# boot's line becomes a row of results.tsv as soon as dom0 prints it.
# Sets $done_rounds to the rounds it completed.
run_session() {
    local sn=$1 want=$2 tx=$out/session-$1.txt dump=$out/dump-s$1.img line
    local args=(--soak "$want" --soak-vcpus "$vcpus_list" --soak-budget "$session_s"
                --timeout "$guest_timeout" --cmdline "tests=$xtests"
                --transcript "$tx" --dump-disk "$dump")
    [ $linux = 1 ] && args+=(--control "$out/linux.gz" --control-ramdisk "$out/linux-initrd.cpio.gz"
                             --control-cmdline "console=hvc0 rdinit=/init loglevel=4"
                             --control-every "$control_every")
    rm -f "$dump"
    truncate -s 512M "$dump"
    echo "soak: session $sn: up to $want rounds (serial log ${tx%.txt}.serial.log)"
    exec {runner_fd}< <("$here/run-tier2.sh" "${args[@]}" "$out/xenling" 2>&1)
    runner=$!
    while IFS= read -r -u "$runner_fd" line; do
        echo "$line" >>"$out/session-$sn.out"
        case "$line" in
            "tier2: soak: boot="*)
                local b=${line#tier2: soak: boot=}; b=${b%% *}
                local r g v res secs tf reason d
                r=$(fieldof round "$line") g=$(fieldof guest "$line") v=$(fieldof vcpus "$line")
                res=$(fieldof result "$line") secs=$(fieldof secs "$line")
                tf=$(fieldof triple "$line") reason=$(fieldof reason "$line") d=$(fieldof domid "$line")
                [ "$g" = control ] && g=linux
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sn" "$r" "$b" "$g" "$v" \
                    "$res" "$secs" "$tf" "$reason" "$d" >>"$results"
                if [ "$res" = pass ]; then
                    echo "soak: session $sn boot $b: $g vcpus=$v: pass ($secs s)"
                else
                    echo "soak: session $sn boot $b: $g vcpus=$v: $res (reason=$reason, $secs s)"
                fi
                ;;
            "tier2: soak: "*|"tier2: soak session"*|"tier2: INFRA"*|"tier2: NO VERDICT"*|"tier2: booting"*)
                echo "$line" ;;
        esac
    done
    exec {runner_fd}<&-
    runner=
    keep_failures "$sn" "${tx%.txt}.serial.log"
    if tar -tf "$dump" 2>/dev/null | grep -q core; then
        mkdir -p "$out/cores-s$sn"
        tar -xf "$dump" -C "$out/cores-s$sn" && echo "soak: session $sn: cores in $out/cores-s$sn"
    fi
    rm -f "$dump"
    # Complete rounds: dom0's last word, else the rounds with every
    # Xenling boot recorded.
    done_rounds=$(sed -n 's/^tier2: soak: \(done\|stopped\) rounds=\([0-9]*\).*/\2/p' \
        "$out/session-$sn.out" | tail -n 1)
    [ -n "$done_rounds" ] || done_rounds=$(awk -F'\t' -v s="$sn" -v per="$(wc -w <<<"$vcpus_list")" \
        'NR > 1 && $1 == s && $4 == "xenling" { n[$2]++ }
        END { c = 0; for (r in n) if (n[r] == per) c++; print c }' "$results")
}

# keep_failures S SERIAL: for every boot of session S that did not pass,
# the serial lines from the end of the boot before it to its own line.
keep_failures() {
    [ -s "$2" ] || return 0
    awk -v out="$out" -v s="$1" '
        { buf[++n] = $0 }
        /^XENLING-TIER2: soak: boot=/ {
            if ($0 !~ / result=pass /) {
                split($3, a, "="); b = a[2]
                g = $5; sub(/guest=/, "", g); v = $6; sub(/vcpus=/, "", v)
                f = out "/fail-s" s "-b" b "-" g "-v" v ".log"
                for (i = 1; i <= n; i++) print buf[i] > f
                close(f)
            }
            n = 0
        }' "$2"
}

# ------------------------------------------------------------- summary --
summarize() {
    {
        echo "soak summary: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(sha1sum "$out/xenling" | cut -c1-12), Xenling tests=$xtests"
        awk -F'\t' 'NR > 1 {
                k = $4 " vcpus=" $5; n[k]++; r[k, $6]++
                if (!(k in seen)) { seen[k] = 1; order[++m] = k }
                sess[$1] = 1
            }
            END {
                ns = 0; for (x in sess) ns++
                printf "%d tier-2 sessions\n", ns
                printf "%-18s %6s %6s %6s %6s %7s %8s %10s %9s\n", "guest", "boots", "pass", "fail", "crash", "triple", "timeout", "noverdict", "bad rate"
                for (i = 1; i <= m; i++) {
                    k = order[i]; bad = n[k] - r[k, "pass"]
                    printf "%-18s %6d %6d %6d %6d %7d %8d %10d %8.1f%%\n", k, n[k], r[k, "pass"], r[k, "fail"],
                        r[k, "crash"], r[k, "triple"], r[k, "timeout"], r[k, "noverdict"], 100 * bad / n[k]
                }
            }' "$results"
        [ -s "$out/storm.txt" ] && cat "$out/storm.txt"
    } >"$out/summary.txt"
    cat "$out/summary.txt"
}
# An interrupted soak still reports what it recorded.
# The runner stops its QEMU on TERM (tools/run-tier2.sh).
runner=
trap 'echo "soak: interrupted"; [ -z "$runner" ] || kill "$runner" 2>/dev/null; summarize; exit 1' INT TERM

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
    left=$cycles sn=0 empty=0
    while [ "$left" -gt 0 ]; do
        sn=$((sn + 1))
        run_session "$sn" "$left"
        echo "soak: session $sn: $done_rounds complete rounds"
        summarize >/dev/null
        left=$((left - done_rounds))
        if [ "$done_rounds" = 0 ]; then
            empty=$((empty + 1))
            [ $empty -lt 2 ] || { echo "soak: two sessions in a row completed no round: giving up" >&2; failed=1; break; }
        else
            empty=0
        fi
    done
fi
summarize
awk -F'\t' 'NR > 1 && $6 != "pass" && $4 == "xenling" { bad = 1 } END { exit bad }' "$results" || failed=1
exit $failed
