-- People who joined an org (or a unit inside it) with the join in the period from..to.
-- params: org, from, to, known_at?
--
-- A join counts when the person was not already in the org: a move between two
-- units (another stint in the tree that started no later and lasted until at
-- least a month before this join) is not a hire; a return after a gap is.
-- status is 'definite' when the join's date range lies inside the period,
-- 'possible' when it only overlaps it.
WITH w AS (SELECT tl_lo($from) AS w_lo, tl_hi($to) AS w_hi),
m AS (FROM tree_stints($org, $known_at) WHERE track = 'member'),
h AS (
    SELECT m.*, tl_status(m.s_lo, m.s_hi, m.s_lo, m.s_hi, w.w_lo, w.w_hi) AS status
    FROM m, w
    WHERE m.joined IS NOT NULL AND m.s_lo <= w.w_hi AND m.s_hi >= w.w_lo
      AND m.s_lo >= m.since_lo
      AND NOT EXISTS (
          SELECT 1 FROM m o
          WHERE o.person = m.person AND (o.org, o.stint_no) <> (m.org, m.stint_no)
            AND o.s_lo <= m.s_lo AND o.e_hi >= m.s_lo - INTERVAL 1 MONTH)
)
SELECT h.person, coalesce(p.name, h.person) AS name, h.org, h.joined, h.status, h.role,
       h."left"
FROM h LEFT JOIN people p USING (person)
ORDER BY h.s_lo, h.s_hi, h.person
