#!/bin/sh
# Print what ingest stored in database $1, for golden tests: each source's
# row accounting, every reject (line, reason, raw text) and every event with
# its source line, in a stable order. Times are shown as ISO 8601 UTC.
# Usage: sh show.sh DB [events|rejects|sources]...  (default: all three)
db=$1
shift
[ $# -eq 0 ] && set -- sources rejects events
for what in "$@"; do
    case $what in
    sources)
        sqlite3 "$db" "SELECT printf('source %d %s (%s%s): read %d = used %d + rejected %d + duplicate %d; events %d new, %d known; tickets %d; complete %d',
            id, path, profile, CASE client WHEN '' THEN '' ELSE ', client ' || client END,
            rows_read, rows_used, rows_rejected, rows_duplicate, events_new, events_known,
            tickets, complete) FROM sources ORDER BY id"
        ;;
    rejects)
        sqlite3 "$db" "SELECT printf('reject %d:%d %s' || char(10) || '  raw: %s', source_id, line,
            reason, replace(raw, char(10), char(10) || '       ')) FROM rejects ORDER BY source_id, line"
        ;;
    events)
        sqlite3 "$db" "SELECT printf('event %d:%d %s %s %s%s', e.source_id, e.line, t.key,
            strftime('%Y-%m-%dT%H:%M:%SZ', e.t_ms / 1000, 'unixepoch'), e.kind, coalesce(
              CASE WHEN e.grp IS NULL THEN '' ELSE ' group=' || quote(e.grp) END ||
              CASE WHEN e.agent IS NULL THEN '' ELSE ' agent=' || quote(e.agent) END ||
              coalesce(' state=' || e.state, '') || coalesce(' priority=P' || e.priority, '') ||
              CASE WHEN e.category IS NULL THEN '' ELSE ' category=' || quote(e.category) END ||
              CASE WHEN e.subcategory IS NULL THEN ''
                   ELSE ' subcategory=' || quote(e.subcategory) END ||
              CASE WHEN e.note IS NULL THEN ''
                   ELSE ' note=' || quote(replace(e.note, char(10), '\\n')) END ||
              coalesce(' public=' || e.public, '') || coalesce(' linked=' || e.linked, '') ||
              coalesce(' target=' || e.target, ''), ''))
            FROM events e JOIN tickets t ON t.id = e.ticket_id
            ORDER BY t.client, t.key, e.t_ms, e.source_id, e.ord"
        ;;
    tickets)
        sqlite3 "$db" "SELECT printf('ticket %s/%s opened %s priority %s category %s/%s title %s requester %s (%s) asset %s (%s) channel %s src %s/%s/%s',
            client, key, coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', opened_ms / 1000, 'unixepoch'), '-'),
            coalesce(priority, '-'), coalesce(category, '-'), coalesce(subcategory, '-'),
            CASE WHEN title IS NULL THEN '-' ELSE quote(replace(title, char(10), '\\n')) END,
            coalesce(requester, '-'),
            coalesce(requester_tier, '-'), coalesce(asset, '-'), coalesce(asset_class, '-'),
            coalesce(channel, '-'), coalesce(src_reassignment_count, '-'),
            coalesce(src_reopen_count, '-'), coalesce(src_made_sla, '-'))
            FROM tickets ORDER BY client, key"
        ;;
    *)
        echo "show.sh: unknown section '$what'" >&2
        exit 2
        ;;
    esac
done
