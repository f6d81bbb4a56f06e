#!/usr/bin/env bash
# Fails when a C file differs from what .clang-format asks for (prints the files to fix).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find harness tests fuzz bench -name '*.[ch]')
bad=0
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
        echo "format: $f differs from .clang-format (run: clang-format -i $f)"
        bad=1
    fi
done
exit "$bad"
