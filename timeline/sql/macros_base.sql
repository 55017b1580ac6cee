-- Macros installed in every projection file, so any DuckDB client can ask
-- `FROM team_as_of('meta', '2024-08')` without the timeline package.
-- Date values: YYYY | YYYY-MM | YYYY-MM-DD | [A..B] | [..B] | [A..]; bounds are
-- inclusive days, an open end is -infinity / infinity.

CREATE OR REPLACE MACRO tl_single_lo(s) AS
    CASE length(s)
        WHEN 4 THEN make_date(s::INTEGER, 1, 1)
        WHEN 7 THEN (s || '-01')::DATE
        ELSE s::DATE
    END;

CREATE OR REPLACE MACRO tl_single_hi(s) AS
    CASE length(s)
        WHEN 4 THEN make_date(s::INTEGER, 12, 31)
        WHEN 7 THEN last_day((s || '-01')::DATE)
        ELSE s::DATE
    END;

-- First possible day of a date value.
CREATE OR REPLACE MACRO tl_lo(v) AS
    CASE
        WHEN v IS NULL THEN NULL
        WHEN v[1] <> '[' THEN tl_single_lo(v)
        WHEN split_part(v[2:-2], '..', 1) = '' THEN '-infinity'::DATE
        ELSE tl_single_lo(split_part(v[2:-2], '..', 1))
    END;

-- Last possible day of a date value.
CREATE OR REPLACE MACRO tl_hi(v) AS
    CASE
        WHEN v IS NULL THEN NULL
        WHEN v[1] <> '[' THEN tl_single_hi(v)
        WHEN split_part(v[2:-2], '..', 2) = '' THEN 'infinity'::DATE
        ELSE tl_single_hi(split_part(v[2:-2], '..', 2))
    END;

-- A --known-at value: NULL (everything), a timestamp, or a date (the end of that day).
CREATE OR REPLACE MACRO tl_known(k) AS
    CASE
        WHEN k IS NULL THEN 'infinity'::TIMESTAMP
        WHEN length(k::VARCHAR) = 10 THEN k::DATE + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND
        ELSE k::TIMESTAMP
    END;

-- Events as the log stood at `known_at`: recorded by then, not retracted by then.
CREATE OR REPLACE MACRO visible_events(known_at) AS TABLE
    SELECT * FROM events
    WHERE recorded <= known_at AND (retracted_at IS NULL OR retracted_at > known_at);

-- Membership and leadership edges: a join (or an incoming leader) starts,
-- a leave (or an outgoing leader) ends.  `only_affected` limits the work to
-- the (person, org) pairs listed in _affected, for incremental catch-up.
CREATE OR REPLACE MACRO tl_edges(known_at, only_affected) AS TABLE
    WITH e AS (
        SELECT * FROM visible_events(known_at)
        WHERE type IN ('PersonJoined', 'PersonLeft', 'LeadershipChanged')
          -- Read only the affected pairs' events (edge_index.sql), not every event's JSON.
          AND (NOT only_affected OR seq IN (
              SELECT i.seq FROM edge_index i JOIN _affected a USING (person, org)))
    ),
    edges AS (
        SELECT 'member' AS track, data->>'person' AS person, data->>'org' AS org,
               NULL::VARCHAR AS title,
               CASE type WHEN 'PersonJoined' THEN 'start' ELSE 'end' END AS edge,
               lo, hi, seq, id, occurred, data->>'role' AS role, data->>'tenure' AS tenure
        FROM e WHERE type <> 'LeadershipChanged'
        UNION ALL
        SELECT 'leader', data->>'incoming', data->>'org', data->>'title', 'start',
               lo, hi, seq, id, occurred, NULL, NULL
        FROM e WHERE type = 'LeadershipChanged' AND data->>'incoming' IS NOT NULL
        UNION ALL
        SELECT 'leader', data->>'outgoing', data->>'org', data->>'title', 'end',
               lo, hi, seq, id, occurred, NULL, NULL
        FROM e WHERE type = 'LeadershipChanged' AND data->>'outgoing' IS NOT NULL
    )
    SELECT * FROM edges
    WHERE NOT only_affected OR (person, org) IN (SELECT (person, org) FROM _affected);

-- Stints: per (track, person, org, title), edges in occurred order (lo, hi, seq).
-- A start opens a stint (ignored while one is open); an end closes it; an end
-- with nothing open is a stint whose start is unknown: (-inf, end.hi].
CREATE OR REPLACE MACRO tl_stints(known_at, only_affected) AS TABLE
    -- A stint is a run of starts and the end after them, so the ends before an
    -- edge number its stint: one window (one sort) rather than lag + running sum.
    WITH numbered AS (
        SELECT *, coalesce(sum(CASE WHEN edge = 'end' THEN 1 ELSE 0 END) OVER (
                      PARTITION BY track, person, org, title ORDER BY lo, hi, seq
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + 1 AS stint_no
        FROM tl_edges(known_at, only_affected)
    ),
    grouped AS (
        SELECT track, person, org, title, stint_no,
               arg_min(occurred, (lo, hi, seq)) FILTER (edge = 'start') AS joined,
               min(lo) FILTER (edge = 'start') AS j_lo,
               arg_min(hi, (lo, hi, seq)) FILTER (edge = 'start') AS j_hi,
               arg_min(id, (lo, hi, seq)) FILTER (edge = 'start') AS join_id,
               arg_min(role, (lo, hi, seq)) FILTER (edge = 'start') AS role,
               any_value(occurred) FILTER (edge = 'end') AS "left",
               any_value(lo) FILTER (edge = 'end') AS e_lo,
               any_value(hi) FILTER (edge = 'end') AS e_hi,
               any_value(id) FILTER (edge = 'end') AS leave_id,
               any_value(tenure) FILTER (edge = 'end') AS tenure
        FROM numbered
        GROUP BY ALL
    )
    SELECT track, person, org, title, stint_no, joined, "left",
           coalesce(j_lo, '-infinity'::DATE) AS s_lo,
           coalesce(j_hi, e_hi) AS s_hi,
           coalesce(e_lo, 'infinity'::DATE) AS e_lo,
           coalesce(e_hi, 'infinity'::DATE) AS e_hi,
           join_id, leave_id, role, tenure
    FROM grouped;

