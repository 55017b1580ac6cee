-- People who left an org (or a unit inside it) with the leave in the period from..to, with reported tenure.
-- params: org, from, to, paper?, known_at?
--
-- paper, when given, keeps only the authors of that paper.  A leave counts
-- when the person did not stay in the org: a move between two units of the org
-- (another stint in the tree that starts no later than a month after the leave
-- and ends after it) is not a departure.  status is 'definite'
-- when the leave's date range lies inside the period, 'possible' when it only
-- overlaps it.  tenure_months parses the reported ISO duration (years*12 +
-- months); mean_months and median_months are taken over the rows shown.
WITH w AS (SELECT tl_lo($from) AS w_lo, tl_hi($to) AS w_hi),
authors AS (
    SELECT unnest((data->'authors')::VARCHAR[]) AS person
    FROM visible_events(tl_known($known_at))
    WHERE type = 'PaperPublished' AND data->>'paper' = $paper
),
m AS (
    SELECT s.*, t.since_lo, t.since_hi
    FROM stints_known($known_at) s JOIN org_tree_since($org, $known_at) t USING (org)
    WHERE s.track = 'member'
),
d AS (
    SELECT m.*, tl_status(m.e_lo, m.e_hi, m.e_lo, m.e_hi, w.w_lo, w.w_hi) AS status,
           split_part(m.tenure, 'T', 1) AS t
    FROM m, w
    WHERE m."left" IS NOT NULL AND m.e_lo <= w.w_hi AND m.e_hi >= w.w_lo
      AND m.e_hi >= m.since_lo
      AND ($paper IS NULL OR m.person IN (SELECT person FROM authors))
      AND NOT EXISTS (
          SELECT 1 FROM m o
          WHERE o.person = m.person AND (o.org, o.stint_no) <> (m.org, m.stint_no)
            AND o.s_lo <= m.e_hi + INTERVAL 1 MONTH AND o.e_hi > m.e_hi)
)
SELECT d.person, coalesce(p.name, d.person) AS name, d.org, d.joined, d."left", d.status,
       d.tenure,
       CASE WHEN d.tenure IS NOT NULL THEN
           coalesce(try_cast(regexp_extract(d.t, '(\d+)Y', 1) AS INTEGER), 0) * 12
           + coalesce(try_cast(regexp_extract(d.t, '(\d+)M', 1) AS INTEGER), 0)
       END AS tenure_months,
       round(avg(tenure_months) OVER (), 1) AS mean_months,
       median(tenure_months) OVER () AS median_months
FROM d LEFT JOIN people p USING (person)
ORDER BY d.e_lo, d.e_hi, d.person
