#!/usr/bin/env bash
# Fails when a C file differs from what .clang-format asks for (prints the files to fix).
set -euo pipefail
case "${1:-}" in
-h | --help)
    cat <<'EOF'
Usage: scripts/check-format.sh

Checks every C file of the repository (git ls-files '*.c' '*.h') against .clang-format with
clang-format 14 and prints each file that differs, with the command that fixes it. CI runs it.
Exit: 0 every file is formatted, 1 a file differs, 2 an unknown argument.
EOF
    exit 0
    ;;
"") ;;
*)
    echo "check-format.sh: unknown argument '$1' (see --help)" >&2
    exit 2
    ;;
esac
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
