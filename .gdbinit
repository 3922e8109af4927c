# SPDX-License-Identifier: MIT
#
# .gdbinit - gdb loads this when started at the top of the tree and
# trusted (make qemu-gdb prints the command that trusts it). It loads
# build/xenling's symbols and connects to the waiting QEMU; all the work
# is in tools/gdb/xenling.py. Debugging with gdb: docs/ch0-getting-started.md.
source tools/gdb/xenling.py
