-- Helpers of the set-based verify.  @NAME@ markers are filled in from the Python
-- definitions (timeline/_verify_rules.py) so each grammar has one source.

-- A string as Python's canonical JSON writes it, for text without control characters
-- (a line holding any other escape is not canonical and is checked in Python).
CREATE OR REPLACE TEMP MACRO v_enc(s) AS '"' || replace(replace(s, '\', '\\'), '"', '\"') || '"';
CREATE OR REPLACE TEMP MACRO v_encl(l) AS
    '[' || array_to_string(list_transform(l, lambda x: v_enc(x)), ',') || ']';
-- A list of strings from a line without a backslash, whose strings hold no quote either.
CREATE OR REPLACE TEMP MACRO v_plainl(l) AS
    CASE WHEN len(l) = 0 THEN '[]' ELSE '["' || array_to_string(l, '","') || '"]' END;
CREATE OR REPLACE TEMP MACRO v_slug(s) AS regexp_full_match(s, '@SLUG@') AND strlen(s) <= 200;
CREATE OR REPLACE TEMP MACRO v_text(s) AS
    NOT regexp_full_match(s, '@BLANK@') AND length(s) <= @MAX_TEXT@
    AND NOT regexp_matches(s, '@CONTROL@');
CREATE OR REPLACE TEMP MACRO v_slugs(l) AS
    coalesce(list_bool_and(list_transform(l, lambda x: v_slug(x))), true)
    AND len(list_distinct(l)) = len(l);
CREATE OR REPLACE TEMP MACRO v_texts(l) AS
    coalesce(list_bool_and(list_transform(l, lambda x: v_text(x))), true);
