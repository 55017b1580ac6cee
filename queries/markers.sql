-- Dated events worth marking on an org's timeline in from..to: papers by its people and its leadership changes.
-- params: org, from, to, known_at?
--
-- kind is 'paper' or 'leadership'; day is the first possible day of the event's date
-- value, label a short text for a tooltip.
WITH w AS (SELECT tl_lo($from) AS w_lo, tl_hi($to) AS w_hi),
t AS (SELECT org FROM org_tree_since($org, $known_at)),
e AS (SELECT * FROM visible_events(tl_known($known_at)), w WHERE lo <= w_hi AND hi >= w_lo)
SELECT 'paper' AS kind, e.lo AS day, e.occurred, e.data->>'title' AS label
FROM e
WHERE e.type = 'PaperPublished' AND EXISTS (
    SELECT 1 FROM tree_stints($org, $known_at) s
    WHERE s.track = 'member'
      AND list_contains((e.data->'authors')::VARCHAR[], s.person)
      AND s.s_lo <= e.hi AND s.e_hi >= e.lo)
UNION ALL
SELECT 'leadership', e.lo, e.occurred,
       concat_ws(' ', e.data->>'title' || ':', e.data->>'outgoing', '→', e.data->>'incoming')
FROM e
WHERE e.type = 'LeadershipChanged' AND e.data->>'org' IN (SELECT org FROM t)
ORDER BY day
