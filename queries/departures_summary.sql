-- How many people left an org (or its units) in the period from..to, and their mean and median reported tenure.
-- params: org, from, to, paper?, known_at?
--
-- The same rows as the `departures` query (paper: only its authors),
-- summarised: count (all rows), definite (leaves certainly inside the period),
-- with_tenure (rows reporting a tenure), mean_months (rounded to 0.1) and
-- median_months of the reported tenures.
SELECT count(*) AS count,
       count(*) FILTER (status = 'definite') AS definite,
       count(tenure_months) AS with_tenure,
       round(avg(tenure_months), 1) AS mean_months,
       median(tenure_months) AS median_months
FROM departures_from($org, $from, $to, $paper, $known_at)
