-- Where the people who left from_org in the period from..to went next: a count per destination org.
-- params: from_org, from, to, window_months?, overlap_months?, paper?, known_at?
--
-- The departures (optionally only the authors of paper) and the next-employer
-- rule (window_months, overlap_months) of the `flows` query, grouped by the
-- destination (the org of the next stint, as recorded; a unit is not rolled
-- up to its parent).  to_org is empty for departures with no next employer
-- known within window_months (default 12).  people counts all departures,
-- definite only those whose leave certainly lies inside the period.
WITH w AS (SELECT tl_lo($from) AS w_lo, tl_hi($to) AS w_hi),
authors AS (
    SELECT unnest((data->'authors')::VARCHAR[]) AS person
    FROM visible_events(tl_known($known_at))
    WHERE type = 'PaperPublished' AND data->>'paper' = $paper
),
src AS (SELECT org, since_lo FROM org_tree_since($from_org, $known_at)),
m AS (SELECT * FROM stints_known($known_at) WHERE track = 'member'),
d AS (
    SELECT m.*, tl_status(m.e_lo, m.e_hi, m.e_lo, m.e_hi, w.w_lo, w.w_hi) AS status
    FROM m, w
    WHERE m.org IN (SELECT org FROM src)
      AND m."left" IS NOT NULL AND m.e_lo <= w.w_hi AND m.e_hi >= w.w_lo
      AND m.e_hi >= (SELECT since_lo FROM src WHERE src.org = m.org)
      AND ($paper IS NULL OR m.person IN (SELECT person FROM authors))
      AND NOT EXISTS (
          SELECT 1 FROM m o
          WHERE o.person = m.person AND o.org IN (SELECT org FROM src)
            AND (o.org, o.stint_no) <> (m.org, m.stint_no)
            AND o.s_lo <= m.e_hi + INTERVAL 1 MONTH AND o.e_hi > m.e_hi)
),
starts AS (
    SELECT person, org, s_lo, s_hi, 'joined' AS how FROM m WHERE joined IS NOT NULL
    UNION ALL
    SELECT f.person, e.data->>'org', e.lo, e.hi, 'founded'
    FROM visible_events(tl_known($known_at)) e,
         unnest((e.data->'founders')::VARCHAR[]) AS f(person)
    WHERE e.type = 'OrgFounded'
),
nxt AS (
    SELECT d.person, d.status, s.org AS to_org
    FROM d LEFT JOIN starts s
      ON s.person = d.person AND s.org NOT IN (SELECT org FROM src)
     AND s.s_lo >= d.e_lo - to_months(coalesce($overlap_months::INTEGER, 3))
     AND s.s_lo <= d.e_hi + to_months(coalesce($window_months::INTEGER, 12))
    QUALIFY row_number() OVER (
        PARTITION BY d.person, d.org, d.stint_no ORDER BY s.s_lo, s.s_hi, s.org, s.how) = 1
)
SELECT n.to_org, o.name, count(*) AS people,
       count(*) FILTER (n.status = 'definite') AS definite,
       string_agg(n.person, ', ' ORDER BY n.person) AS persons
FROM nxt n LEFT JOIN orgs o ON o.org = n.to_org
GROUP BY n.to_org, o.name
ORDER BY people DESC, n.to_org NULLS LAST
