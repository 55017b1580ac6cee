-- Yearly attrition of an org (with its units) from..to: departures per year over mean headcount.
-- params: org, from, to, known_at?
--
-- One row per calendar year (clipped to the period; months says how many
-- months of it are covered).  departures counts leaves certainly inside that
-- part of the year, possible_departures those whose imprecise date only
-- overlaps it (departures as in the `departures` query: moves between units do
-- not count).  mean_headcount is the mean of the monthly definite counts of
-- the `headcount` query.  attrition = departures / mean_headcount, annualised
-- (times 12 / months) for a partial year.  from and to must be bounded dates.
WITH b AS (
    SELECT CASE WHEN isfinite(tl_lo($from)) AND isfinite(tl_hi($to)) THEN tl_lo($from)
                ELSE error('attrition: from and to must be bounded dates, not open ranges')
           END AS lo,
           tl_hi($to) AS hi
),
years AS (
    SELECT y.y AS year, greatest(make_date(y.y::INTEGER, 1, 1), b.lo) AS y_lo,
           least(make_date(y.y::INTEGER, 12, 31), b.hi) AS y_hi
    FROM b, range(year(b.lo), year(b.hi) + 1) AS y(y)
),
monthly AS (
    SELECT year(w_lo) AS year, w_lo, definite
    FROM headcount_series($org, $from, $to, $known_at)
),
d AS (FROM departures_from($org, $from, $to, NULL, $known_at)),
leaves AS (
    SELECT years.year,
           count(*) FILTER (tl_status(d.e_lo, d.e_hi, d.e_lo, d.e_hi, y_lo, y_hi) = 'definite')
               AS departures,
           count(*) FILTER (tl_status(d.e_lo, d.e_hi, d.e_lo, d.e_hi, y_lo, y_hi) = 'possible')
               AS possible_departures
    FROM years JOIN d ON d.e_lo <= years.y_hi AND d.e_hi >= years.y_lo
    GROUP BY years.year
),
heads AS (
    SELECT year, count(*) AS months, avg(definite) AS mean_headcount
    FROM monthly GROUP BY year
)
SELECT h.year, h.months, coalesce(l.departures, 0) AS departures,
       coalesce(l.possible_departures, 0) AS possible_departures,
       round(h.mean_headcount, 2) AS mean_headcount,
       CASE WHEN h.mean_headcount > 0
            THEN round(coalesce(l.departures, 0) / h.mean_headcount * 12 / h.months, 3)
       END AS attrition
FROM heads h LEFT JOIN leaves l USING (year)
ORDER BY h.year
