-- Question macros, installed once the tables they read exist (see macros_base.sql).

-- Stints as known at `known_at` (NULL: now, from the materialised table).
CREATE OR REPLACE MACRO stints_known(known_at) AS TABLE
    SELECT * FROM stints WHERE known_at IS NULL
    UNION ALL
    SELECT * FROM tl_stints(tl_known(known_at), false) WHERE known_at IS NOT NULL;

-- An org and every unit below it (parent links as known at `known_at`).
CREATE OR REPLACE MACRO org_tree(org_slug, known_at) AS TABLE
    WITH RECURSIVE tree(org) AS (
        SELECT org_slug
        UNION
        SELECT e.data->>'org'
        FROM visible_events(tl_known(known_at)) e
        JOIN tree ON e.data->>'parent' = tree.org
        WHERE e.type = 'OrgFounded'
    )
    SELECT org FROM tree;

-- Classify stints against the window of `as_of`: definite, possible or not at all.
CREATE OR REPLACE MACRO tl_status(s_lo, s_hi, e_lo, e_hi, w_lo, w_hi) AS
    CASE
        WHEN s_hi <= w_hi AND e_lo >= w_lo THEN 'definite'
        WHEN s_lo <= w_hi AND e_hi >= w_lo THEN 'possible'
    END;

-- An org, the units below it and the orgs merged into any of them (OrgMerged,
-- extension 1), each with the date range from which its members count as the
-- org's: -infinity for the org and its units, the merge date for a merged org.
CREATE OR REPLACE MACRO org_tree_since(org_slug, known_at) AS TABLE
    WITH RECURSIVE tree(org, since_lo, since_hi) AS (
        SELECT org_slug, '-infinity'::DATE, '-infinity'::DATE
        UNION
        SELECT e.data->>'org',
               CASE WHEN e.type = 'OrgMerged' THEN greatest(tree.since_lo, e.lo)
                    ELSE tree.since_lo END,
               CASE WHEN e.type = 'OrgMerged' THEN greatest(tree.since_hi, e.hi)
                    ELSE tree.since_hi END
        FROM visible_events(tl_known(known_at)) e
        JOIN tree ON (e.type = 'OrgFounded' AND e.data->>'parent' = tree.org)
                  OR (e.type = 'OrgMerged' AND e.data->>'into' = tree.org)
    )
    SELECT org, min(since_lo) AS since_lo, min(since_hi) AS since_hi FROM tree GROUP BY org;

-- tl_status of a member stint counted only from `since` on (see org_tree_since):
-- the start is clipped to the merge date; a stint that may have ended before the
-- merge is at most possible, one that certainly ended before it is NULL.
CREATE OR REPLACE MACRO tl_member_status(s_lo, s_hi, e_lo, e_hi, since_lo, since_hi, w_lo, w_hi) AS
    CASE WHEN e_hi >= since_lo THEN
        tl_status(greatest(s_lo, since_lo), greatest(s_hi, since_hi),
                  CASE WHEN since_hi <= e_lo THEN e_lo ELSE '-infinity'::DATE END,
                  e_hi, w_lo, w_hi)
    END;

-- Who was in an org (or any unit below it, or an org merged into it) at some day of `as_of`.
CREATE OR REPLACE MACRO team_as_of(org_slug, as_of, known_at := NULL) AS TABLE
    WITH w AS (SELECT tl_lo(as_of) AS w_lo, tl_hi(as_of) AS w_hi),
    s AS (
        SELECT s.*, tl_member_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, t.since_lo, t.since_hi,
                                     w_lo, w_hi) AS status, w_lo, w_hi
        FROM stints_known(known_at) s JOIN org_tree_since(org_slug, known_at) t USING (org), w
        WHERE track = 'member'
          AND greatest(s.s_lo, t.since_lo) <= w_hi AND s.e_hi >= w_lo
          AND s.e_hi >= t.since_lo
    ),
    best AS (
        SELECT * FROM s
        QUALIFY row_number() OVER (
            PARTITION BY person ORDER BY status = 'definite' DESC, s_hi DESC, org) = 1
    )
    SELECT b.person, coalesce(p.name, b.person) AS name, b.org, b.status,
           b.joined, b."left",
           b.joined IS NOT NULL AND b.s_lo <= b.w_hi AND b.s_hi >= b.w_lo AS joined_in_window,
           b."left" IS NOT NULL AND b.e_lo <= b.w_hi AND b.e_hi >= b.w_lo AS left_in_window,
           coalesce((SELECT arg_max(r.data->>'role', (r.lo, r.seq))
                     FROM visible_events(tl_known(known_at)) r
                     WHERE r.type = 'RoleChanged' AND r.data->>'person' = b.person
                       AND r.data->>'org' = b.org AND r.lo >= b.s_lo AND r.lo <= b.w_hi),
                    b.role) AS role
    FROM best b LEFT JOIN people p USING (person)
    ORDER BY b.status, b.person;

-- Who held each title at an org at some day of `as_of`.
CREATE OR REPLACE MACRO leaders_as_of(org_slug, as_of, known_at := NULL) AS TABLE
    WITH w AS (SELECT tl_lo(as_of) AS w_lo, tl_hi(as_of) AS w_hi)
    SELECT s.org, s.title, s.person, coalesce(p.name, s.person) AS name,
           tl_status(s_lo, s_hi, e_lo, e_hi, w_lo, w_hi) AS status,
           s.joined AS since, s."left" AS until
    FROM stints_known(known_at) s CROSS JOIN w LEFT JOIN people p USING (person)
    WHERE s.track = 'leader' AND s.org = org_slug AND s_lo <= w_hi AND e_hi >= w_lo
    ORDER BY s.title, status, s.person;
