#!/usr/bin/env bash
# Golden end-to-end tests: run the handoff binary as a user would and diff.
# Each case is a folder in tests/golden/ or tests/bad-input/ holding:
#   cmd            a shell snippet run by sh in a fresh temporary directory,
#                  with $HANDOFF (the binary), $ROOT (the repo) and $DATA
#                  (../shared/data) set; paths in outputs should be relative
#   expected.out   exact stdout
#   expected.err   exact stderr (optional; not compared when absent)
#   expected.exit  exit status (default 0)
# UPDATE=1 rewrites the expectations from the actual results.
# VALGRIND=1 runs handoff under valgrind and fails on any error or leak.
# Usage: tests/run-golden.sh BINARY
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
export DATA="$ROOT/../shared/data"
export TZ=UTC LC_ALL=C
if [ "${VALGRIND:-}" = 1 ]; then
    wrap=$(mktemp)
    cat >"$wrap" <<W
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$bin" "\$@"
W
    chmod +x "$wrap"
    export HANDOFF="$wrap"
else
    export HANDOFF="$bin"
fi
pass=0
fail=0
for dir in "$ROOT"/tests/golden/*/ "$ROOT"/tests/bad-input/*/; do
    [ -f "$dir/cmd" ] || continue
    name=${dir%/}
    name=${name#"$ROOT"/tests/}
    work=$(mktemp -d)
    (cd "$work" && sh "$dir/cmd" >"$work/.out" 2>"$work/.err")
    rc=$?
    want_rc=0
    [ -f "$dir/expected.exit" ] && want_rc=$(cat "$dir/expected.exit")
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$work/.out" "$dir/expected.out"
        [ -f "$dir/expected.err" ] && cp "$work/.err" "$dir/expected.err"
        echo "$rc" >"$dir/expected.exit"
    fi
    ok=1
    why=""
    if [ "$rc" != "$want_rc" ]; then ok=0; why="exit $rc, expected $want_rc"; fi
    if ! diff -u "$dir/expected.out" "$work/.out" >"$work/.diff" 2>&1; then ok=0; why="$why stdout differs"; fi
    if [ -f "$dir/expected.err" ] && ! diff -u "$dir/expected.err" "$work/.err" >>"$work/.diff" 2>&1; then
        ok=0; why="$why stderr differs"
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name: $why"
        head -n 40 "$work/.diff"
        [ -s "$work/.err" ] && { echo "--- stderr:"; head -n 10 "$work/.err"; }
    fi
    rm -rf "$work"
done
echo "golden: $pass passed, $fail failed"
echo "$pass $fail" >"${GOLDEN_COUNTS:-/dev/null}"
[ "$fail" -eq 0 ]
