#!/usr/bin/env bash
# `make fuzz`: run each libFuzzer target for SECONDS with a seed corpus built
# from samples/, tests/data and tests/fuzz/seeds (each seed cut to 16 KiB),
# plus the target's regressions. Logs go to build-fuzz/logs/<target>.log, new
# corpus entries to build-fuzz/work/<target>/, crashes to
# build-fuzz/artifacts/<target>/. Prints one line per target with the
# executions and coverage, and fails when any target found a crash, leak or
# timeout. Usage: tests/fuzz/run.sh SECONDS TARGET...
set -u
cd "$(dirname "$0")/../.."
secs=$1
shift
B=build-fuzz
R=${FUZZ_RUN_DIR:-$B} # where corpora, logs and artifacts go
export TZ=UTC LC_ALL=C

seeds() { # target -> seed files
    local csv="samples/tickets/acme.csv tests/data/ingest/*.csv tests/data/ingest/bad/*.csv
               tests/data/audit/history.csv tests/data/planted/history.csv tests/data/planted/truth.csv"
    case "$1" in
    fuzz_csv_generic) echo $csv ;;
    fuzz_csv_servicenow) echo tests/data/ingest/servicenow-small.csv $csv ;;
    fuzz_csv_map) echo samples/maps/ticketflow-export.csv $csv ;;
    fuzz_json) echo samples/tickets/*.ndjson samples/tickets/*.json tests/data/ingest/*.json \
        tests/data/ingest/*.ndjson tests/data/ingest/bad/*.json tests/data/ingest/bad/*.ndjson ;;
    fuzz_time) echo tests/fuzz/seeds/time/* ;;
    fuzz_calendar) echo tests/fuzz/seeds/calendar/* samples/analysis.json tests/data/planted/config.json ;;
    fuzz_policy) echo samples/policies/*.json samples/policies/bad/*.json tests/data/audit/policy.json ;;
    fuzz_scenario) echo samples/scenarios/*.json samples/scenarios/bad/*.json ;;
    esac
}

fail=0
for t in "$@"; do
    corpus=$R/corpus/$t
    rm -rf "$corpus"
    mkdir -p "$corpus" "$R/work/$t" "$R/artifacts/$t" "$R/logs"
    i=0
    for f in $(seeds "$t") tests/fuzz/regressions/$t/*; do
        [ -f "$f" ] || continue
        head -c 16384 "$f" >"$corpus/seed-$i"
        i=$((i + 1))
    done
    log=$R/logs/$t.log
    start=$(date +%s)
    "$B/$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
        -max_len=16384 -artifact_prefix="$R/artifacts/$t/" \
        "$R/work/$t" "$corpus" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    printf '%-22s %5ss  execs %-10s exec/s %-6s cov %-6s ft %-6s rss %sMB  seeds %d' \
        "$t" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${rss:-?}" "$i"
    if [ $rc -ne 0 ] || ls "$R/artifacts/$t"/* >/dev/null 2>&1; then
        echo "  FAIL (exit $rc; see $log)"
        grep -m 3 -E '^==[0-9]+==ERROR|SUMMARY|runtime error' "$log"
        fail=1
    else
        echo "  ok"
    fi
done
exit $fail
