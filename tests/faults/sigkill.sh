#!/usr/bin/env bash
# SIGKILL during ingest and during report writing, at several moments.
# After each kill the database passes SQLite's integrity check and holds
# only whole transactions: readers either see complete sources or refuse
# with "not ingested completely"; running the command again completes the
# work and gives exactly what a run without a kill gives.
. "$(dirname "$0")/lib.sh"
gen_log big.csv 60000
sq() { sqlite3 "$1" "$2" 2>/dev/null; }
"$HANDOFF" ingest --db ref.db big.csv >/dev/null 2>&1
"$HANDOFF" analyze --db ref.db --format json >ref.json 2>/dev/null

# kill_after SECONDS CMD...: start CMD, SIGKILL it after SECONDS; KILLED=1
# when it was still running.
kill_after() {
    local s=$1
    shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$s"
    KILLED=0
    if kill -0 $pid 2>/dev/null; then
        kill -KILL $pid 2>/dev/null && KILLED=1
    fi
    wait $pid 2>/dev/null
}

kills=0
partial=0
bad_state=0
for s in 0.5 1.5 2.5 3.5 4.5 6; do
    kill_after $s "$HANDOFF" ingest --db h.db big.csv
    [ $KILLED = 1 ] && kills=$((kills + 1))
    ic=$(sq h.db 'PRAGMA integrity_check')
    "$HANDOFF" analyze --db h.db >/dev/null 2>err
    rc=$?
    inc=$(sq h.db 'SELECT count(*) FROM sources WHERE complete = 0')
    [ "${inc:-0}" -gt 0 ] && partial=$((partial + 1))
    if [ -f h.db ] && [ "$ic" != ok ]; then
        bad_state=1
        echo "     killed at ${s}s: integrity_check: $ic"
    elif [ "${inc:-0}" -gt 0 ] && ! { [ $rc = 2 ] && grep -q 'not ingested completely' err; }; then
        bad_state=1
        echo "     killed at ${s}s: incomplete source, but analyze exit $rc: $(head -c 200 err)"
    elif [ "${inc:-0}" = 0 ] && [ $rc != 0 ] && [ -f h.db ]; then
        bad_state=1
        echo "     killed at ${s}s: analyze exit $rc: $(head -c 200 err)"
    fi
done
check "ingest killed $kills times ($partial left a partial source): database whole, partial sources refused by readers" test $bad_state = 0
check "the same ingest then completes" expect_exit 0 "$HANDOFF" ingest --db h.db big.csv
check "every source complete" test "$(sq h.db 'SELECT count(*) FROM sources WHERE complete = 0')" = 0
check "every event once" test "$(sq h.db 'SELECT count(*) FROM events')" = "$(sq ref.db 'SELECT count(*) FROM events')"
"$HANDOFF" analyze --db h.db --format json >got.json 2>/dev/null
check "analysis identical to an ingest never killed" cmp -s ref.json got.json

# Report writing: kill at several moments, then write it again.
"$HANDOFF" report quarterly --db ref.db --out clean >/dev/null 2>&1
rkills=0
for s in 0.05 0.2 0.4 0.8; do
    kill_after $s "$HANDOFF" report quarterly --db ref.db --out rep
    [ $KILLED = 1 ] && rkills=$((rkills + 1))
done
# A killed run leaves at most rep.partial: rep itself is absent or whole.
whole_or_absent() { [ ! -e rep ] || diff -rq clean rep >/dev/null; }
check "after the kills, rep is absent or a whole report (never half-written)" whole_or_absent
check "report killed $rkills times, then written again: exit 0" expect_exit 0 "$HANDOFF" report quarterly --db ref.db --out rep
check "  the folder is identical to one never interrupted" diff -r clean rep
finish
