-- Where the authors of a paper were on some day of as_of: per author (in author order) their org(s), status, role and since when.
-- params: paper, as_of, known_at?
--
-- One row per author and membership stint overlapping as_of (an author may be
-- in two orgs, or in none known: then org is empty).  status as in
-- `team_as_of`: 'definite' or 'possible'.  role is the latest role reported in
-- that stint by as_of; org_name is the org's name by as_of (after renames);
-- joined/left are the stint's dates as the sources gave them.
FROM whereabouts(
    (SELECT (data->'authors')::VARCHAR[] FROM visible_events(tl_known($known_at))
     WHERE type = 'PaperPublished' AND data->>'paper' = $paper),
    $as_of, $known_at)
