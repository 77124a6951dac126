#!/usr/bin/env bash
# Policy-engine benchmark: ticket evaluations per second for a 50-rule
# policy with keyword conditions (bench/policy.c), one thread, median of
# five trials. Builds libhd_core.a if needed, then the benchmark, then runs
# it; then runs it once more with malloc/calloc/realloc wrapped, to count
# the allocations made while deciding (expected: 0).
# Usage: bench/policy.sh   (from anywhere)
set -eu
cd "$(dirname "$0")/.."
make -j2 --no-print-directory build/libhd_core.a >/dev/null
mkdir -p build/bench
cc -O2 -I. bench/policy.c build/libhd_core.a $(pkg-config --libs jansson sqlite3) -lcsv -lm \
    -o build/bench/policy
build/bench/policy
cc -O2 -I. -DBENCH_COUNT_ALLOC bench/policy.c build/libhd_core.a \
    $(pkg-config --libs jansson sqlite3) -lcsv -lm \
    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o build/bench/policy-alloc
build/bench/policy-alloc | grep '^allocations'
