-- After loading events with seq > $after (and marking what they retract, in
-- `_retracted`: Projection._touched): extend `edges`, and recompute the stints of
-- the (person, org) pairs those events touch.
-- `-- needs: A B` skips a statement unless a new or newly retracted event is of type
-- A or B (`retracted:A`: a newly retracted one); several such lines must all hold
-- (_steps.run).  Temp tables go with the connection.

-- needs: PersonJoined PersonLeft LeadershipChanged
INSERT INTO edges FROM tl_edge_rows('events') WHERE seq > $after;

-- needs: retracted:PersonJoined retracted:PersonLeft retracted:LeadershipChanged
UPDATE edges SET retracted_at = r.retracted_at FROM _retracted r WHERE edges.seq = r.seq;

-- The pairs of the new edges and of the edges just retracted.
-- needs: PersonJoined PersonLeft LeadershipChanged
CREATE TEMP TABLE _affected AS SELECT DISTINCT person, org FROM edges WHERE seq > $after;

-- needs: retracted:PersonJoined retracted:PersonLeft retracted:LeadershipChanged
INSERT INTO _affected
SELECT DISTINCT person, org FROM edges WHERE seq IN (SELECT seq FROM _retracted)
EXCEPT SELECT person, org FROM _affected;

-- Every event of the affected pairs, found by seq through `edges`, whose person
-- filter reaches its scan (a bloom filter), so the pair match meets few rows; then
-- their edges (of these pairs: a leadership change may name another) for tl_stints,
-- typed again from the events.  (Reading the pairs' whole rows of `edges` instead took
-- 41-48 ms after 100 events at 1M, against 17-20: that read every column of most of
-- its row groups.)  A view: only the next statement reads it.
-- needs: PersonJoined PersonLeft LeadershipChanged
CREATE TEMP VIEW _pair_events AS
FROM events WHERE seq IN (
    SELECT seq FROM edges
    WHERE person IN (SELECT person FROM _affected)
      AND (person, org) IN (SELECT (person, org) FROM _affected)
);

-- needs: PersonJoined PersonLeft LeadershipChanged
CREATE TEMP TABLE _edges AS
FROM tl_edge_rows('_pair_events') WHERE (person, org) IN (SELECT (person, org) FROM _affected);

-- Leadership stints only: the member stints are rows of `members`, which
-- members_catchup.sql replaces.  A pair's leadership stints come from its leadership
-- edges alone (tl_stints partitions by track), so only a new or retracted leadership
-- change alters them (4-5 ms saved on the other catch-ups at 1M events).
-- needs: LeadershipChanged
DELETE FROM leader_stints USING _affected a
WHERE leader_stints.person = a.person AND leader_stints.org = a.org;

-- Kept apart: members_catchup.sql writes the member stints into `members`.
-- needs: PersonJoined PersonLeft LeadershipChanged
CREATE TEMP TABLE _new_stints AS FROM tl_stints('infinity'::TIMESTAMP, true);

-- needs: LeadershipChanged
INSERT INTO leader_stints FROM _new_stints WHERE track = 'leader';
