#!/usr/bin/env bash
# `ecsconf sign` and `ecsconf verify` end to end (ctest cli.sign-verify):
#   cli_sigv4.sh <ecsconf binary> <shared dir>
# Signs suite requests and compares with the suite's signed requests byte for byte, verifies them,
# tampers with them, and checks errors, exit codes and that the secret never appears in any output.
set -u
ecsconf=$1
suite=$2/vectors/sigv4
if [ ! -d "$suite" ]; then
    echo "SKIP: reference data not found at '$suite' (set -DECSCONF_SHARED_DIR=.../shared)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secret='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
printf '%s\n' "$secret" > "$work/secret"
printf '# the suite key\nAKIDEXAMPLE %s\n' "$secret" > "$work/keys"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
sign() { "$ecsconf" sign --access-key AKIDEXAMPLE --secret-key-file "$work/secret" --region us-east-1 \
    --service service --date 20150830T123600Z "$@"; }
verify() { "$ecsconf" verify --keys "$work/keys" --region us-east-1 --service service --now 20150830T123600Z "$@"; }
expect_rc() { # expected-rc description command...
    local want=$1 what=$2
    shift 2
    "$@" > "$work/stdout" 2> "$work/stderr"
    local rc=$?
    if grep -qF "$secret" "$work/stdout" "$work/stderr"; then fail "$what: the secret was printed"; fi
    if [ "$rc" -ne "$want" ]; then fail "$what: exit $rc, want $want: $(cat "$work/stderr")"; else ok "$what"; fi
}

# Header mode, byte for byte with the suite, for cases with a body, a query, odd headers and UTF-8.
for case in get-vanilla get-header-value-multiline get-utf8 get-vanilla-query-order-encoded post-x-www-form-urlencoded; do
    extra=()
    [ "$case" = post-x-www-form-urlencoded ] && extra=(--content-sha256)
    expect_rc 0 "sign $case" sign "${extra[@]}" "$suite/$case/request.txt"
    cmp -s "$work/stdout" "$suite/$case/header-signed-request.txt" || fail "sign $case: output differs from header-signed-request.txt"
    cp "$work/stdout" "$work/$case.signed"
    expect_rc 0 "verify $case" verify "$work/$case.signed"
    grep -q '^verified: signed by AKIDEXAMPLE' "$work/stdout" || fail "verify $case: $(cat "$work/stdout")"
done

# Reading stdin, and --explain on stderr: the suite's canonical request, never the secret.
expect_rc 0 "sign from stdin with --explain" sign --explain - < "$suite/get-vanilla/request.txt"
cmp -s "$work/stdout" "$suite/get-vanilla/header-signed-request.txt" || fail "stdin: output differs"
grep -qF "$(cat "$suite/get-vanilla/header-string-to-sign.txt")" "$work/stderr" || fail "--explain: no string to sign"
grep -q '^x-amz-date:20150830T123600Z$' "$work/stderr" || fail "--explain: no canonical headers"

# Presigned URL: the suite's query-signed request line.
expect_rc 0 "sign --presign" sign --presign --expires 3600 "$suite/get-vanilla/request.txt"
want="https://example.amazonaws.com$(head -1 "$suite/get-vanilla/query-signed-request.txt" | sed -e 's/^GET //' -e 's/ HTTP\/1.1$//')"
[ "$(cat "$work/stdout")" = "$want" ] || fail "presigned URL: got $(cat "$work/stdout"), want $want"

# Credentials from the environment (and the token with them).
expect_rc 0 "sign with environment credentials" env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_REGION=us-east-1 "$ecsconf" sign --service service --date 20150830T123600Z "$suite/get-vanilla/request.txt"
cmp -s "$work/stdout" "$suite/get-vanilla/header-signed-request.txt" || fail "environment credentials: output differs"
expect_rc 0 "sign with a session token" env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_SESSION_TOKEN=6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267 AWS_REGION=us-east-1 \
    "$ecsconf" sign --service service --date 20150830T123600Z "$suite/get-vanilla-with-session-token/request.txt"
cmp -s "$work/stdout" "$suite/get-vanilla-with-session-token/header-signed-request.txt" || fail "session token: output differs"

# Tampering: a signed header, the body, the date; then scope and key problems.
sed 's/^Host:example/Host:exbmple/' "$work/get-vanilla.signed" > "$work/tampered"
expect_rc 1 "verify rejects a changed Host" verify --explain "$work/tampered"
grep -q '^rejected: InvalidSignatureException (check: signature' "$work/stdout" || fail "changed Host: $(cat "$work/stdout")"
grep -q '^host:exbmple.amazonaws.com$' "$work/stdout" || fail "--explain: no expected canonical request"
sed 's/Param1=value1$/Param1=value2/' "$work/post-x-www-form-urlencoded.signed" > "$work/tampered"
expect_rc 1 "verify rejects a changed body" verify "$work/tampered"
grep -q 'check: payload-hash' "$work/stdout" || fail "changed body: $(cat "$work/stdout")"
expect_rc 1 "verify rejects a stale date" "$ecsconf" verify --keys "$work/keys" --region us-east-1 --service service \
    --now 20150830T124200Z "$work/get-vanilla.signed"
grep -q 'Signature expired: 20150830T123600Z is now earlier than' "$work/stdout" || fail "skew: $(cat "$work/stdout")"
expect_rc 1 "verify rejects another region" "$ecsconf" verify --keys "$work/keys" --region eu-west-1 --service service \
    --now 20150830T123600Z "$work/get-vanilla.signed"
grep -q 'check: credential-scope' "$work/stdout" || fail "region: $(cat "$work/stdout")"
printf 'AKIDOTHER %s\n' "$secret" > "$work/other-keys"
expect_rc 1 "verify rejects an unknown key" "$ecsconf" verify --keys "$work/other-keys" --region us-east-1 \
    --service service --now 20150830T123600Z "$work/get-vanilla.signed"
grep -q '^rejected: UnrecognizedClientException' "$work/stdout" || fail "unknown key: $(cat "$work/stdout")"
expect_rc 1 "verify rejects an unsigned request" verify "$suite/get-vanilla/request.txt"
grep -q '^rejected: MissingAuthenticationTokenException (check: authentication-present, HTTP 403)' "$work/stdout" ||
    fail "unsigned: $(cat "$work/stdout")"
expect_rc 0 "verify accepts the suite's presigned request" verify "$suite/get-vanilla/query-signed-request.txt"

# Usage and setup errors name the problem.
expect_rc 0 "sign --help" "$ecsconf" sign --help
grep -q 'Example' "$work/stdout" || fail "sign --help has no example"
expect_rc 0 "verify --help" "$ecsconf" verify --help
grep -q 'Example' "$work/stdout" || fail "verify --help has no example"
expect_rc 2 "sign rejects a bad --date" sign --date 2015-08-30 "$suite/get-vanilla/request.txt"
grep -q 'YYYYMMDDTHHMMSSZ' "$work/stderr" || fail "bad --date message: $(cat "$work/stderr")"
expect_rc 2 "sign rejects --expires without --presign" sign --expires 60 "$suite/get-vanilla/request.txt"
expect_rc 2 "sign rejects --expires 0" sign --presign --expires 0 "$suite/get-vanilla/request.txt"
expect_rc 2 "sign rejects an unknown option" sign --frobnicate "$suite/get-vanilla/request.txt"
expect_rc 2 "sign rejects a missing file" sign "$work/no-such-file"
printf 'GET / HTTP/1.1\nno colon here\n' > "$work/bad-request"
expect_rc 2 "sign rejects a malformed request" sign "$work/bad-request"
grep -q 'bad-request:2' "$work/stderr" || fail "malformed request message lacks file:line: $(cat "$work/stderr")"
expect_rc 3 "sign without credentials" "$ecsconf" sign --region us-east-1 "$suite/get-vanilla/request.txt"
grep -q 'AWS_ACCESS_KEY_ID' "$work/stderr" || fail "no-credentials message: $(cat "$work/stderr")"
expect_rc 3 "sign with a key id but no secret" "$ecsconf" sign --access-key AKIDEXAMPLE --region us-east-1 \
    "$suite/get-vanilla/request.txt"
grep -q 'AWS_SECRET_ACCESS_KEY.*--secret-key-file' "$work/stderr" || fail "no-secret message: $(cat "$work/stderr")"
# A given key pair never takes the environment's session token: it belongs to the environment's pair.
expect_rc 0 "sign with given keys ignores the environment's token" env AWS_SESSION_TOKEN=not-for-this-key \
    "$ecsconf" sign --access-key AKIDEXAMPLE --secret-key-file "$work/secret" --region us-east-1 --service service \
    --date 20150830T123600Z "$suite/get-vanilla/request.txt"
cmp -s "$work/stdout" "$suite/get-vanilla/header-signed-request.txt" || fail "given keys took the environment's token"
# The key id from the environment with the secret from a file.
expect_rc 0 "sign with the environment's key id and a secret file" env AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
    "$ecsconf" sign --secret-key-file "$work/secret" --region us-east-1 --service service \
    --date 20150830T123600Z "$suite/get-vanilla/request.txt"
cmp -s "$work/stdout" "$suite/get-vanilla/header-signed-request.txt" || fail "environment key id with a secret file: output differs"
expect_rc 3 "sign without a region" "$ecsconf" sign --access-key AKIDEXAMPLE --secret-key-file "$work/secret" \
    "$suite/get-vanilla/request.txt"
expect_rc 2 "verify without --keys" "$ecsconf" verify --region us-east-1 "$work/get-vanilla.signed"
printf 'AKIDEXAMPLE\n' > "$work/bad-keys"
expect_rc 2 "verify rejects a malformed key file" verify --keys "$work/bad-keys" "$work/get-vanilla.signed"
grep -q 'bad-keys:1' "$work/stderr" || fail "key file message lacks file:line: $(cat "$work/stderr")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all CLI checks passed"
