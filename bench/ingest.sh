#!/usr/bin/env bash
# Ingest throughput: handoff beside the sqlite3 shell and pandas doing the
# same load. docs/benchmarks.md ("Ingest") explains what each measurement does.
#
#   bench/ingest.sh [--runs N] [--events N] [--input generic|servicenow|all]
#
# Builds handoff if needed, generates bench/data/generic-N.csv if missing
# (1,000,000 events by default), then for each input runs every measurement
# --runs times (default 3), one after the other, and prints the medians:
# seconds, rows/s, events/s, peak RSS, and the ratio to handoff. A copy of
# the table goes to bench/results/ (git-ignored).
#
# Environment: HD_SERVICENOW_CSV (default ../shared/data/servicenow/
# incident_event_log.csv), BENCH_TMP (where the databases go; default /tmp),
# PYTHON (default /usr/bin/python3: Debian's, with python3-pandas).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=3
EVENTS=1000000
ONLY=all
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --input) ONLY=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/ingest.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

PY=${PYTHON:-/usr/bin/python3}
SN_CSV=${HD_SERVICENOW_CSV:-$ROOT/../shared/data/servicenow/incident_event_log.csv}
GEN_CSV=$ROOT/bench/data/generic-$EVENTS.csv
TIME=/usr/bin/time

for tool in "$TIME" sqlite3 cc pkg-config; do
    command -v "$tool" >/dev/null || {
        echo "bench/ingest.sh: '$tool' is missing (scripts/install-deps --bench)" >&2
        exit 1
    }
done
"$PY" -c 'import pandas' 2>/dev/null || {
    echo "bench/ingest.sh: $PY cannot import pandas (scripts/install-deps --bench)" >&2
    exit 1
}

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/handoff-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# 1. handoff and the in-process driver.
echo "== build" >&2
if ! make -s -j2 handoff >&2; then
    if [ -x ./handoff ] && [ -f build/libhd_analyzer.a ] && [ -f build/libhd_core.a ]; then
        echo "bench/ingest.sh: make failed; measuring the existing build" >&2
    else
        exit 1
    fi
fi
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -I. \
    $(pkg-config --cflags sqlite3 jansson) -o "$WORK/ingest_parse" bench/ingest_parse.c \
    build/libhd_analyzer.a build/libhd_core.a \
    $(pkg-config --libs sqlite3 jansson) -lcsv -lm -lpthread

# 2. the generated event log.
if [ ! -s "$GEN_CSV" ]; then
    echo "== generating $GEN_CSV" >&2
    "$PY" bench/gen_events.py "$EVENTS" --out "$GEN_CSV"
fi

# handoff's own schema, for the peers' databases.
printf 'ticket,time,kind\nX-1,2020-01-01T00:00:00Z,opened\n' >"$WORK/one.csv"
./handoff ingest --db "$WORK/schema.db" "$WORK/one.csv" >/dev/null
sqlite3 "$WORK/schema.db" .schema | grep -v '^CREATE TABLE sqlite_' >"$WORK/schema.sql"
rm -f "$WORK"/schema.db*

RESULTS=$WORK/results.tsv
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# measure PHASE TOOL INPUT CMD...: run CMD $RUNS times on a fresh database
# ($WORK/db.sqlite, removed before each run) and record wall seconds, peak
# RSS and the key=value pairs the command printed.
measure() {
    local phase=$1 tool=$2 input=$3
    shift 3
    for run in $(seq 1 "$RUNS"); do
        rm -f "$WORK"/db.sqlite "$WORK"/db.sqlite-*
        sync
        if ! "$TIME" -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; then
            echo "bench/ingest.sh: failed: $*" >&2
            cat "$WORK/err.txt" >&2
            exit 1
        fi
        read -r wall rss usr sys <"$WORK/time.txt"
        cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
        kv=$(grep -ho '[a-z_]*=[0-9.]*' "$WORK/out.txt" | tr '\n' ' ' || true)
        # handoff ingest prints a summary, not key=value pairs.
        if [ "$tool" = "handoff ingest" ]; then
            kv="rows=$(sed -n 's/.*: \([0-9]*\) rows read.*/\1/p' "$WORK/out.txt")"
            kv="$kv events=$(sed -n 's/.*events: \([0-9]*\) new.*/\1/p' "$WORK/out.txt")"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$tool" "$input" "$run" "$wall" \
            "$cpu" "$rss" "$kv" >>"$RESULTS"
        printf '  %-6s %-18s %-10s run %s: %6.2f s (cpu %6.2f s) %7.1f MB  %s\n' "$phase" \
            "$tool" "$input" "$run" "$wall" "$cpu" "$(echo "$rss" | awk '{print $1/1024}')" \
            "$kv" >&2
    done
}

bench_input() {
    local name=$1 file=$2 profile=$3 sql=$4
    local db=$WORK/db.sqlite
    local pragmas="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    pragmas="$pragmas PRAGMA temp_store=MEMORY;"
    echo "== $name: $file" >&2
    # End to end: parse + normalise + store into a fresh database.
    measure e2e "handoff ingest" "$name" ./handoff ingest --profile "$profile" --db "$db" "$file"
    measure e2e "sqlite3 shell" "$name" sqlite3 -bail "$db" -cmd ".read $WORK/schema.sql" \
        -cmd "$pragmas" -cmd ".import --csv --schema temp $file stage" \
        -cmd ".read $ROOT/bench/$sql" -cmd ".exit"
    measure e2e "pandas" "$name" "$PY" bench/peer_pandas.py --profile "$profile" --db "$db" \
        --schema "$WORK/schema.sql" "$file"
    # Parse + normalise only, in memory.
    measure parse "handoff (driver)" "$name" "$WORK/ingest_parse" --profile "$profile" "$file"
    measure parse "sqlite3 :memory:" "$name" sqlite3 -bail :memory: -cmd ".read $WORK/schema.sql" \
        -cmd "PRAGMA temp_store=MEMORY;" -cmd ".import --csv --schema temp $file stage" \
        -cmd ".read $ROOT/bench/$sql" -cmd ".exit"
    measure parse "pandas (no write)" "$name" "$PY" bench/peer_pandas.py --profile "$profile" "$file"
    # Store only: the driver's an_save phase after parsing.
    measure store "handoff (driver)" "$name" "$WORK/ingest_parse" --profile "$profile" \
        --db "$db" "$file"
}

if [ "$ONLY" = all ] || [ "$ONLY" = generic ]; then
    bench_input "generic" "$GEN_CSV" generic peer_sqlite_generic.sql
fi
if [ "$ONLY" = all ] || [ "$ONLY" = servicenow ]; then
    if [ -s "$SN_CSV" ]; then
        bench_input "servicenow" "$SN_CSV" servicenow peer_sqlite_servicenow.sql
    else
        echo "bench/ingest.sh: no $SN_CSV; skipping the ServiceNow log" >&2
    fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p bench/results
OUT=bench/results/ingest-$(date -u +%Y%m%dT%H%M%SZ).txt
{
    echo "# handoff ingest benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# command: bench/ingest.sh --runs $RUNS --events $EVENTS --input $ONLY"
    echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
        "$(awk '/MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo)"
    echo "# load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo "# handoff $(./handoff version 2>/dev/null | head -1), sqlite3 $(sqlite3 --version |
        cut -d' ' -f1), pandas $("$PY" -c 'import pandas; print(pandas.__version__)'), $("$PY" -V)"
    "$PY" - "$RESULTS" "$RUNS" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    phase, tool, inp, run, wall, cpu, rss, kv = line.rstrip("\n").split("\t")
    d = dict(p.split("=", 1) for p in kv.split())
    d["cpu_s"] = cpu
    rows.setdefault((phase, inp, tool), []).append((float(wall), int(rss), d))
    if phase == "store":
        # The driver's whole run (parse + store, no derived tables) is also an
        # end-to-end figure: `handoff ingest` minus its derived-table rebuild.
        rows.setdefault(("e2e", inp, "handoff w/o derive"), []).append(
            (float(wall), int(rss), d))
PHASES = {"e2e": "end to end: parse + normalise + store (wall time of the process)",
          "parse": "parse + normalise only, in memory (handoff, pandas: timed inside the "
                   "process; sqlite3: wall time)",
          "store": "store only: handoff's an_save into a fresh database, timed inside the "
                   "driver"}
def secs(phase, tool, runs):
    if phase == "parse" and tool != "sqlite3 :memory:":
        return [float(d["parse_s"]) for _, _, d in runs]
    if phase == "store":
        return [float(d["store_s"]) for _, _, d in runs]
    return [w for w, _, _ in runs]
med = {}
for key, runs in rows.items():
    med[key] = statistics.median(secs(key[0], key[2], runs))
print("# medians of %s runs; ratio = seconds / handoff's seconds (above 1: slower than handoff);"
      % sys.argv[2])
print("# cpu s = user + system CPU seconds of the whole process (less sensitive to other load)")
hdr = "%-6s %-18s %-11s %9s %8s %11s %11s %8s %7s %7s" % (
    "phase", "tool", "input", "rows", "seconds", "rows/s", "events/s", "peak MB", "ratio",
    "cpu s")
targets = []
for phase in ("e2e", "parse", "store"):
    keys = sorted((k for k in rows if k[0] == phase),
                  key=lambda k: (k[1], list(rows).index(k) + (1000 if "derive" in k[2] else 0)))
    if not keys:
        continue
    print("\n## " + PHASES[phase])
    print(hdr)
    for inp in sorted({k[1] for k in keys}):
        ref = [k for k in keys if k[1] == inp and k[2].startswith("handoff")]
        ref_s = med[ref[0]] if ref else None
        for k in [k for k in keys if k[1] == inp]:
            runs = rows[k]
            d = runs[-1][2]
            n = int(d.get("rows", 0) or 0)
            ev = int(d.get("events_new", d.get("events", 0)) or 0)
            s = med[k]
            rss = statistics.median(r for _, r, _ in runs) / 1024
            ratio = s / ref_s if ref_s else float("nan")
            rate = "%.0f" % (n / s) if s and phase != "store" else "-"
            cpu = statistics.median(float(d["cpu_s"]) for _, _, d in runs)
            print("%-6s %-18s %-11s %9d %8.2f %11s %11.0f %8.0f %7.2f %7.2f" % (
                phase, k[2], inp, n, s, rate, ev / s if s else 0, rss, ratio, cpu))
            if phase == "parse" and k[2].startswith("handoff"):
                targets.append(("parse + normalise >= 1,000,000 rows/s (%s)" % inp,
                                n / s >= 1e6, "%.0f rows/s" % (n / s)))
            if phase == "store" and k[2].startswith("handoff"):
                targets.append(("store >= 500,000 events/s (%s)" % inp, ev / s >= 5e5,
                                "%.0f events/s" % (ev / s)))
        if phase == "e2e" and ref_s:
            peers = [(k[2], med[k]) for k in keys if k[1] == inp and k not in ref]
            for tool, s in peers:
                targets.append(("end to end faster than %s (%s)" % (tool, inp), ref_s < s,
                                "%.2f s vs %.2f s" % (ref_s, s)))
print("\n## targets")
for what, ok, detail in targets:
    print("%-4s %-48s %s" % ("MET" if ok else "MISS", what, detail))
EOF
} | tee "$OUT"
echo "(saved in $OUT)" >&2
