# Helpers sourced by tests/faults/*.sh. Each script runs in a fresh
# temporary directory ($W), reports one line per check ("ok   ..." or
# "FAIL ...", counted by run.sh) and exits 1 when a check failed.
# $HANDOFF is the binary under test, $ROOT the repository.
set -u
export TZ=UTC LC_ALL=C
NAME=$(basename "$0" .sh)
W=$(mktemp -d /tmp/handoff-faults-XXXXXX)
MOUNTS=""
failed=0
cleanup() {
    for m in $MOUNTS; do umount "$m" 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1

ok() { echo "ok   faults/$NAME: $1"; }
bad() { echo "FAIL faults/$NAME: $1"; failed=1; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
# expect_exit WANT CMD...: run CMD with stdout in $W/out, stderr in $W/err.
expect_exit() {
    local want=$1
    shift
    "$@" >"$W/out" 2>"$W/err"
    RC=$?
    [ "$RC" = "$want" ]
}
err_has() { grep -qE "$1" "$W/err"; }
show() { echo "     exit $RC; stderr: $(head -c 300 "$W/err")"; }

# small_disk DIR KB: a tmpfs of KB kilobytes at DIR (root only). Returns 1
# when mounting is not possible, and the caller falls back or skips.
small_disk() {
    mkdir -p "$1"
    if mount -t tmpfs -o size="$2"k tmpfs "$1" 2>/dev/null; then
        MOUNTS="$1 $MOUNTS"
        return 0
    fi
    return 1
}
release_disk() {
    umount "$1" 2>/dev/null
    MOUNTS=$(echo "$MOUNTS" | sed "s#$1 ##")
}

# gen_log FILE TICKETS: a generic event log, 4 events per ticket, in time order.
gen_log() {
    awk -v n="$2" 'BEGIN {
        print "ticket,time,kind,group,agent,state,priority,category,title"
        split("Service Desk,Network,Applications,Identity", g, ",")
        t0 = 1767225600
        for (i = 1; i <= n; i++) {
            t = t0 + i * 37
            printf "T%07d,%s,opened,Service Desk,,,P%d,Cat %d,Ticket %d\n", i, ts(t), i % 5 + 1, i % 7, i
            printf "T%07d,%s,assigned,%s,agent%d,,,,\n", i, ts(t + 300), g[i % 4 + 1], i % 50
            printf "T%07d,%s,state,,,in_progress,,,\n", i, ts(t + 900)
            printf "T%07d,%s,state,,,resolved,,,\n", i, ts(t + 7200 + i % 3600)
        }
    }
    function ts(s,   d, y, m, days, md, h, mi, se) {
        d = int(s / 86400); se = s % 86400
        h = int(se / 3600); mi = int(se % 3600 / 60); se = se % 60
        y = 1970
        while (1) { days = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365
                    if (d < days) break; d -= days; y++ }
        split("31,28,31,30,31,30,31,31,30,31,30,31", md, ",")
        if (days == 366) md[2] = 29
        for (m = 1; d >= md[m]; m++) d -= md[m]
        return sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d + 1, h, mi, se)
    }' >"$1"
}

finish() { exit $failed; }
