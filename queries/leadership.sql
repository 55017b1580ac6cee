-- Who held each title at an org on some day of as_of (leaders, definite or possible).
-- params: org, as_of, known_at?
--
-- The `leaders_as_of` macro as a named query: org, title, person, name,
-- status, since and until of each leadership stint that overlaps as_of.
FROM leaders_as_of($org, $as_of, known_at := $known_at)
