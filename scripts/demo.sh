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
# The samples are an export taken on 1 January 2027 (Oct-Dec 2026): say so, or
# rows dated after today would be rejected as later than the export date.
export_date=2027-01-01T00:00:00Z
for f in samples/tickets/*.csv samples/tickets/*.ndjson; do
    [ -e "$f" ] || continue
    client=$(basename "$f" | sed 's/\..*//')
    "$bin" ingest --db "$db" --client "$client" --config samples/analysis.json \
        --export-date "$export_date" "$f"
done
if [ -e samples/tickets/jira-sample.json ]; then
    "$bin" ingest --db "$db" --profile jira --client jira-sample --config samples/analysis.json \
        --export-date "$export_date" samples/tickets/jira-sample.json
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
    step "reports: quarterly review, client SLA, checklist, policy comparison"
    "$bin" report quarterly --db "$db" --config samples/analysis.json \
        --sla samples/sla/acme.json --sla samples/sla/globex.json --out "$out/quarterly"
    client=acme
    "$bin" report sla --db "$db" --config samples/analysis.json --client "$client" \
        --sla "samples/sla/$client.json" --pseudonymize --out "$out/sla-$client"
    "$bin" report checklist --db "$db" --config samples/analysis.json \
        --policy samples/policies/candidate.json --out "$out/checklist"
    if [ -d "$out/simulation" ]; then
        "$bin" report compare --sim "$out/simulation" --out "$out/compare"
    fi
    {
        printf '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        printf '<title>handoff demo reports</title>\n'
        printf '<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;'
        printf 'line-height:1.5}li{margin:.4em 0}</style>\n</head>\n<body>\n'
        printf '<h1>handoff demo reports</h1>\n<p>Built from the bundled samples '
        printf '(two MSP clients, the phishing-wave scenario).</p>\n<ul>\n'
        printf '<li><a href="quarterly/index.html">Quarterly escalation review</a> '
        printf '(all clients)</li>\n'
        printf '<li><a href="sla-%s/index.html">SLA report for client %s</a> ' "$client" "$client"
        printf '(pseudonymized)</li>\n'
        printf '<li><a href="checklist/index.html">Escalation checklist</a> '
        printf '(candidate policy)</li>\n'
        if [ -d "$out/compare" ]; then
            printf '<li><a href="compare/index.html">Policy comparison</a> '
            printf '(simulated phishing wave)</li>\n'
        fi
        printf '</ul>\n</body>\n</html>\n'
    } >"$out/index.html"
    printf '\nhandoff demo: reports in %s/index.html\n' "$out"
fi

printf '\nhandoff demo: results in %s\n' "$out"
