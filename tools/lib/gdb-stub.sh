# SPDX-License-Identifier: MIT
#
# gdb-stub.sh - start QEMU stopped, with its gdb stub, for a debugger to
# attach (make qemu-gdb; tools/gdb/README.md). Source it, take a QEMU slot
# (tools/lib/qemu-slot.sh), then call gdb_stub_setup KERNEL: it sets
# GDB_QEMU_ARGS to QEMU's options, writes build/qemu-gdb.session (the port
# and the kernel, which the shipped .gdbinit reads), removes that file
# when the runner exits, and prints the one command that attaches.

gdb_stub_setup() {
    local kernel=$1 top
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    # One port per QEMU slot: two runs never ask for the same one.
    GDB_PORT=${XENLING_GDB_PORT:-$((1234 + ${QEMU_SLOT:-0}))}
    GDB_SESSION=$top/build/qemu-gdb.session
    GDB_QEMU_ARGS=(-S -gdb "tcp:127.0.0.1:$GDB_PORT")
    mkdir -p "$top/build"
    printf 'port=%s\nkernel=%s\n' "$GDB_PORT" \
        "$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")" >"$GDB_SESSION"
    trap 'rm -f "$GDB_SESSION"' EXIT
    echo "qemu-gdb: QEMU is stopped before its first instruction, gdb stub on 127.0.0.1:$GDB_PORT"
    echo "qemu-gdb: attach from another terminal with:"
    echo "    cd $top && gdb -q -iex 'add-auto-load-safe-path $top/.gdbinit'"
}
