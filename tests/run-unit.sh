#!/usr/bin/env bash
# Run cmocka test binaries; print each one's result and a total line.
# Usage: tests/run-unit.sh BINARY...   Exit 1 if any test failed.
set -u
pass=0
fail=0
for t in "$@"; do
    out=$("$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or aborted before cmocka could count
    fi
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out"
        echo "FAIL $t ($f failed)"
    else
        echo "ok   $t ($p passed)"
    fi
    pass=$((pass + p))
    fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
echo "$pass $fail" >"${UNIT_COUNTS:-/dev/null}"
[ "$fail" -eq 0 ]
