-- Where a list of people were on some day of as_of: per person (in the order given) their org(s), status, role and since when.
-- params: people, as_of, known_at?
--
-- people is a comma-separated list of person slugs ("ana,tom,lea"; spaces
-- around commas are ignored).  The rows are those of `paper_whereabouts`:
-- one per person and membership stint overlapping as_of, org empty when none
-- is known, org_name the org's name by as_of (after renames).
FROM whereabouts(string_split($people, ','), $as_of, $known_at)
