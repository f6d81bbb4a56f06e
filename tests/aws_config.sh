#!/usr/bin/env bash
# ctest cli.aws-config: `ecsconf run` against `ecsconf emulate` with no credentials in the environment,
# only files this test writes: the profile named by AWS_PROFILE in AWS_SHARED_CREDENTIALS_FILE, the
# region from AWS_CONFIG_FILE (the emulator serves eu-west-3, so the run passes only if that region was
# read), a credential_process; the secrets never appear in the output. Negative: a missing profile, a
# malformed file (file:line), a failing credential_process and a profile's missing ca_bundle file are
# exit 3 before any case runs.
# Usage: aws_config.sh PATH/TO/ecsconf
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-aws-config.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
export NO_COLOR=1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE \
    AWS_DEFAULT_PROFILE AWS_CA_BUNDLE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS
export HOME="$tmp/home" AWS_CONFIG_FILE="$tmp/config" AWS_SHARED_CREDENTIALS_FILE="$tmp/credentials"
mkdir -p "$HOME"
fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}
# The emulator's documented test key (not a secret); it stands for a user's real one here.
key=AKIDECSCONFEXAMPLE
secret=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY

"$bin" emulate --listen 127.0.0.1:0 --control --region eu-west-3 >"$tmp/port" 2>"$tmp/emulate.err" &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(head -1 "$tmp/port")
[[ "$port" =~ ^[0-9]+$ ]] || {
    echo "FAIL: emulate printed no port: $(cat "$tmp/emulate.err")"
    exit 1
}
endpoint="http://127.0.0.1:$port"
run=("$bin" run --endpoint "$endpoint" --profile emulator --only 'errors/*')

printf '[default]\nregion = us-east-1\n\n[profile ci]\nregion = eu-west-3\n' >"$AWS_CONFIG_FILE"
printf '[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = wrong\n\n[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$key" "$secret" >"$AWS_SHARED_CREDENTIALS_FILE"
out=$(AWS_PROFILE=ci "${run[@]}" 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q "region eu-west-3, access key $key .* from the \[ci\] profile of $AWS_SHARED_CREDENTIALS_FILE" <<<"$out" &&
    grep -qE '^OK: [0-9]+ cases, [0-9]+ passed, 0 failed' <<<"$out"; then
    ok "AWS_PROFILE=ci: keys from the credentials file, region from the config file, $(grep -oE '[0-9]+ passed' <<<"$out")"
else
    bad "AWS_PROFILE=ci: exit $rc: $(head -3 <<<"$out"; tail -2 <<<"$out")"
fi
grep -qF "$secret" <<<"$out" && bad "the secret was printed" || ok "the secret is not printed"

# The environment's region wins over the profile's.
out=$(AWS_PROFILE=ci AWS_REGION=us-east-1 "${run[@]}" 2>&1)
grep -q "region us-east-1," <<<"$out" && ok "AWS_REGION wins over the profile's region" || bad "AWS_REGION: $(head -2 <<<"$out")"

# credential_process.
printf '#!/bin/sh\nprintf %s\n' "'{\"Version\": 1, \"AccessKeyId\": \"$key\", \"SecretAccessKey\": \"$secret\"}'" >"$tmp/helper.sh"
chmod +x "$tmp/helper.sh"
printf '[profile proc]\nregion = eu-west-3\ncredential_process = %s\n' "$tmp/helper.sh" >"$AWS_CONFIG_FILE"
rm -f "$AWS_SHARED_CREDENTIALS_FILE"
out=$(AWS_PROFILE=proc "${run[@]}" 2>&1)
rc=$?
[ $rc = 0 ] && grep -qF "from the credential_process ($AWS_CONFIG_FILE:3) of profile proc" <<<"$out" &&
    ! grep -qF "$secret" <<<"$out" && ok "credential_process" || bad "credential_process: exit $rc: $(head -3 <<<"$out")"

expect3() { # expect3 PATTERN -- command...
    local pattern=$1
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc = 3 ] && grep -qE -- "$pattern" <<<"$out" && ! grep -qE '^(PASS|FAIL) ' <<<"$out" &&
        ! grep -qF "$secret" <<<"$out"; then
        ok "exit 3: $(head -1 <<<"$out")"
    else
        bad "want exit 3 matching /$pattern/, got $rc: $(head -5 <<<"$out")"
    fi
}
expect3 "the profile 'nobody' \(named by AWS_PROFILE\) is in neither" -- env AWS_PROFILE=nobody "${run[@]}"
printf '#!/bin/sh\nexit 5\n' >"$tmp/helper.sh"
expect3 "credential_process \(.*config:3\) exited with status 5" -- env AWS_PROFILE=proc "${run[@]}"
printf '[ci]\naws_access_key_id = %s\naws_secret_access_key %s\n' "$key" "$secret" >"$AWS_SHARED_CREDENTIALS_FILE"
expect3 "/credentials:3: expected \[section\], key = value" -- env AWS_PROFILE=ci "${run[@]}"
printf '[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key" "$secret" >"$AWS_SHARED_CREDENTIALS_FILE"
printf '[profile ci]\nregion = eu-west-3\nca_bundle = %s\n' "$tmp/missing.pem" >"$AWS_CONFIG_FILE"
expect3 "CA bundle: .*/config:3: ca_bundle '.*missing.pem' cannot be read: No such file" -- \
    env AWS_PROFILE=ci "$bin" run --endpoint "https://127.0.0.1:$port" --profile emulator --only 'errors/*'
exit $fail
