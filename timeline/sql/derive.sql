-- The small lookup tables, derived from the visible events as known now.
-- A `-- needs:` line names the event types a statement reads: a catch-up whose new
-- (or newly retracted) events are of none of them skips it (_steps.run).
-- Ordered by person: a lookup of a few people (a catch-up's members rows) then reads
-- only their row groups.
CREATE OR REPLACE TABLE people AS
SELECT data->>'person' AS person, data->>'name' AS name,
       coalesce(data->'aliases', '[]')::VARCHAR[] AS aliases, source, seq
FROM visible_events('infinity'::TIMESTAMP) WHERE type = 'PersonAdded'
QUALIFY row_number() OVER (PARTITION BY data->>'person' ORDER BY seq DESC) = 1
ORDER BY person;

CREATE OR REPLACE TABLE org_names AS
SELECT data->>'org' AS org, data->>'name' AS name, occurred, lo, hi, seq, type
FROM visible_events('infinity'::TIMESTAMP) WHERE type IN ('OrgFounded', 'OrgRenamed');

CREATE OR REPLACE TABLE orgs AS
SELECT f.data->>'org' AS org,
       (SELECT arg_max(n.name, (n.lo, n.seq)) FROM org_names n
        WHERE n.org = f.data->>'org') AS name,
       f.data->>'name' AS founded_name, f.data->>'parent' AS parent,
       f.occurred AS founded, f.lo AS f_lo, f.hi AS f_hi,
       coalesce(f.data->'founders', '[]')::VARCHAR[] AS founders, f.source, f.seq
FROM visible_events('infinity'::TIMESTAMP) f WHERE f.type = 'OrgFounded'
QUALIFY row_number() OVER (PARTITION BY f.data->>'org' ORDER BY f.seq DESC) = 1;

-- needs: SourceAdded
CREATE OR REPLACE TABLE sources AS
SELECT data->>'source' AS source, data->>'title' AS title, data->>'url' AS url,
       data->>'published' AS published, seq
FROM visible_events('infinity'::TIMESTAMP) WHERE type = 'SourceAdded';

-- needs: PaperPublished
CREATE OR REPLACE TABLE papers AS
SELECT data->>'paper' AS paper, data->>'title' AS title, data->>'url' AS url,
       occurred, lo, hi, source, seq
FROM visible_events('infinity'::TIMESTAMP) WHERE type = 'PaperPublished';

-- needs: PaperPublished
CREATE OR REPLACE TABLE paper_authors AS
SELECT data->>'paper' AS paper, a.position::INTEGER AS position, a.person
FROM visible_events('infinity'::TIMESTAMP) e,
     unnest((e.data->'authors')::VARCHAR[]) WITH ORDINALITY AS a(person, position)
WHERE e.type = 'PaperPublished';

-- Org links (a unit's parent, a merged org's successor) and role changes, keeping each
-- event's visibility columns: the question macros read these small tables instead of
-- scanning every event, for any known_at.  derive_catchup.sql keeps them up to date.
CREATE OR REPLACE TABLE org_links AS
SELECT data->>'org' AS org, coalesce(data->>'parent', data->>'into') AS target, type,
       lo, hi, seq, id, recorded, retracted_at
FROM events
WHERE (type = 'OrgFounded' AND data->>'parent' IS NOT NULL) OR type = 'OrgMerged';

CREATE OR REPLACE TABLE role_changes AS
FROM tl_role_change_rows('events') ORDER BY person, org;

-- Every visible role event: a join that names a role (from `edges`) and a role change.
-- A view: the two tables it reads are kept up to date, so a catch-up has nothing to
-- do for it (as a table it cost a 1M replay 0.2 s and most catch-ups one or two statements).
CREATE OR REPLACE VIEW roles AS
SELECT person, org, role, occurred, lo, hi, seq, id, source, 'PersonJoined' AS type
FROM edges
WHERE track = 'member' AND edge = 'start' AND role IS NOT NULL AND retracted_at IS NULL
UNION ALL
SELECT person, org, role, occurred, lo, hi, seq, id, source, 'RoleChanged' AS type
FROM role_changes WHERE role IS NOT NULL AND retracted_at IS NULL;
