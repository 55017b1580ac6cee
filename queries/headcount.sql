-- How many people were in an org (or its units) each month from..to: definite and possible members.
-- params: org, from, to, known_at?
--
-- One row per calendar month.  A person counts once per month, as in
-- `team_as_of(org, month)`: definite when a stint certainly covers some day of
-- the month, possible when the imprecise dates allow it but do not prove it.
-- total = definite + possible.  from and to must be bounded dates.
WITH b AS (
    SELECT CASE WHEN isfinite(tl_lo($from)) AND isfinite(tl_hi($to)) THEN tl_lo($from)
                ELSE error('headcount: from and to must be bounded dates, not open ranges')
           END AS lo,
           tl_hi($to) AS hi
),
months AS (
    SELECT unnest(generate_series(date_trunc('month', lo), hi, INTERVAL 1 MONTH))::DATE AS w_lo
    FROM b
),
mw AS (SELECT strftime(w_lo, '%Y-%m') AS month, w_lo, last_day(w_lo) AS w_hi FROM months),
s AS (
    SELECT s.*, t.since_lo, t.since_hi
    FROM stints_known($known_at) s JOIN org_tree_since($org, $known_at) t USING (org)
    WHERE s.track = 'member' AND s.e_hi >= t.since_lo
),
per AS (
    SELECT mw.month, s.person,
           bool_or(tl_member_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, s.since_lo, s.since_hi,
                                    mw.w_lo, mw.w_hi) = 'definite') AS is_definite
    FROM mw JOIN s ON greatest(s.s_lo, s.since_lo) <= mw.w_hi AND s.e_hi >= mw.w_lo
    GROUP BY mw.month, s.person
)
SELECT mw.month,
       count(per.person) FILTER (per.is_definite) AS definite,
       count(per.person) FILTER (NOT per.is_definite) AS possible,
       count(per.person) AS total
FROM mw LEFT JOIN per USING (month)
GROUP BY mw.month
ORDER BY mw.month
