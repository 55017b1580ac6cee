-- After loading events with seq > $after: mark what they retract, and list the
-- (person, org) pairs whose stints must be recomputed.
UPDATE events SET retracted_at = r.recorded
FROM (SELECT data->>'event' AS target, recorded FROM events
      WHERE seq > $after AND type = 'EventRetracted') r
WHERE events.id = r.target;

DELETE FROM _affected;

INSERT INTO _affected
WITH touched AS (
    SELECT * FROM events WHERE seq > $after
    UNION ALL
    SELECT * FROM events WHERE id IN (
        SELECT data->>'event' FROM events WHERE seq > $after AND type = 'EventRetracted')
)
SELECT DISTINCT person, org FROM (
    SELECT data->>'person' AS person, data->>'org' AS org FROM touched
    WHERE type IN ('PersonJoined', 'PersonLeft')
    UNION ALL
    SELECT data->>'incoming', data->>'org' FROM touched WHERE type = 'LeadershipChanged'
    UNION ALL
    SELECT data->>'outgoing', data->>'org' FROM touched WHERE type = 'LeadershipChanged'
) WHERE person IS NOT NULL;

INSERT INTO edge_index FROM tl_edge_keys($after);

DELETE FROM stints WHERE (person, org) IN (SELECT (person, org) FROM _affected);

INSERT INTO stints FROM tl_stints('infinity'::TIMESTAMP, true);
