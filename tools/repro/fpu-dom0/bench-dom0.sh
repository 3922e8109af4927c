#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench-dom0.sh - tools/repro/fpu-dom0.sh's part in the tier-2 dom0 (run
# by /init in JOB_MODE=bench with the scratch disk's device as $1). Four
# phases of PHASE_S seconds each, in one boot: no guest; a Xenling guest
# doing its timer/IPI soak beside dom0; a Xenling guest doing disk I/O
# (bench=blk); no guest again. In each phase dom0 runs regcheck (1 s,
# 2 threads) and an awk pipeline over and over, and counts the runs that
# failed and the kernel's new "traps:"/"segfault at" lines. Output:
# "# repro: PHASE ..." lines, then regcheck's messages.
B=/job/bench
dev=$1
PH=60
[ -r $B/phase_s ] && PH=$(cat $B/phase_s)
note() { echo "# repro: $*"; }
faults() { dmesg | grep -c -E 'traps:|segfault at'; }
up() { cut -d. -f1 /proc/uptime; }
phase() {
    ok=0 fail=0 aok=0 afail=0 f0=$(faults)
    end=$(($(up) + $2))
    while [ "$(up)" -lt $end ]; do
        if $B/regcheck 1 2 2>>/tmp/regcheck.err; then
            ok=$((ok + 1))
        else
            fail=$((fail + 1))
            echo "  (phase $1, dom0 uptime $(up) s)" >>/tmp/regcheck.err
        fi
        for i in 1 2 3 4 5; do
            if [ "$(echo 3 | awk '{ print $1 * 2 }')" = 6 ]; then aok=$((aok + 1)); else afail=$((afail + 1)); fi
        done
    done
    note "PHASE $1: regcheck ok=$ok failed=$fail, awk ok=$aok failed=$afail, new kernel fault lines=$(($(faults) - f0)), domains: $(xl list 2>&1 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')"
}
guest() { # NAME EXTRA: start a Xenling domU in the background
    cat >/tmp/$1.cfg <<EOC
name = "$1"
type = "pvh"
memory = 64
vcpus = ${JOB_VCPUS:-2}
kernel = "/job/kernel"
on_poweroff = "destroy"
on_crash = "destroy"
disk = [ "format=raw, vdev=xvda, access=rw, target=$dev" ]
extra = "$2"
EOC
    xl create /tmp/$1.cfg >/tmp/$1.xl 2>&1 || { note "xl create $1 failed:"; cat /tmp/$1.xl; }
    sleep 3
}
note "$(grep -c avx /proc/cpuinfo) of $(grep -c ^processor /proc/cpuinfo) dom0 vCPUs have AVX; $PH s per phase; Xen: $(xl info | grep -E '^xen_commandline' | cut -d: -f2-)"
phase no-guest $PH
guest soak "tests=soak.* soak_s=$((PH + 30))"
phase guest-soak $PH
xl destroy soak 2>/dev/null
guest io "bench=blk blktest=xvda blkbench_s=$((PH / 7 + 2))"
phase guest-io $PH
xl destroy io 2>/dev/null
phase no-guest-after $PH
note "regcheck's messages:"
cat /tmp/regcheck.err
exit 0
