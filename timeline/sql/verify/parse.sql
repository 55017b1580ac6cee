-- Parse every line once and keep what the chain and the rules need.  A line is
-- `regular` when it is exactly the canonical form of what it parses to: then
-- DuckDB's reading of it is the only one, the codec is checked here, and so is its
-- hash, on its bytes: the line without its hash member is what was hashed (see
-- timeline/_hashing.py).  In a regular line `,"hash":"` occurs once, as that member
-- (every other quote is a key's, or escaped).  Any other line is left for the
-- Python codec (timeline/_verify_sql.py, Scan._fix), which sets its hash_ok.
-- `mask` has a bit for each data field the line holds, for the codec's per-type rules;
-- single slugs are checked per distinct value later (checks.sql), not here.
-- DuckDB's sha256 costs about 1.7 s of CPU per million lines here against 3 s for
-- Python's hashlib driven line by line, and needs no thread holding the GIL.
CREATE OR REPLACE TEMP TABLE ev AS
WITH p AS (
    SELECT n, line, @TRY@(json_transform(line, '@STRUCT@')) AS j FROM lines
), c AS (
    SELECT n, j, line, @MASK@ AS mask, j IS NOT NULL AND @PRESENT@ AND line = CASE
        WHEN contains(line, '\') THEN @REBUILD_ESCAPED@
        ELSE @REBUILD_PLAIN@ END AS regular
    FROM p
)
SELECT n, regular, CASE WHEN regular THEN @CODEC@ END AS codec_ok,
    CASE WHEN regular AND n >= $from
        THEN sha256(replace(line, concat(',"hash":"', j.hash, '"'), '')) = j.hash END AS hash_ok,
    j.seq AS seq, j.id AS id, j.type AS type, j.recorded AS recorded, j.prev AS prev,
    j.hash AS hash, coalesce(j.commit, false) AS commit_true, false AS commit_bad,
    j.occurred AS occurred, j.source AS source, @DATA_COLUMNS@
FROM c;
