#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build-dom0.sh - build the tier-2 dom0 (Debian's Linux 6.1 as a PV dom0
# under Xen) from packages installed on this machine:
#
#   build/tier2/dom0-vmlinux         the installed kernel's vmlinux ELF,
#                                    extracted from /boot/vmlinuz-* (Xen
#                                    would otherwise decompress the bzImage
#                                    itself, which is slow under QEMU TCG)
#   build/tier2/dom0-initrd.cpio.gz  busybox + Xen toolstack + modules +
#                                    tools/tier2/init as /init, and the
#                                    dom0 agent in /usr/lib/xenling
#   build/tier2/gntpeer              tools/tier2/gntpeer.c, built here
#                                    against libxengnttab (libxen-dev)
#   build/tier2/hostileback          tools/tier2/hostileback*.c (a block
#                                    backend that misbehaves on cue)
#
# Idempotent: each output carries a stamp (a hash of every input) and is
# rebuilt only when an input changed. See tools/tier2/README.md.
#
# Usage: tools/tier2/build-dom0.sh [--force]
# Env:   XENLING_DOM0_KVER=6.1.0-NN-amd64  pick a kernel (default: newest
#        /boot/vmlinuz-*-amd64 that has /lib/modules/<ver>)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out="$top/build/tier2"
force=0

die() { echo "build-dom0: error: $*" >&2; exit 1; }
say() { echo "build-dom0: $*"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        -h|--help) sed -n '3,20p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (usage: build-dom0.sh [--force])" ;;
    esac
    shift
done

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
[ -n "$PY" ] || die "python3 not found (tools/setup.sh installs it)"
for t in cpio gzip sha256sum ldd ldconfig flock; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/sbin/$t" ] || die "'$t' not found: run tools/setup.sh"
done
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)

XENBIN=/usr/lib/xen-4.17/bin
# libxl-save-helper: xl save, restore and migrate run it.
XEN_TOOLS=(xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper)
XENSTORE_LINKS=(xenstore-chmod xenstore-exists xenstore-list xenstore-ls
                xenstore-read xenstore-rm xenstore-watch xenstore-write)
# Loaded in this order (dependencies from modules.dep are put first).
MODULES=(xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-blkback loop
         virtio_pci virtio_blk dm-mod dm-log-writes)
# Device-mapper's tool, for the dm-log-writes observer of block tests.
DMSETUP=/usr/sbin/dmsetup

# ---------------------------------------------------------------- kernel --
if [ -n "${XENLING_DOM0_KVER:-}" ]; then
    kver=$XENLING_DOM0_KVER
else
    kver=
    for v in $(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V); do
        [ -d "/lib/modules/$v" ] && kver=$v
    done
fi
[ -n "$kver" ] || die "no /boot/vmlinuz-*-amd64 with modules: install linux-image-amd64 (tools/setup.sh)"
vmlinuz=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$vmlinuz" ] || die "$vmlinuz missing or unreadable"
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep missing"

mkdir -p "$out"
# Two runs at once must not share the staging directory.
exec 8>"$out/.build.lock"
flock -w 600 8 || die "another build-dom0.sh held $out/.build.lock for 10 minutes"

# --------------------------------------------------------- dom0-vmlinux --
# The bzImage's setup header says where the compressed kernel sits
# (payload_offset/payload_length, boot protocol >= 2.08); decompress it
# with the matching tool, picked by the payload's magic bytes.
vm_stamp_val="extract-v1 $(sha256sum "$vmlinuz" | cut -d' ' -f1)"
if [ $force = 1 ] || [ ! -s "$out/dom0-vmlinux" ] || \
   [ "$(cat "$out/dom0-vmlinux.stamp" 2>/dev/null)" != "$vm_stamp_val" ]; then
    say "extracting vmlinux from $vmlinuz"
    rm -f "$out/dom0-vmlinux" "$out/dom0-vmlinux.stamp"
    timeout 300 "$PY" - "$vmlinuz" "$out/dom0-vmlinux.tmp" <<'PYEOF'
import bz2, gzip, lzma, shutil, struct, subprocess, sys, zlib

src, dst = sys.argv[1], sys.argv[2]
img = open(src, "rb").read()

def fail(msg):
    sys.exit("build-dom0: error: %s: %s" % (src, msg))

if img[0x202:0x206] != b"HdrS":
    fail("no bzImage setup header ('HdrS' at 0x202)")
version = struct.unpack_from("<H", img, 0x206)[0]
if version < 0x208:
    fail("boot protocol %#x too old (no payload_offset)" % version)
setup_sects = img[0x1F1] or 4
pm_start = (setup_sects + 1) * 512
poff, plen = struct.unpack_from("<II", img, 0x248)
payload = img[pm_start + poff: pm_start + poff + plen]
if len(payload) != plen:
    fail("payload runs past the end of the file")

def external(cmd):
    r = subprocess.run(cmd, input=payload, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    # The payload ends with a 4-byte size trailer that some tools
    # complain about; accept their output when it is an ELF.
    return r.stdout

if payload[:2] in (b"\x1f\x8b", b"\x1f\x9e"):
    data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload)
elif payload[:6] == b"\xfd7zXZ\x00":
    data = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload[:3] == b"\x5d\x00\x00":
    data = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(payload)
elif payload[:3] == b"BZh":
    data = bz2.BZ2Decompressor().decompress(payload)
elif payload[:4] == b"\x28\xb5\x2f\xfd":
    if not shutil.which("zstd"):
        fail("zstd-compressed kernel but no 'zstd' tool")
    data = external(["zstd", "-dc"])
elif payload[:4] == b"\x02\x21\x4c\x18":
    if not shutil.which("lz4"):
        fail("lz4-compressed kernel but no 'lz4' tool")
    data = external(["lz4", "-dc"])
elif payload[:3] == b"\x89LZ":
    if not shutil.which("lzop"):
        fail("lzo-compressed kernel but no 'lzop' tool")
    data = external(["lzop", "-dc"])
else:
    fail("unknown payload compression (magic %s)" % payload[:6].hex())

if data[:4] != b"\x7fELF":
    fail("decompressed payload is not an ELF file")
open(dst, "wb").write(data)
PYEOF
    mv "$out/dom0-vmlinux.tmp" "$out/dom0-vmlinux"
    echo "$vm_stamp_val" >"$out/dom0-vmlinux.stamp"
    say "built $out/dom0-vmlinux ($(du -h "$out/dom0-vmlinux" | cut -f1))"
fi

# -------------------------------------------------------------- gntpeer --
# The dom0's grant-table peer (tools/tier2/gntpeer.c), compiled on this
# host against libxen-dev; rebuilt when its source, the compiler or the
# library's header changes.
CC=${CC:-gcc}
command -v "$CC" >/dev/null || die "'$CC' not found: run tools/setup.sh"
[ -r /usr/include/xengnttab.h ] || die "/usr/include/xengnttab.h missing: install libxen-dev"
[ -r "$here/gntpeer.c" ] || die "$here/gntpeer.c missing"
GNTPEER_CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror"
gp_stamp_val=$( {
    echo "gntpeer-v1 $CC $GNTPEER_CFLAGS"
    "$CC" --version | head -n 1
    sha256sum "$here/gntpeer.c" /usr/include/xengnttab.h | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)
if [ $force = 1 ] || [ ! -x "$out/gntpeer" ] || \
   [ "$(cat "$out/gntpeer.stamp" 2>/dev/null)" != "$gp_stamp_val" ]; then
    say "building $out/gntpeer"
    rm -f "$out/gntpeer" "$out/gntpeer.stamp"
    # shellcheck disable=SC2086 # the flags are words on purpose
    timeout 120 "$CC" $GNTPEER_CFLAGS -o "$out/gntpeer.tmp" "$here/gntpeer.c" \
        -lxengnttab || die "compiling $here/gntpeer.c failed"
    mv "$out/gntpeer.tmp" "$out/gntpeer"
    echo "$gp_stamp_val" >"$out/gntpeer.stamp"
fi

# ---------------------------------------------------------- hostileback --
# The hostile block backend (tools/tier2/hostileback.c): the same way,
# against libxenstore, libxengnttab and libxenevtchn.
for h in xenstore.h xengnttab.h xenevtchn.h xen/io/blkif.h; do
    [ -r "/usr/include/$h" ] || die "/usr/include/$h missing: install libxen-dev"
done
HB_SRC=("$here/hostileback.c" "$here/hostileback_ring.c" "$here/hostileback.h")
for f in "${HB_SRC[@]}"; do
    [ -r "$f" ] || die "$f missing"
done
hb_stamp_val=$( {
    echo "hostileback-v2 $CC $GNTPEER_CFLAGS"
    "$CC" --version | head -n 1
    sha256sum "${HB_SRC[@]}" /usr/include/xenstore.h \
        /usr/include/xengnttab.h /usr/include/xenevtchn.h \
        /usr/include/xen/io/blkif.h | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)
if [ $force = 1 ] || [ ! -x "$out/hostileback" ] || \
   [ "$(cat "$out/hostileback.stamp" 2>/dev/null)" != "$hb_stamp_val" ]; then
    say "building $out/hostileback"
    rm -f "$out/hostileback" "$out/hostileback.stamp"
    # shellcheck disable=SC2086 # the flags are words on purpose
    timeout 120 "$CC" $GNTPEER_CFLAGS -o "$out/hostileback.tmp" \
        "$here/hostileback.c" "$here/hostileback_ring.c" \
        -lxenstore -lxengnttab -lxenevtchn || \
        die "compiling $here/hostileback*.c failed"
    mv "$out/hostileback.tmp" "$out/hostileback"
    echo "$hb_stamp_val" >"$out/hostileback.stamp"
fi

# ----------------------------------------------------------- file list --
# Collect (source, destination-in-initramfs) pairs; the hash of this list
# plus the contents of every file decides whether the initramfs is stale.
for f in init block agent agent-selftest xenling-ssh soak; do
    [ -r "$here/$f" ] || die "$here/$f missing"
done
command -v busybox >/dev/null || [ -x /bin/busybox ] || die "busybox not found: install busybox-static"
BUSYBOX=$(command -v busybox || echo /bin/busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked: install busybox-static"
fi

declare -a SRC=() DST=()
add() { SRC+=("$1"); DST+=("$2"); }

add "$BUSYBOX" /bin/busybox
add "$here/init" /init
add "$here/block" /etc/xen/scripts/block
XENLING_LIB=/usr/lib/xenling
add "$here/agent" $XENLING_LIB/agent
add "$here/agent-selftest" $XENLING_LIB/agent-selftest
add "$here/xenling-ssh" $XENLING_LIB/xenling-ssh
add "$here/soak" $XENLING_LIB/soak
add "$out/gntpeer" $XENLING_LIB/gntpeer
add "$out/hostileback" $XENLING_LIB/hostileback
for t in "${XEN_TOOLS[@]}"; do
    [ -x "$XENBIN/$t" ] || die "$XENBIN/$t missing: install xen-utils-4.17"
    add "$XENBIN/$t" "$XENBIN/$t"
done
[ -x /usr/bin/xenstore ] || die "/usr/bin/xenstore missing: install xenstore-utils"
add /usr/bin/xenstore /usr/bin/xenstore
[ -x $DMSETUP ] || die "$DMSETUP missing: install dmsetup"
add $DMSETUP $DMSETUP

# Shared libraries: everything ldd reports for the dynamic binaries (the
# dynamic loader included), plus libgcc_s (glibc dlopens it for
# pthread_cancel). Copied to the path ldd names, symlinks resolved.
declare -A LIBS=()
for b in "${XEN_TOOLS[@]/#/$XENBIN/}" /usr/bin/xenstore "$out/gntpeer" \
         "$out/hostileback" $DMSETUP; do
    while read -r lib; do
        [ -n "$lib" ] && LIBS[$lib]=1
    done < <(ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done
libgcc=$(ldconfig -p 2>/dev/null | awk '/libgcc_s\.so\.1 .*x86-64/ && !f { print $NF; f = 1 }')
[ -n "$libgcc" ] || libgcc=/lib/x86_64-linux-gnu/libgcc_s.so.1
[ -e "$libgcc" ] || die "libgcc_s.so.1 not found"
LIBS[$libgcc]=1
for lib in "${!LIBS[@]}"; do
    [ -e "$lib" ] || die "library $lib (from ldd) missing"
    add "$lib" "$lib"
done

# Modules and their dependencies, in load order, from modules.dep.
mapfile -t MODPATHS < <("$PY" - "$moddir" "${MODULES[@]}" <<'PYEOF'
import os, sys
moddir, wanted = sys.argv[1], sys.argv[2:]
deps, byname = {}, {}
for line in open(os.path.join(moddir, "modules.dep")):
    if ":" not in line:
        continue
    mod, rest = line.split(":", 1)
    deps[mod] = rest.split()
    base = os.path.basename(mod)
    for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(ext):
            base = base[: -len(ext)]
            break
    byname[base.replace("-", "_")] = mod
order, seen = [], set()
def visit(mod, chain):
    if mod in seen:
        return
    if mod in chain:
        sys.exit("build-dom0: error: module dependency loop at " + mod)
    for d in deps.get(mod, []):
        visit(d, chain + [mod])
    seen.add(mod)
    order.append(mod)
for w in wanted:
    mod = byname.get(w.replace("-", "_"))
    if mod is None:
        sys.exit("build-dom0: error: module %s not in %s/modules.dep "
                 "(built in? then drop it from MODULES)" % (w, moddir))
    visit(mod, [])
print("\n".join(order))
PYEOF
)
[ ${#MODPATHS[@]} -gt 0 ] || die "module resolution failed"
for m in "${MODPATHS[@]}"; do
    [ -r "$moddir/$m" ] || die "$moddir/$m missing"
    add "$moddir/$m" "/lib/modules/$(basename "$m")"
done

# ------------------------------------------------------------- staleness --
listing=$(for i in "${!SRC[@]}"; do printf '%s -> %s\n' "${SRC[$i]}" "${DST[$i]}"; done | sort)
stamp_val=$( {
    echo "initrd-v1 kernel=$kver"
    echo "$listing"
    sha256sum "$0" "${SRC[@]}" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)
initrd="$out/dom0-initrd.cpio.gz"
if [ $force = 0 ] && [ -s "$initrd" ] && \
   [ "$(cat "$initrd.stamp" 2>/dev/null)" = "$stamp_val" ]; then
    exit 0
fi

# --------------------------------------------------------------- staging --
say "building $initrd (kernel $kver)"
root="$out/dom0-root"
rm -rf "$root"
mkdir -p "$root"
for i in "${!SRC[@]}"; do
    d="$root${DST[$i]}"
    mkdir -p "$(dirname "$d")"
    case "${SRC[$i]}" in
        *.ko.xz)  xz -dc "${SRC[$i]}" >"${d%.xz}" ;;
        *.ko.zst) zstd -qdc "${SRC[$i]}" >"${d%.zst}" ;;
        *.ko.gz)  gzip -dc "${SRC[$i]}" >"${d%.gz}" ;;
        *)        cp -L "${SRC[$i]}" "$d" ;;
    esac
done
# Module load order for /init (names without directory or suffix).
for m in "${MODPATHS[@]}"; do
    b=$(basename "$m"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
    echo "$b"
done >"$root/lib/modules/load-order"

# busybox applet links (never over a real file we copied).
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
for a in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
for a in "${XENSTORE_LINKS[@]}"; do
    ln -sf xenstore "$root/usr/bin/$a"
done
for t in "${XEN_TOOLS[@]}"; do
    ln -sf "$XENBIN/$t" "$root/usr/sbin/$t"
done
chmod 0755 "$root/init" "$root/etc/xen/scripts/block" \
    "$root$XENLING_LIB/agent" "$root$XENLING_LIB/agent-selftest" \
    "$root$XENLING_LIB/xenling-ssh" "$root$XENLING_LIB/soak" \
    "$root$XENLING_LIB/gntpeer" "$root$XENLING_LIB/hostileback"

# Directories the toolstack expects; /init creates the /run ones.
mkdir -p "$root"/{proc,sys,dev,run,tmp,root,mnt,job} \
         "$root"/var/{lib/xen,lib/xenstored,log/xen/console} \
         "$root/etc/xen/auto"
ln -s /run "$root/var/run"
ln -s /run/lock "$root/var/lock"

# xl's global config: no ballooning of dom0 (dom0_mem fixes its size) and
# xl runs the hotplug scripts itself (there is no udev in this dom0).
cat >"$root/etc/xen/xl.conf" <<'EOF'
# /etc/xen/xl.conf for the Xenling tier-2 dom0 (see tools/tier2/README.md)
autoballoon="off"
run_hotplug_scripts=1
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'xenling-dom0\n' >"$root/etc/hostname"
printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf"
"$LDCONFIG" -r "$root" 2>/dev/null || die "ldconfig -r failed"

# Sanity: every dynamic binary must find its libraries inside the root.
for t in "${XEN_TOOLS[@]}"; do
    [ -x "$root$XENBIN/$t" ] || die "staging lost $t"
done

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | \
    timeout 120 cpio -o -H newc --quiet -R 0:0) | gzip -6 -n >"$initrd.tmp"
mv "$initrd.tmp" "$initrd"
echo "$stamp_val" >"$initrd.stamp"
rm -rf "$root"
say "built $initrd ($(stat -c %s "$initrd") bytes, ${#MODPATHS[@]} modules)"
