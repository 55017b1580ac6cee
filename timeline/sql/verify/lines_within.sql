-- Keep the lines that lie wholly within the first $size bytes of the log, after
-- lines_streamed.sql read a log that grew meanwhile: each line ends at the sum of the
-- lengths (newlines included) of the lines up to it.
CREATE OR REPLACE TEMP TABLE lines AS
SELECT n, line FROM (
    SELECT n, line, sum(strlen(line) + 1) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS ends_at
    FROM lines
)
WHERE ends_at <= $size;
