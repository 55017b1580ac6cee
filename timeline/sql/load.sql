-- Append the events of one JSONL file ($path) to `events`: DuckDB parses, SQL derives.
INSERT INTO events
SELECT seq, id, type, occurred, tl_lo(occurred), tl_hi(occurred),
       recorded::TIMESTAMP, source, data, prev, hash, NULL
FROM read_json($path, format = 'newline_delimited', maximum_object_size = 16777216,
    columns = {seq: 'BIGINT', id: 'VARCHAR', type: 'VARCHAR', occurred: 'VARCHAR',
               recorded: 'VARCHAR', source: 'VARCHAR', data: 'JSON', prev: 'VARCHAR',
               hash: 'VARCHAR', commit: 'BOOLEAN'});
