#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# setup.sh - install every Debian package the build and the test tiers need
# on a fresh Debian 12 machine, then build the CR2-fixed Xen hypervisor
# (tools/build-xen.sh). Idempotent: a second run does nothing it need not.
#
# Usage: tools/setup.sh           (as root, or with sudo available)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
stamp="$top/build/.setup-done"

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
fi

# Packages from bookworm (main). QEMU comes from backports (below).
PKGS=(
    build-essential nasm make gcc binutils lcov clang-format
    # clang and its runtimes (libFuzzer, ThreadSanitizer): make fuzz,
    # make test-tsan
    clang-14 libclang-rt-14-dev
    libxen-dev
    xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils
    linux-image-amd64 busybox-static cpio gzip
    # dm-log-writes in the tier-2 dom0 (the block tests' observer)
    dmsetup
    grub-pc-bin grub-common xorriso mtools
    flex bison m4 python3 dpkg-dev
    gdb perl gnuplot-nox
)
BACKPORTS_PKGS=(qemu-system-x86)

have_all() {
    local p
    for p in "${PKGS[@]}" "${BACKPORTS_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || return 1
    done
    # QEMU must be the backports one (>= 10): bookworm's 7.2 lacks fixes
    # the Xen-in-TCG tiers rely on.
    qemu-system-x86_64 --version | grep -Eq 'version (9|[1-9][0-9])\.' || return 1
}

if ! have_all; then
    echo "setup: adding bookworm-backports and deb-src sources"
    # deb822, with the keyring the stock bookworm source names: apt refuses
    # two entries for one origin whose Signed-By values differ.
    $SUDO rm -f /etc/apt/sources.list.d/xenling.list
    $SUDO tee /etc/apt/sources.list.d/xenling.sources >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    echo "setup: apt-get update"
    timeout 600 $SUDO apt-get update -q
    echo "setup: installing ${#PKGS[@]} packages from bookworm"
    # The Xen hypervisor package must not become the host's boot entry:
    # this machine never reboots into it, so skip grub's update hooks.
    DEBIAN_FRONTEND=noninteractive timeout 1200 $SUDO apt-get install -y -q \
        --no-install-recommends "${PKGS[@]}"
    echo "setup: installing QEMU from bookworm-backports"
    DEBIAN_FRONTEND=noninteractive timeout 1200 $SUDO apt-get install -y -q \
        --no-install-recommends -t bookworm-backports "${BACKPORTS_PKGS[@]}"
fi

"$here/build-xen.sh"

mkdir -p "$top/build"
touch "$stamp"
echo "setup: done"
