-- Catch-up for the derived tables: after `catchup.sql` loaded the events with
-- seq > $after (and marked what they retract), bring `people` and `roles` up to
-- date by key instead of rebuilding them: a rebuild reads the JSON of every
-- event of its types, which at a million events costs more than the rest of
-- the catch-up together.  org_names and orgs are small, but the correlated
-- name lookup makes their rebuild slow, so they are updated by key too.
-- Definitions must stay those of derive.sql: tests/test_projection_catchup.py
-- compares every table after a catch-up with a full rebuild.

CREATE OR REPLACE TEMP TABLE _retracted AS
SELECT e.id, e.seq, e.type, e.data->>'person' AS person, e.data->>'org' AS org
FROM events e
WHERE e.id IN (SELECT data->>'event' FROM events WHERE seq > $after AND type = 'EventRetracted');

-- people: recompute the people named by a new or a newly retracted PersonAdded.
CREATE OR REPLACE TEMP TABLE _people_touched AS
SELECT data->>'person' AS person FROM events WHERE seq > $after AND type = 'PersonAdded'
UNION
SELECT person FROM _retracted WHERE type = 'PersonAdded';

DELETE FROM people WHERE person IN (SELECT person FROM _people_touched);

-- Only a retraction can bring an older PersonAdded back into view; without one
-- the new events are all there is to read (a later seq wins anyway), and the
-- semi-join with an empty _people_reread costs nothing.
CREATE OR REPLACE TEMP TABLE _people_reread AS
SELECT person FROM _people_touched
WHERE EXISTS (SELECT 1 FROM _retracted WHERE type = 'PersonAdded');

INSERT INTO people BY NAME
SELECT data->>'person' AS person, data->>'name' AS name,
       coalesce(data->'aliases', '[]')::VARCHAR[] AS aliases, source, seq
FROM (
    SELECT * FROM visible_events('infinity'::TIMESTAMP)
    WHERE seq > $after AND type = 'PersonAdded'
    UNION ALL
    SELECT * FROM visible_events('infinity'::TIMESTAMP)
    WHERE seq <= $after AND type = 'PersonAdded'
      AND data->>'person' IN (SELECT person FROM _people_reread)
)
QUALIFY row_number() OVER (PARTITION BY data->>'person' ORDER BY seq DESC) = 1;

-- roles: one row per visible role event, so drop the retracted, add the new.
DELETE FROM roles WHERE id IN (SELECT id FROM _retracted);

INSERT INTO roles BY NAME
SELECT data->>'person' AS person, data->>'org' AS org, data->>'role' AS role,
       occurred, lo, hi, seq, id, source, type
FROM visible_events('infinity'::TIMESTAMP)
WHERE seq > $after AND type IN ('PersonJoined', 'RoleChanged') AND data->>'role' IS NOT NULL;

-- org_names: one row per visible OrgFounded/OrgRenamed event.
DELETE FROM org_names WHERE seq IN (SELECT seq FROM _retracted);

INSERT INTO org_names BY NAME
SELECT data->>'org' AS org, data->>'name' AS name, occurred, lo, hi, seq, type
FROM visible_events('infinity'::TIMESTAMP)
WHERE seq > $after AND type IN ('OrgFounded', 'OrgRenamed');

-- orgs: recompute the orgs a new or newly retracted founding or renaming names.
CREATE OR REPLACE TEMP TABLE _orgs_touched AS
SELECT data->>'org' AS org FROM events
WHERE seq > $after AND type IN ('OrgFounded', 'OrgRenamed')
UNION
SELECT org FROM _retracted WHERE type IN ('OrgFounded', 'OrgRenamed');

DELETE FROM orgs WHERE org IN (SELECT org FROM _orgs_touched);

-- The name lookup is a join, not derive.sql's correlated subquery: same result,
-- but it costs nothing when no org was touched.
INSERT INTO orgs BY NAME
WITH names AS (
    SELECT org, arg_max(name, (lo, seq)) AS name FROM org_names
    WHERE org IN (SELECT org FROM _orgs_touched) GROUP BY org
)
SELECT f.data->>'org' AS org, names.name AS name,
       f.data->>'name' AS founded_name, f.data->>'parent' AS parent,
       f.occurred AS founded, f.lo AS f_lo, f.hi AS f_hi,
       coalesce(f.data->'founders', '[]')::VARCHAR[] AS founders, f.source, f.seq
FROM visible_events('infinity'::TIMESTAMP) f LEFT JOIN names ON names.org = f.data->>'org'
WHERE f.type = 'OrgFounded' AND f.data->>'org' IN (SELECT org FROM _orgs_touched)
QUALIFY row_number() OVER (PARTITION BY f.data->>'org' ORDER BY f.seq DESC) = 1;

-- org_links and role_changes: mark what was just retracted, add the new rows (their
-- retracted_at is already set when a later event of the same catch-up retracted them).
UPDATE org_links SET retracted_at = e.retracted_at
FROM events e WHERE org_links.id = e.id AND e.id IN (SELECT id FROM _retracted);

INSERT INTO org_links
SELECT data->>'org', coalesce(data->>'parent', data->>'into'), type, lo, hi, seq, id,
       recorded, retracted_at
FROM events
WHERE seq > $after
  AND ((type = 'OrgFounded' AND data->>'parent' IS NOT NULL) OR type = 'OrgMerged');

UPDATE role_changes SET retracted_at = e.retracted_at
FROM events e WHERE role_changes.id = e.id AND e.id IN (SELECT id FROM _retracted);

INSERT INTO role_changes
SELECT data->>'person', data->>'org', data->>'role', lo, seq, id, recorded, retracted_at
FROM events WHERE seq > $after AND type = 'RoleChanged';

DROP TABLE _orgs_touched;
DROP TABLE _retracted;
DROP TABLE _people_touched;
DROP TABLE _people_reread;
