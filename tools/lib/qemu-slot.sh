# SPDX-License-Identifier: MIT
#
# qemu-slot.sh - at most two QEMUs on this machine at once (2 cores; every
# tier runner takes a slot). Source it, then call qemu_slot_take before
# starting QEMU; the slot is held on file descriptor 8 until the runner
# exits. XENLING_QEMU_SLOTS overrides the number of slots (default 2).
# QEMU_SLOT is then the slot's number (0, 1, ...): unique among running
# QEMUs, so a runner can derive a free resource from it (a gdb port).

qemu_slot_take() {
    local slots=${XENLING_QEMU_SLOTS:-2} waited=0 i
    while :; do
        for ((i = 0; i < slots; i++)); do
            exec 8>"/tmp/xenling-qemu.slot$i"
            if flock -n 8; then
                QEMU_SLOT=$i
                return 0
            fi
            exec 8>&-
        done
        if [ $waited -ge 1800 ]; then
            echo "qemu-slot: no QEMU slot free for 30 minutes" >&2
            return 1
        fi
        [ $waited = 0 ] && echo "qemu-slot: waiting for a free QEMU slot ($slots in use)" >&2
        sleep 1
        waited=$((waited + 1))
    done
}
