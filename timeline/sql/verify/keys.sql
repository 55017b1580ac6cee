-- What each line adds, as (n, kind, key), once every line's reading is final, and
-- when each such definition is live: from its line until a later line retracts its
-- event (as in the projection, a retracted definition frees its slug).  A line n
-- may use the key when start < n <= stop.
CREATE OR REPLACE TEMP TABLE defs AS @DEFS@;
CREATE OR REPLACE TEMP TABLE live AS
SELECT d.kind, d.key, d.n AS start, coalesce(min(r.n), 9223372036854775807) AS stop
FROM defs d JOIN ev e ON e.n = d.n
LEFT JOIN ev r ON r.type = 'EventRetracted' AND r.d_event = e.id AND r.n > d.n
GROUP BY ALL;
