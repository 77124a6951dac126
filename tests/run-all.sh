#!/usr/bin/env bash
# `make test`: unit tests, golden end-to-end tests and lint, then one total.
# Usage: tests/run-all.sh BUILD_DIR BINARY UNIT_BINARY...
set -u
build=$1
bin=$2
shift 2
d=$(mktemp -d)
rc=0
UNIT_COUNTS=$d/u tests/run-unit.sh "$@" || rc=1
GOLDEN_COUNTS=$d/g tests/run-golden.sh "$bin" || rc=1
LINT_COUNTS=$d/l tests/lint.sh || rc=1
p=0
f=0
for c in u g l; do
    if [ -f "$d/$c" ]; then
        read -r cp cf <"$d/$c"
        p=$((p + cp))
        f=$((f + cf))
    else
        f=$((f + 1))
    fi
done
rm -rf "$d"
echo "($build)"
echo "total: $p passed, $f failed"
[ $rc -eq 0 ] && [ $f -eq 0 ]
