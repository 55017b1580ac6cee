-- Where the authors of a paper were on some day of as_of: per author (in author order) their org(s), status, role and since when.
-- params: paper, as_of, known_at?
--
-- One row per author and membership stint overlapping as_of (an author may be
-- in two orgs, or in none known: then org is empty).  status as in
-- `team_as_of`: 'definite' or 'possible'.  role is the latest role reported in
-- that stint by as_of; org_name is the org's name by as_of (after renames);
-- joined/left are the stint's dates as the sources gave them.
WITH w AS (SELECT tl_lo($as_of) AS w_lo, tl_hi($as_of) AS w_hi),
authors AS (
    SELECT a.person, a.position::INTEGER AS position
    FROM visible_events(tl_known($known_at)) e,
         unnest((e.data->'authors')::VARCHAR[]) WITH ORDINALITY AS a(person, position)
    WHERE e.type = 'PaperPublished' AND e.data->>'paper' = $paper
),
s AS (
    SELECT s.*, tl_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, w.w_lo, w.w_hi) AS status, w.w_hi
    FROM stints_known($known_at) s, w
    WHERE s.track = 'member' AND s.person IN (SELECT person FROM authors)
      AND s.s_lo <= w.w_hi AND s.e_hi >= w.w_lo
)
SELECT a.position, a.person, coalesce(p.name, a.person) AS name, s.org, coalesce((SELECT arg_max(n.data->>'name', (n.lo, n.seq))
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
FROM authors a
LEFT JOIN s USING (person)
LEFT JOIN people p USING (person)
LEFT JOIN orgs o ON o.org = s.org
ORDER BY a.position, s.status, s.s_lo, s.org
