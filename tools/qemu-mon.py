#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# qemu-mon.py - send commands to a QEMU human monitor on a unix socket
# (QEMU's "-monitor unix:PATH,server=on,wait=off") and print the replies:
# how the tier runners read a silent machine's vCPU registers
# (tools/lib/qemu-mon.sh). Usage: qemu-mon.py SOCKET COMMAND...
# Exit 0 when every command was answered, 1 when the socket did not
# connect or a reply did not end in the monitor's prompt within 20 s.
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_to_prompt(s, deadline):
    buf = b""
    while not buf.endswith(PROMPT):
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return buf, False
        if not chunk:
            return buf, False
        buf += chunk
    return buf[: -len(PROMPT)], True


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: qemu-mon.py SOCKET COMMAND...")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
    except OSError as e:
        print("qemu-mon: cannot connect to %s: %s" % (sys.argv[1], e))
        return 1
    _, ok = read_to_prompt(s, time.time() + 20)  # the banner
    if not ok:
        print("qemu-mon: no monitor prompt on %s" % sys.argv[1])
        return 1
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        out, ok = read_to_prompt(s, time.time() + 20)
        # The monitor echoes the command (with terminal escapes) first.
        text = out.decode(errors="replace").replace("\r", "")
        lines = [l for l in text.split("\n")[1:] if l.strip()]
        print("(qemu) %s" % cmd)
        print("\n".join(lines))
        if not ok:
            print("qemu-mon: '%s' was not answered within 20 s" % cmd)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
