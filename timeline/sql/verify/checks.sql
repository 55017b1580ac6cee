-- Each SELECT returns the first line (smallest n) that fails one group of checks;
-- verify takes the smallest.  Every rule reads only lines before the one it judges,
-- so it is exact for the first bad line even when later lines are garbage.

-- the codec: what the line says, and the date values, durations and slugs Python refused
SELECT min(n) FROM ev
WHERE NOT codec_ok
   OR @BAD_SLUGS@
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

-- the hash of each line: on its bytes (regular lines, parse.sql) or as the codec computed it
SELECT min(n) FROM ev WHERE n >= $from AND NOT hash_ok;
