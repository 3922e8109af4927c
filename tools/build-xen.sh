#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-xen.sh - build Debian's Xen 4.17 hypervisor with the one-line CR2
# fix that QEMU TCG's SVM needs (see tools/README.md, "CR2 reads as 0"),
# and leave it as build/xen/xen.elf (a 32-bit multiboot ELF for -kernel).
#
# Idempotent: does nothing when build/xen/xen.elf exists and the patch
# stamp matches. Needs the deb-src line tools/setup.sh adds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out="$top/build/xen"
src="$out/src"
stampval="cr2-sync-v1"

if [ -f "$out/xen.elf" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stampval" ]; then
    exit 0
fi

mkdir -p "$out"
if [ ! -d "$src" ]; then
    echo "build-xen: fetching Debian's xen source package"
    rm -rf "$out/dl"
    mkdir -p "$out/dl"
    # Only bookworm's main deb-src is configured, so this is 4.17.5+.
    (cd "$out/dl" && timeout 600 apt-get source -q --download-only xen)
    dsc=$(ls "$out/dl"/xen_*.dsc | head -n 1)
    (cd "$out/dl" && timeout 600 dpkg-source -x --skip-debianization \
        "$dsc" extracted >/dev/null) || \
    (cd "$out/dl" && timeout 600 dpkg-source -x "$dsc" extracted >/dev/null)
    mv "$out/dl/extracted" "$src"
    rm -rf "$out/dl"
fi

svm="$src/xen/arch/x86/hvm/svm/svm.c"
if ! grep -q 'XENLING: sync guest CR2' "$svm"; then
    echo "build-xen: applying the CR2 sync fix to svm_vmexit_handler()"
    python3 - "$svm" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
# Find the body of svm_vmexit_handler and insert the sync after the line
# that loads the VMCB pointer, before anything can read guest_cr[2].
m = re.search(r'void svm_vmexit_handler\([^)]*\)\n\{\n', text)
if not m:
    sys.exit("build-xen: svm_vmexit_handler() not found")
body = m.end()
anchor = re.compile(r'\n(\s*)struct vmcb_struct \*vmcb = v->arch\.hvm\.svm\.vmcb;\n')
a = anchor.search(text, body)
if not a:
    sys.exit("build-xen: VMCB pointer line not found in svm_vmexit_handler()")
# Insert after the declarations block: find the first blank line after it.
decl_end = text.index('\n\n', a.end()) + 1
fix = ('    /* XENLING: sync guest CR2 on every VMExit (QEMU TCG reports CR2\n'
       '     * reads as CR0 reads, which Xen emulates from this copy). */\n'
       '    v->arch.hvm.guest_cr[2] = vmcb_get_cr2(vmcb);\n')
text = text[:decl_end] + fix + text[decl_end:]
open(path, 'w').write(text)
EOF
fi

echo "build-xen: configuring (Debian's /boot/xen-4.17-amd64.config)"
cfg=$(ls /boot/xen-4.17-amd64.config 2>/dev/null || true)
if [ -z "$cfg" ]; then
    echo "build-xen: /boot/xen-4.17-amd64.config missing: run tools/setup.sh" >&2
    exit 1
fi
cp "$cfg" "$src/xen/.config"
timeout 300 make -C "$src/xen" olddefconfig >/dev/null
echo "build-xen: building the hypervisor (about 2 minutes on 2 cores)"
timeout 1200 make -C "$src/xen" -j"$(nproc)" >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    exit 1
}
gunzip -c "$src/xen/xen.gz" >"$out/xen.elf"
echo "$stampval" >"$out/stamp"
echo "build-xen: built $out/xen.elf"
