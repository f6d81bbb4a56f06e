# Sourced by the tests that drive `ecsconf serve` by hand. serve CASE MAX_REQUESTS [OPTION...] starts the
# mock in the background with $ecsconf, writing into $work: sets pid, url and $work/params.json (the
# parameters it prints).
serve() {
    local case_file=$1 max=$2
    shift 2
    "$ecsconf" serve --case "$case_file" --max-requests "$max" --max-seconds 30 "$@" >"$work/serve.out" \
        2>"$work/serve.err" &
    pid=$!
    for _ in $(seq 1 100); do
        grep -q '^parameters ' "$work/serve.out" 2>/dev/null && break
        sleep 0.1
    done
    url="$(awk '/^endpoint /{print $2}' "$work/serve.out")"
    sed -n 's/^parameters //p' "$work/serve.out" >"$work/params.json"
    [ -n "$url" ] || { echo "serve did not start:"; cat "$work/serve.err"; exit 1; }
}
