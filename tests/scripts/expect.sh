# Sourced by the shell-driven CLI tests (cli_run.sh, cli_verdicts.sh): the one `expect` helper.
# The caller sets $tmp (a scratch folder) and $fail (0); a failed expectation sets fail=1.
#
#   expect CODE PATTERN -- command...   the command must exit CODE and print (stdout or stderr) a line
#                                       matching the extended regex PATTERN; its output is kept in
#                                       $tmp/last.out for further checks
#   check DESCRIPTION command...        the command must succeed
expect() {
    local code=$1 pattern=$2
    shift 3
    local out
    out=$("$@" 2>&1)
    local rc=$?
    printf '%s\n' "$out" >"$tmp/last.out"
    if [ "$rc" != "$code" ] || ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL: $* -> exit $rc (want $code), output lacks /$pattern/:"
        echo "$out" | head -20
        fail=1
    else
        echo "ok: $* -> $code"
    fi
}

check() {
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
