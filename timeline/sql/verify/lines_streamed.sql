-- Split a large log ($path) into numbered lines with DuckDB's CSV reader, which streams
-- where lines.sql holds the whole file as one value: one column, no quoting, no
-- escaping, and a delimiter no JSON line holds unescaped (one that did is a bad line:
-- the reader refuses it).  Run with insertion order preserved, so that the rowids of
-- `_raw` follow the file (an empty line comes back as NULL).  Scan._load_streamed checks
-- that the lines add up to the file's size, and otherwise lets lines.sql read it: the
-- reader drops carriage returns, for one.
CREATE OR REPLACE TEMP TABLE _raw AS
SELECT line FROM read_csv($path, columns = {'line': 'VARCHAR'}, header = false,
    delim = chr(1), quote = '', escape = '', auto_detect = false, new_line = '\n',
    strict_mode = true, max_line_size = 16777216);

CREATE OR REPLACE TEMP TABLE lines AS SELECT rowid + 1 AS n, coalesce(line, '') AS line FROM _raw;

DROP TABLE _raw;
