-- Parse every line once and keep what the chain and the rules need.  A line is
-- `regular` when it is exactly the canonical form of what it parses to: then
-- DuckDB's reading of it is the only one, and the codec is checked here (its
-- hash is checked on its bytes, in Python, beside this).  Any other line is
-- left for the Python codec (timeline/_verify_sql.py, Scan._fix).
CREATE OR REPLACE TEMP TABLE ev AS
WITH p AS (
    SELECT n, line, @TRY@(json_transform(line, '@STRUCT@')) AS j FROM lines
), c AS (
    SELECT n, j, j IS NOT NULL AND @PRESENT@ AND line = CASE
        WHEN contains(line, '\') THEN @REBUILD_ESCAPED@
        ELSE @REBUILD_PLAIN@ END AS regular
    FROM p
)
SELECT n, regular, CASE WHEN regular THEN @CODEC@ END AS codec_ok,
    j.seq AS seq, j.id AS id, j.type AS type, j.recorded AS recorded, j.prev AS prev,
    j.hash AS hash, coalesce(j.commit, false) AS commit_true, false AS commit_bad,
    j.occurred AS occurred, j.source AS source, @DATA_COLUMNS@
FROM c;
