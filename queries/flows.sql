-- People who left from_org in the period from..to and whose next employer, within window_months of leaving, was to_org.
-- params: from_org, to_org, from, to, window_months?, overlap_months?, paper?, known_at?
--
-- Departures are those of the `departures` query (moves between units of
-- from_org do not count; paper limits them to that paper's authors).  The
-- next employer is the first stint (by start) at an org outside from_org whose
-- start range begins no earlier than overlap_months (default 3) before the
-- leave's range begins, and no later than window_months (default 12) after the
-- leave's range ends.  Overlaps are real: Lacroix started Mistral (2023-04)
-- two months before his last month at Meta (2023-06).  Founding an org (being
-- listed in OrgFounded.founders) counts as starting there on its founding
-- date.  The row is kept when that employer is to_org or a unit inside it.
-- status is the leave's: 'definite' inside the period, 'possible' overlapping it.
SELECT n.person, coalesce(p.name, n.person) AS name, n.from_unit, n."left", n.status,
       n.to_unit, n.joined, n.how, n.tenure
FROM next_employers($from_org, $from, $to, $window_months, $overlap_months, $paper,
                    $known_at) n
LEFT JOIN people p USING (person)
WHERE EXISTS (SELECT 1 FROM org_tree_since($to_org, $known_at) t
              WHERE t.org = n.to_unit AND n.s_lo >= t.since_lo)
ORDER BY n.e_lo, n.person
