# SPDX-License-Identifier: MIT
#
# qemu-slot.sh - at most two QEMUs on this machine at once (2 cores; every
# tier runner takes a slot). Source it, then call qemu_slot_take before
# starting QEMU; the slot is held on file descriptor 8 until the runner
# exits. Waiters are served in arrival order: each leaves a ticket in
# /tmp/xenling-qemu.queue and tries for a slot only while its ticket is
# among the oldest live ones. XENLING_QEMU_SLOTS overrides the number of
# slots (default 2). While the file /tmp/xenling-qemu.lead names a
# directory, only runners started inside it take slots (the lead's final
# checks on a shared machine); the others wait. While the file
# /tmp/xenling-qemu.prio names a directory, runners started inside it go
# first but the others still take free slots (the lead's checks while
# helpers work). With XENLING_QEMU_EXCLUSIVE=1 the runner then also takes
# every other slot (slot 0 first, then in order, on fds 190 up: the
# runners use the low ones), so no other QEMU runs beside
# it: the benchmarks, whose numbers a second QEMU on the two cores would
# skew (docs/blkfront.md, "Performance").

qemu_slot_take() {
    local slots=${XENLING_QEMU_SLOTS:-2} waited=0 i q=/tmp/xenling-qemu.queue
    local me t pid ahead lead prio
    mkdir -p "$q"
    # The lead's tickets sort before everyone else's (class 0, others 1).
    lead=$(cat /tmp/xenling-qemu.lead 2>/dev/null)
    prio=$(cat /tmp/xenling-qemu.prio 2>/dev/null)
    if [ -n "$lead" ] && [ "${PWD#"$lead"}" != "$PWD" ]; then
        me="$q/0-$(date +%s%N)-$$"
    elif [ -n "$prio" ] && [ "${PWD#"$prio"}" != "$PWD" ]; then
        me="$q/0-$(date +%s%N)-$$"
    else
        me="$q/1-$(date +%s%N)-$$"
    fi
    # An exclusive runner's ticket says so: the runners behind it wait
    # until it has every slot, instead of slipping into one as it frees.
    [ "${XENLING_QEMU_EXCLUSIVE:-0}" = 1 ] && me="${me%-*}-x-$$"
    : >"$me"
    while :; do
        # Tickets of runners that died no longer count.
        ahead=0
        for t in "$q"/*; do
            [ -e "$t" ] || continue
            [ "$t" = "$me" ] && break
            pid=${t##*-}
            if kill -0 "$pid" 2>/dev/null; then
                ahead=$((ahead + 1))
                case "$t" in *-x-*) ahead=$slots ;; esac
            else
                rm -f "$t"
            fi
        done
        lead=$(cat /tmp/xenling-qemu.lead 2>/dev/null)
        if [ -n "$lead" ] && [ "${PWD#"$lead"}" = "$PWD" ]; then
            ahead=$slots # not the lead's: wait
        fi
        if [ $ahead -lt "$slots" ]; then
            for ((i = 0; i < slots; i++)); do
                # Exclusive runners start at slot 0 and go up, so two of
                # them never each hold a slot the other waits for.
                [ "${XENLING_QEMU_EXCLUSIVE:-0}" = 1 ] && [ $i -gt 0 ] && break
                exec 8>"/tmp/xenling-qemu.slot$i"
                if flock -n 8; then
                    rm -f "$me"
                    [ "${XENLING_QEMU_EXCLUSIVE:-0}" = 1 ] || return 0
                    qemu_slot_take_rest "$slots" "$i"
                    return
                fi
                exec 8>&-
            done
        fi
        if [ $waited -ge 3600 ]; then
            rm -f "$me"
            echo "qemu-slot: no QEMU slot free for 60 minutes" >&2
            return 1
        fi
        [ $waited = 0 ] && echo "qemu-slot: waiting for a free QEMU slot ($slots in use, $ahead waiting before us)" >&2
        sleep 1
        waited=$((waited + 1))
    done
}

# qemu_slot_take_rest SLOTS HELD: take every slot but HELD (slot 0) too,
# blocking, in order, on fds 190 up. Returns 1 when one stays busy for an hour.
qemu_slot_take_rest() {
    local slots=$1 held=$2 i fd=190
    for ((i = 0; i < slots; i++)); do
        [ "$i" = "$held" ] && continue
        eval "exec $fd>/tmp/xenling-qemu.slot$i"
        echo "qemu-slot: exclusive: waiting for slot $i" >&2
        if ! flock -w 3600 $fd; then
            echo "qemu-slot: slot $i stayed busy for 60 minutes" >&2
            return 1
        fi
        fd=$((fd + 1))
    done
    return 0
}
