-- The first root of each range of roots holding about $rows rows of `members`, in
-- order, from a replay's `_member_base`: the replay writes `members` one range at a
-- time, each sorted by root.  One sort of every row spilled past the memory limit at
-- 10M events (members.sql; docs/benchmarks.md).  The rows are counted from
-- tl_member_rows itself, so the ranges follow its rule for which rows there are.
WITH per_root AS (
    SELECT root, count(*) AS n FROM tl_member_rows('_member_base', NULL, NULL) GROUP BY root
),
running AS (SELECT root, sum(n) OVER (ORDER BY root) AS upto FROM per_root)
SELECT min(root) AS lo FROM running GROUP BY (upto - 1) // $rows ORDER BY lo
