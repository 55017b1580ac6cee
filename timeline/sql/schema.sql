-- Tables of the projection.  `events` mirrors the log; the rest derive from it.
CREATE TABLE events (
    seq BIGINT NOT NULL,
    id VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    occurred VARCHAR,
    lo DATE,
    hi DATE,
    recorded TIMESTAMP NOT NULL,
    source VARCHAR,
    data JSON NOT NULL,
    prev VARCHAR NOT NULL,
    hash VARCHAR NOT NULL,
    retracted_at TIMESTAMP
);
-- (person, org) pairs whose stints a catch-up recomputes.
CREATE TABLE _affected (person VARCHAR, org VARCHAR);
-- Which events are edges of which (person, org); filled by edge_index.sql.
CREATE TABLE edge_index (person VARCHAR, org VARCHAR, seq BIGINT);
CREATE TABLE _checkpoint (
    schema_version INTEGER NOT NULL,
    log_size BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash VARCHAR NOT NULL
);
