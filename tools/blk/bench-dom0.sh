#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench-dom0.sh - the block benchmark's part in the tier-2 dom0 (busybox
# sh), run by /init in JOB_MODE=bench (tools/tier2/init) with the scratch
# disk's dom0 device as $1. tools/blk/bench.sh builds /job/bench (this
# script, bench-workloads.sh, bench.env, Debian's fio and dd with their
# libraries, null_blk and Linux's PVH domU with its initramfs). In one
# boot of Xen and dom0, it runs the seven workloads:
#   dom0-disk     dom0 on the backing device directly
#   dom0-null     dom0 on a null_blk device
#   xenling-disk  Xenling (bench=blk) on the backing device through blkback
#   xenling-null  Xenling on the null_blk device
#   linux-disk    Debian's Linux as a PVH domU on the backing device
#   linux-null    the same on the null_blk device
# with the same vCPUs and memory for both guests. For each guest it also
# prints the time from `xl create` to its first test (Xenling's "KTAP
# version 1") or to its /init's first line (Linux), on dom0's clock
# (waitline, tools/blk/waitline.c, looks at the console log every 10 ms
# without starting processes: nothing else of ours runs in dom0 while a
# guest is measured). Output: "BENCH <who> <workload> <value> <unit>"
# lines (tools/blk/bench.sh parses them), "# ..." notes. Exit 0 when
# every guest ended by powering off, else 1.
B=/job/bench
LOGDIR=/var/log/xen/console
dev=$1
. $B/bench.env
for v in "$BENCH_SECS" "$BENCH_SEQ_MB" "$JOB_VCPUS" "$JOB_MEM"; do
    case "$v" in
        '' | *[!0-9]*) echo "# bench-dom0: bad value '$v' in bench.env or the job"; exit 1 ;;
    esac
done
case "${BENCH_ONLY:-}" in *[!a-z0-9,-]*) echo "# bench-dom0: bad BENCH_ONLY '$BENCH_ONLY' in bench.env"; exit 1 ;; esac
# wanted WHO: is WHO among the targets to run (BENCH_ONLY, default all)?
wanted() { case ",${BENCH_ONLY:-$1}," in *,"$1",*) return 0 ;; esac; return 1; }
case "${BENCH_BLK:-}" in *[!a-z0-9=,]*) echo "# bench-dom0: bad BENCH_BLK '$BENCH_BLK' in bench.env"; exit 1 ;; esac
run_lib() { "$B/lib/ld-linux-x86-64.so.2" --library-path "$B/lib" "$@"; }
FIO="run_lib $B/fio"
DD="run_lib $B/dd"
. $B/bench-workloads.sh
note() { echo "# bench-dom0: $*"; }
status=0

[ -b "$dev" ] || { note "scratch device '$dev' is not a block device"; exit 1; }
note "scratch $dev: $(cat /sys/block/"${dev#/dev/}"/size) sectors; $BENCH_SECS s per fio run, $BENCH_SEQ_MB MiB per dd run; guests: $JOB_VCPUS vCPUs, $JOB_MEM MiB"

# null_blk: one 1 GiB device without backing memory (reads give zeros,
# writes are dropped), completing in the submitter's context.
for m in $(cat $B/modules/load-order); do
    insmod "$B/modules/$m" $([ "$m" = null_blk.ko ] && echo nr_devices=1 gb=1 irqmode=0) || \
        { note "insmod $m failed"; exit 1; }
done
n=0
until [ -b /dev/nullb0 ]; do
    n=$((n + 1))
    [ $n -lt 100 ] || { note "/dev/nullb0 did not appear"; exit 1; }
    sleep 0.1
done

if wanted dom0-disk; then
    note "dom0 on $dev"
    bench_workloads dom0-disk "$dev"
fi
if wanted dom0-null; then
    note "dom0 on /dev/nullb0"
    bench_workloads dom0-null /dev/nullb0
fi

# guest NAME WHO TARGET MARKER CONFIG-LINES: run one guest to its end;
# its console log's BENCH lines are printed as WHO's, and the time from
# `xl create` until MARKER appears in that log as WHO's boot time.
guest() {
    name=$1 who=$2 target=$3 marker=$4 lines=$5
    wanted "$who" || return 0
    cfg=/tmp/$name.cfg log=$LOGDIR/guest-$name.log
    cat >"$cfg" <<EOF
name = "$name"
type = "pvh"
memory = $JOB_MEM
maxmem = $JOB_MEM
vcpus = $JOB_VCPUS
tsc_mode = "native"
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
disk = [ "format=raw, vdev=xvda, access=rw, target=$target" ]
$lines
EOF
    rm -f "$log"
    note "$who: xl create ($target)"
    $B/waitline "$log" "$marker" "$JOB_TIMEOUT" >/tmp/$name.start &
    wpid=$!
    if [ "${BENCH_XENTOP:-0}" = 1 ]; then
        run_lib $B/xentop -b -d 1 >/tmp/$name.xentop 2>&1 &
        xtpid=$!
    fi
    timeout -s TERM "$JOB_TIMEOUT" xl create -F "$cfg" >/tmp/$name.xl 2>&1
    st=$?
    if [ "${BENCH_XENTOP:-0}" = 1 ]; then
        kill $xtpid 2>/dev/null
        wait $xtpid
        # One line a second: each domain's CPU share (xentop's CPU(%)
        # column, 100 = one pCPU) over the last second.
        awk -v who="$who" '
            $1 == "NAME" { if (line != "") print "# xentop " who ":" line; line = ""; next }
            NF > 4 { line = line " " $1 "=" $4 }
            END { if (line != "") print "# xentop " who ":" line }' /tmp/$name.xentop
    fi
    # Give xenconsoled a moment to write the ring's last lines.
    sleep 0.5
    kill $wpid 2>/dev/null
    wait $wpid
    sed 's/^/# xl: /' /tmp/$name.xl
    t=$(cat /tmp/$name.start)
    if [ -n "$t" ]; then
        echo "BENCH $who create-to-start $t s"
    else
        echo "BENCH-ERROR $who create-to-start the marker '$marker' never appeared"
    fi
    tr -d '\r' <"$log" | awk -v who="$who" '
        /^BENCH(-ERROR)? / { $2 = who; print; next }
        { print "# " who ": " $0 }'
    if ! grep -q "has shut down, reason code 0 " /tmp/$name.xl; then
        note "$who: the domain did not power off (xl status $st)"
        status=1
    fi
    xl destroy "$name" >/dev/null 2>&1
}

case "${BENCH_CMDLINE:-}" in *[!a-z0-9_=,.\ ]*) echo "# bench-dom0: bad BENCH_CMDLINE '$BENCH_CMDLINE' in bench.env"; exit 1 ;; esac
xen_extra="extra = \"bench=blk blktest=xvda blkbench_s=$BENCH_SECS${BENCH_BLK:+ blk=$BENCH_BLK}${BENCH_CMDLINE:+ $BENCH_CMDLINE}\""
xen_lines="kernel = \"/job/kernel\"
$xen_extra"
lin_lines="kernel = \"$B/linux.gz\"
ramdisk = \"$B/linux-initrd.cpio.gz\"
extra = \"console=hvc0 rdinit=/init loglevel=4\""
guest bx-disk xenling-disk "$dev" "KTAP version 1" "$xen_lines"
guest bx-null xenling-null /dev/nullb0 "KTAP version 1" "$xen_lines"
guest bl-disk linux-disk "$dev" "XENLING-LINUX-PEER: init" "$lin_lines"
guest bl-null linux-null /dev/nullb0 "XENLING-LINUX-PEER: init" "$lin_lines"
exit $status
