#!/usr/bin/env bash
# Disk full while ingesting: on a tmpfs too small for the first write
# transaction, and on one that holds the first 200,000 events but not the
# rest. Either way: exit 3 with SQLite's "database or disk is full", no
# source is marked complete, readers refuse an incomplete source, and the
# same command with room completes it, matching a clean ingest exactly.
# Without mount rights (not root) the file-size limit stands in for a full
# disk: SQLite then says "disk I/O error"; the same guarantees are checked.
. "$(dirname "$0")/lib.sh"
gen_log big.csv 60000 # 240,000 rows, 300,000 events: two write transactions
sq() { sqlite3 "$1" "$2" 2>/dev/null; }

"$HANDOFF" ingest --db ref.db big.csv >/dev/null 2>&1
"$HANDOFF" analyze --db ref.db --format json >ref.json 2>/dev/null

run_full() { # KB -> ingest on a disk of that size, as disk/h.db
    if small_disk "$W/disk" "$1"; then
        expect_exit 3 "$HANDOFF" ingest --db disk/h.db big.csv
    else
        mkdir -p disk
        (
            trap '' XFSZ
            ulimit -f $(($1 / 2))
            exec "$HANDOFF" ingest --db disk/h.db big.csv
        ) >"$W/out" 2>"$W/err"
        RC=$?
        [ "$RC" = 3 ]
    fi
}

# 1. Full before anything is committed.
if run_full 256 && err_has 'disk is full|disk I/O error|No space'; then
    ok "ingest on a full disk: exit 3, '$(head -c 80 err)'"
else
    bad "ingest on a full disk: exit 3 with a reason"
    show
fi
check "nothing committed: no source, no event" \
    test "$(sq disk/h.db 'SELECT count(*) FROM sources') $(sq disk/h.db 'SELECT count(*) FROM events')" = "0 0"
release_disk "$W/disk"
rm -rf disk

# 2. Full after the first transaction of events committed.
run_full 24000
check "second transaction on a full disk: exit 3" err_has 'disk is full|disk I/O error|No space'
check "the source is left marked incomplete" test "$(sq disk/h.db 'SELECT complete FROM sources')" = 0
mkdir -p room
cp disk/h.db* room/
release_disk "$W/disk"
if expect_exit 2 "$HANDOFF" analyze --db room/h.db && err_has "not ingested completely.*again"; then
    ok "analyze refuses the incomplete source: exit 2, says to ingest again"
else
    bad "analyze refuses the incomplete source"
    show
fi
check "timeline refuses it too" expect_exit 2 "$HANDOFF" timeline --db room/h.db T0000001
check "the same ingest with room completes it" expect_exit 0 "$HANDOFF" ingest --db room/h.db big.csv
check "then the source is complete" test "$(sq room/h.db 'SELECT complete FROM sources')" = 1
check "and holds every event once" test "$(sq room/h.db 'SELECT count(*) FROM events')" = "$(sq ref.db 'SELECT count(*) FROM events')"
"$HANDOFF" analyze --db room/h.db --format json >got.json 2>/dev/null
check "analysis identical to a clean ingest" cmp -s ref.json got.json
finish
