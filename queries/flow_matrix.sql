-- Where the people who left from_org in the period from..to went next: a count per destination org.
-- params: from_org, from, to, window_months?, overlap_months?, paper?, known_at?
--
-- The departures (optionally only the authors of paper) and the next-employer
-- rule (window_months, overlap_months) of the `flows` query, grouped by the
-- destination (the org of the next stint, as recorded; a unit is not rolled
-- up to its parent).  to_org is empty for departures with no next employer
-- known within window_months (default 12).  people counts all departures,
-- definite only those whose leave certainly lies inside the period.
SELECT n.to_unit AS to_org, o.name, count(*) AS people,
       count(*) FILTER (n.status = 'definite') AS definite,
       string_agg(n.person, ', ' ORDER BY n.person) AS persons
FROM next_employers($from_org, $from, $to, $window_months, $overlap_months, $paper,
                    $known_at) n
LEFT JOIN orgs o ON o.org = n.to_unit
GROUP BY n.to_unit, o.name
ORDER BY people DESC, n.to_unit NULLS LAST
