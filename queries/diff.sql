-- Who joined and who left an org (or its units) between two dates: team as of `from` against team as of `to`.
-- params: org, from, to, known_at?
--
-- Compares `team_as_of(org, from)` with `team_as_of(org, to)`.  change is
-- 'joined' / 'left' when membership certainly changed, 'maybe joined' /
-- 'maybe left' when one side is only possible (or absent against a possible
-- member), and 'moved' when a definite member is in another unit of the org.
-- People who left and came back in between do not show: this is a snapshot diff.
WITH a AS (FROM team_as_of($org, $from, known_at := $known_at)),
b AS (FROM team_as_of($org, $to, known_at := $known_at)),
j AS (
    SELECT coalesce(a.person, b.person) AS person, coalesce(b.name, a.name) AS name,
           a.org AS org_from, b.org AS org_to, a.status AS status_from, b.status AS status_to,
           b.joined, a."left",
           CASE
               WHEN a.person IS NULL AND b.status = 'definite' THEN 'joined'
               WHEN a.person IS NULL THEN 'maybe joined'
               WHEN b.person IS NULL AND a.status = 'definite' THEN 'left'
               WHEN b.person IS NULL THEN 'maybe left'
               WHEN a.status = 'definite' AND b.status = 'possible' THEN 'maybe left'
               WHEN a.status = 'possible' AND b.status = 'definite' THEN 'maybe joined'
               WHEN a.org <> b.org THEN 'moved'
           END AS change
    FROM a FULL OUTER JOIN b ON a.person = b.person
)
SELECT person, name, change, org_from, status_from, org_to, status_to,
       CASE WHEN change IN ('joined', 'maybe joined') THEN joined END AS joined,
       CASE WHEN change IN ('left', 'maybe left') THEN "left" END AS "left"
FROM j
WHERE change IS NOT NULL
ORDER BY change, person
