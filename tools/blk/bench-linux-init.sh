#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench-linux-init.sh - /init of the Linux PVH domU in the block benchmark
# (Debian's kernel, a busybox initramfs built by tools/blk/bench.sh): say
# it is up (dom0 times `xl create` to this line), load xen-blkfront, run
# the seven workloads on /dev/xvda (tools/blk/bench-workloads.sh), power
# off. Its console is hvc0, logged by dom0's xenconsoled.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "XENLING-LINUX-PEER: init at uptime $(cut -d' ' -f1 /proc/uptime) s, $(grep -c ^processor /proc/cpuinfo) CPUs"
insmod /lib/modules/xen-blkfront.ko || echo "BENCH-ERROR linux all insmod xen-blkfront failed"
n=0
while [ ! -b /dev/xvda ] && [ $n -lt 300 ]; do
    n=$((n + 1))
    sleep 0.1
done
. /bench.env
. /bench-workloads.sh
FIO=/bin/fio
DD=/bin/dd
if [ -b /dev/xvda ]; then
    q=/sys/block/xvda/queue
    echo "XENLING-LINUX-PEER: xvda $(cat /sys/block/xvda/size) sectors, max_sectors_kb $(cat $q/max_sectors_kb), max_segments $(cat $q/max_segments), nr_requests $(cat $q/nr_requests)"
    bench_workloads linux /dev/xvda
else
    echo "BENCH-ERROR linux all /dev/xvda did not appear"
fi
echo "XENLING-LINUX-PEER: done"
poweroff -f
