#!/usr/bin/env bash
# Hostile values end to end: SQL, HTML, gnuplot and shell syntax in group
# names, titles and notes. They must be stored verbatim (bound, never
# formatted into SQL), appear escaped in report.html and quoted in the
# gnuplot scripts, and run nothing. tests/lint.sh checks the same rules in
# the source (no system/popen/shell, SQL text only literals).
. "$(dirname "$0")/lib.sh"
sql="x'); DROP TABLE events; --"
html='<script>alert(1)</script>'
gp="G\"; system(\"touch PWNED_GP\"); print \"'"
sh='`touch PWNED_SH` $(touch PWNED_SH2)'
{
    echo 'ticket,time,kind,group,agent,state,priority,category,title,note'
    for i in 1 2 3 4 5 6; do
        t=$(printf '2026-10-%02dT08:00:00Z' "$i")
        u=$(printf '2026-10-%02dT09:00:00Z' "$i")
        v=$(printf '2026-10-%02dT10:00:00Z' "$i")
        w=$(printf '2026-10-%02dT11:00:00Z' "$i")
        echo "T$i,$t,opened,\"$(sed 's/"/""/g' <<<"$gp")\",,,P2,\"$html\",\"$(sed 's/"/""/g' <<<"$sql")\","
        echo "T$i,$u,assigned,\"$html\",\"$sh\",,,,,"
        echo "T$i,$v,assigned,\"$(sed 's/"/""/g' <<<"$gp")\",,,,,,"
        echo "T$i,$w,note,,,,,,,\"$html $sql\""
    done
} >evil.csv
check "ingest of hostile values: exit 0" expect_exit 0 "$HANDOFF" ingest --db h.db evil.csv
check "the events table is still there" test "$(sqlite3 h.db 'SELECT count(*) FROM events')" -gt 0
check "a SQL value is stored verbatim" test "$(sqlite3 h.db "SELECT DISTINCT title FROM tickets")" = "$sql"
check "a gnuplot value is stored verbatim" test "$(sqlite3 h.db "SELECT grp FROM events WHERE grp LIKE 'G%' LIMIT 1")" = "$gp"
check "a shell value is stored verbatim" test "$(sqlite3 h.db "SELECT DISTINCT agent FROM events WHERE agent <> ''")" = "$sh"

check "report over them: exit 0" expect_exit 0 "$HANDOFF" report quarterly --db h.db --out rep
if [ -f rep/index.html ]; then
    check "no raw <script> in index.html" eval '! grep -q "<script>alert" rep/index.html'
    check "it is there escaped" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' rep/index.html
fi
check "nothing was run (no PWNED_* file anywhere)" test -z "$(find "$W" -name 'PWNED*')"
gps=$(ls rep/*.gp 2>/dev/null | wc -l)
if [ "$gps" -gt 0 ] && command -v gnuplot >/dev/null; then
    (cd rep && for f in *.gp; do gnuplot "$f" >/dev/null 2>&1; done)
    check "running each of the $gps gnuplot scripts again runs nothing either" test -z "$(find "$W" -name 'PWNED*')"
fi
"$HANDOFF" analyze --db h.db --format json >a.json 2>/dev/null
check "analyze --format json stays valid JSON" python3 -c 'import json,sys; json.load(open("a.json"))'
finish
