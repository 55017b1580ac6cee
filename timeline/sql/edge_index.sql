-- Which events are edges of which (person, org): what a catch-up needs to find
-- the edges of the pairs it recomputes without reading the JSON of every event
-- (tl_edges looks here when `only_affected`).  Built by a replay, extended by
-- catchup.sql with the events after $after; retracted events stay listed, as
-- visible_events drops them anyway.
CREATE OR REPLACE MACRO tl_edge_keys(after_seq) AS TABLE
    SELECT person, org, seq FROM (
        SELECT data->>'person' AS person, data->>'org' AS org, seq FROM events
        WHERE seq > after_seq AND type IN ('PersonJoined', 'PersonLeft')
        UNION ALL
        SELECT data->>'incoming', data->>'org', seq FROM events
        WHERE seq > after_seq AND type = 'LeadershipChanged'
        UNION ALL
        SELECT data->>'outgoing', data->>'org', seq FROM events
        WHERE seq > after_seq AND type = 'LeadershipChanged'
    ) WHERE person IS NOT NULL;

-- Sorted, so the zone maps let a lookup by person read only a few blocks.
INSERT INTO edge_index FROM tl_edge_keys(0) ORDER BY person, org;
