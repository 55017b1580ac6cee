-- Catch-up for `members` and `org_closure` (sql/members.sql), after catchup.sql and
-- derive_catchup.sql: recompute the rows of the (person, org) pairs whose stints, role
-- changes, person's name, org's names or place in the org structure changed.
-- `-- needs:` lines as in catchup.sql; a statement with `-- unless: A B` is skipped when
-- an event of type A or B was touched.  tests/test_projection_catchup.py compares the
-- result with a full rebuild.

-- The orgs whose ancestors (or the dates from which they count) changed.
-- needs: OrgFounded OrgMerged
CREATE TEMP TABLE _closure_changed AS
SELECT DISTINCT org FROM (
    (FROM org_closure EXCEPT ALL FROM tl_org_closure())
    UNION ALL
    (FROM tl_org_closure() EXCEPT ALL FROM org_closure)
);

-- Edges alone (most catch-ups): the pairs whose rows are replaced, and their stints,
-- are catchup.sql's (views: a table and its filling cost 4-5 ms at 1M events).
-- needs: PersonJoined PersonLeft LeadershipChanged
-- unless: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP VIEW _member_pairs AS FROM _affected;

-- needs: PersonJoined PersonLeft LeadershipChanged
-- unless: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP VIEW _member_stints AS FROM _new_stints;

-- Otherwise, the (person, org) pairs whose rows are replaced, besides catchup.sql's
-- `_affected` (new or retracted edges): those of a new or retracted role change, of a
-- person or an org named anew, and of the orgs whose ancestors changed.
-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP TABLE _member_pairs (person VARCHAR, org VARCHAR);

-- needs: RoleChanged
INSERT INTO _member_pairs
SELECT data->>'person', data->>'org' FROM events WHERE seq > $after AND type = 'RoleChanged';

-- needs: retracted:RoleChanged
INSERT INTO _member_pairs
SELECT data->>'person', data->>'org' FROM _retracted WHERE type = 'RoleChanged';

-- needs: PersonAdded
INSERT INTO _member_pairs
SELECT person, org FROM stints WHERE person IN (SELECT person FROM _people_touched);

-- needs: OrgFounded OrgRenamed
INSERT INTO _member_pairs
SELECT person, org FROM stints WHERE org IN (SELECT org FROM _orgs_touched);

-- needs: OrgFounded OrgMerged
INSERT INTO _member_pairs
SELECT person, org FROM stints WHERE org IN (SELECT org FROM _closure_changed);

-- Their stints, from the `stints` view (joins rather than IN over (person, org): the
-- join's filters reach the scan).  The view still shows the `_affected` pairs' old
-- member stints (they are rows of `members`, replaced below): theirs are catchup.sql's
-- `_new_stints`.
-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP TABLE _member_stints AS SELECT * EXCLUDE (root_key) FROM stints LIMIT 0;

-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
-- unless: PersonJoined PersonLeft LeadershipChanged
INSERT INTO _member_stints
SELECT s.* EXCLUDE (root_key) FROM stints s JOIN (SELECT DISTINCT person, org FROM _member_pairs) p
    ON s.person = p.person AND s.org = p.org;

-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
-- needs: PersonJoined PersonLeft LeadershipChanged
INSERT INTO _member_stints
SELECT s.* EXCLUDE (root_key) FROM stints s JOIN (SELECT DISTINCT person, org FROM _member_pairs) p
    ON s.person = p.person AND s.org = p.org
ANTI JOIN _affected a ON s.person = a.person AND s.org = a.org;

-- needs: PersonJoined PersonLeft LeadershipChanged
-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
INSERT INTO _member_stints FROM _new_stints;

-- needs: PersonJoined PersonLeft LeadershipChanged
-- needs: RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
INSERT INTO _member_pairs FROM _affected;

-- The rows to replace, found by root key too (members is sorted by it) through
-- org_closure as it still stands: as it was when they were written.  (A row matched
-- twice is deleted once; no DISTINCT, whose hash table cost 2 ms here.)
-- needs: PersonJoined PersonLeft LeadershipChanged RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
DELETE FROM members USING (
    SELECT tl_root_key(root) AS root_key, * FROM (
        SELECT p.person, p.org, c.root FROM _member_pairs p JOIN org_closure c USING (org)
        UNION ALL SELECT person, org, org FROM _member_pairs
    )
) p
WHERE members.root_key = p.root_key AND members.root = p.root AND members.person = p.person
  AND members.org = p.org;

-- needs: OrgFounded OrgMerged
DELETE FROM org_closure WHERE org IN (SELECT org FROM _closure_changed);

-- needs: OrgFounded OrgMerged
INSERT INTO org_closure
FROM tl_org_closure() WHERE org IN (SELECT org FROM _closure_changed);

-- The role changes of those pairs, in the columns tl_member_base reads.  Filtered by
-- person first: that one-column filter reaches the scan of role_changes (sorted by
-- person), so the pair match meets few rows (10 -> 5 ms for 141 pairs at 1M events).
-- A view: tl_member_base reads it once, and a table of it cost 3.5-4 ms more there
-- (141 pairs at 1M events).
-- needs: PersonJoined PersonLeft LeadershipChanged RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP VIEW _member_roles AS
SELECT person, org, role, lo, seq, retracted_at FROM role_changes
WHERE person IN (SELECT person FROM _member_stints)
  AND (person, org) IN (SELECT (person, org) FROM _member_stints);

-- needs: PersonJoined PersonLeft LeadershipChanged RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
CREATE TEMP TABLE _member_base AS FROM tl_member_base('_member_stints', '_member_roles');

-- needs: PersonJoined PersonLeft LeadershipChanged RoleChanged PersonAdded OrgFounded OrgRenamed OrgMerged
INSERT INTO members FROM tl_member_rows('_member_base', NULL, NULL);
