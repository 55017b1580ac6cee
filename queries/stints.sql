-- Every membership stint in an org (or its units, or orgs merged into it) that may overlap from..to, with its date bounds.
-- params: org, from, to, known_at?
--
-- One row per stint: s_lo..s_hi is when it started (one day in that range), e_lo..e_hi
-- when it ended (infinity while open).  Open bounds are clipped to the period so the
-- rows draw as bars; `start_known` / `end_known` say whether the clip happened.  This
-- is what `timeline chart team` draws.
WITH w AS (SELECT tl_lo($from) AS w_lo, tl_hi($to) AS w_hi)
SELECT s.person, coalesce(p.name, s.person) AS name, s.org, s.joined, s."left", s.role,
       greatest(s.s_lo, s.since_lo, w.w_lo) AS s_lo,
       least(greatest(s.s_hi, s.since_hi, w.w_lo), w.w_hi) AS s_hi,
       greatest(least(s.e_lo, w.w_hi), w.w_lo) AS e_lo,
       least(s.e_hi, w.w_hi) AS e_hi,
       isfinite(s.s_lo) AS start_known, isfinite(s.e_hi) AS end_known
FROM tree_stints($org, $known_at) s
CROSS JOIN w
LEFT JOIN people p USING (person)
WHERE s.track = 'member' AND s.s_lo <= w.w_hi AND s.e_hi >= w.w_lo AND s.e_hi >= s.since_lo
ORDER BY s.s_lo, s.person
