-- sqlite3 shell peer, generic event log. Run by bench/ingest.sh as
--   sqlite3 -bail DB -cmd '.read SCHEMA' -cmd '.import --csv --schema temp FILE stage' < this
-- after handoff's own schema (dumped from a handoff database) has been
-- created in DB. Normalises the staged rows into the same `tickets` and
-- `events` tables `handoff ingest` fills: times parsed to epoch ms, kinds,
-- states and priorities validated (bad rows dropped; handoff keeps them in
-- `rejects`), per-kind columns (a stated group also states the agent, ''
-- for none), ticket attributes, order within the ticket.
-- events.ident (handoff: a 64-bit content hash, for idempotent re-ingest)
-- is the source line here: still unique, but sequential, so cheaper to index.
BEGIN;
INSERT INTO sources(id, path, digest, bytes, profile, client)
VALUES (1, 'stage', 'sqlite3-peer', 0, 'generic', '');

CREATE TEMP TABLE ev AS
SELECT * FROM (
  SELECT rowid + 1 AS line, ticket,
         unixepoch(time) * 1000 AS t_ms,
         lower(kind) AS kind,
         nullif("group", '') AS grp, nullif(agent, '') AS agent,
         nullif(lower(state), '') AS state,
         CASE WHEN priority = '' THEN NULL
              WHEN priority GLOB '[Pp][1-5]' THEN CAST(substr(priority, 2) AS INTEGER)
              WHEN priority GLOB '[1-5]' THEN CAST(priority AS INTEGER)
              WHEN priority GLOB '[1-5] - *' THEN CAST(substr(priority, 1, 1) AS INTEGER)
              ELSE -1 END AS priority,
         nullif(category, '') AS category, nullif(subcategory, '') AS subcategory,
         nullif(title, '') AS title, nullif(requester, '') AS requester,
         nullif(channel, '') AS channel, nullif(note, '') AS note,
         lower(public) IN ('1', 'y', 'true', 'yes') AS public,
         nullif(target, '') AS target
  FROM stage
  WHERE ticket <> '')
WHERE t_ms BETWEEN 631152000000 AND (unixepoch('now') + 86400) * 1000
  AND kind IN ('opened', 'assigned', 'state', 'priority', 'category', 'note', 'linked',
               'escalated')
  AND (state IS NULL OR state IN ('new', 'in_progress', 'on_hold', 'awaiting_user',
                                  'awaiting_vendor', 'resolved', 'closed', 'cancelled',
                                  'reopened'))
  AND (priority IS NULL OR priority > 0)
  AND (kind <> 'assigned' OR grp IS NOT NULL OR agent IS NOT NULL)
  AND (kind <> 'state' OR state IS NOT NULL)
  AND (kind <> 'priority' OR priority IS NOT NULL)
  AND (kind <> 'category' OR category IS NOT NULL)
  AND (kind <> 'note' OR note IS NOT NULL)
  AND (kind <> 'escalated' OR target IS NOT NULL);

-- Tickets in order of first appearance; the latest priority and category
-- (last row in file order that has one), as handoff keeps them.
INSERT INTO tickets(client, key, title, category, subcategory, priority, requester, channel,
                    opened_ms)
SELECT '', b.ticket, b.title, c.category, c.subcategory, p.priority, b.requester, b.channel,
       b.opened_ms
FROM (SELECT ticket, min(line) AS first_line, max(title) AS title,
             max(requester) AS requester, max(channel) AS channel,
             min(CASE WHEN kind = 'opened' THEN t_ms END) AS opened_ms
      FROM ev GROUP BY ticket) b
LEFT JOIN (SELECT ticket, priority, max(line) FROM ev WHERE priority IS NOT NULL
           GROUP BY ticket) p USING (ticket)
LEFT JOIN (SELECT ticket, category, subcategory, max(line) FROM ev WHERE category IS NOT NULL
           GROUP BY ticket) c USING (ticket)
ORDER BY b.first_line;

INSERT INTO events(ticket_id, t_ms, kind, grp, agent, state, priority, category, subcategory,
                   note, public, linked, target, source_id, line, ord, ident)
SELECT t.id, e.t_ms, e.kind,
       CASE WHEN e.kind = 'assigned' THEN e.grp END,
       CASE WHEN e.kind = 'assigned' AND e.grp IS NOT NULL THEN coalesce(e.agent, '')
            WHEN e.kind = 'assigned' THEN e.agent END,
       CASE WHEN e.kind = 'state' THEN e.state END,
       e.priority, e.category, e.subcategory,
       CASE WHEN e.kind = 'note' THEN e.note END,
       CASE WHEN e.kind = 'note' THEN e.public END,
       NULL,
       CASE WHEN e.kind = 'escalated' THEN e.target END,
       1, e.line, row_number() OVER (PARTITION BY e.ticket ORDER BY e.line) - 1, e.line
FROM ev e JOIN tickets t ON t.client = '' AND t.key = e.ticket
ORDER BY t.id, e.t_ms, e.line;

UPDATE sources SET rows_read = (SELECT count(*) FROM stage),
                   rows_used = (SELECT count(*) FROM ev),
                   events_new = (SELECT count(*) FROM events),
                   tickets = (SELECT count(*) FROM tickets), complete = 1
WHERE id = 1;
COMMIT;
SELECT 'rows=' || rows_read || ' events=' || events_new || ' tickets=' || tickets FROM sources;
