-- How many people left an org (or its units) in the period from..to, and their mean and median reported tenure.
-- params: org, from, to, paper?, known_at?
--
-- The same rows as the `departures` query (paper: only its authors),
-- summarised: count (all rows), definite (leaves certainly inside the period),
-- with_tenure (rows reporting a tenure), mean_months (rounded to 0.1) and
-- median_months of the reported tenures.
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
),
months AS (
    SELECT status,
           CASE WHEN tenure IS NOT NULL THEN
               coalesce(try_cast(regexp_extract(t, '(\d+)Y', 1) AS INTEGER), 0) * 12
               + coalesce(try_cast(regexp_extract(t, '(\d+)M', 1) AS INTEGER), 0)
           END AS tenure_months
    FROM d
)
SELECT count(*) AS count,
       count(*) FILTER (status = 'definite') AS definite,
       count(tenure_months) AS with_tenure,
       round(avg(tenure_months), 1) AS mean_months,
       median(tenure_months) AS median_months
FROM months
