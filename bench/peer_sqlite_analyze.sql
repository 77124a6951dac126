-- sqlite3 shell peer for bench/analyze.sh: the same per-ticket figures as
-- bench/peer_pandas_analyze.py with window functions over the imported CSV.
-- Run as: sqlite3 :memory: -cmd ".import --csv FILE ev" < this file
CREATE TEMP TABLE g AS
  SELECT ticket, grp, rn FROM (
    SELECT ticket, "group" AS grp, rowid AS rn,
           lag("group") OVER (PARTITION BY ticket ORDER BY time, rowid) AS prev
      FROM ev WHERE kind IN ('assigned', 'opened') AND "group" <> '')
   WHERE prev IS NULL OR prev <> grp;
CREATE TEMP TABLE gs AS
  SELECT ticket, grp,
         row_number() OVER w - 1 AS pos,
         lag(grp, 1) OVER w AS p1, lag(grp, 2) OVER w AS p2,
         count(*) OVER (PARTITION BY ticket, grp ORDER BY rn) AS nth
    FROM g WINDOW w AS (PARTITION BY ticket ORDER BY rn);
SELECT 'tickets', (SELECT count(DISTINCT ticket) FROM ev),
       'reassignments', (SELECT coalesce(sum(m), 0) FROM (SELECT max(pos) AS m FROM gs GROUP BY ticket)),
       'bounces', (SELECT count(*) FROM gs WHERE nth > 1 AND p1 <> grp),
       'ping_pongs', (SELECT count(*) FROM gs WHERE p2 = grp),
       'resolved', (SELECT count(*) FROM (
          SELECT e.ticket, min(e.time) AS d FROM ev e
           WHERE e.kind = 'state' AND e.state IN ('resolved', 'closed', 'cancelled')
           GROUP BY e.ticket));
