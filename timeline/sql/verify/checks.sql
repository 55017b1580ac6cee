-- Each SELECT returns the first line (smallest n) that fails one group of checks;
-- verify takes the smallest.  Every rule reads only lines before the one it judges,
-- so it is exact for the first bad line even when later lines are garbage.

-- the codec: what the line says, and the date values and durations Python refused
SELECT min(n) FROM ev
WHERE NOT codec_ok
   OR occurred IN (SELECT v FROM bad_values WHERE kind = 'date')
   OR d_published IN (SELECT v FROM bad_values WHERE kind = 'date')
   OR d_tenure IN (SELECT v FROM bad_values WHERE kind = 'duration');

-- the envelope: seq, commit, prev, recorded, each against the line before (a join on
-- n - 1 costs a third of a window over the log)
SELECT min(e.n)
FROM ev e LEFT JOIN ev b ON b.n = e.n - 1
WHERE e.n >= $from AND (
    e.seq IS DISTINCT FROM coalesce(b.seq, 0) + 1
    OR e.commit_bad
    OR e.prev IS DISTINCT FROM coalesce(b.hash, '@GENESIS@')
    OR e.recorded IN (SELECT v FROM bad_values WHERE kind = 'recorded')
    -- the first checked line compares with an unchecked one, which may be malformed
    OR (e.n = $from AND b.recorded <> ''
        AND b.recorded IN (SELECT v FROM bad_values WHERE kind = 'recorded'))
    OR e.recorded < b.recorded);

-- the hash of each line: on its bytes (regular lines, see Scan) or as the codec computed it
SELECT min(n) FROM hash_bad WHERE n >= $from;

-- ids: well-formed, and not used by an earlier line
SELECT min(n) FROM ev WHERE n >= $from AND NOT regexp_full_match(id, '@ID@');

SELECT min(e.n)
FROM ev e JOIN (SELECT id, min(n) AS first FROM ev GROUP BY id HAVING count(*) > 1) d
    ON e.id = d.id
WHERE e.n >= $from AND e.n > d.first;

-- a slug is added once
SELECT min(d.n) FROM defs d JOIN firsts f USING (kind, key) WHERE d.n >= $from AND d.n > f.first;

-- what a line names was added by an earlier line
SELECT min(r.n)
FROM (@REFS@) r
LEFT JOIN firsts f USING (kind, key)
WHERE r.n >= $from AND (f.first IS NULL OR f.first >= r.n);

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
