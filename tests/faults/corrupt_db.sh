#!/usr/bin/env bash
# Databases that are not ours or not whole: random bytes, plain text, an
# empty file, a real database truncated, one with pages overwritten at
# random, a foreign SQLite file, and one from a newer schema version.
# Each is refused with exit 2 and a reason, by readers and by ingest, and
# ingest never changes a file it refuses. Never a crash.
. "$(dirname "$0")/lib.sh"
csv=$ROOT/tests/data/planted/history.csv
"$HANDOFF" ingest --db good.db "$ROOT/samples/tickets/acme.csv" >/dev/null 2>&1

refused() { # DB PATTERN DESCRIPTION
    local sum
    sum=$(cksum <"$1")
    if expect_exit 2 "$HANDOFF" analyze --db "$1" && err_has "$2"; then
        ok "$3: analyze exit 2, '$(head -c 90 err)'"
    else
        bad "$3: analyze exit 2 matching '$2'"
        show
    fi
    if expect_exit 2 "$HANDOFF" ingest --db "$1" "$csv" && err_has "$2"; then
        ok "$3: ingest exit 2"
    else
        bad "$3: ingest exit 2 matching '$2'"
        show
    fi
    check "$3: the file is left as it was" test "$sum" = "$(cksum <"$1")"
}

head -c 65536 /dev/urandom >random.db
refused random.db 'not a handoff database \(not SQLite, or corrupted\)' "random bytes"
echo 'ticket,time,kind' >text.db
refused text.db 'not a handoff database' "a text file"
cp good.db truncated.db
truncate -s 20000 truncated.db
refused truncated.db 'not a handoff database \(not SQLite, or corrupted\)' "a truncated database"
sqlite3 foreign.db 'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, "x")'
refused foreign.db "not a handoff database" "a foreign SQLite file"
cp good.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 999'
refused newer.db "schema version 999 is newer than this handoff" "a newer schema"
: >empty.db
check "an empty file: analyze exit 2, 'empty database'" expect_exit 2 "$HANDOFF" analyze --db empty.db
check "  (message)" err_has "empty database \(run 'handoff ingest' first\)"

# Pages overwritten at random: whatever is read must be refused or
# analysed, never crash (a signal gives an exit status above 128).
size=$(stat -c %s good.db)
crashes=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    cp good.db hit.db
    off=$(((i * 7919 * 4096) % size))
    dd if=/dev/urandom of=hit.db bs=1 seek="$off" count=4096 conv=notrunc status=none
    for cmd in "analyze --db hit.db" "ingest --db hit.db $csv" "timeline --db hit.db --client acme ACME-1001"; do
        # shellcheck disable=SC2086
        "$HANDOFF" $cmd >/dev/null 2>err
        rc=$?
        if [ $rc -gt 3 ]; then
            crashes=$((crashes + 1))
            echo "     page at $off, '$cmd': exit $rc: $(head -c 200 err)"
        elif [ $rc != 0 ] && ! grep -q 'handoff: error: ' err; then
            crashes=$((crashes + 1))
            echo "     page at $off, '$cmd': exit $rc without a message"
        fi
    done
done
check "10 randomly damaged databases x 3 commands: exit 0, 2 or 3 with a message, never a crash" test $crashes = 0
finish
