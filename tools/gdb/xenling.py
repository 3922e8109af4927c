# SPDX-License-Identifier: MIT
#
# xenling.py - gdb set-up for Xenling, loaded by the top-level .gdbinit:
# it loads the kernel's symbols, connects to the QEMU that `make qemu-gdb`
# (tools/run-qemu.sh --gdb) left waiting, and teaches gdb to disassemble
# the 32-bit part of boot/head.asm as 32-bit code. gdb itself stays in
# 64-bit mode the whole time (the ELF and QEMU's x86-64 stub both say
# i386:x86-64), so nothing has to switch at the jump to long mode; only
# the disassembler needs to know that pvh_start..long_entry runs in
# 32-bit protected mode. docs/ch0-getting-started.md shows a session.

import os
import re
import subprocess

import gdb
import gdb.disassembler
from gdb.FrameDecorator import FrameDecorator

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SESSION = os.path.join(TOP, "build", "qemu-gdb.session")


def read_session():
    """The port and kernel tools/lib/gdb-stub.sh wrote, or None."""
    try:
        with open(SESSION) as f:
            pairs = dict(line.strip().split("=", 1) for line in f if "=" in line)
    except OSError:
        return None
    if not pairs.get("port", "").isdigit() or not pairs.get("kernel"):
        print("xenling: ignoring %s: no port= or kernel= line" % SESSION)
        return None
    return pairs


def symbol_address(name):
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is not None:
        return int(sym.value().address)
    # Assembly labels have no debug type: ask the minimal symbol table.
    try:
        return int(gdb.parse_and_eval("(unsigned long)&%s" % name))
    except gdb.error:
        return None


class Boot32Disassembler(gdb.disassembler.Disassembler):
    """Decode pvh_start..long_entry (bits 32 in boot/head.asm) as i386.

    gdb decodes everything as x86-64 here, which turns 32-bit absolute
    addressing into RIP-relative operands and far jumps into "(bad)".
    objdump decodes the kernel file's 32-bit region once, in 32-bit mode;
    every other address goes to gdb's own disassembler.
    """

    def __init__(self, kernel, start, end):
        super().__init__("xenling-boot32")
        self.start, self.end = start, end
        self.insns = {}
        flavor = "intel" if gdb.parameter("disassembly-flavor") == "intel" else "att"
        out = subprocess.run(
            ["objdump", "-d", "-M", "i386," + flavor, "--insn-width=16",
             "--start-address=%#x" % start, "--stop-address=%#x" % end, kernel],
            capture_output=True, text=True, check=False).stdout
        # "  100032:\tbd 01 00 00 00       \tmov    $0x1,%ebp"
        for m in re.finditer(r"^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$", out, re.M):
            # objdump writes branch targets as "10005a <common32>"; gdb as
            # "0x10005a <common32>".
            text = re.sub(r"\b([0-9a-f]+) <", r"0x\1 <", m.group(3).strip())
            self.insns[int(m.group(1), 16)] = (len(m.group(2).split()), text)

    def __call__(self, info):
        if self.start <= info.address < self.end and info.address in self.insns:
            length, text = self.insns[info.address]
            return gdb.disassembler.DisassemblerResult(length, text)
        return gdb.disassembler.builtin_disassemble(info)


class StopAtEntry:
    """Frame filter: a backtrace ends at the first function of a stack.

    long_entry calls kernel_main on the boot stack, ap_entry starts a
    secondary vCPU and sched_thread_start a kernel thread, both with a
    zero return address; none has a caller, but gdb's prologue analysis
    would read whatever lies above them as return addresses.
    """

    BOTTOM = ("long_entry", "ap_entry", "sched_thread_start")

    def __init__(self):
        self.name = "xenling-stack-bottom"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        for f in frames:
            frame = f.inferior_frame()
            # nasm's local labels: long_entry.hang is still long_entry.
            name = re.split(r"[.\[]", frame.name() or "")[0]
            yield NamedFrame(f, name) if name else f
            if name in self.BOTTOM or frame.pc() == 0:
                return


class NamedFrame(FrameDecorator):
    """A frame shown under its function's name, not its local label's."""

    def __init__(self, base, name):
        super().__init__(base)
        self.name = name

    def function(self):
        return self.name


def setup():
    gdb.execute("set history save on")
    session = read_session()
    kernel = session["kernel"] if session else os.path.join(TOP, "build", "xenling")
    if not os.path.exists(kernel):
        print("xenling: %s does not exist: run make first" % kernel)
        return
    gdb.execute("file %s" % kernel, to_string=True)
    start, end = symbol_address("pvh_start"), symbol_address("long_entry")
    mb2 = symbol_address("mb2_start")
    if start is not None and end is not None:
        start = min(start, mb2) if mb2 is not None else start
        gdb.disassembler.register_disassembler(
            Boot32Disassembler(kernel, start, end), "i386:x86-64")
    StopAtEntry()
    print("xenling: symbols from %s" % kernel)
    if session is None:
        print("xenling: no QEMU is waiting (no %s): start one with `make qemu-gdb`,"
              " then `target remote 127.0.0.1:PORT`" % SESSION)
        return
    gdb.execute("target remote 127.0.0.1:%s" % session["port"])
    print("xenling: connected; try `break kernel_main`, `continue`, `info threads`")


setup()
