-- Where a list of people were on some day of as_of: per person (in the order given) their org(s), status, role and since when.
-- params: people, as_of, known_at?
--
-- people is a comma-separated list of person slugs ("ana,tom,lea"; spaces
-- around commas are ignored).  The rows are those of `paper_whereabouts`:
-- one per person and membership stint overlapping as_of, org empty when none
-- is known, org_name the org's name by as_of (after renames).
WITH w AS (SELECT tl_lo($as_of) AS w_lo, tl_hi($as_of) AS w_hi),
cohort AS (
    SELECT trim(a.person) AS person, min(a.position)::INTEGER AS position
    FROM unnest(string_split($people, ',')) WITH ORDINALITY AS a(person, position)
    WHERE trim(a.person) <> ''
    GROUP BY trim(a.person)
),
s AS (
    SELECT s.*, tl_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, w.w_lo, w.w_hi) AS status, w.w_hi
    FROM stints_known($known_at) s, w
    WHERE s.track = 'member' AND s.person IN (SELECT person FROM cohort)
      AND s.s_lo <= w.w_hi AND s.e_hi >= w.w_lo
)
SELECT c.position, c.person, coalesce(p.name, c.person) AS name, s.org, coalesce((SELECT arg_max(n.data->>'name', (n.lo, n.seq))
                 FROM visible_events(tl_known($known_at)) n
                 WHERE n.type IN ('OrgFounded', 'OrgRenamed') AND n.data->>'org' = s.org
                   AND n.lo <= s.w_hi),
                o.name) AS org_name,
       s.status,
       coalesce((SELECT arg_max(r.data->>'role', (r.lo, r.seq))
                 FROM visible_events(tl_known($known_at)) r
                 WHERE r.type = 'RoleChanged' AND r.data->>'person' = s.person
                   AND r.data->>'org' = s.org AND r.lo >= s.s_lo AND r.lo <= s.w_hi),
                s.role) AS role,
       s.joined, s."left"
FROM cohort c
LEFT JOIN s USING (person)
LEFT JOIN people p USING (person)
LEFT JOIN orgs o ON o.org = s.org
ORDER BY c.position, s.status, s.s_lo, s.org
