#!/usr/bin/env bash
# Simulator benchmark: events per second and peak memory of handoff's
# simulator beside the same models written for Debian's python3-simpy
# (SimPy 2, run with /usr/bin/python3), single-threaded.
#   1. M/M/c, one million customers (bench/mmc.json, bench/simpy_mmc.py)
#   2. the phishing-wave scenario as shipped (1 week, its 20 replications),
#      and with one replication over 1 and 52 weeks (bench/simpy_phishing.py)
#   3. peak memory as the horizon grows: 1 week vs 52 weeks
# Targets (docs/benchmarks.md ("Simulator")): >= 100x SimPy on M/M/c, >= 50x on
# the phishing wave, memory flat in the horizon.
# Usage: bench/simulate.sh   (from the repository root; builds what it needs)
#        BUILD=build-sim bench/simulate.sh   (use and build that build directory)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/libhd_simulator.a" "$BUILD/libhd_core.a"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. $(pkg-config --cflags jansson) \
    -o "$out/sim_bench" bench/sim_bench.c "$BUILD/libhd_simulator.a" "$BUILD/libhd_core.a" \
    $(pkg-config --libs jansson) -lm -lpthread
py=/usr/bin/python3
$py -c 'import SimPy.Simulation' 2>/dev/null || { echo "bench: python3-simpy missing (scripts/install-deps --bench)" >&2; exit 2; }

# Best of N wall times: the machine is shared, the minimum is the least disturbed.
best() { sort -n | head -n1; }
run_c() { # args -> "seconds events maxrss_kb"
    for _ in 1 2 3 4 5; do
        /usr/bin/time -f "%M" -o "$out/rss" "$out/sim_bench" "$@" >"$out/o"
        echo "$(awk '{print $4, $2}' "$out/o") $(cat "$out/rss")"
    done | sort -n | head -n1
}
run_py() { # args -> "seconds maxrss_kb"
    for _ in 1 2 3; do
        /usr/bin/time -f "%M" -o "$out/rss" $py "$@" >"$out/o"
        echo "$(awk '{for (i = 1; i < NF; i++) if ($i == "seconds") print $(i + 1)}' "$out/o") $(cat "$out/rss")"
    done | sort -n | head -n1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }

echo "model                      handoff s   events/s     peak KiB   SimPy s   peak KiB   speed-up"
read -r cs ce cm <<<"$(run_c bench/mmc.json)"
read -r ps pm <<<"$(run_py bench/simpy_mmc.py 1000000)"
printf "%-26s %9.4f %10.0f %12s %9.3f %10s %9sx\n" "M/M/c, 1e6 customers" "$cs" \
    "$(awk -v e="$ce" -v s="$cs" 'BEGIN{print e/s}')" "$cm" "$ps" "$pm" "$(ratio "$ps" "$cs")"
read -r cs ce cm <<<"$(run_c samples/scenarios/phishing-wave.json --replications 20)"
read -r ps pm <<<"$(run_py bench/simpy_phishing.py samples/scenarios/phishing-wave.json 1 20)"
printf "%-26s %9.4f %10.0f %12s %9.3f %10s %9sx\n" "phishing wave, as shipped" "$cs" \
    "$(awk -v e="$ce" -v s="$cs" 'BEGIN{print e/s}')" "$cm" "$ps" "$pm" "$(ratio "$ps" "$cs")"
for w in 1 52; do
    read -r cs ce cm <<<"$(run_c samples/scenarios/phishing-wave.json --horizon ${w}w)"
    read -r ps pm <<<"$(run_py bench/simpy_phishing.py samples/scenarios/phishing-wave.json $w)"
    printf "%-26s %9.4f %10.0f %12s %9.3f %10s %9sx\n" "phishing wave, $w week(s)" "$cs" \
        "$(awk -v e="$ce" -v s="$cs" 'BEGIN{print e/s}')" "$cm" "$ps" "$pm" "$(ratio "$ps" "$cs")"
done
echo
echo "peak memory of handoff's simulator by horizon (phishing wave, 1 replication):"
for w in 1 4 13 52; do
    read -r cs ce cm <<<"$(run_c samples/scenarios/phishing-wave.json --horizon ${w}w)"
    printf "  %3s weeks: %8s KiB, %9s events\n" "$w" "$cm" "$ce"
done
