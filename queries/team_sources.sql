-- Who was in an org (or its units) on some day of as_of, with the sources of each join and leave.
-- params: org, as_of, known_at?
--
-- The rows of `team_as_of` (what `timeline team` prints) plus, for the stint
-- each row comes from, the source slug, title and url of its PersonJoined
-- (join_*) and PersonLeft (leave_*) events; empty where the event is unknown
-- or cites no source.  `timeline team --with-sources` runs this query.
WITH t AS (FROM team_as_of($org, $as_of, known_at := $known_at)),
s AS (FROM tree_stints($org, $known_at) WHERE track = 'member'),
j AS (
    SELECT t.*, s.join_id, s.leave_id
    FROM t LEFT JOIN s
      ON s.person = t.person AND s.org = t.org
     AND s.joined IS NOT DISTINCT FROM t.joined AND s."left" IS NOT DISTINCT FROM t."left"
    QUALIFY row_number() OVER (PARTITION BY t.person ORDER BY s.s_lo DESC) = 1
)
SELECT j.* EXCLUDE (join_id, leave_id),
       je.source AS join_source, js.title AS join_source_title, js.url AS join_source_url,
       le.source AS leave_source, ls.title AS leave_source_title, ls.url AS leave_source_url
FROM j
LEFT JOIN events je ON je.id = j.join_id
LEFT JOIN sources js ON js.source = je.source
LEFT JOIN events le ON le.id = j.leave_id
LEFT JOIN sources ls ON ls.source = le.source
ORDER BY j.status, j.person
