-- Catch-up for the derived tables: after `catchup.sql` loaded the events with
-- seq > $after (and marked what they retract), bring `people`, `org_names`,
-- `orgs`, `org_links` and `role_changes` up to date by key instead
-- of rebuilding them from every event.
-- Definitions must stay those of derive.sql: tests/test_projection_catchup.py
-- compares every table after a catch-up with a full rebuild.
-- `-- needs: A B` skips a statement unless a new or newly retracted event is of
-- type A or B (`retracted:A`: a newly retracted one, listed in `_retracted`); several
-- such lines must all hold (_steps.run).  Most catch-ups (joins and leaves) so
-- run little of this.  Temp tables go with the connection.

-- people: recompute the people named by a new or a newly retracted PersonAdded.
-- needs: PersonAdded
CREATE OR REPLACE TEMP TABLE _people_touched AS
SELECT data->>'person' AS person FROM events WHERE seq > $after AND type = 'PersonAdded';

-- needs: retracted:PersonAdded
INSERT INTO _people_touched SELECT data->>'person' FROM _retracted WHERE type = 'PersonAdded';

-- needs: PersonAdded
DELETE FROM people WHERE person IN (SELECT person FROM _people_touched);

-- needs: PersonAdded
INSERT INTO people BY NAME
SELECT data->>'person' AS person, data->>'name' AS name,
       coalesce(data->'aliases', '[]')::VARCHAR[] AS aliases, source, seq
FROM visible_events('infinity'::TIMESTAMP)
WHERE seq > $after AND type = 'PersonAdded'
QUALIFY row_number() OVER (PARTITION BY data->>'person' ORDER BY seq DESC) = 1;

-- Only a retraction can bring an older PersonAdded back into view, for the people
-- that no new PersonAdded named (a later seq wins).
-- needs: retracted:PersonAdded
INSERT INTO people BY NAME
SELECT data->>'person' AS person, data->>'name' AS name,
       coalesce(data->'aliases', '[]')::VARCHAR[] AS aliases, source, seq
FROM visible_events('infinity'::TIMESTAMP)
WHERE seq <= $after AND type = 'PersonAdded'
  AND data->>'person' IN (SELECT person FROM _people_touched)
  AND data->>'person' NOT IN (SELECT person FROM people)
QUALIFY row_number() OVER (PARTITION BY data->>'person' ORDER BY seq DESC) = 1;

-- org_names: one row per visible OrgFounded/OrgRenamed event.
-- needs: retracted:OrgFounded retracted:OrgRenamed
DELETE FROM org_names WHERE seq IN (SELECT seq FROM _retracted);

-- needs: OrgFounded OrgRenamed
INSERT INTO org_names BY NAME
SELECT data->>'org' AS org, data->>'name' AS name, occurred, lo, hi, seq, type
FROM visible_events('infinity'::TIMESTAMP)
WHERE seq > $after AND type IN ('OrgFounded', 'OrgRenamed');

-- orgs: recompute the orgs a new or newly retracted founding or renaming names.
-- needs: OrgFounded OrgRenamed
CREATE OR REPLACE TEMP TABLE _orgs_touched AS
SELECT data->>'org' AS org FROM events
WHERE seq > $after AND type IN ('OrgFounded', 'OrgRenamed');

-- needs: retracted:OrgFounded retracted:OrgRenamed
INSERT INTO _orgs_touched
SELECT data->>'org' FROM _retracted WHERE type IN ('OrgFounded', 'OrgRenamed');

-- needs: OrgFounded OrgRenamed
DELETE FROM orgs WHERE org IN (SELECT org FROM _orgs_touched);

-- The name lookup is a join, not derive.sql's correlated subquery: same result.
-- needs: OrgFounded OrgRenamed
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
-- needs: retracted:OrgFounded retracted:OrgMerged
UPDATE org_links SET retracted_at = r.retracted_at FROM _retracted r WHERE org_links.seq = r.seq;

-- needs: OrgFounded OrgMerged
INSERT INTO org_links
SELECT data->>'org', coalesce(data->>'parent', data->>'into'), type, lo, hi, seq, id,
       recorded, retracted_at
FROM events
WHERE seq > $after
  AND ((type = 'OrgFounded' AND data->>'parent' IS NOT NULL) OR type = 'OrgMerged');

-- needs: retracted:RoleChanged
UPDATE role_changes SET retracted_at = r.retracted_at
FROM _retracted r WHERE role_changes.seq = r.seq;

-- needs: RoleChanged
INSERT INTO role_changes FROM tl_role_change_rows('events') WHERE seq > $after;
