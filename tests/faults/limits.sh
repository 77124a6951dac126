#!/usr/bin/env bash
# Pathological inputs are refused quickly, with a reason, in bounded memory:
# each run must end within 10 s and 256 MB of peak RSS (/usr/bin/time when
# present). A row that breaks a limit is rejected and counted; a file that
# cannot hold a single row is refused with exit 2. The limits are
# configurable: --max-field and --max-events-per-ticket.
. "$(dirname "$0")/lib.sh"
TIMER=
[ -x /usr/bin/time ] && TIMER="/usr/bin/time -f %e:%M -o $W/usage"

# limited WANT_EXIT PATTERN DESCRIPTION CMD...: exit, message (stdout or
# stderr) and the time/memory bound.
limited() {
    local want=$1 pat=$2 d=$3
    shift 3
    rm -f "$W/usage"
    # shellcheck disable=SC2086
    $TIMER "$@" >"$W/out" 2>"$W/err"
    RC=$?
    local secs=0 kb=0 why=""
    if [ -s "$W/usage" ]; then
        IFS=: read -r secs kb < <(tail -n 1 "$W/usage")
    fi
    [ "$RC" = "$want" ] || why="exit $RC, expected $want;"
    grep -qE "$pat" "$W/out" "$W/err" || why="$why no '$pat';"
    awk -v s="$secs" 'BEGIN { exit !(s < 10) }' || why="$why took ${secs}s;"
    [ "${kb:-0}" -lt 262144 ] || why="$why peak RSS ${kb} KB;"
    if [ -z "$why" ]; then
        ok "$d (${secs}s, $((${kb:-0} / 1024)) MB)"
    else
        bad "$d: $why"
        show
    fi
}

hdr=ticket,time,kind,note
printf '%s\nT1,2026-01-01T00:00:00Z,note,' $hdr >field.csv
head -c 10485760 /dev/zero | tr '\0' x >>field.csv
printf '\nT1,2026-01-01T00:01:00Z,opened,\n' >>field.csv
limited 0 "field_too_long: column 4 is longer than the limit of 1048575 bytes" \
    "a 10 MB field: that row rejected, the rest used" "$HANDOFF" ingest --db h.db field.csv

awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "c%d%s", i, (i < 999999 ? "," : "\n") }' >cols.csv
limited 2 "cols.csv:1: header has more than 10000 columns" \
    "a header of 1,000,000 columns: refused" "$HANDOFF" ingest --db h.db cols.csv
{
    echo $hdr
    awk 'BEGIN { printf "T1,2026-01-01T00:00:00Z,opened"; for (i = 0; i < 20000; i++) printf ","; print "" }'
    echo 'T1,2026-01-01T00:01:00Z,note,hello'
} >wide.csv
limited 0 "wrong_columns: more than 10000 columns" \
    "a row of 20,000 columns: rejected" "$HANDOFF" ingest --db h.db wide.csv

awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >deep.ndjson
echo '{"ticket":"T1","time":"2026-01-01T00:00:00Z","kind":"opened"}' >>deep.ndjson
limited 0 "bad_json: nested deeper than the limit of 64 levels" \
    "NDJSON nested 100,000 deep: that row rejected" "$HANDOFF" ingest --db h.db deep.ndjson
{
    printf '[{"ticket":"T1","time":"2026-01-01T00:00:00Z","kind":"opened"},'
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"a\":"; printf "1"; for (i = 0; i < 100000; i++) printf "}"; print "]" }'
} >deep.json
limited 0 "bad_json: nested deeper than the limit of 64 levels" \
    "a JSON array element nested 100,000 deep: rejected" "$HANDOFF" ingest --db h.db deep.json
{
    printf '{"issues":['
    awk 'BEGIN { printf "{\"key\":\"J-1\",\"x\":"; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "}]}" }'
} >deep-jira.json
limited 0 "bad_json: nested deeper than the limit of 64 levels" \
    "a Jira issue nested 100,000 deep: rejected" "$HANDOFF" ingest --profile jira --db h.db deep-jira.json

truncate -s 5G sparse.csv
limited 2 "sparse.csv: NUL byte at byte 0: a binary file, not a text export" \
    "a 5 GB sparse file: refused" "$HANDOFF" ingest --db h.db sparse.csv
printf '%s\n' $hdr >sparse2.csv
truncate -s 5G sparse2.csv
limited 2 "sparse2.csv: a line at byte 22 is longer than the limit of 16777216 bytes" \
    "a header, then 5 GB of zeros: refused at the line limit" "$HANDOFF" ingest --db h.db sparse2.csv
printf '{"ticket":"T1"}\n' >sparse.ndjson
truncate -s 5G sparse.ndjson
limited 2 "a line at byte 16 is longer than the limit" \
    "NDJSON, then 5 GB of zeros: refused" "$HANDOFF" ingest --db h.db sparse.ndjson
printf '[' >sparse.json
truncate -s 5G sparse.json
limited 2 "sparse.json: NUL byte at byte 1: a binary file, not JSON text" \
    "'[' then 5 GB of zeros: refused" "$HANDOFF" ingest --db h.db sparse.json
limited 2 "NUL byte at byte 1: a binary file, not JSON text" \
    "the same as a Jira export: refused" "$HANDOFF" ingest --profile jira --db h.db sparse.json
head -c 20000000 /dev/zero | tr '\0' ' ' >blank.csv
limited 2 "only blank space in the first" \
    "20 MB of spaces: refused" "$HANDOFF" ingest --db h.db blank.csv
printf '%s\nT1,2026-01-01T00:00:00Z,op\0ened,\nT1,2026-01-01T00:01:00Z,opened,\n' $hdr >nul.csv
limited 0 "invalid_utf8: NUL byte in column 'kind'" \
    "a NUL byte inside a row: that row rejected" "$HANDOFF" ingest --db h.db nul.csv

printf '%s\nT2,2026-01-01T00:00:00Z,note,01234567890123456789\nT2,2026-01-01T00:00:01Z,note,012345678901234567890\n' $hdr >twenty.csv
limited 0 "twenty.csv:3: field_too_long: column 4 is longer than the limit of 20 bytes" \
    "--max-field 20: a 21-byte field rejected, a 20-byte one used" \
    "$HANDOFF" ingest --max-field 20 --db h2.db twenty.csv
check "  (1 used + 1 rejected)" grep -q "2 rows read = 1 used + 1 rejected" out
printf '%s\nT3,2026-01-01T00:00:00Z,opened,\nT3,2026-01-01T00:01:00Z,note,a\nT3,2026-01-01T00:02:00Z,note,b\n' $hdr >three.csv
limited 0 "too_many_events: more than 2 events for ticket 'T3'" \
    "--max-events-per-ticket 2: the third event rejected" \
    "$HANDOFF" ingest --max-events-per-ticket 2 --db h3.db three.csv
for v in 0 -1 abc 10x 99999999999999999999; do
    check "--max-field $v: usage error, exit 2" expect_exit 2 "$HANDOFF" ingest --max-field "$v" three.csv
    check "--max-events-per-ticket $v: usage error, exit 2" \
        expect_exit 2 "$HANDOFF" ingest --max-events-per-ticket "$v" three.csv
done
check "  (message names the option)" err_has "^handoff: error: --max-events-per-ticket: '99999999999999999999' is not a count"
finish
