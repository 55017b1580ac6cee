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
-- `person` comes first and `lists` last: the pick (timeline/_team.py) reads them by
-- position.
-- The role and the org's name as of the window's last day are the last role change and
-- the last name from no later than that day, as in team_now, read from the first two of
-- each, which members.sql keeps as plain columns: scanning whole lists took a fifth to a
-- third of the question.  A row with more than two says so in `lists`, and
-- Timeline.team then asks team_now instead.
-- The org is found by its key, which members is sorted by: tl_root_key (members.sql),
-- spelled out, because expanding the macro cost 0.1 ms of planning a question.
-- $lo and $hi are compared with DATE columns only, so DuckDB binds them as dates and
-- casts the text given; a ::DATE on each of their seven uses cost 0.3 ms of planning.
SELECT person, name, org,
       CASE WHEN cs_hi <= $hi AND ce_lo >= $lo THEN 'definite' ELSE 'possible' END
           AS status,
       joined, "left",
       joined IS NOT NULL AND s_lo <= $hi AND s_hi >= $lo AS joined_in_window,
       "left" IS NOT NULL AND e_lo <= $hi AND e_hi >= $lo AS left_in_window,
       coalesce(CASE WHEN role2_lo <= $hi THEN role2
                     WHEN role1_lo <= $hi THEN role1 END, members.role) AS role,
       coalesce(CASE WHEN name2_lo <= $hi THEN name2
                     WHEN name1_lo <= $hi THEN name1 END, org) AS org_name,
       lists
FROM members
WHERE root_key = md5_number_upper($org) AND root = $org AND cs_lo <= $hi AND e_hi >= $lo
ORDER BY status, person, s_hi DESC, org, s_lo DESC, e_hi DESC, e_lo DESC, joined, "left",
         members.role
