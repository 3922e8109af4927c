# SPDX-License-Identifier: MIT
#
# qemu-mon.sh - a look inside a machine that went silent. The tier
# runners give QEMU a monitor socket (qemu_mon_args) and start a watcher
# (qemu_mon_watch) that, when the serial log has not grown for SILENCE
# seconds, asks the monitor once for every vCPU's registers
# (tools/qemu-mon.py) and writes them to OUT: under Xen these are Xen's
# physical CPUs, so the RIPs say whether Xen, dom0 or a guest was
# spinning. Found by a tier-2 boot that hung for 10 minutes with no line
# (tools/README.md, the triple-fault section).

# qemu_mon_args SOCKET: the QEMU arguments for a monitor on SOCKET.
qemu_mon_args() {
    printf '%s\n' -monitor "unix:$1,server=on,wait=off"
}

# qemu_mon_watch SOCKET SERIAL OUT SILENCE: in the background (the
# caller keeps $! and kills it when QEMU is gone). Prints one line when
# it dumped.
qemu_mon_watch() {
    local sock=$1 serial=$2 out=$3 silence=$4 here size last=-1 quiet=0
    here=$(dirname "${BASH_SOURCE[0]}")/..
    while sleep 5; do
        size=$(stat -c %s "$serial" 2>/dev/null || echo 0)
        if [ "$size" != "$last" ]; then
            last=$size quiet=0
            continue
        fi
        quiet=$((quiet + 5))
        [ $quiet -ge "$silence" ] || continue
        python3 "$here/qemu-mon.py" "$sock" "info registers -a" \
            "info cpus" >"$out" 2>&1
        echo "qemu-mon: the serial line was silent for ${quiet} s: every vCPU's registers (QEMU monitor) are in $out"
        return 0
    done
}
