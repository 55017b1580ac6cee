-- The table the team as known now is read from (read/team_rows.sql, the team_now
-- macro): one row for each member stint and each org it counts for -- its own org,
-- every org above it, and every org it was merged into (org_tree_since) -- with the
-- person's name, the stint's role changes and the org's names beside it, so that a
-- team question is one scan of one root's rows.  Its rows for their own org are also
-- the member stints of the `stints` view (below).  A replay runs this file after
-- derive.sql; a catch-up keeps both tables up to date by key (members_catchup.sql).

-- Every org below `root_slug` (a unit, or an org merged into it, transitively; the org
-- itself included) with the date range from which its members count as the root's:
-- -infinity for the root and its units, the latest merge date on the way for a merged
-- org.  A NULL `root_slug` walks from every org that has one below it.  Links as known
-- at `known_at`.  org_tree_since (one root) and org_closure (every root, now) read it.
CREATE OR REPLACE MACRO tl_org_tree(root_slug, known_at) AS TABLE
    WITH RECURSIVE tree(root, org, since_lo, since_hi) AS (
        SELECT r, r, '-infinity'::DATE, '-infinity'::DATE
        FROM (
            SELECT root_slug AS r WHERE root_slug IS NOT NULL
            UNION
            SELECT target FROM org_links
            WHERE root_slug IS NULL AND tl_visible(recorded, retracted_at, tl_known(known_at))
        )
        UNION
        SELECT tree.root, l.org,
               CASE WHEN l.type = 'OrgMerged' THEN greatest(tree.since_lo, l.lo)
                    ELSE tree.since_lo END,
               CASE WHEN l.type = 'OrgMerged' THEN greatest(tree.since_hi, l.hi)
                    ELSE tree.since_hi END
        FROM org_links l JOIN tree ON l.target = tree.org
        WHERE tl_visible(l.recorded, l.retracted_at, tl_known(known_at))
    )
    SELECT root, org, min(since_lo) AS since_lo, min(since_hi) AS since_hi
    FROM tree GROUP BY ALL;

-- Every org above another, with the dates from which the lower one's members count, as
-- known now.  The org itself is left out: tl_member_rows adds each stint for its own org.
CREATE OR REPLACE MACRO tl_org_closure() AS TABLE
    FROM tl_org_tree(NULL, NULL) WHERE root <> org;

CREATE OR REPLACE TABLE org_closure AS FROM tl_org_closure();

-- The key `members` is sorted and found by: an org's slug as a number (64 bits of its
-- MD5, not DuckDB's hash(), which no release promises to keep; the projection's
-- fingerprint holds the DuckDB release besides).  DuckDB's zone maps keep only
-- the first 12 bytes of a text, so slugs that share them (`acme-corporation-sales`,
-- `acme-corporation-legal`, or a company's units named after it) were one block to
-- its filters: a question on one of them scanned the rows of all.  A number's zone
-- maps are exact.  Two slugs with one key would only share row groups; the question
-- still filters on `root` itself.
CREATE OR REPLACE MACRO tl_root_key(slug) AS md5_number_upper(slug);

-- One row for each member stint in `stint_table` (a replay's `_stints`, or a
-- catch-up's share of them) with what `members` carries beside it, from the role
-- changes in `role_table` (`role_changes`, or the share of it for those stints' pairs)
-- and the small tables as known now.
-- `roles`: the stint's visible role changes from its start on, in (lo, seq) order;
-- `names`: the org's names in (lo, seq) order -- so the role and the org's name as of
-- a day are the last entry from no later than that day.  (list_sort orders the structs
-- by lo, then seq, which is unique: an ordered list() aggregate cost a replay 0.25 s.
-- Only the stints' orgs' names: listing every org's cost a one-pair catch-up 5 ms at
-- 1M events.)
-- `members` keeps the first two entries of each list as plain columns (role1_lo,
-- role1, role2_lo, role2, and name1_lo to name2, from tl_member_rows); `lists` says
-- whether either list holds more, and only then is that list kept whole (more_roles,
-- more_names).  A team question (read/team_rows.sql) then reads no list unless `lists`
-- is set: scanning the two lists on every row took a fifth to a third of its time, and
-- writing them for every row cost a replay more than the plain columns do.
CREATE OR REPLACE MACRO tl_member_base(stint_table, role_table) AS TABLE
    -- Inlined where it is read (three times): DuckDB would otherwise materialise it,
    -- and at 10M events its 4.6M rows spilled past the memory limit (this statement
    -- alone 10-12 s against 5-6 s; a whole 10M replay gains 2-3 s of it).
    WITH s AS NOT MATERIALIZED (FROM query_table(stint_table) WHERE track = 'member'),
    rc AS (
        SELECT person, org, list_sort(list({'lo': lo, 'seq': seq, 'role': role}), 'ASC') AS roles
        FROM query_table(role_table)
        WHERE retracted_at IS NULL AND role IS NOT NULL
        GROUP BY ALL
    ),
    nm AS (
        SELECT org, list_sort(list({'lo': lo, 'seq': seq, 'name': name}), 'ASC') AS names
        FROM org_names
        WHERE lo IS NOT NULL AND name IS NOT NULL AND org IN (SELECT org FROM s)
        GROUP BY org
    ),
    -- Each org's key once, not once a stint: MD5 per row cost a 1M replay 0.2-0.4 s.
    k AS (SELECT org, tl_root_key(org) AS org_key FROM (SELECT DISTINCT org FROM s))
    SELECT s.person, s.org, coalesce(p.name, s.person) AS name, s.joined, s."left",
           s.s_lo, s.s_hi, s.e_lo, s.e_hi, s.role,
           list_filter(rc.roles, lambda r: r.lo >= s.s_lo) AS roles, nm.names,
           s.stint_no, s.join_id, s.leave_id, s.tenure, k.org_key
    FROM s LEFT JOIN people p USING (person) LEFT JOIN rc USING (person, org)
         LEFT JOIN nm USING (org) JOIN k USING (org);

-- The rows of `members` for the stints in `base_table` (tl_member_base's rows) whose
-- root's key lies in [lo, hi) (a NULL bound is open): each stint for its own org, and for
-- every org above it (org_closure) from the date its members count there.  cs_lo,
-- cs_hi and ce_lo are the stint as it counts for the root (tl_member_status): its
-- start no earlier than that date, its end definite only if it came after it.  Kept
-- as columns so that a team question compares columns with the window and nothing
-- more: its filter is then read from the zone maps, and its plan is smaller.  The lists'
-- first two entries are columns for the same reason (see tl_member_base); they are
-- taken here rather than in the base, whose temp table a 10M-event replay holds whole.
CREATE OR REPLACE MACRO tl_member_rows(base_table, lo, hi) AS TABLE
    SELECT * EXCLUDE (roles, names, org_key),
           roles[1].lo AS role1_lo, roles[1].role AS role1,
           roles[2].lo AS role2_lo, roles[2].role AS role2,
           names[1].lo AS name1_lo, names[1].name AS name1,
           names[2].lo AS name2_lo, names[2].name AS name2,
           coalesce(len(roles) > 2, false) OR coalesce(len(names) > 2, false) AS lists,
           CASE WHEN len(roles) > 2 THEN roles END AS more_roles,
           CASE WHEN len(names) > 2 THEN names END AS more_names
    FROM (
        SELECT org_key AS root_key, org AS root, s_lo AS cs_lo, s_hi AS cs_hi, e_lo AS ce_lo, *
        FROM query_table(base_table)
        WHERE (lo IS NULL OR org_key >= lo) AND (hi IS NULL OR org_key < hi)
        UNION ALL
        -- The stint's own columns only on its own org's row, which the `stints` view reads.
        SELECT c.root_key, c.root, greatest(m.s_lo, c.since_lo), greatest(m.s_hi, c.since_hi),
               tl_counted_end_lo(m.e_lo, c.since_hi),
               m.* REPLACE (NULL AS stint_no, NULL AS join_id, NULL AS leave_id, NULL AS tenure)
        FROM query_table(base_table) m
             JOIN (SELECT tl_root_key(root) AS root_key, * FROM org_closure) c USING (org)
        WHERE m.e_hi >= c.since_lo AND (lo IS NULL OR c.root_key >= lo)
          AND (hi IS NULL OR c.root_key < hi)
    );

-- Sorted by root_key (tl_root_key), in small row groups (Projection's writers attach
-- the file with ROW_GROUP_SIZE): one root's rows then sit in one or two row groups,
-- which the zone maps find.  (Sorting by (root, s_lo) cost more and pruned nothing
-- more.)  The ids are stored uncompressed, as in `events` (schema.sql), and so are
-- `person` and `name`, nearly one value a row, which the dictionary and FSST coding
-- barely shrank (six blocks more of 270 at 1M events) and which every scan of them
-- then decoded: a team question, the catch-up's delete by pair and the write of the
-- table were each a little faster so.  A replay fills it from `_member_base` below, a
-- range of keys at a time (_steps.rebuild_steps).
CREATE OR REPLACE TABLE members (
    root_key UBIGINT,
    root VARCHAR,
    cs_lo DATE,
    cs_hi DATE,
    ce_lo DATE,
    person VARCHAR USING COMPRESSION uncompressed,
    org VARCHAR,
    name VARCHAR USING COMPRESSION uncompressed,
    joined VARCHAR,
    "left" VARCHAR,
    s_lo DATE,
    s_hi DATE,
    e_lo DATE,
    e_hi DATE,
    role VARCHAR,
    stint_no HUGEINT,
    join_id VARCHAR USING COMPRESSION uncompressed,
    leave_id VARCHAR USING COMPRESSION uncompressed,
    tenure VARCHAR,
    role1_lo DATE,
    role1 VARCHAR,
    role2_lo DATE,
    role2 VARCHAR,
    name1_lo DATE,
    name1 VARCHAR,
    name2_lo DATE,
    name2 VARCHAR,
    lists BOOLEAN,
    more_roles STRUCT(lo DATE, seq BIGINT, role VARCHAR)[],
    more_names STRUCT(lo DATE, seq BIGINT, name VARCHAR)[]
);

-- A replay's member stints (in the temp table `_stints`) with what members carries.
CREATE TEMP TABLE _member_base AS FROM tl_member_base('_stints', 'role_changes');

-- Every stint as known now, in tl_stints' columns and then its org's key (root_key):
-- the member stints are the rows of `members` for their own org (root = org:
-- org_closure never pairs an org with itself), the leadership stints `leader_stints`.
-- Kept once rather than also in a stints table: writing the member stints twice cost a
-- replay about 0.3 s at 1M events.  A join on root_key finds an org's member stints in
-- their one or two row groups (tree_stints, sql/macros.sql).
CREATE OR REPLACE VIEW stints AS
SELECT 'member' AS track, person, org, NULL::VARCHAR AS title, stint_no, joined, "left",
       s_lo, s_hi, e_lo, e_hi, join_id, leave_id, role, tenure, root_key
FROM members WHERE root = org
UNION ALL
SELECT *, tl_root_key(org) FROM leader_stints;
