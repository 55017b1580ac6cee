-- Membership and leadership edges of the events in table `tbl` (`events`, or the events
-- a catch-up loads): each join, leave and leadership change typed once (one JSON
-- parse per event); a join (or an incoming leader) starts, a leave (or an outgoing
-- leader) ends.  Retracted events stay, with their retracted_at, so tl_edges can
-- answer for any known_at.
CREATE OR REPLACE MACRO tl_edge_rows(tbl) AS TABLE
SELECT x.track, x.person, d.org AS org, x.title, x.edge, lo, hi, seq, id, occurred,
       x.role, x.tenure, source, recorded, retracted_at
FROM (
    SELECT *,
           unnest(CASE WHEN type = 'LeadershipChanged' THEN
               [{track: 'leader', person: d.incoming, title: d.title, edge: 'start',
                 role: NULL, tenure: NULL},
                {track: 'leader', person: d.outgoing, title: d.title, edge: 'end',
                 role: NULL, tenure: NULL}]
           ELSE
               [{track: 'member', person: d.person, title: NULL,
                 edge: CASE type WHEN 'PersonJoined' THEN 'start' ELSE 'end' END,
                 role: d.role, tenure: d.tenure}]
           END) AS x
    FROM (
        SELECT seq, type, id, occurred, lo, hi, source, recorded, retracted_at,
               json_transform(data, '{"person": "VARCHAR", "org": "VARCHAR",
                   "role": "VARCHAR", "title": "VARCHAR", "tenure": "VARCHAR",
                   "incoming": "VARCHAR", "outgoing": "VARCHAR"}') AS d
        FROM query_table(tbl)
        WHERE type IN ('PersonJoined', 'PersonLeft', 'LeadershipChanged')
    )
)
WHERE x.person IS NOT NULL;

-- A replay types every edge once, into `edges`, which its stints and the questions as
-- known then read (tl_edges).  Not sorted (sorting the narrower edge_index it replaced
-- cost a replay 0.3-0.5 s at 1M events).
INSERT INTO edges FROM tl_edge_rows('events');
