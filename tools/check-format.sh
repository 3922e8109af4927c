#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-format.sh - fail if any tracked C file differs from what
# clang-format (with the repo's .clang-format, Xen style) would write.
# `make format` rewrites them in place.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format missing: run tools/setup.sh"; exit 2; }
mapfile -t files < <(git ls-files '*.c' '*.h')
bad=()
for f in "${files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "check-format: ${#bad[@]} of ${#files[@]} files are not in Xen style (make format fixes them):"
    printf '  %s\n' "${bad[@]}"
    exit 1
fi
echo "check-format: ${#files[@]} files in Xen style"
