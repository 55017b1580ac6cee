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
SELECT d.person, coalesce(p.name, d.person) AS name, d.org, d.joined, d."left", d.status,
       d.tenure, d.tenure_months,
       round(avg(d.tenure_months) OVER (), 1) AS mean_months,
       median(d.tenure_months) OVER () AS median_months
FROM departures_from($org, $from, $to, $paper, $known_at) d LEFT JOIN people p USING (person)
ORDER BY d.e_lo, d.e_hi, d.person
