#!/usr/bin/env bash
# ctest install.prefix: installs the build into a temporary prefix with `cmake --install --prefix` and
# uses it as a user would, from a folder outside the source tree:
#   - the installed `ecsconf run` finds its installed suite and every case passes against the embedded
#     emulator; `ecsconf client` finds its installed client cases; `ecsconf version` names the data
#     folder and where it came from; ECSCONF_DATA_DIR and --suite override it; a missing data folder is
#     exit 2 naming the folder; the build-tree binary still reads the source tree;
#   - every man page renders with `man -l` without a warning and lists exactly the options of the
#     installed command's --help (so page and --help cannot drift);
#   - a C program (tests/install_consumer) builds against the installed library found with pkg-config,
#     then with find_package, and signs the official SigV4 vector get-vanilla as the suite says.
# Usage: install.sh BUILD_DIR SOURCE_DIR SHARED_DIR C_COMPILER SANITIZERS BUILD_TREE_ECSCONF
set -u
build=$1
src=$2
shared=$3
cc=$4
sanitize=$5
build_bin=$6
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
fail=0
prefix="$tmp/prefix"
elsewhere="$tmp/elsewhere"
mkdir -p "$elsewhere"

ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}

if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL: cmake --install"
    exit 1
fi
bin="$prefix/bin/ecsconf"
data="$prefix/share/ecsconf"
for f in bin/ecsconf share/ecsconf/conformance/profiles/moto.expect-fail share/ecsconf/conformance/profiles/moto.profile share/ecsconf/fixtures \
    share/ecsconf/client-cases share/ecsconf/adapters/boto3_adapter.py share/ecsconf/adapters/aws-cli.sh \
    share/ecsconf/adapters/node/adapter.js share/man/man1/ecsconf.1 share/man/man1/ecsconf-run.1 \
    include/ecc/sigv4.h include/ecc/client.h lib/pkgconfig/ecsconf.pc lib/cmake/ecsconf/ecsconfConfig.cmake; do
    if [ -e "$prefix/$f" ] || compgen -G "$prefix/lib*/${f#lib/}" >/dev/null; then ok "installed $f"; else bad "not installed: $f"; fi
done
[ -x "$data/adapters/boto3_adapter.py" ] && ok "adapters keep their execute bit" || bad "adapter not executable"
[ -z "$(find "$prefix" -name node_modules -print -quit)" ] && ok "no node_modules installed" || bad "node_modules installed"

cd "$elsewhere" || exit 1
# The installed command from a folder that holds no suite.
out=$("$bin" version 2>&1)
grep -qF "data: $data (installed beside the binary)" <<<"$out" && ok "version names the installed data folder" ||
    bad "version: $out"
[ "$("$bin" version --data-dir)" = "$data" ] && ok "version --data-dir" || bad "version --data-dir"
"$bin" run --jobs 4 --junit "$elsewhere/run.xml" >"$tmp/run.out" 2>&1
rc=$?
cases=$(find "$data/conformance" -name '*.json' -path '*/conformance/*/*' | wc -l)
if [ $rc = 0 ] && grep -qE "^OK: [0-9]+ cases, [0-9]+ passed, 0 failed" "$tmp/run.out" &&
    grep -qE "tests=\"$cases\"" "$elsewhere/run.xml" && ! grep -q '<failure' "$elsewhere/run.xml"; then
    ok "installed ecsconf run: $(tail -1 "$tmp/run.out") ($cases case files)"
else
    bad "installed ecsconf run exit $rc (want 0, every one of $cases cases):"
    tail -20 "$tmp/run.out"
fi
out=$(PATH="$prefix/bin:$PATH" "$bin" client --adapter 'ecsconf adapter-c' --only 'token-*' 2>&1)
rc=$?
[ $rc = 0 ] && grep -q "PASS" <<<"$out" && ok "installed ecsconf client reads the installed client cases" ||
    bad "installed ecsconf client exit $rc: $(tail -5 <<<"$out")"
# A profile NAME resolves to the installed profile file, which brings its expected-failure list.
out=$("$bin" run --endpoint http://127.0.0.1:1 --profile moto --list 2>&1)
rc=$?
[ $rc = 0 ] && grep -qE "^RUN  success/run-ec2-one-task .*\(expected to fail: " <<<"$out" &&
    ok "installed --profile moto: the installed moto.profile and its list" || bad "installed --profile moto exit $rc: $(tail -3 <<<"$out")"

# Overrides, and the errors when the data is not where it is said to be.
out=$(ECSCONF_DATA_DIR="$tmp/nowhere" "$bin" run 2>&1)
rc=$?
[ $rc = 2 ] && grep -qF "suite folder '$tmp/nowhere/conformance' not found" <<<"$out" &&
    ok "ECSCONF_DATA_DIR without a suite: exit 2 naming the folder" || bad "ECSCONF_DATA_DIR=nowhere: exit $rc: $out"
[ "$(ECSCONF_DATA_DIR="$tmp/nowhere" "$bin" version --data-dir)" = "$tmp/nowhere" ] &&
    ok "ECSCONF_DATA_DIR wins over the installed folder" || bad "ECSCONF_DATA_DIR not honoured by version"
mkdir -p "$tmp/mine/g"
cp "$data/conformance/errors/"*.json "$tmp/mine/g/" 2>/dev/null
mine=$(find "$tmp/mine/g" -name '*.json' | wc -l)
out=$("$bin" run --suite "$tmp/mine" --fixtures "$data/fixtures" 2>&1)
rc=$?
[ "$mine" -gt 0 ] && [ $rc = 0 ] && grep -qE "^OK: $mine cases" <<<"$out" && ok "--suite wins: $mine cases of my own folder" ||
    bad "--suite $tmp/mine ($mine cases): exit $rc: $(tail -3 <<<"$out")"
out=$(ECSCONF_DATA_DIR="$data" "$build_bin" version 2>&1)
grep -qF "data: $data (from ECSCONF_DATA_DIR)" <<<"$out" && ok "a build-tree binary honours ECSCONF_DATA_DIR" ||
    bad "build-tree binary with ECSCONF_DATA_DIR: $out"
out=$(env -u ECSCONF_DATA_DIR "$build_bin" version 2>&1)
grep -qF "data: $src (the source tree this binary was built from)" <<<"$out" &&
    ok "the build-tree binary reads its source tree" || bad "build-tree binary: $out"

# Man pages: each renders cleanly and lists the options its --help lists.
pages=$(ls "$prefix/share/man/man1/")
[ "$(wc -w <<<"$pages")" -ge 8 ] && ok "$(wc -w <<<"$pages") man pages" || bad "man pages: $pages"
options_of() { grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }
for page in $pages; do
    name=${page%.1}
    rendered=$(MANWIDTH=120 man -l "$prefix/share/man/man1/$page" 2>"$tmp/man.err")
    if [ -s "$tmp/man.err" ] || [ -z "$rendered" ]; then
        bad "man -l $page: $(cat "$tmp/man.err")"
        continue
    fi
    if [ "$name" = ecsconf ]; then help=$("$bin" --help); else help=$("$bin" "${name#ecsconf-}" --help); fi
    # man may hyphenate a long word at a line end; join those before comparing.
    if [ "$(options_of <<<"$help")" = "$(sed -E 's/([a-z])‐$/\1/' <<<"$rendered" | options_of)" ] &&
        grep -qF "$(head -1 <<<"$help" | sed 's/^Usage: //')" <<<"$rendered"; then
        ok "man -l $page: the options of $name --help"
    else
        bad "man page $page and its --help differ:"
        diff <(options_of <<<"$help") <(options_of <<<"$rendered") | head
    fi
done

# A C program against the installed library.
if [ -z "$shared" ] || [ ! -d "$shared/vectors/sigv4/get-vanilla" ]; then
    echo "SKIP: the consumer program needs the SigV4 suite (ECSCONF_SHARED_DIR='$shared' has no vectors/sigv4)"
    [ $fail = 0 ] && exit 77
    exit 1
fi
vector="$shared/vectors/sigv4/get-vanilla"
san_flags=()
if [ -n "$sanitize" ]; then san_flags=("-fsanitize=${sanitize//;/,}"); fi
pc_dir=$(dirname "$(find "$prefix" -name ecsconf.pc | head -1)")
if flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs ecsconf 2>&1) &&
    # shellcheck disable=SC2086 # pkg-config output is a word list by design
    "$cc" -std=c11 "${san_flags[@]}" -o "$tmp/consumer-pc" "$src/tests/install_consumer/consumer.c" $flags 2>"$tmp/cc.err"; then
    out=$("$tmp/consumer-pc" "$vector" 2>&1) && ok "pkg-config build: $out" || bad "pkg-config build runs: $out"
else
    bad "build with pkg-config ($flags): $(cat "$tmp/cc.err")"
fi
# The vector with one signature digit changed must fail the consumer (it compares, it does not just print).
cp -r "$vector" "$tmp/wrong-vector"
sed -i 's/^5/6/;t;s/^./5/' "$tmp/wrong-vector/header-signature.txt"
"$tmp/consumer-pc" "$tmp/wrong-vector" >/dev/null 2>&1 && bad "consumer accepted a wrong signature" ||
    ok "consumer refuses a wrong signature"
if cmake -S "$src/tests/install_consumer" -B "$tmp/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${san_flags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san_flags[*]}" \
    >"$tmp/cmake.log" 2>&1 && cmake --build "$tmp/consumer-build" >>"$tmp/cmake.log" 2>&1; then
    out=$("$tmp/consumer-build/consumer" "$vector" 2>&1) && ok "find_package build: $out" || bad "find_package build runs: $out"
else
    bad "build with find_package(ecsconf): $(tail -20 "$tmp/cmake.log")"
fi
exit $fail
