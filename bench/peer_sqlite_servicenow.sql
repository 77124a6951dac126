-- sqlite3 shell peer, ServiceNow incident_event_log (snapshots). Run like
-- peer_sqlite_generic.sql. Each ticket's snapshots are ordered by
-- sys_updated_at (parsed from D/M/YYYY HH:MM), ties in file order, and
-- diffed with LAG() into the events `handoff ingest` emits: opened (at
-- opened_at if not later), assigned (group or agent changed), state (mapped
-- by the servicenow profile's value map; an unmapped '-100' keeps the last
-- known state), priority, category. An assigned event states both group
-- and agent ('' = none), as handoff stores it. events.ident is line * 8 + a per-kind
-- number here (handoff: a content hash).
BEGIN;
INSERT INTO sources(id, path, digest, bytes, profile, client)
VALUES (1, 'stage', 'sqlite3-peer', 0, 'servicenow', '');

CREATE TEMP TABLE snap AS
SELECT * FROM (
  SELECT rowid AS row, rowid + 1 AS line, number AS ticket,
         unixepoch(printf('%04d-%02d-%02d %s',
                          CAST(substr(sys_updated_at, instr(sys_updated_at, ' ') - 4) AS INTEGER),
                          CAST(substr(sys_updated_at, instr(sys_updated_at, '/') + 1) AS INTEGER),
                          CAST(sys_updated_at AS INTEGER),
                          substr(sys_updated_at, instr(sys_updated_at, ' ') + 1))) * 1000 AS t_ms,
         CASE WHEN opened_at IN ('', '?') THEN NULL ELSE
         unixepoch(printf('%04d-%02d-%02d %s',
                          CAST(substr(opened_at, instr(opened_at, ' ') - 4) AS INTEGER),
                          CAST(substr(opened_at, instr(opened_at, '/') + 1) AS INTEGER),
                          CAST(opened_at AS INTEGER),
                          substr(opened_at, instr(opened_at, ' ') + 1))) * 1000 END AS opened_ms,
         CASE incident_state
              WHEN 'New' THEN 'new' WHEN 'Active' THEN 'in_progress'
              WHEN 'Awaiting User Info' THEN 'awaiting_user'
              WHEN 'Awaiting Evidence' THEN 'awaiting_user'
              WHEN 'Awaiting Vendor' THEN 'awaiting_vendor'
              WHEN 'Awaiting Problem' THEN 'on_hold'
              WHEN 'Resolved' THEN 'resolved' WHEN 'Closed' THEN 'closed'
              WHEN 'Cancelled' THEN 'cancelled'
              WHEN '-100' THEN NULL WHEN '?' THEN NULL WHEN '' THEN NULL
              ELSE '!' END AS state,
         CASE WHEN priority IN ('', '?') THEN NULL
              WHEN priority GLOB '[1-5] - *' THEN CAST(substr(priority, 1, 1) AS INTEGER)
              WHEN priority GLOB '[1-5]' THEN CAST(priority AS INTEGER)
              ELSE -1 END AS priority,
         nullif(nullif(assignment_group, '?'), '') AS grp,
         nullif(nullif(assigned_to, '?'), '') AS agent,
         nullif(nullif(category, '?'), '') AS category,
         nullif(nullif(subcategory, '?'), '') AS subcategory,
         nullif(nullif(caller_id, '?'), '') AS requester,
         nullif(nullif(contact_type, '?'), '') AS channel,
         nullif(nullif(cmdb_ci, '?'), '') AS asset,
         CASE WHEN reassignment_count GLOB '[0-9]*' THEN CAST(reassignment_count AS INTEGER) END
             AS src_reassign,
         CASE WHEN reopen_count GLOB '[0-9]*' THEN CAST(reopen_count AS INTEGER) END
             AS src_reopen,
         CASE made_sla WHEN 'true' THEN 1 WHEN 'false' THEN 0 END AS src_made_sla
  FROM stage
  WHERE number NOT IN ('', '?'))
WHERE t_ms BETWEEN 631152000000 AND (unixepoch('now') + 86400) * 1000
  AND state IS NOT '!' AND (priority IS NULL OR priority > 0);

-- Previous snapshot's values, and the last known state (a NULL state keeps it).
CREATE TEMP TABLE w AS
SELECT *, lag(eff_state) OVER win AS pstate FROM (
  SELECT *, first_value(state) OVER (PARTITION BY ticket, nstates ORDER BY t_ms, row)
                AS eff_state
  FROM (
    SELECT *, row_number() OVER win AS k,
           count(state) OVER win AS nstates,
           lag(grp) OVER win AS pgrp, lag(agent) OVER win AS pagent,
           lag(priority) OVER win AS pprio,
           lag(category) OVER win AS pcat, lag(subcategory) OVER win AS psub
    FROM snap WINDOW win AS (PARTITION BY ticket ORDER BY t_ms, row)))
WINDOW win AS (PARTITION BY ticket ORDER BY t_ms, row);

-- Tickets in order of first appearance; requester, channel, asset: the
-- first non-empty value in file order; priority/category/counters from the last version.
INSERT INTO tickets(client, key, category, subcategory, priority, requester, channel, asset,
                    opened_ms, src_reassignment_count, src_reopen_count, src_made_sla)
SELECT '', f.ticket, l.category, l.subcategory, l.priority, rq.requester, ch.channel, a.asset,
       o.opened_ms, l.src_reassign, l.src_reopen, l.src_made_sla
FROM (SELECT ticket, min(row) AS first_row FROM snap GROUP BY ticket) f
LEFT JOIN (SELECT ticket, requester, min(row) FROM snap WHERE requester IS NOT NULL
           GROUP BY ticket) rq USING (ticket)
LEFT JOIN (SELECT ticket, channel, min(row) FROM snap WHERE channel IS NOT NULL
           GROUP BY ticket) ch USING (ticket)
LEFT JOIN (SELECT ticket, asset, min(row) FROM snap WHERE asset IS NOT NULL
           GROUP BY ticket) a USING (ticket)
JOIN (SELECT ticket, category, subcategory, priority, src_reassign, src_reopen, src_made_sla,
             max(k) FROM w GROUP BY ticket) l USING (ticket)
JOIN (SELECT ticket, CASE WHEN opened_ms IS NOT NULL AND opened_ms <= t_ms THEN opened_ms
                          ELSE t_ms END AS opened_ms
      FROM w WHERE k = 1) o USING (ticket)
ORDER BY f.first_row;

INSERT INTO events(ticket_id, t_ms, kind, grp, agent, state, priority, category, subcategory,
                   source_id, line, ord, ident)
SELECT t.id, e.t_ms, e.kind, e.grp, e.agent, e.state, e.priority, e.category, e.subcategory,
       1, e.line, row_number() OVER (PARTITION BY e.ticket ORDER BY e.k, e.sub) - 1,
       e.line * 8 + e.sub
FROM (
  SELECT ticket, k, 0 AS sub, line, 'opened' AS kind,
         CASE WHEN opened_ms IS NOT NULL AND opened_ms <= t_ms THEN opened_ms ELSE t_ms END
             AS t_ms,
         NULL AS grp, NULL AS agent, NULL AS state, priority, category, subcategory
  FROM w WHERE k = 1
  UNION ALL
  SELECT ticket, k, 1, line, 'assigned', t_ms, coalesce(grp, ''), coalesce(agent, ''), NULL,
         NULL, NULL, NULL
  FROM w WHERE CASE WHEN k = 1 THEN grp IS NOT NULL OR agent IS NOT NULL
                    ELSE grp IS NOT pgrp OR agent IS NOT pagent END
  UNION ALL
  SELECT ticket, k, 2, line, 'state', t_ms, NULL, NULL, state, NULL, NULL, NULL
  FROM w WHERE state IS NOT NULL AND (k = 1 OR state IS NOT pstate)
  UNION ALL
  SELECT ticket, k, 3, line, 'priority', t_ms, NULL, NULL, NULL, priority, NULL, NULL
  FROM w WHERE k > 1 AND priority IS NOT NULL AND priority IS NOT pprio
  UNION ALL
  SELECT ticket, k, 4, line, 'category', t_ms, NULL, NULL, NULL, NULL, category, subcategory
  FROM w WHERE k > 1 AND (category IS NOT pcat OR subcategory IS NOT psub)) e
JOIN tickets t ON t.client = '' AND t.key = e.ticket
ORDER BY t.id, e.t_ms, e.k, e.sub;

UPDATE sources SET rows_read = (SELECT count(*) FROM stage),
                   rows_used = (SELECT count(*) FROM snap),
                   events_new = (SELECT count(*) FROM events),
                   tickets = (SELECT count(*) FROM tickets), complete = 1
WHERE id = 1;
COMMIT;
SELECT 'rows=' || rows_read || ' events=' || events_new || ' tickets=' || tickets FROM sources;
