#!/usr/bin/env bash
# Report throughput: `handoff report quarterly` over the whole public
# ServiceNow incident log (141,712 rows, 24,918 incidents), charts included.
#
#   bench/report.sh [--runs N] [--png]
#
# Builds handoff if needed, ingests the log once into $BENCH_TMP/handoff-report-bench.db
# (reused while the log and the binary are unchanged), then times the report N
# times (default 5), wall clock from the command's start to its exit, each
# into a fresh folder, and prints every run, the median and the minimum. The
# target is under 10 s. A copy goes to bench/results/ (git-ignored).
#
# Environment: HD_SERVICENOW_CSV (default ../shared/data/servicenow/
# incident_event_log.csv), BENCH_TMP (default /tmp).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=5
PNG=
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --png) PNG=--png; shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/report.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
SN_CSV=${HD_SERVICENOW_CSV:-$ROOT/../shared/data/servicenow/incident_event_log.csv}
TMP=${BENCH_TMP:-/tmp}
DB=$TMP/handoff-report-bench.db
OUT=$TMP/handoff-report-bench
if [ ! -r "$SN_CSV" ]; then
    echo "bench/report.sh: no ServiceNow log at '$SN_CSV' (set HD_SERVICENOW_CSV)" >&2
    exit 2
fi
command -v gnuplot >/dev/null || echo "bench/report.sh: warning: gnuplot missing, charts not drawn" >&2
make --no-print-directory handoff >/dev/null
BIN=$ROOT/handoff
if [ ! -s "$DB" ] || [ "$SN_CSV" -nt "$DB" ] || [ "$BIN" -nt "$DB" ]; then
    rm -f "$DB"
    "$BIN" ingest --db "$DB" --profile servicenow "$SN_CSV" >/dev/null 2>&1
fi

now_ns() { date +%s%N; }
times=()
for i in $(seq "$RUNS"); do
    rm -rf "$OUT"
    t0=$(now_ns)
    "$BIN" report quarterly --db "$DB" --from 2016-01-01 --to 2017-04-01 $PNG --out "$OUT" >/dev/null
    t1=$(now_ns)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(printf '%s\n' "$sorted" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
min=$(printf '%s\n' "$sorted" | head -n1)
charts=$(find "$OUT" -name '*.svg' | wc -l)
tickets=$(sed -n 's/^\([0-9]*\) tickets opened in the period.*/\1/p' "$OUT/report.md")
report=$(
    echo "handoff report quarterly, whole ServiceNow log ($tickets tickets, $charts charts drawn)"
    echo "machine: $(nproc) cpu, $(uname -sr)"
    echo "command: handoff report quarterly --db $DB --from 2016-01-01 --to 2017-04-01 $PNG --out DIR"
    echo "runs (s): ${times[*]}"
    echo "median $median s, min $min s (target: under 10 s)"
)
printf '%s\n' "$report"
mkdir -p bench/results
printf '%s\n' "$report" >"bench/results/report-$(date -u +%Y%m%dT%H%M%SZ).txt"
awk -v m="$median" 'BEGIN { exit !(m < 10) }'
