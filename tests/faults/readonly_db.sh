#!/usr/bin/env bash
# A database that cannot be written: on a file system mounted read-only
# (root: a tmpfs remounted ro) and an immutable file (root: chattr +i), or a
# file without write permission (not root; root ignores permissions).
# Ingest must exit 3 saying why; reading commands must still work.
. "$(dirname "$0")/lib.sh"
csv=$ROOT/samples/tickets/acme.csv
more=$ROOT/tests/data/planted/history.csv

if small_disk "$W/ro" 8192; then
    "$HANDOFF" ingest --db ro/h.db "$csv" >/dev/null 2>&1
    "$HANDOFF" analyze --db ro/h.db >before.txt 2>&1
    mount -o remount,ro "$W/ro"
    if expect_exit 3 "$HANDOFF" ingest --db ro/h.db "$more" && err_has 'cannot write the database: Read-only file system'; then
        ok "ingest into a read-only mount: exit 3, '$(head -c 80 err)'"
    else
        bad "ingest into a read-only mount: exit 3 with a reason"
        show
    fi
    check "analyze still reads it, unchanged" expect_exit 0 "$HANDOFF" analyze --db ro/h.db
    check "  (same output as before)" cmp -s before.txt out
    mount -o remount,rw "$W/ro"
    cp ro/h.db ro/w.db
    head -c 4096 /dev/urandom >ro/w.db-wal
    mount -o remount,ro "$W/ro"
    if expect_exit 3 "$HANDOFF" analyze --db ro/w.db && err_has "unmerged '-wal' file"; then
        ok "a read-only mount with a leftover -wal: exit 3, not read stale"
    else
        bad "a read-only mount with a leftover -wal: exit 3 with a reason"
        show
    fi
else
    echo "     skipped: read-only mount needs mount rights"
fi

"$HANDOFF" ingest --db h.db "$csv" >/dev/null 2>&1
if [ "$(id -u)" = 0 ]; then
    if chattr +i h.db 2>/dev/null; then
        expect_exit 3 "$HANDOFF" ingest --db h.db "$more"
        chattr -i h.db
        if [ "$RC" = 3 ] && err_has 'cannot write the database'; then
            ok "ingest into an immutable file: exit 3, '$(head -c 80 err)'"
        else
            bad "ingest into an immutable file: exit 3 with a reason"
            show
        fi
    else
        echo "     skipped: chattr +i not supported here"
    fi
else
    chmod 444 h.db
    if expect_exit 3 "$HANDOFF" ingest --db h.db "$more" && err_has 'cannot write the database'; then
        ok "ingest into a read-only file: exit 3, '$(head -c 80 err)'"
    else
        bad "ingest into a read-only file: exit 3 with a reason"
        show
    fi
    check "analyze reads a read-only file" expect_exit 0 "$HANDOFF" analyze --db h.db
fi
check "nothing was added" test "$(sqlite3 h.db 'SELECT count(*) FROM sources')" = 1
finish
