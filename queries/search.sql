-- Find people and orgs by name, alias (any script) or slug, ignoring case and accents.
-- params: text
--
-- Matches when the folded text is contained in a folded name, alias, former
-- org name or slug (spaces in the text also match the hyphens of a slug).
-- Folding: Unicode NFC and lower case; accents are stripped only from Latin,
-- Greek and Cyrillic text, so that 'roziere' finds 'Rozière' while the vowel
-- signs of other scripts (Telugu, Devanagari ...) still count.  One row per
-- person or org, best match first: exact, then prefix, then substring; name
-- before alias before slug.
WITH q AS (
    SELECT CASE WHEN regexp_matches(nfc_normalize($text), '[^\x{0}-\x{52F}\x{1E00}-\x{1EFF}]')
                THEN lower(nfc_normalize($text))
                ELSE lower(strip_accents(nfc_normalize($text)))
           END AS folded
),
cand AS (
    SELECT 'person' AS kind, person AS slug, name, name AS matched, 1 AS via FROM people
    UNION ALL
    SELECT 'person', person, name, unnest(aliases), 2 FROM people
    UNION ALL
    SELECT 'person', person, name, person, 3 FROM people
    UNION ALL
    SELECT 'org', o.org, o.name, n.name, CASE WHEN n.name = o.name THEN 1 ELSE 2 END
    FROM orgs o JOIN org_names n USING (org)
    UNION ALL
    SELECT 'org', org, name, org, 3 FROM orgs
),
f AS (
    SELECT *,
           CASE WHEN regexp_matches(nfc_normalize(matched), '[^\x{0}-\x{52F}\x{1E00}-\x{1EFF}]')
                THEN lower(nfc_normalize(matched))
                ELSE lower(strip_accents(nfc_normalize(matched)))
           END AS folded
    FROM cand
),
hits AS (
    SELECT f.kind, f.slug, f.name, f.matched, f.via,
           CASE WHEN f.folded = q.folded THEN 1
                WHEN starts_with(f.folded, q.folded) THEN 2
                ELSE 3 END AS closeness
    FROM f, q
    WHERE q.folded <> ''
      AND (contains(f.folded, q.folded)
           OR (f.via = 3 AND contains(f.folded, replace(trim(q.folded), ' ', '-'))))
    QUALIFY row_number() OVER (PARTITION BY f.kind, f.slug ORDER BY closeness, f.via, f.matched) = 1
)
SELECT kind, slug, name, matched
FROM hits
ORDER BY closeness, via, kind, slug
