#!/usr/bin/env bash
# ecsconf client adapter for the AWS CLI (`aws ecs run-task --cli-input-json`). See `ecsconf client --help`.
# The CLI prints modeled error members nowhere, so ConflictException's resourceIds are reported as
# unsupported (that check is skipped with the reason, not failed).
set -u
if ! command -v aws >/dev/null 2>&1; then
    echo "the aws command is not installed"
    exit 89
fi
# Bounded, reproducible runs: 3 attempts in all, no profile or instance metadata lookups, no pager.
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-3}" AWS_RETRY_MODE="${AWS_RETRY_MODE:-standard}"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
# Per-read deadline: ECSCONF_ATTEMPT_TIMEOUT_MS rounded up to whole seconds (the CLI takes seconds).
timeout_s=$(( (${ECSCONF_ATTEMPT_TIMEOUT_MS:-10000} + 999) / 1000 ))
work="$(mktemp -d)" || exit 1
trap 'rm -rf "$work"' EXIT
aws ecs run-task --endpoint-url "$ECSCONF_ENDPOINT" --cli-input-json "file://$ECSCONF_PARAMS" --output json \
    --cli-connect-timeout "$timeout_s" --cli-read-timeout "$timeout_s" >"$work/out" 2>"$work/err"
rc=$?
exec python3 - "$rc" "$work/out" "$work/err" <<'PY'
import json, re, sys
rc, out, err = int(sys.argv[1]), open(sys.argv[2]).read(), open(sys.argv[3]).read()
if rc == 0:
    body = json.loads(out) if out.strip() else {}
    print(json.dumps({"ok": True,
                      "taskArns": [t.get("taskArn") for t in body.get("tasks") or []],
                      "failures": body.get("failures") or []}))
    sys.exit(0)
m = re.search(r"An error occurred \(([^)]*)\) when calling the RunTask operation(?: \(reached max retries: \d+\))?: (.*)", err)
if m:
    print(json.dumps({"ok": False, "error": m.group(1), "message": m.group(2).strip(), "unsupported": ["resourceIds"]}))
    sys.exit(0)
if "Parameter validation failed" in err or "Unknown parameter" in err:
    print("the AWS CLI refuses these parameters before sending: " + " ".join(err.split())[:300])
    sys.exit(89)
lines = [l for l in err.splitlines() if l.strip()]
print(json.dumps({"ok": False, "error": "aws-cli:exit-%d" % rc, "message": lines[-1] if lines else ""}))
PY
