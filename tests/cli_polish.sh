#!/usr/bin/env bash
# ctest cli.polish: the command line says each thing once, clearly and the same way everywhere:
#   - a failing case's headline states the failure once (the detail below does not repeat it), with the
#     values when they are short; an expected failure's line shows them too (expected vs answered);
#   - "1 case", "1 expected failure": counts agree with their nouns;
#   - TERM=dumb: no escape sequence on a terminal (no colour, no self-rewriting progress line);
#     NO_COLOR: no colour;
#   - steps are counted from 1 in load errors and in reports alike ("step 2", pointer /steps/1);
#   - "did you mean" for an unknown member of a case or fixture file and for an unknown fixture id;
#   - a byte-order mark at the start of a case or fixture file is named as such, with file:line;
#   - one key file format for `emulate --keys` and `verify --keys`: the same file works for both, and a
#     bad line is the same file:line error in both;
#   - one option reader for every command: the same words and exit 2 for an unknown option, a missing
#     value, a bad number (either "--name N" or "--name=N"), a repeated option past its limit, a report
#     given twice and one operand too many; --help exits 0 before anything is checked;
#   - every script of scripts/ and conformance/ answers --help with its usage and exit 0.
# Usage: cli_polish.sh PATH/TO/ecsconf PROJECT_DIR
set -u
bin=$(realpath "$1")
root=$(realpath "$2")
command -v python3 >/dev/null || { echo "SKIP: python3 not found (the terminal checks run under a pty)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-cli-polish.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CA_BUNDLE AWS_ENDPOINT_URL \
    AWS_ENDPOINT_URL_ECS AWS_REGION AWS_DEFAULT_REGION
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}
# has TEXT FIXED-STRING...: every string is in TEXT
has() {
    local text=$1
    shift
    for s in "$@"; do grep -qF -- "$s" <<<"$text" || return 1; done
}

mkdir -p suite/g fixtures
cp "$root"/fixtures/runtask/*.json fixtures/
# wants-200 fails against the emulator: ListTasks of a missing cluster answers 400.
printf '{"id": "wants-200", "title": "t", "steps": [{"call": "ListTasks", "body": {"cluster": "none"}}]}\n' \
    >suite/g/wants-200.json
printf '{"id": "ok1", "title": "t", "steps": [{"call": "ListTasks", "body": {"cluster": "none"}, "expect": {"error": "ClusterNotFoundException"}}]}\n' \
    >suite/g/ok1.json
run=("$bin" run --suite suite --fixtures fixtures --seed 1)
export NO_COLOR=1

# One FAIL headline, with the values.
out=$("${run[@]}" 2>&1)
rc=$?
headline="step 1 (ListTasks): status: values differ: expected 200, got 400"
if [ $rc = 1 ] && has "$out" "FAIL  g/wants-200" "$headline" && [ "$(grep -cF "$headline" <<<"$out")" = 1 ] &&
    grep -q '^FAILED: 2 cases, 1 passed, 1 failed' <<<"$out"; then
    ok "the failure is stated once, with its values"
else
    bad "FAIL headline (exit $rc):"$'\n'"$out"
fi
# An expected failure's line shows what was expected and what was answered.
printf 'wants-200 listed without expectations\n' >expect-fail
out=$("${run[@]}" --expect-fail expect-fail 2>&1)
rc=$?
if [ $rc = 0 ] && grep -qF "XFAIL g/wants-200" <<<"$out" && grep "^XFAIL" <<<"$out" | grep -qF "expected 200, got 400"; then
    ok "XFAIL line: $(grep '^XFAIL' <<<"$out" | cut -c1-160)"
else
    bad "XFAIL line without the values (exit $rc):"$'\n'"$out"
fi
# "1 case", "1 expected failure".
grep -q '^OK: 2 cases, 1 passed, 0 failed, 0 skipped, 1 expected failure, 0 unexpected passes' <<<"$out" &&
    ok "1 expected failure" || bad "summary: $(grep '^OK' <<<"$out")"
out=$("${run[@]}" --only ok1 2>&1)
has "$out" "ecsconf run: 1 case against" "OK: 1 case, 1 passed" && ok "1 case" || bad "1 case: $out"
out=$("${run[@]}" --only ok1 --list 2>&1)
has "$out" "1 case planned, 1 left out by --only/--skip" && ok "--list: 1 case planned" || bad "--list: $out"

# TERM=dumb and NO_COLOR on a terminal (a pty): escapes only for a terminal that understands them.
on_tty() { # on_tty TERM NO_COLOR: which escape sequences the run wrote to its terminal
    python3 - "$1" "$2" "${run[@]}" <<'EOF'
import os, pty, re, sys
term, no_color, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, TERM=term)
env.pop("NO_COLOR", None)
if no_color:
    env["NO_COLOR"] = no_color
pid, fd = pty.fork()
if pid == 0:
    os.execve(argv[0], argv, env)
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
kinds = [k for k, pattern in (("colour", rb"\x1b\[[0-9;]*m"), ("progress", rb"\x1b\[K")) if re.search(pattern, out)]
other = re.sub(rb"\x1b\[[0-9;]*[mK]", b"", out)
if b"\x1b" in other:
    kinds.append("other")
sys.stdout.write(" ".join(kinds) or "plain")
EOF
}
[ "$(on_tty xterm "")" = "colour progress" ] && ok "a colour terminal gets colour and progress (the checks can see them)" ||
    bad "TERM=xterm: '$(on_tty xterm "")', expected colour and progress: the pty check is blind"
[ "$(on_tty dumb "")" = plain ] && ok "TERM=dumb: no escape sequence at all" ||
    bad "TERM=dumb still gets escape sequences: $(on_tty dumb "")"
[ "$(on_tty xterm 1)" = progress ] && ok "NO_COLOR=1: no colour (the progress line stays)" ||
    bad "NO_COLOR=1: '$(on_tty xterm 1)', expected progress only"

# Steps counted from 1 in load errors as in reports.
mkdir -p steps/g
printf '{"id": "two", "title": "t", "steps": [{"call": "ListTasks", "body": {}, "expect": {"error": "ClusterNotFoundException"}}, {"call": "ListTasks", "body": {"cluster": "none"}, "expect": {"status": 200, "staus": 1}}]}\n' \
    >steps/g/two.json
out=$("$bin" run --suite steps --fixtures fixtures 2>&1)
has "$out" "steps/g/two.json: /steps/1/expect/staus: step 2: unknown member 'staus'; did you mean status?" &&
    ok "load error: /steps/1 is step 2, with did you mean" || bad "step number in a load error: $out"
sed -i 's/, "staus": 1//' steps/g/two.json
out=$("$bin" run --suite steps --fixtures fixtures 2>&1)
has "$out" "FAIL  g/two" "step 2 (ListTasks): status: values differ" && ok "report: the same step is step 2" ||
    bad "step number in a report: $out"

# "did you mean" for members and fixture ids; a byte-order mark named as such.
mkdir -p dym/g
printf '{"id": "m", "titel": "t", "steps": [{"send": "runtask-ec2-basic"}]}\n' >dym/g/m.json
out=$("$bin" run --suite dym --fixtures fixtures --list 2>&1)
has "$out" "/titel: unknown member 'titel'; did you mean title?" && ok "unknown member: did you mean" ||
    bad "unknown member: $out"
printf '{"id": "m", "title": "t", "steps": [{"send": "runtask-ec2-basik"}]}\n' >dym/g/m.json
out=$("$bin" run --suite dym --fixtures fixtures --list 2>&1)
has "$out" "no fixture with id 'runtask-ec2-basik'" "did you mean runtask-ec2-basic?" && ok "unknown fixture id: did you mean" ||
    bad "unknown fixture id: $out"
printf '\xef\xbb\xbf{"id": "m", "title": "t", "steps": [{"send": "runtask-ec2-basic"}]}\n' >dym/g/m.json
out=$("$bin" run --suite dym --fixtures fixtures --list 2>&1)
rc=$?
[ $rc = 2 ] && has "$out" "dym/g/m.json:1:1: the file starts with a UTF-8 byte-order mark (EF BB BF)" &&
    ok "a case file's byte-order mark is named, file:line" || bad "BOM in a case (exit $rc): $out"
printf '{"id": "m", "title": "t", "steps": [{"send": "runtask-ec2-basic"}]}\n' >dym/g/m.json
cp -r fixtures bom-fixtures
printf '\xef\xbb\xbf' | cat - fixtures/runtask-ec2-basic.json >bom-fixtures/runtask-ec2-basic.json
out=$("$bin" run --suite dym --fixtures bom-fixtures --list 2>&1)
rc=$?
[ $rc = 2 ] && has "$out" "runtask-ec2-basic.json:1:1: the file starts with a UTF-8 byte-order mark" &&
    ok "a fixture file's byte-order mark is named, file:line" || bad "BOM in a fixture (exit $rc): $out"

# One key file for emulate and verify.
secret=polishSecretKeyForTheKeyFileTest0123456789
printf '# keys of this test\nAKIDPOLISHKEY %s account=123456789012\n' "$secret" >keys.txt
"$bin" emulate --listen 127.0.0.1:0 --keys keys.txt >emulate.out 2>emulate.err &
pid=$!
for _ in $(seq 100); do [ -s emulate.out ] && break; sleep 0.05; done
port=$(head -1 emulate.out)
if [[ "$port" =~ ^[0-9]+$ ]]; then
    out=$(AWS_ACCESS_KEY_ID=AKIDPOLISHKEY AWS_SECRET_ACCESS_KEY=$secret "$bin" run --endpoint "http://127.0.0.1:$port" \
        --profile emulator --suite suite --fixtures fixtures --only ok1 2>&1)
    rc=$?
    [ $rc = 0 ] && ok "emulate --keys keys.txt accepts the file's key" || bad "emulate with the file's key: exit $rc: $out"
    out=$(AWS_ACCESS_KEY_ID=AKIDOTHER AWS_SECRET_ACCESS_KEY=$secret "$bin" run --endpoint "http://127.0.0.1:$port" \
        --profile emulator --suite suite --fixtures fixtures --only ok1 2>&1)
    rc=$?
    [ $rc = 3 ] && ok "emulate --keys refuses a key the file does not hold (exit 3)" || bad "other key: exit $rc: $out"
else
    bad "emulate --keys keys.txt did not start: $(cat emulate.err)"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
grep -qF "$secret" emulate.out emulate.err && bad "emulate printed the secret" || ok "emulate never printed the secret"
printf 'POST / HTTP/1.1\nHost:127.0.0.1\nContent-Type:application/x-amz-json-1.1\nX-Amz-Target:AmazonEC2ContainerServiceV20141113.ListTasks\n\n{}' >request.txt
printf '%s\n' "$secret" >secret.txt
if "$bin" sign --access-key AKIDPOLISHKEY --secret-key-file secret.txt --region us-east-1 request.txt >signed.txt 2>sign.err; then
    out=$("$bin" verify --keys keys.txt --region us-east-1 signed.txt 2>&1)
    rc=$?
    [ $rc = 0 ] && has "$out" "verified: signed by AKIDPOLISHKEY" && ok "verify --keys keys.txt: the same file" ||
        bad "verify with the emulate key file: exit $rc: $out"
else
    bad "sign: $(cat sign.err)"
fi
printf '# keys of this test\nAKIDPOLISHKEY %s acount=123456789012\n' "$secret" >bad-keys.txt
for cmd in emulate verify; do
    if [ $cmd = emulate ]; then args=(--listen 127.0.0.1:0); else args=(--region us-east-1 signed.txt); fi
    out=$(timeout 20 "$bin" $cmd --keys bad-keys.txt "${args[@]}" 2>&1)
    rc=$?
    [ $rc = 2 ] && has "$out" "bad-keys.txt:2: unknown option 'acount' (account, session_token); did you mean account?" &&
        ! grep -qF "$secret" <<<"$out" && ok "$cmd --keys: file:line, the same message, no secret" ||
        bad "$cmd with a bad key file: exit $rc: $out"
done

# One option reader: each mistake is said the same way by every command, before anything starts.
usage_is() { # WHAT WANT-TEXT COMMAND...
    local what=$1 want=$2
    shift 2
    out=$(timeout 20 "$bin" "$@" 2>&1)
    rc=$?
    [ $rc = 2 ] && has "$out" "ecsconf $1: $want" && ok "$what" || bad "$what: exit $rc: $out"
}
for cmd in run client fuzz replay record serve emulate sign verify; do
    usage_is "$cmd: an unknown option" "unknown option or missing value: '--frobnicate' (see ecsconf $cmd --help)" \
        $cmd --frobnicate
    out=$(timeout 20 "$bin" $cmd --help --frobnicate 2>&1)
    rc=$?
    [ $rc = 0 ] && grep -qi "usage" <<<"$out" && ok "$cmd: --help before anything else" ||
        bad "$cmd --help --frobnicate: exit $rc: $(head -2 <<<"$out")"
done
usage_is "run: a missing value" "unknown option or missing value: '--jobs'" run --jobs
usage_is "run: a number out of range" "--jobs takes a whole number from 1 to 256, not '0'" run --jobs 0
usage_is "fuzz: --name=N is read too" "--steps takes a whole number from 1 to 100000, not 'x'" fuzz --steps=x
usage_is "serve: --port out of range" "--port takes a whole number from 0 to 65535, not '65536'" serve --port 65536
redacts=()
for n in $(seq 33); do redacts+=(--redact "x$n"); done
usage_is "record: a repeated option past its limit" "--redact given more than 32 times" \
    record --upstream http://127.0.0.1:1 --out o "${redacts[@]}"
usage_is "replay: a report given twice" "--json given twice ('a.json', then 'b.json'): give it once" \
    replay --json a.json --json b.json d
usage_is "sign: one operand too many" "one request file at a time ('a.txt' and 'b.txt' given)" \
    sign --region us-east-1 a.txt b.txt
usage_is "emulate: a bad --listen" "--listen: " emulate --listen 127.0.0.1:99999
usage_is "client: a bad --shard" "--shard: " client --shard 3/2
usage_is "replay: a bad --run-id" "--run-id takes the 8 hex digits after 'ecc' of a resource prefix" \
    replay --run-id ECC123 d
usage_is "fuzz: an unknown --skip-rule" "--skip-rule: no rule is named 'nope'" fuzz --skip-rule nope

# --help for every script.
for script in "$root"/scripts/* "$root"/conformance/*.py "$root"/conformance/*.sh; do
    name=${script#"$root"/}
    out=$(timeout 10 "$script" --help 2>&1)
    rc=$?
    [ $rc = 0 ] && grep -qi "usage:" <<<"$out" && ok "$name --help" || bad "$name --help: exit $rc: $(head -3 <<<"$out")"
done
exit $fail
