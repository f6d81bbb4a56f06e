#!/usr/bin/env bash
# Proof that the client suite bites: client_broken.sh ECSCONF FAULT CASE_GLOB EXPECTED_REASON
# Runs the suite's cases matching CASE_GLOB against the C client broken with FAULT (client.h) and passes
# only when the suite FAILS it and the report gives EXPECTED_REASON.
set -u
ecsconf="$1" fault="$2" only="$3" reason="$4"
cd "$(dirname "$0")/.."
out="$(ECSCONF_CLIENT_FAULT="$fault" "$ecsconf" client --adapter "$ecsconf adapter-c" --name "c-client-$fault" \
    --only "$only" 2>&1)"
rc=$?
echo "$out"
if [ "$rc" -ne 1 ]; then
    echo "BROKEN CLIENT NOT CAUGHT: the suite exited $rc for fault $fault (expected 1: a case failed)"
    exit 1
fi
if ! grep -qF -- "$reason" <<<"$out"; then
    echo "WRONG REASON: fault $fault failed the suite, but not with '$reason'"
    exit 1
fi
echo "caught: $fault -> $reason"
