-- Who was in an org as known now: team_now's rows before its one-per-person pick, for
-- Timeline.team, which keeps each person's first row.  Params: org, lo, hi (the
-- window's first and last day: 'YYYY-MM-DD', '-infinity' or 'infinity').
--
-- Ordered by status, person and then team_now's pick key, so a person's first row is
-- their definite row if they have one and otherwise what the pick prefers; the rows
-- kept are then in team_now's order.  Plain SQL rather than the macro, and the pick
-- in Python rather than an ordered first(): DuckDB plans this in about half the time
-- (each macro and the aggregate cost binding and optimizing on every call), and a
-- fresh connection's first call takes 18 ms instead of 27 at 1M events.
-- tests/test_team_now.py holds Timeline.team to team_now and team_as_of.
-- `person` comes first: the pick (timeline/_team.py) reads it by position.
SELECT person, name, org,
       CASE WHEN cs_hi <= $hi::DATE AND ce_lo >= $lo::DATE THEN 'definite' ELSE 'possible' END
           AS status,
       joined, "left",
       joined IS NOT NULL AND s_lo <= $hi::DATE AND s_hi >= $lo::DATE AS joined_in_window,
       "left" IS NOT NULL AND e_lo <= $hi::DATE AND e_hi >= $lo::DATE AS left_in_window,
       coalesce(list_filter(roles, lambda r: r.lo <= $hi::DATE)[-1].role, members.role)
           AS role,
       coalesce(list_filter(names, lambda n: n.lo <= $hi::DATE)[-1].name, org) AS org_name
FROM members
WHERE root = $org AND cs_lo <= $hi::DATE AND e_hi >= $lo::DATE
ORDER BY status, person, s_hi DESC, org, s_lo DESC, e_hi DESC, e_lo DESC, joined, "left",
         members.role
