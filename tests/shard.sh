#!/usr/bin/env bash
# ctest cli.shard: `ecsconf run --shard I/N` over the project's own suite. For several N, the planned
# cases of the N shards together are exactly the unsharded plan, each case once; the split does not
# depend on the seed; a shard runs green against the embedded emulator with its JUnit holding exactly its
# cases; `ecsconf client --shard` partitions the client cases the same way; bad values are usage errors
# (exit 2) found before anything runs.
# Usage: shard.sh PATH/TO/ecsconf
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-shard.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}
cases_of() { grep -E '^(RUN|SKIP) ' | awk '{print $2}' | sed 's/:$//'; }

"$bin" run --list >"$tmp/all.out" 2>&1 || bad "run --list: $(tail -3 "$tmp/all.out")"
cases_of <"$tmp/all.out" | sort >"$tmp/all"
total=$(wc -l <"$tmp/all")
[ "$total" -gt 100 ] && ok "unsharded plan: $total cases" || bad "unsharded plan has $total cases"
for n in 1 2 3 5 7; do
    : >"$tmp/union"
    sizes=""
    for i in $(seq 1 "$n"); do
        "$bin" run --list --shard "$i/$n" --seed 1 >"$tmp/s.out" 2>&1 || bad "--shard $i/$n --list failed"
        cases_of <"$tmp/s.out" >"$tmp/s"
        "$bin" run --list --shard "$i/$n" --seed 99 2>&1 | cases_of | sort >"$tmp/s99"
        cmp -s <(sort "$tmp/s") "$tmp/s99" || bad "--shard $i/$n: the split depends on the seed"
        others=$(grep -oE 'shard [0-9]+/[0-9]+: [0-9]+ cases are in the other shards' "$tmp/s.out" | awk '{print $3}')
        [ "$others" = "$((total - $(wc -l <"$tmp/s")))" ] || bad "--shard $i/$n: says $others in other shards"
        sizes="$sizes $(wc -l <"$tmp/s")"
        cat "$tmp/s" >>"$tmp/union"
    done
    if cmp -s <(sort "$tmp/union") "$tmp/all" && [ -z "$(sort "$tmp/union" | uniq -d)" ]; then
        ok "$n shards (sizes$sizes) hold every case exactly once"
    else
        bad "$n shards do not partition the suite:"
        diff <(sort "$tmp/union") "$tmp/all" | head
    fi
done

# One shard for real: green, and its JUnit holds exactly that shard's cases.
"$bin" run --list --shard 2/5 2>&1 | cases_of | sort >"$tmp/planned"
"$bin" run --shard 2/5 --jobs 2 --junit "$tmp/s.xml" >"$tmp/run.out" 2>&1
rc=$?
grep -oE 'classname="ecsconf\.[^"]+" name="[^"]+"' "$tmp/s.xml" |
    sed -E 's/classname="ecsconf\.([^"]+)" name="([^"]+)"/\1\/\2/' | sort >"$tmp/ran"
if [ $rc = 0 ] && grep -q "shard 2/5 of the suite" "$tmp/run.out" && [ -s "$tmp/ran" ] &&
    cmp -s "$tmp/ran" "$tmp/planned"; then
    ok "run --shard 2/5: exit 0, $(wc -l <"$tmp/ran") cases in its JUnit, as planned"
else
    bad "run --shard 2/5: exit $rc, $(wc -l <"$tmp/ran") in JUnit vs $(wc -l <"$tmp/planned") planned"
    tail -5 "$tmp/run.out"
fi

# `ecsconf client --shard`: three shards with the C client hold every client case exactly once.
find "$("$bin" version --data-dir)/client-cases" -maxdepth 1 -name '*.json' ! -name '*.schema.json' | xargs -n1 basename |
    sed 's/\.json$//' | sort >"$tmp/client-all"
: >"$tmp/client-union"
for i in 1 2 3; do
    "$bin" client --adapter "$bin adapter-c" --shard "$i/3" --jobs 2 >"$tmp/c.out" 2>&1 ||
        bad "client --shard $i/3 exit $?: $(tail -3 "$tmp/c.out")"
    grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS) ' "$tmp/c.out" | awk '{print $2}' | sed 's/:$//; s|^client/||' >>"$tmp/client-union"
done
if [ "$(wc -l <"$tmp/client-all")" -gt 20 ] && cmp -s <(sort "$tmp/client-union") "$tmp/client-all"; then
    ok "client: 3 shards hold each of the $(wc -l <"$tmp/client-all") client cases exactly once"
else
    bad "client shards do not partition the client cases:"
    diff <(sort "$tmp/client-union") "$tmp/client-all" | head
fi

for value in 0/3 4/3 3 1/0 x/2 1/1001; do
    out=$("$bin" run --shard "$value" --endpoint http://127.0.0.1:1 2>&1)
    rc=$?
    [ $rc = 2 ] && grep -q -- "--shard: .*I/N" <<<"$out" && ok "--shard $value: exit 2" ||
        bad "--shard $value: exit $rc: $out"
    out=$("$bin" client --adapter true --shard "$value" 2>&1)
    rc=$?
    [ $rc = 2 ] && grep -q -- "--shard: .*I/N" <<<"$out" && ok "client --shard $value: exit 2" ||
        bad "client --shard $value: exit $rc: $out"
done
exit $fail
