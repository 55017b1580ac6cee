-- What each line adds, as (n, kind, key), once every line's reading is final, and
-- the first line that adds each key.
CREATE OR REPLACE TEMP TABLE defs AS @DEFS@;
CREATE OR REPLACE TEMP TABLE firsts AS SELECT kind, key, min(n) AS first FROM defs GROUP BY ALL;
