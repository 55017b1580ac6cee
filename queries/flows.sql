-- People who left from_org in the period from..to and whose next employer, within window_months of leaving, was to_org.
-- params: from_org, to_org, from, to, window_months?, overlap_months?, paper?, known_at?
--
-- Departures are those of the `departures` query (moves between units of
-- from_org do not count; paper limits them to that paper's authors).  The
-- next employer is the first stint (by start) at an org outside from_org whose
-- start range begins no earlier than overlap_months (default 3) before the
-- leave's range begins, and no later than window_months (default 12) after the
-- leave's range ends.  Overlaps are real: Lacroix started Mistral (2023-04)
-- two months before his last month at Meta (2023-06).  Founding an org (being
-- listed in OrgFounded.founders) counts as starting there on its founding
-- date.  The row is kept when that employer is to_org or a unit inside it.
-- status is the leave's: 'definite' inside the period, 'possible' overlapping it.
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
    SELECT person, org, joined, s_lo, s_hi, 'joined' AS how FROM m WHERE joined IS NOT NULL
    UNION ALL
    SELECT f.person, e.data->>'org', e.occurred, e.lo, e.hi, 'founded'
    FROM visible_events(tl_known($known_at)) e,
         unnest((e.data->'founders')::VARCHAR[]) AS f(person)
    WHERE e.type = 'OrgFounded'
),
nxt AS (
    SELECT d.person, d.org AS from_unit, d."left", d.status, d.tenure, d.e_lo,
           s.org AS to_unit, s.joined, s.how, s.s_lo
    FROM d JOIN starts s
      ON s.person = d.person AND s.org NOT IN (SELECT org FROM src)
     AND s.s_lo >= d.e_lo - to_months(coalesce($overlap_months::INTEGER, 3))
     AND s.s_lo <= d.e_hi + to_months(coalesce($window_months::INTEGER, 12))
    QUALIFY row_number() OVER (
        PARTITION BY d.person, d.org, d.stint_no ORDER BY s.s_lo, s.s_hi, s.org, s.how) = 1
)
SELECT n.person, coalesce(p.name, n.person) AS name, n.from_unit, n."left", n.status,
       n.to_unit, n.joined, n.how, n.tenure
FROM nxt n LEFT JOIN people p USING (person)
WHERE EXISTS (SELECT 1 FROM org_tree_since($to_org, $known_at) t
              WHERE t.org = n.to_unit AND n.s_lo >= t.since_lo)
ORDER BY n.e_lo, n.person
