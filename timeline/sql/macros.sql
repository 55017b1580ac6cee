-- Question macros, installed once the tables they read exist (see macros_base.sql).

-- Stints as known at `known_at` (NULL: now, from the materialised table).  Given
-- `orgs` or `persons` (lists of slugs), the stints as known then are computed for
-- those orgs or people alone (tl_edges); the caller still filters the table's rows.
CREATE OR REPLACE MACRO stints_known(known_at, orgs := NULL, persons := NULL) AS TABLE
    SELECT * EXCLUDE (root_key) FROM stints WHERE known_at IS NULL
    UNION ALL
    SELECT * FROM tl_stints(tl_known(known_at), false, orgs := orgs, persons := persons)
    WHERE known_at IS NOT NULL;

-- An org and every unit below it (parent links as known at `known_at`).
CREATE OR REPLACE MACRO org_tree(org_slug, known_at) AS TABLE
    WITH RECURSIVE tree(org) AS (
        SELECT org_slug
        UNION
        SELECT l.org
        FROM org_links l JOIN tree ON l.target = tree.org
        WHERE l.type = 'OrgFounded' AND tl_visible(l.recorded, l.retracted_at, tl_known(known_at))
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
-- The walk is tl_org_tree's (sql/members.sql), which org_closure shares.
CREATE OR REPLACE MACRO org_tree_since(org_slug, known_at) AS TABLE
    SELECT org, since_lo, since_hi FROM tl_org_tree(org_slug, known_at);

-- The stints (stints_known's columns) of every org in org_tree_since(org_slug,
-- known_at), each with that org's since_lo and since_hi.  As known now they are found
-- through the orgs' keys: `members` is sorted by root key, so a join on the slug alone
-- read about half of it (at 10M events, 380 of 835 row groups for one org's tree) where
-- the key reads the tree's own.  As known at `known_at`, only the tree's orgs' edges are
-- windowed into stints (tl_edges).
CREATE OR REPLACE MACRO tree_stints(org_slug, known_at) AS TABLE
    WITH t AS (SELECT tl_root_key(org) AS org_key, * FROM org_tree_since(org_slug, known_at))
    SELECT s.* EXCLUDE (root_key), t.since_lo, t.since_hi
    FROM stints s JOIN t ON s.root_key = t.org_key AND s.org = t.org
    WHERE known_at IS NULL
    UNION ALL
    SELECT s.*, t.since_lo, t.since_hi
    FROM tl_stints(tl_known(known_at), false, orgs := (SELECT list(org) FROM t)) s
    JOIN t USING (org)
    WHERE known_at IS NOT NULL;

-- tl_status of a member stint counted only from `since` on (see org_tree_since):
-- the start is clipped to the merge date; a stint that may have ended before the
-- merge is at most possible, one that certainly ended before it is NULL.
CREATE OR REPLACE MACRO tl_member_status(s_lo, s_hi, e_lo, e_hi, since_lo, since_hi, w_lo, w_hi) AS
    CASE WHEN e_hi >= since_lo THEN
        tl_status(greatest(s_lo, since_lo), greatest(s_hi, since_hi),
                  tl_counted_end_lo(e_lo, since_hi), e_hi, w_lo, w_hi)
    END;

-- Who was in an org (or any unit below it, or an org merged into it) at some day of `as_of`.
CREATE OR REPLACE MACRO team_as_of(org_slug, as_of, known_at := NULL) AS TABLE
    WITH w AS (SELECT tl_lo(as_of) AS w_lo, tl_hi(as_of) AS w_hi),
    s AS (
        SELECT s.* EXCLUDE (since_lo, since_hi),
               tl_member_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, s.since_lo, s.since_hi,
                                w_lo, w_hi) AS status, w_lo, w_hi
        FROM tree_stints(org_slug, known_at) s, w
        WHERE track = 'member'
          AND greatest(s.s_lo, s.since_lo) <= w_hi AND s.e_hi >= w_lo
          AND s.e_hi >= s.since_lo
    ),
    best AS (
        SELECT * FROM s
        -- The person's best stint: a definite one, then the latest possible start, then
        -- the org; within one org (a leave and a join in the same year) the later
        -- start.  The rest only makes the pick total: every replay answers the same.
        QUALIFY row_number() OVER (
            PARTITION BY person ORDER BY status = 'definite' DESC, s_hi DESC, org,
                                         s_lo DESC, e_hi DESC, e_lo DESC, joined, "left",
                                         role) = 1
    )
    SELECT b.person, coalesce(p.name, b.person) AS name, b.org, b.status,
           b.joined, b."left",
           b.joined IS NOT NULL AND b.s_lo <= b.w_hi AND b.s_hi >= b.w_lo AS joined_in_window,
           b."left" IS NOT NULL AND b.e_lo <= b.w_hi AND b.e_hi >= b.w_lo AS left_in_window,
           coalesce((SELECT arg_max(r.role, (r.lo, r.seq)) FROM role_changes r
                     WHERE r.person = b.person AND r.org = b.org
                       AND r.lo >= b.s_lo AND r.lo <= b.w_hi
                       AND tl_visible(r.recorded, r.retracted_at, tl_known(known_at))),
                    b.role) AS role,
           -- the name the org had then (Facebook before 2021-10-28), from renames known now
           coalesce((SELECT arg_max(n.name, (n.lo, n.seq)) FROM org_names n
                     WHERE n.org = b.org AND n.lo <= b.w_hi), b.org) AS org_name
    FROM best b LEFT JOIN people p USING (person)
    ORDER BY b.status, b.person;

-- team_as_of for the log as known now, with the window's day bounds given (w_lo, w_hi:
-- dates, or '-infinity' / 'infinity'): one scan of the org's rows in `members`
-- (sql/members.sql), where each row carries the person's name, its role changes and
-- the org's names (the first two of each as columns, a longer list whole).  Same rows
-- as team_as_of(org, as_of) (tests/test_team_now.py).
-- One row per person: the aggregate's first() picks what team_as_of's window does.
CREATE OR REPLACE MACRO team_now(org_slug, w_lo, w_hi) AS TABLE
    SELECT b.person, b.name, b.org, b.status, b.joined, b."left",
           b.joined IS NOT NULL AND b.s_lo <= b.w_hi AND b.s_hi >= b.w_lo AS joined_in_window,
           b."left" IS NOT NULL AND b.e_lo <= b.w_hi AND b.e_hi >= b.w_lo AS left_in_window,
           coalesce(CASE WHEN b.more_roles IS NOT NULL
                             THEN list_filter(b.more_roles, lambda r: r.lo <= b.w_hi)[-1].role
                         WHEN b.role2_lo <= b.w_hi THEN b.role2
                         WHEN b.role1_lo <= b.w_hi THEN b.role1 END, b.role) AS role,
           coalesce(CASE WHEN b.more_names IS NOT NULL
                             THEN list_filter(b.more_names, lambda n: n.lo <= b.w_hi)[-1].name
                         WHEN b.name2_lo <= b.w_hi THEN b.name2
                         WHEN b.name1_lo <= b.w_hi THEN b.name1 END, b.org) AS org_name
    FROM (
        SELECT unnest(first(m ORDER BY m.status = 'definite' DESC, m.s_hi DESC, m.org,
                                       m.s_lo DESC, m.e_hi DESC, m.e_lo DESC, m.joined,
                                       m."left", m.role))
        FROM (
            SELECT *, tl_status(cs_lo, cs_hi, ce_lo, e_hi, w.w_lo, w.w_hi) AS status
            FROM members, (SELECT w_lo::DATE AS w_lo, w_hi::DATE AS w_hi) w
            WHERE root_key = tl_root_key(org_slug) AND root = org_slug
              AND cs_lo <= w.w_hi AND e_hi >= w.w_lo
        ) m
        GROUP BY m.person
    ) b
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

-- Departures from an org (or its units, or orgs merged into it) whose leave may fall in
-- [w_from, w_to]; `paper` (or NULL) keeps only its authors.  A move between units of
-- the org (another stint in the tree starting no later than a month after the leave and
-- ending after it) is not a departure.  status: 'definite' when the leave's range lies
-- inside the period, 'possible' when it only overlaps it.  tenure_months parses the
-- reported ISO duration (years * 12 + months).  Shared by the departures and flows queries.
CREATE OR REPLACE MACRO departures_from(org_slug, w_from, w_to, paper, known_at) AS TABLE
    WITH w AS (SELECT tl_lo(w_from) AS w_lo, tl_hi(w_to) AS w_hi),
    authors AS (
        SELECT unnest((data->'authors')::VARCHAR[]) AS person
        FROM visible_events(tl_known(known_at))
        WHERE type = 'PaperPublished' AND data->>'paper' = paper
    ),
    m AS (FROM tree_stints(org_slug, known_at) WHERE track = 'member'),
    d AS (
        SELECT m.*, tl_status(m.e_lo, m.e_hi, m.e_lo, m.e_hi, w.w_lo, w.w_hi) AS status,
               split_part(m.tenure, 'T', 1) AS t
        FROM m, w
        WHERE m."left" IS NOT NULL AND m.e_lo <= w.w_hi AND m.e_hi >= w.w_lo
          AND m.e_hi >= m.since_lo
          AND (paper IS NULL OR m.person IN (SELECT person FROM authors))
          AND NOT EXISTS (
              SELECT 1 FROM m o
              WHERE o.person = m.person AND (o.org, o.stint_no) <> (m.org, m.stint_no)
                AND o.s_lo <= m.e_hi + INTERVAL 1 MONTH AND o.e_hi > m.e_hi)
    )
    SELECT d.* EXCLUDE (t),
           CASE WHEN d.tenure IS NOT NULL THEN
               coalesce(try_cast(regexp_extract(d.t, '(\d+)Y', 1) AS INTEGER), 0) * 12
               + coalesce(try_cast(regexp_extract(d.t, '(\d+)M', 1) AS INTEGER), 0)
           END AS tenure_months
    FROM d;

-- Each departure (departures_from) with the next employer: the first stint (by start) at
-- an org outside the source org whose start range begins no earlier than overlap_months
-- (default 3) before the leave's range begins and no later than window_months (default
-- 12) after it ends.  Founding an org (OrgFounded.founders) counts as starting there on
-- its founding date.  to_unit is NULL where no next employer is known in the window.
CREATE OR REPLACE MACRO next_employers(org_slug, w_from, w_to, window_months, overlap_months,
                                       paper, known_at) AS TABLE
    WITH d AS (FROM departures_from(org_slug, w_from, w_to, paper, known_at)),
    src AS (SELECT org FROM org_tree_since(org_slug, known_at)),
    starts AS (
        SELECT person, org, joined, s_lo, s_hi, 'joined' AS how
        FROM stints_known(known_at, persons := (SELECT list(DISTINCT person) FROM d))
        WHERE track = 'member' AND joined IS NOT NULL
        UNION ALL
        SELECT f.person, e.data->>'org', e.occurred, e.lo, e.hi, 'founded'
        FROM visible_events(tl_known(known_at)) e,
             unnest((e.data->'founders')::VARCHAR[]) AS f(person)
        WHERE e.type = 'OrgFounded'
    )
    SELECT d.person, d.org AS from_unit, d."left", d.status, d.tenure, d.e_lo,
           s.org AS to_unit, s.joined, s.how, s.s_lo
    FROM d LEFT JOIN starts s
      ON s.person = d.person AND s.org NOT IN (SELECT org FROM src)
     AND s.s_lo >= d.e_lo - to_months(coalesce(overlap_months::INTEGER, 3))
     AND s.s_lo <= d.e_hi + to_months(coalesce(window_months::INTEGER, 12))
    QUALIFY row_number() OVER (
        PARTITION BY d.person, d.org, d.stint_no ORDER BY s.s_lo, s.s_hi, s.org, s.how) = 1;

-- Where the people in the list `people` (slugs, in order) were on some day of `as_of`:
-- one row per person and member stint overlapping it (org NULL when none is known),
-- with status, the role reported by then in that stint, and the org's name then.
-- A slug listed twice keeps its first position.  Used by the whereabouts queries.
CREATE OR REPLACE MACRO whereabouts(people, as_of, known_at) AS TABLE
    WITH w AS (SELECT tl_lo(as_of) AS w_lo, tl_hi(as_of) AS w_hi),
    cohort AS (
        SELECT trim(a.person) AS person, min(a.position)::INTEGER AS position
        FROM unnest(people) WITH ORDINALITY AS a(person, position)
        WHERE trim(a.person) <> ''
        GROUP BY trim(a.person)
    ),
    s AS (
        SELECT s.*, tl_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, w.w_lo, w.w_hi) AS status, w.w_hi
        FROM stints_known(known_at, persons := (SELECT list(person) FROM cohort)) s, w
        WHERE s.track = 'member' AND s.person IN (SELECT person FROM cohort)
          AND s.s_lo <= w.w_hi AND s.e_hi >= w.w_lo
    )
    SELECT c.position, c.person, coalesce(p.name, c.person) AS name, s.org,
           coalesce((SELECT arg_max(n.data->>'name', (n.lo, n.seq))
                     FROM visible_events(tl_known(known_at)) n
                     WHERE n.type IN ('OrgFounded', 'OrgRenamed') AND n.data->>'org' = s.org
                       AND n.lo <= s.w_hi),
                    o.name) AS org_name,
           s.status,
           coalesce((SELECT arg_max(r.role, (r.lo, r.seq)) FROM role_changes r
                     WHERE r.person = s.person AND r.org = s.org
                       AND r.lo >= s.s_lo AND r.lo <= s.w_hi
                       AND tl_visible(r.recorded, r.retracted_at, tl_known(known_at))),
                    s.role) AS role,
           s.joined, s."left"
    FROM cohort c
    LEFT JOIN s USING (person)
    LEFT JOIN people p USING (person)
    LEFT JOIN orgs o ON o.org = s.org
    ORDER BY c.position, s.status, s.s_lo, s.org;

-- Members of an org (with its units and merged orgs) per calendar month of
-- [w_from, w_to]: a person counts once a month, definite or possible as in
-- team_as_of.  Shared by the headcount and attrition queries.
CREATE OR REPLACE MACRO headcount_series(org_slug, w_from, w_to, known_at) AS TABLE
    WITH b AS (
        SELECT CASE WHEN isfinite(tl_lo(w_from)) AND isfinite(tl_hi(w_to)) THEN tl_lo(w_from)
                    ELSE error('from and to must be bounded dates, not open ranges')
               END AS lo,
               tl_hi(w_to) AS hi
    ),
    months AS (
        SELECT unnest(generate_series(date_trunc('month', lo), hi, INTERVAL 1 MONTH))::DATE
                   AS w_lo
        FROM b
    ),
    mw AS (SELECT strftime(w_lo, '%Y-%m') AS month, w_lo, last_day(w_lo) AS w_hi FROM months),
    s AS (
        FROM tree_stints(org_slug, known_at) WHERE track = 'member' AND e_hi >= since_lo
    ),
    per AS (
        SELECT mw.month, mw.w_lo, s.person,
               bool_or(tl_member_status(s.s_lo, s.s_hi, s.e_lo, s.e_hi, s.since_lo, s.since_hi,
                                        mw.w_lo, mw.w_hi) = 'definite') AS is_definite
        FROM mw JOIN s ON greatest(s.s_lo, s.since_lo) <= mw.w_hi AND s.e_hi >= mw.w_lo
        GROUP BY mw.month, mw.w_lo, s.person
    )
    SELECT mw.month, mw.w_lo,
           count(per.person) FILTER (per.is_definite) AS definite,
           count(per.person) FILTER (NOT per.is_definite) AS possible,
           count(per.person) AS total
    FROM mw LEFT JOIN per USING (month)
    GROUP BY mw.month, mw.w_lo
    ORDER BY mw.month;
