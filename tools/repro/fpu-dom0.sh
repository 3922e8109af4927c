#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fpu-dom0.sh - the dom0 reproducer for tier 2's "processes dying of a
# fault" (tools/README.md). Boots one tier-2 dom0 (tools/run-tier2.sh
# --bench, whose dom0 runs fpu-dom0/bench-dom0.sh) and prints its
# PHASE lines: regcheck runs and awk pipelines in dom0 without a guest,
# beside a Xenling guest's soak, beside its disk I/O, and without a
# guest again. Usage: fpu-dom0.sh [--lazy] [PHASE_SECONDS]
#   --lazy  boot Xen with spec-ctrl=eager-fpu=0, Xen's own default, in
#           place of the harness's eager-fpu: the failures come back
# Needs build/xenling (make). About 4.5 minutes with 60 s phases.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lazy=0
[ "${1:-}" = --lazy ] && { lazy=1; shift; }
phase=${1:-60}
out=$root/build/repro/fpu-dom0
rm -rf "$out" && mkdir -p "$out/dir"
gcc -O2 -Wall -static -pthread -o "$out/dir/regcheck" "$here/fpu-dom0/regcheck.c" || exit 2
cp "$here/fpu-dom0/bench-dom0.sh" "$out/dir/"
echo "$phase" >"$out/dir/phase_s"
truncate -s 64M "$out/scratch.img"
[ $lazy = 1 ] && export XENLING_TIER2_XEN_ARGS="${XENLING_TIER2_XEN_ARGS:-} spec-ctrl=eager-fpu=0"
"$root/tools/run-tier2.sh" --bench "$out/dir" --disk "$out/scratch.img" --timeout $((phase * 4 + 120)) \
    --transcript "$out/transcript.txt" "$root/build/xenling" >"$out/run.log" 2>&1
st=$?
grep -E '^# repro: ' "$out/transcript.txt" | sed 's/^# //'
grep -E '^regcheck: ' "$out/transcript.txt" | head -20
echo "fpu-dom0: tier 2 exited $st; transcript $out/transcript.txt"
