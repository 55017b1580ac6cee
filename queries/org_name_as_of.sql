-- What an org was called on some day of as_of (after OrgRenamed events): the name or names it may have had.
-- params: org, as_of, known_at?
--
-- Each name holds from its OrgFounded/OrgRenamed event until the next
-- rename.  status is 'definite' when the org certainly bore the name on some
-- day of as_of, 'possible' when imprecise dates allow it; since/until are the
-- dates of the naming events as the sources gave them.
WITH w AS (SELECT tl_lo($as_of) AS w_lo, tl_hi($as_of) AS w_hi),
n AS (
    SELECT data->>'org' AS org, data->>'name' AS name, occurred, lo, hi, seq
    FROM visible_events(tl_known($known_at))
    WHERE type IN ('OrgFounded', 'OrgRenamed') AND data->>'org' = $org
),
spans AS (
    SELECT org, name, occurred AS since, lo AS s_lo, hi AS s_hi,
           lead(occurred) OVER o AS until,
           coalesce(lead(lo) OVER o, 'infinity'::DATE) AS e_lo,
           coalesce(lead(hi) OVER o, 'infinity'::DATE) AS e_hi
    FROM n
    WINDOW o AS (ORDER BY lo, hi, seq)
)
SELECT org, name, tl_status(s_lo, s_hi, e_lo, e_hi, w.w_lo, w.w_hi) AS status, since, until
FROM spans, w
WHERE s_lo <= w.w_hi AND e_hi >= w.w_lo
ORDER BY s_lo
