-- The rules of the log, as in checks.sql: each SELECT returns the first line that
-- breaks one.  These need no value checked in Python, so they run while Python
-- checks the distinct date values (Scan.first_bad).

-- ids: well-formed, and not used by an earlier line
SELECT min(n) FROM ev WHERE n >= $from AND NOT regexp_full_match(id, '@ID@');

SELECT min(e.n)
FROM ev e JOIN (SELECT id, min(n) AS first FROM ev GROUP BY id HAVING count(*) > 1) d
    ON e.id = d.id
WHERE e.n >= $from AND e.n > d.first;

-- a slug is added only while no live definition holds it
SELECT min(d.n) FROM defs d JOIN live l USING (kind, key)
WHERE d.n >= $from AND l.start < d.n AND d.n <= l.stop;

-- what a line names has a live definition from an earlier line
SELECT min(r.n)
FROM (@REFS@) r
LEFT JOIN live l ON l.kind = r.kind AND l.key = r.key AND l.start < r.n AND r.n <= l.stop
WHERE r.n >= $from AND l.key IS NULL;

-- a retraction names an earlier event (the last line before it with that id) that is
-- not a retraction and that no retraction between the two already retracted
WITH r AS (SELECT n, d_event AS target FROM ev WHERE type = 'EventRetracted' AND d_event IS NOT NULL),
t AS (SELECT n, id, type FROM ev WHERE id IN (SELECT target FROM r)),
l AS (
    SELECT r.n, r.target, max(t.n) AS last
    FROM r LEFT JOIN t ON t.id = r.target AND t.n < r.n
    GROUP BY r.n, r.target
)
SELECT min(l.n)
FROM l LEFT JOIN t ON t.n = l.last
WHERE l.n >= $from AND (
    l.last IS NULL
    OR t.type = 'EventRetracted'
    OR EXISTS (SELECT 1 FROM r r2 WHERE r2.target = l.target AND r2.n > l.last AND r2.n < l.n));
