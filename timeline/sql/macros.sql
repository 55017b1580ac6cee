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

-- Who was in an org (or any unit below it) at some day of `as_of`.
CREATE OR REPLACE MACRO team_as_of(org_slug, as_of, known_at := NULL) AS TABLE
    WITH w AS (SELECT tl_lo(as_of) AS w_lo, tl_hi(as_of) AS w_hi),
    s AS (
        SELECT s.*, tl_status(s_lo, s_hi, e_lo, e_hi, w_lo, w_hi) AS status, w_lo, w_hi
        FROM stints_known(known_at) s, w
        WHERE track = 'member'
          AND org IN (SELECT org FROM org_tree(org_slug, known_at))
          AND s_lo <= w_hi AND e_hi >= w_lo
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
