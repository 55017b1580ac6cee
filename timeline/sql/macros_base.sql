-- Macros installed in every projection file, so any DuckDB client can ask
-- `FROM team_as_of('meta', '2024-08')` without the timeline package.
-- Date values: YYYY | YYYY-MM | YYYY-MM-DD | [A..B] | [..B] | [A..]; bounds are
-- inclusive days, an open end is -infinity / infinity.

-- Each macro names its argument at most twice, and in one CASE: a macro argument is
-- copied wherever it is named, and the nested split_part form these replace cost
-- 5-10 ms to bind per call and twice the time per row (same results on every value
-- of the bench logs and of events/meta.jsonl).
-- First and last day of YYYY, YYYY-MM or YYYY-MM-DD: the missing parts appended.
CREATE OR REPLACE MACRO tl_single_lo(s) AS (s || substr('-01-01', length(s) - 3))::DATE;

CREATE OR REPLACE MACRO tl_single_hi(s) AS
    CASE length(s)
        WHEN 7 THEN last_day((s || '-01')::DATE)
        ELSE (s || substr('-12-31', length(s) - 3))::DATE
    END;

-- First possible day of a date value.
CREATE OR REPLACE MACRO tl_lo(v) AS
    CASE
        WHEN v[1] <> '[' THEN tl_single_lo(v)
        WHEN v[2:3] = '..' THEN '-infinity'::DATE
        ELSE tl_single_lo(v[2:strpos(v, '..') - 1])
    END;

-- Last possible day of a date value.
CREATE OR REPLACE MACRO tl_hi(v) AS
    CASE
        WHEN v[1] <> '[' THEN tl_single_hi(v)
        WHEN v[-3:-2] = '..' THEN 'infinity'::DATE
        ELSE tl_single_hi(v[strpos(v, '..') + 2:-2])
    END;

-- A --known-at value: NULL (everything), a timestamp, or a date (the end of that day).
CREATE OR REPLACE MACRO tl_known(k) AS
    CASE
        WHEN k IS NULL THEN 'infinity'::TIMESTAMP
        WHEN length(k::VARCHAR) = 10 THEN k::DATE + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND
        ELSE k::TIMESTAMP
    END;

-- Whether an event (its recorded and retracted_at) counts as the log stood at `known`.
CREATE OR REPLACE MACRO tl_visible(recorded, retracted_at, known) AS
    recorded <= known AND (retracted_at IS NULL OR retracted_at > known);

-- The earliest day a member stint's end may fall on, counted for an org it reaches
-- from `since` on (a merge; -infinity for the org itself and the orgs above it): a
-- stint that may have ended before that has no definite end there (-infinity).
-- tl_member_status and members.sql's rows (cs_lo, cs_hi, ce_lo) share it.
CREATE OR REPLACE MACRO tl_counted_end_lo(e_lo, since_hi) AS
    CASE WHEN since_hi <= e_lo THEN e_lo ELSE '-infinity'::DATE END;

-- Events as the log stood at `known_at`: recorded by then, not retracted by then.
CREATE OR REPLACE MACRO visible_events(known_at) AS TABLE
    SELECT * FROM events
    WHERE recorded <= known_at AND (retracted_at IS NULL OR retracted_at > known_at);

-- The role changes among the events in table `tbl`, typed from their JSON once: every
-- row of `role_changes`, which a replay fills from `events` (derive.sql) and a
-- catch-up extends with the events it loads (derive_catchup.sql), so both type alike.
CREATE OR REPLACE MACRO tl_role_change_rows(tbl) AS TABLE
SELECT d.person AS person, d.org AS org, d.role AS role, lo, seq, id, recorded, retracted_at,
       occurred, hi, source
FROM (SELECT *, json_transform(data, '{"person": "VARCHAR", "org": "VARCHAR",
                                       "role": "VARCHAR"}') AS d
      FROM query_table(tbl) WHERE type = 'RoleChanged');

-- Membership and leadership edges (the `edges` table, edges.sql) visible at `known_at`.
-- With `prepared`, only those in the connection's `_edges`: a catch-up's share of them,
-- the affected pairs' (catchup.sql).  `orgs` and `persons` (lists of
-- slugs, or NULL for all) keep only those orgs' and people's edges: tl_stints
-- partitions by both, so a question on a few orgs or people then windows their edges
-- alone, not every edge of the log (a `--known-at` team question at 1M events:
-- 1.0-1.4 s -> 0.2-0.4 s; 45-55 ms since the edges are read typed, from `edges`).
CREATE OR REPLACE MACRO tl_edges(known_at, prepared, orgs := NULL, persons := NULL) AS TABLE
    SELECT track, person, org, title, edge, lo, hi, seq, id, occurred, role, tenure
    FROM query_table(CASE WHEN prepared THEN '_edges' ELSE 'edges' END)
    WHERE recorded <= known_at AND (retracted_at IS NULL OR retracted_at > known_at)
      AND (orgs IS NULL OR list_contains(orgs, org))
      AND (persons IS NULL OR list_contains(persons, person));

-- Stints: per (track, person, org, title), edges in occurred order (lo, hi, seq).
-- A start opens a stint (ignored while one is open); an end closes it; an end
-- with nothing open is a stint whose start is unknown: (-inf, end.hi].  `orgs` and
-- `persons` as in tl_edges: the stints of those orgs and people only.
CREATE OR REPLACE MACRO tl_stints(known_at, prepared, orgs := NULL, persons := NULL) AS TABLE
    -- One sort, no grouping: every window shares one partition and order.  A stint
    -- starts at an edge whose previous edge is not a start; its end is the first end
    -- from there on, and its role the first reported by a start before that end.
    -- The ends before an edge number its stint.
    WITH w AS (
        SELECT *,
               lag(edge) OVER win AS prev_edge,
               coalesce(sum(CASE WHEN edge = 'end' THEN 1 ELSE 0 END) OVER (
                   win ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + 1 AS stint_no,
               first_value(CASE WHEN edge = 'end' THEN {k: (lo, hi, seq), occurred: occurred,
                   lo: lo, hi: hi, id: id, tenure: tenure} END IGNORE NULLS) OVER (
                   win ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS fin,
               first_value(CASE WHEN edge = 'start' AND role IS NOT NULL
                   THEN {k: (lo, hi, seq), role: role} END IGNORE NULLS) OVER (
                   win ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rl
        FROM tl_edges(known_at, prepared, orgs := orgs, persons := persons)
        WINDOW win AS (PARTITION BY track, person, org, title ORDER BY lo, hi, seq)
    )
    SELECT track, person, org, title, stint_no,
           CASE WHEN edge = 'start' THEN occurred END AS joined, fin.occurred AS "left",
           CASE WHEN edge = 'start' THEN lo ELSE '-infinity'::DATE END AS s_lo,
           CASE WHEN edge = 'start' THEN hi ELSE fin.hi END AS s_hi,
           coalesce(fin.lo, 'infinity'::DATE) AS e_lo,
           coalesce(fin.hi, 'infinity'::DATE) AS e_hi,
           CASE WHEN edge = 'start' THEN id END AS join_id, fin.id AS leave_id,
           CASE WHEN edge = 'start' AND (fin IS NULL OR rl.k < fin.k) THEN rl.role END AS role,
           fin.tenure AS tenure
    FROM w WHERE prev_edge IS DISTINCT FROM 'start';
