#!/usr/bin/env bash
# Fault tests (`make faults`): each tests/faults/*.sh other than this one
# runs against the binary given, printing one line per check; the total is
# "faults: N passed, N failed". docs/reliability.md lists what each tries.
# Usage: tests/faults/run.sh BINARY [TEST...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
HANDOFF=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$here/../.." && pwd)
export HANDOFF ROOT
shift
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    for t in "$here"/*.sh; do
        case "$(basename "$t")" in run.sh | lib.sh) ;; *) tests+=("$t") ;; esac
    done
fi
pass=0
fail=0
for t in "${tests[@]}"; do
    [ -f "$t" ] || t=$here/$t.sh
    out=$(bash "$t" 2>&1)
    rc=$?
    echo "$out"
    p=$(grep -c '^ok ' <<<"$out")
    f=$(grep -c '^FAIL ' <<<"$out")
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL faults/$(basename "$t" .sh): exited $rc"
        f=1
    fi
    pass=$((pass + p))
    fail=$((fail + f))
done
echo "faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
