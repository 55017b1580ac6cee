-- The first root of each range of roots holding about $rows rows of `members`, in
-- order, from a replay's `_member_base`: the replay writes `members` one range at a
-- time, each sorted by root.  One sort of every row spilled past the memory limit at
-- 10M events (members.sql; docs/benchmarks.md).
WITH counts AS (
    SELECT org AS root, count(*) AS n FROM _member_base GROUP BY org
    UNION ALL
    SELECT c.root, count(*) FROM _member_base m JOIN org_closure c USING (org)
    WHERE m.e_hi >= c.since_lo GROUP BY c.root
),
per_root AS (SELECT root, sum(n) AS n FROM counts GROUP BY root),
running AS (SELECT root, sum(n) OVER (ORDER BY root) AS upto FROM per_root)
SELECT min(root) AS lo FROM running GROUP BY (upto - 1) // $rows ORDER BY lo
