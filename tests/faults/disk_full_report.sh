#!/usr/bin/env bash
# Disk full while writing results: stdout to /dev/full, a report folder and
# a simulation folder on a full tmpfs. Each must exit 3 naming the file that
# could not be written. (Report folders are written file by file: see
# docs/reliability.md for what a failed write leaves behind.)
. "$(dirname "$0")/lib.sh"
"$HANDOFF" ingest --db h.db "$ROOT/samples/tickets/acme.csv" >/dev/null 2>&1

"$HANDOFF" analyze --db h.db --format json >/dev/full 2>err
RC=$?
if [ $RC = 3 ] && grep -q 'No space left' err; then
    ok "analyze > /dev/full: exit 3, '$(head -c 80 err)'"
else
    bad "analyze > /dev/full: exit 3 with a reason"
    show
fi
"$HANDOFF" timeline --db h.db --client acme ACME-1001 >/dev/full 2>err
RC=$?
check "timeline > /dev/full: exit 3" test $RC = 3

if small_disk "$W/disk" 64; then
    if expect_exit 3 "$HANDOFF" report quarterly --db h.db --out disk/rep && err_has 'disk/rep.partial/.*No space left'; then
        ok "report on a full disk: exit 3, '$(head -c 90 err)'"
    else
        bad "report on a full disk: exit 3 naming the file"
        show
    fi
    release_disk "$W/disk"
    small_disk "$W/disk" 260
    expect_exit 3 "$HANDOFF" report quarterly --db h.db --out disk/rep
    check "report full while writing index.html: exit 3" err_has 'No space left'
    check "  no half-written folder is left (written to rep.partial, renamed when whole)" \
        test ! -e disk/rep -a ! -e disk/rep.partial
    release_disk "$W/disk"
    small_disk "$W/disk" 16
    if expect_exit 3 "$HANDOFF" simulate --scenario "$ROOT/samples/scenarios/normal-week.json" \
        --policy "$ROOT/samples/policies/baseline.json" --replications 2 --threads 1 \
        --out disk/sim && err_has 'No space left|cannot write|write'; then
        ok "simulate --out on a full disk: exit 3, '$(head -c 80 err)'"
    else
        bad "simulate --out on a full disk: exit 3 with a reason"
        show
    fi
else
    echo "     skipped: report/simulate on a full tmpfs need mount rights (run as root)"
fi
finish
