# SPDX-License-Identifier: MIT
#
# bench-workloads.sh - the block benchmark's workloads for Linux (busybox
# sh), sourced by the tier-2 dom0's bench script (bench-dom0.sh, on the
# backing device and on null_blk) and by the Linux PVH domU's /init (on
# its xvda): the same seven workloads Xenling's bench=blk runs
# (tests/kernel/blk_bench.c), all with O_DIRECT: dd for sequential 1 MiB
# at one in flight, fio (libaio) for the rest. Each prints
#   BENCH <who> <workload> <value> <unit>
# or "BENCH-ERROR <who> <workload> <why>" when a tool failed.
#
# Needs: FIO and DD (the commands that run Debian's fio and coreutils' dd:
# busybox's dd does not print its time), BENCH_SECS (fio's run time per
# workload), BENCH_SEQ_MB (MiB per dd run).

# bench_dd WHO WORKLOAD dd-ARGS...: one dd run, its rate from dd's own
# "N bytes (...) copied, S s, R MB/s" line.
bench_dd() {
    _who=$1 _wl=$2
    shift 2
    _out=$($DD "$@" 2>&1)
    _st=$?
    echo "$_out" | awk -v who="$_who" -v wl="$_wl" -v st="$_st" '
        / copied, / {
            for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i - 1)
            if (st == 0 && s > 0) {
                printf "BENCH %s %s %.2f MiB/s\n", who, wl, $1 / 1048576 / s
                found = 1
            }
        }
        END { if (!found) printf "BENCH-ERROR %s %s dd status %s\n", who, wl, st }'
}

# bench_fio WHO WORKLOAD DEV RW BS QD: one time-based fio run; its terse
# (v3) line gives KiB/s and IOPS: fields 7-8 for reads, 48-49 for writes.
bench_fio() {
    _who=$1 _wl=$2 _dev=$3 _rw=$4 _bs=$5 _qd=$6
    _out=$($FIO --name="$_wl" --filename="$_dev" --direct=1 \
        --ioengine=libaio --rw="$_rw" --bs="$_bs" --iodepth="$_qd" \
        --runtime="$BENCH_SECS" --time_based --randrepeat=1 \
        --output-format=terse --terse-version=3 2>&1)
    _st=$?
    echo "$_out" | awk -F';' -v who="$_who" -v wl="$_wl" -v st="$_st" -v rw="$_rw" '
        $1 == "3" && NF > 50 {
            bw = $7; iops = $8
            if (rw ~ /write/) { bw = $48; iops = $49 }
            if (wl ~ /-1M-/) printf "BENCH %s %s %.2f MiB/s\n", who, wl, bw / 1024
            else printf "BENCH %s %s %d IOPS\n", who, wl, iops
            found = 1
            # Completion latency (us), as blk_bench prints its own: the
            # clat percentiles are fields 18-37 ("50.000000%=123"), the
            # max field 15; a write section is 41 fields further on.
            off = rw ~ /write/ ? 41 : 0
            for (i = 18; i <= 37; i++) {
                split($(i + off), kv, "=")
                if (kv[1] == "50.000000%") p50 = kv[2]
                if (kv[1] == "90.000000%") p90 = kv[2]
                if (kv[1] == "99.000000%") p99 = kv[2]
            }
            printf "# %s %s: latency p50 %s us, p90 %s us, p99 %s us, max %s us\n", who, wl, p50, p90, p99, $(15 + off)
        }
        END { if (!found || st != 0) printf "BENCH-ERROR %s %s fio status %s\n", who, wl, st }'
    [ $_st = 0 ] || echo "$_out" | tail -n 3 | sed "s/^/# fio: /"
}

# bench_workloads WHO DEV: all seven on DEV (its first BENCH_SEQ_MB MiB
# for dd, the whole device for fio). Writes destroy DEV's contents.
bench_workloads() {
    _w=$1 _d=$2
    bench_dd "$_w" seq-read-1M-qd1 if="$_d" of=/dev/null bs=1M \
        count="$BENCH_SEQ_MB" iflag=direct
    bench_dd "$_w" seq-write-1M-qd1 if=/dev/zero of="$_d" bs=1M \
        count="$BENCH_SEQ_MB" oflag=direct conv=notrunc
    bench_fio "$_w" seq-read-1M-qd8 "$_d" read 1M 8
    bench_fio "$_w" seq-write-1M-qd8 "$_d" write 1M 8
    bench_fio "$_w" rand-read-4K-qd1 "$_d" randread 4k 1
    bench_fio "$_w" rand-write-4K-qd1 "$_d" randwrite 4k 1
    bench_fio "$_w" rand-read-4K-qd32 "$_d" randread 4k 32
}
