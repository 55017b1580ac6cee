-- What each line adds, as (n, kind, key), once every line's reading is final, and
-- when each such definition is live: from its line until a later line retracts its
-- event (as in the projection, a retracted definition frees its slug).  A line n
-- may use the key when start < n <= stop.
CREATE OR REPLACE TEMP TABLE defs AS @DEFS@;
-- A retraction names the last line before it with that id (rules.sql), so it ends a
-- definition only if no other line with the definition's id comes in between (lines
-- before --from are not checked for repeated ids).  `next_same` is that next line, for
-- the ids some retraction names.
CREATE OR REPLACE TEMP TABLE live AS
WITH named AS (
    SELECT n, lead(n) OVER (PARTITION BY id ORDER BY n) AS next_same
    FROM ev WHERE id IN (SELECT d_event FROM ev WHERE type = 'EventRetracted')
)
SELECT d.kind, d.key, d.n AS start, coalesce(min(r.n), 9223372036854775807) AS stop
FROM defs d JOIN ev e ON e.n = d.n
LEFT JOIN named s ON s.n = d.n
LEFT JOIN ev r ON r.type = 'EventRetracted' AND r.d_event = e.id AND r.n > d.n
    AND (s.next_same IS NULL OR r.n < s.next_same)
GROUP BY ALL;
