#!/usr/bin/env bash
# Runs the client-direction suite against one client: client_suite.sh ECSCONF NAME RESULTS_DIR [ecsconf client options]
# Exits 77 (ctest SKIP) with the reason when the client is not installed.
set -u
ecsconf="$1" name="$2" results="$3"
shift 3
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
case "$name" in
    aws-cli)
        command -v aws >/dev/null 2>&1 || { echo "SKIP: the aws command is not installed"; exit 77; } ;;
    boto3)
        python3 -c 'import boto3' 2>/dev/null || { echo "SKIP: python3 with boto3 is not installed"; exit 77; } ;;
    node)
        command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
        [ -d harness/adapters/node/node_modules/@aws-sdk/client-ecs ] ||
            { echo "SKIP: @aws-sdk/client-ecs is not installed (run harness/adapters/node/install.sh)"; exit 77; } ;;
    go-v1|go-v2)
        [ -x "$(dirname "$results")/adapters/$name" ] || { echo "SKIP: the $name adapter was not built (golang-go," \
            "golang-github-aws-aws-sdk-go-dev and golang-github-aws-aws-sdk-go-v2-dev were missing when cmake ran;" \
            "scripts/install-deps.sh installs them)"; exit 77; } ;;
esac
mkdir -p "$results"
rm -f "$results/$name.json"
expect=()
[ -f "harness/adapters/expect-fail/$name.txt" ] && expect=(--expect-fail "harness/adapters/expect-fail/$name.txt")
"$ecsconf" client --name "$name" --json "$results/$name.json" --junit "$results/$name.xml" "${expect[@]}" "$@"
