#!/usr/bin/env bash
# Analysis speed: handoff beside pandas and the sqlite3 shell computing the
# same per-ticket figures (reassignments, bounces, ping-pong, case duration).
#
#   bench/analyze.sh [--runs N] [--events N]
#
# HANDOFF=path/to/handoff times another build (default ./handoff, made with
# `make handoff` when missing); HD_ANALYZE_THREADS=1 makes it use one thread.
#
# Measures, on the generated generic CSV (bench/gen_events.py, 1,000,000
# events by default) and on the ServiceNow log:
#   handoff analyze FILE        end to end from the CSV, in memory
#   handoff analyze --db DB     from an ingested database
#   pandas                      read_csv + groupby/shift (generic CSV only)
#   sqlite3 shell               .import + window functions (generic CSV only)
# Prints the median wall and CPU seconds and peak RSS of N runs (default 3),
# and the ratio of each peer to handoff. No figure here is asserted by tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=3
EVENTS=1000000
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    *) echo "bench/analyze.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
PY=${PYTHON:-/usr/bin/python3}
SN_CSV=${HD_SERVICENOW_CSV:-$ROOT/../shared/data/servicenow/incident_event_log.csv}
GEN_CSV=$ROOT/bench/data/generic-$EVENTS.csv
TMP=${BENCH_TMP:-/tmp}/handoff-bench-analyze
mkdir -p "$TMP" bench/data
HANDOFF=${HANDOFF:-./handoff}
if [ "$HANDOFF" = ./handoff ]; then
    [ -x ./handoff ] || make -s handoff
elif [ ! -x "$HANDOFF" ]; then
    echo "bench/analyze.sh: no executable '$HANDOFF'" >&2
    exit 2
fi
[ -f "$GEN_CSV" ] || python3 bench/gen_events.py "$EVENTS" >"$GEN_CSV"

# run NAME CMD...: median over RUNS of wall seconds, CPU seconds, peak KB
run() {
    local name=$1
    shift
    local f=$TMP/times
    : >"$f"
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %U %S %M' -o "$TMP/t1" "$@" >"$TMP/out" 2>/dev/null
        cat "$TMP/t1" >>"$f"
    done
    sort -n "$f" | awk -v n="$name" -v runs="$RUNS" '
        { w[NR] = $1; c[NR] = $2 + $3; m[NR] = $4 }
        END { i = int((runs + 1) / 2); printf "%-34s %8.2f %8.2f %8.0f\n", n, w[i], c[i], m[i] / 1024 }' |
        tee -a "$TMP/table"
}

: >"$TMP/table"
echo "binary: $HANDOFF ($("$HANDOFF" --version 2>/dev/null | head -1))"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %8s %8s\n' "measurement" "wall s" "cpu s" "peak MB"
rm -f "$TMP/g.db"*
"$HANDOFF" ingest --db "$TMP/g.db" "$GEN_CSV" >/dev/null
run "handoff analyze FILE (generic)" "$HANDOFF" analyze "$GEN_CSV"
run "handoff analyze --db (generic)" "$HANDOFF" analyze --db "$TMP/g.db"
run "pandas (generic)" "$PY" bench/peer_pandas_analyze.py "$GEN_CSV"
run "sqlite3 shell (generic)" sh -c "sqlite3 :memory: -cmd '.import --csv $GEN_CSV ev' < bench/peer_sqlite_analyze.sql"
if [ -f "$SN_CSV" ]; then
    rm -f "$TMP/sn.db"*
    "$HANDOFF" ingest --profile servicenow --db "$TMP/sn.db" "$SN_CSV" >/dev/null
    run "handoff analyze FILE (servicenow)" "$HANDOFF" analyze --profile servicenow "$SN_CSV"
    run "handoff analyze --db (servicenow)" "$HANDOFF" analyze --db "$TMP/sn.db"
fi
awk '
    /^handoff analyze FILE \(generic\)/ { h = $(NF-2) }
    /^pandas/ { p = $(NF-2) } /^sqlite3/ { s = $(NF-2) }
    END { if (h > 0) printf "ratios (wall): pandas / handoff FILE = %.1fx, sqlite3 / handoff FILE = %.1fx\n", p / h, s / h }
' "$TMP/table"
