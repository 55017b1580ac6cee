-- Split the log ($path) into numbered lines, exactly at each newline byte: the line
-- numbers verify reports come from here, never from a line's own seq.
CREATE OR REPLACE TEMP TABLE lines AS
SELECT unnest(generate_series(1, len(parts))) AS n, unnest(parts) AS line
FROM (SELECT string_split(decode(content), chr(10)) AS parts FROM read_blob($path));
