-- Who held a title at an org, in order: every leadership stint with its dates and sources.
-- params: org, title?, known_at?
--
-- Leadership stints (track 'leader') of the org, oldest first; title limits
-- them to one title (all titles when omitted).  since/until are the dates as
-- the sources gave them (since is empty when only the hand-over out is known,
-- until is empty for the current holder); since_source/until_source name the
-- sources of the LeadershipChanged events.
SELECT s.title, s.person, coalesce(p.name, s.person) AS name,
       s.joined AS since, s."left" AS until,
       j.source AS since_source, l.source AS until_source
FROM stints_known($known_at) s
LEFT JOIN people p USING (person)
LEFT JOIN events j ON j.id = s.join_id
LEFT JOIN events l ON l.id = s.leave_id
WHERE s.track = 'leader' AND s.org = $org AND ($title IS NULL OR s.title = $title)
ORDER BY s.title, s.s_lo, s.s_hi, s.person
