-- Append the events of one JSONL file ($path) to `events`: DuckDB parses, SQL derives.
-- `prev` and `hash` are not read: nothing in the projection needs them (see schema.sql).
INSERT INTO events
SELECT seq, id, type, occurred, tl_lo(occurred), tl_hi(occurred),
       recorded, source, data, NULL
FROM read_json($path, format = 'newline_delimited', maximum_object_size = 16777216,
    columns = {seq: 'BIGINT', id: 'VARCHAR', type: 'VARCHAR', occurred: 'VARCHAR',
               recorded: 'TIMESTAMP', source: 'VARCHAR', data: 'JSON'});
