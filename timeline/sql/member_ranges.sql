-- The first root key of each range of keys holding about $rows rows of `members`, in
-- order, from a replay's `_member_base`: the replay writes `members` one range at a
-- time, each sorted by key.  One sort of every row spilled past the memory limit at
-- 10M events (members.sql; docs/benchmarks.md).  The rows are counted from
-- tl_member_rows itself, so the ranges follow its rule for which rows there are.
WITH per_root AS (
    SELECT root_key, count(*) AS n FROM tl_member_rows('_member_base', NULL, NULL)
    GROUP BY root_key
),
running AS (SELECT root_key, sum(n) OVER (ORDER BY root_key) AS upto FROM per_root)
SELECT min(root_key) AS lo FROM running GROUP BY (upto - 1) // $rows ORDER BY lo
