-- How many people were in an org (or its units) each month from..to: definite and possible members.
-- params: org, from, to, known_at?
--
-- One row per calendar month.  A person counts once per month, as in
-- `team_as_of(org, month)`: definite when a stint certainly covers some day of
-- the month, possible when the imprecise dates allow it but do not prove it.
-- total = definite + possible.  from and to must be bounded dates.
SELECT month, definite, possible, total
FROM headcount_series($org, $from, $to, $known_at)
ORDER BY month
