#!/usr/bin/env bash
# `make demo`: run handoff end to end on the bundled samples and print where
# the results are. Every step runs the real binary on real sample files.
# Usage: scripts/demo.sh HANDOFF OUTDIR
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
db="$out/handoff.db"
has() { "$bin" help "$1" >/dev/null 2>&1; }
step() { printf '\n== %s\n' "$*"; }

cd "$root"
step "ingest the sample ticket histories (two MSP clients)"
for f in samples/tickets/*.csv samples/tickets/*.ndjson; do
    [ -e "$f" ] || continue
    client=$(basename "$f" | sed 's/\..*//')
    "$bin" ingest --db "$db" --client "$client" --config samples/analysis.json "$f"
done
if [ -e samples/tickets/jira-sample.json ]; then
    "$bin" ingest --db "$db" --profile jira --client jira-sample --config samples/analysis.json \
        samples/tickets/jira-sample.json
fi

step "analyze the escalation layer"
"$bin" analyze --db "$db" --config samples/analysis.json >"$out/analysis.txt"
"$bin" analyze --db "$db" --config samples/analysis.json --format md >"$out/analysis.md"
"$bin" analyze --db "$db" --config samples/analysis.json --format json >"$out/analysis.json"
"$bin" analyze --db "$db" --config samples/analysis.json --format csv >"$out/findings.csv"
head -n 30 "$out/analysis.txt"

step "one ticket's timeline"
ticket=$(sqlite3 "$db" "SELECT t.key FROM ticket_metrics m JOIN tickets t ON t.id = m.ticket_id
                        ORDER BY m.bounces DESC, m.reassignments DESC, t.key LIMIT 1")
client=$(sqlite3 "$db" "SELECT client FROM tickets WHERE key = '$ticket' LIMIT 1")
"$bin" timeline --db "$db" --client "$client" --config samples/analysis.json "$ticket" \
    | tee "$out/timeline-$ticket.txt"

if has audit; then
    step "audit last quarter against the candidate policy"
    for p in samples/policies/*.json; do
        name=$(basename "$p" .json)
        "$bin" audit --db "$db" --policy "$p" >"$out/audit-$name.txt"
        head -n 12 "$out/audit-$name.txt"
    done
fi

if has simulate && [ -e samples/scenarios/phishing-wave.json ]; then
    step "simulate the phishing wave against the sample policies"
    "$bin" simulate --scenario samples/scenarios/phishing-wave.json \
        --policy samples/policies/baseline.json --policy samples/policies/candidate.json \
        --policy samples/policies/strict-soc.json --replications 10 --seed 1 \
        --out "$out/simulation" | tee "$out/simulation.txt"
fi

if has report; then
    step "reports"
    "$bin" report quarterly --db "$db" --out "$out/quarterly" || true
fi

printf '\nhandoff demo: results in %s\n' "$out"
