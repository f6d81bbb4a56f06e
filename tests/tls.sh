#!/usr/bin/env bash
# ctest cli.tls: `ecsconf emulate` and `ecsconf serve` over HTTPS with a self-signed certificate made here
# with the openssl command. Checked end to end: `ecsconf run` trusts it through --ca-bundle and through
# AWS_CA_BUNDLE and passes; --insecure passes and says verification is off; without the CA every
# request fails on TLS (verification is on by default); the AWS CLI creates a cluster over TLS with
# --ca-bundle and refuses the endpoint without it; `serve` answers an HTTPS request with AWS JSON;
# a key without its certificate is a usage error. Skipped (77, saying why) without openssl.
# Usage: tls.sh PATH/TO/ecsconf PROJECT_DIR
set -u
bin=$1
root=$2
command -v openssl >/dev/null || {
    echo "SKIP: the openssl command is needed to make the test certificate"
    exit 77
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-tls.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export NO_COLOR=1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CA_BUNDLE AWS_ENDPOINT_URL \
    AWS_ENDPOINT_URL_ECS
export HOME="$tmp" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1; then
    echo "FAIL: openssl could not make a certificate: $(cat "$tmp/openssl.log")"
    exit 1
fi

# start_server NAME command... : runs it, waits for its "https://127.0.0.1:PORT" line on stderr and sets url.
# Not in a command substitution: its subshell would keep the pid, and the cleanup would leave the server
# running after the test.
start_server() {
    local name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids+=($!)
    for _ in $(seq 200); do grep -qoE 'https://127\.0\.0\.1:[0-9]+' "$tmp/$name.out" "$tmp/$name.err" && break; sleep 0.05; done
    url=$(grep -hoE 'https://127\.0\.0\.1:[0-9]+' "$tmp/$name.out" "$tmp/$name.err" | head -1)
}

start_server emulate "$bin" emulate --listen 127.0.0.1:0 --control --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
[ -n "$url" ] || {
    echo "FAIL: emulate did not listen on https: $(cat "$tmp/emulate.err")"
    exit 1
}
ok "emulate serves $url"
run=("$bin" run --endpoint "$url" --profile emulator --only 'errors/*')

out=$("${run[@]}" --ca-bundle "$tmp/cert.pem" 2>&1)
rc=$?
[ $rc = 0 ] && grep -qE '^OK: [0-9]+ cases, [0-9]+ passed, 0 failed' <<<"$out" && ok "run --ca-bundle: $(tail -1 <<<"$out")" ||
    bad "run --ca-bundle: exit $rc: $(tail -3 <<<"$out")"
out=$(AWS_CA_BUNDLE="$tmp/cert.pem" "${run[@]}" 2>&1)
rc=$?
[ $rc = 0 ] && ok "run with AWS_CA_BUNDLE" || bad "run with AWS_CA_BUNDLE: exit $rc: $(tail -3 <<<"$out")"
out=$("${run[@]}" --insecure 2>&1)
rc=$?
[ $rc = 0 ] && grep -q "TLS verification is OFF" <<<"$out" && ok "run --insecure passes and says so" ||
    bad "run --insecure: exit $rc: $(tail -3 <<<"$out")"
out=$("${run[@]}" 2>&1)
rc=$?
# Verification is on by default: the self-signed certificate is refused (a failed run, or exit 3 once
# the endpoint is checked before the first case); never a pass.
if [ $rc != 0 ] && grep -qiE 'TLS|certificate' <<<"$out" && ! grep -qE '^PASS ' <<<"$out"; then
    ok "without the CA: exit $rc, refused on TLS"
else
    bad "without the CA: exit $rc: $(tail -3 <<<"$out")"
fi

if command -v aws >/dev/null; then
    export AWS_ACCESS_KEY_ID=AKIDECSCONFEXAMPLE AWS_SECRET_ACCESS_KEY=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY
    out=$(timeout 120 aws ecs create-cluster --cluster-name tls --endpoint-url "$url" --ca-bundle "$tmp/cert.pem" \
        --output json 2>&1)
    rc=$?
    [ $rc = 0 ] && grep -q '"clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/tls"' <<<"$out" &&
        ok "aws ecs create-cluster over TLS with --ca-bundle" || bad "aws over TLS: exit $rc: $out"
    out=$(timeout 120 aws ecs list-clusters --endpoint-url "$url" --cli-read-timeout 10 --cli-connect-timeout 10 2>&1)
    rc=$?
    [ $rc != 0 ] && grep -qi 'SSL\|certificate' <<<"$out" && ok "aws without the CA refuses the endpoint" ||
        bad "aws without the CA: exit $rc: $out"
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
else
    echo "note: the aws command is absent; the SDK-over-TLS check did not run"
fi

# serve over HTTPS: an unsigned request gets an AWS JSON error, through TLS verified with the CA.
case_file="$root/client-cases/success-one-task.json"
start_server serve "$bin" serve --case "$case_file" --max-seconds 60 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
if [ -z "$url" ]; then
    bad "serve did not listen on https: $(cat "$tmp/serve.err")"
else
    code=$(curl -s -m 10 --cacert "$tmp/cert.pem" -o "$tmp/body" -w '%{http_code}' -X POST "$url/" \
        -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask' -d '{}')
    [ "${code:0:1}" = 4 ] && grep -q '"__type"' "$tmp/body" && ok "serve answers over HTTPS ($code, AWS JSON)" ||
        bad "serve over HTTPS: $code $(cat "$tmp/body")"
fi

out=$("$bin" emulate --tls-key "$tmp/key.pem" 2>&1)
rc=$?
[ $rc = 2 ] && grep -q -- "--tls-cert and --tls-key go together" <<<"$out" && ok "a key alone: exit 2" || bad "key alone: $rc $out"
out=$("$bin" serve --case "$case_file" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/missing.pem" 2>&1)
rc=$?
[ $rc = 2 ] && grep -q -- "--tls-key: cannot open" <<<"$out" && ok "a missing key file: exit 2" || bad "missing key: $rc $out"
exit $fail
