-- Tables of the projection.  `events` mirrors the log (without each line's `prev` and
-- `hash`: the chain is the log's business, `timeline verify` checks it, and the
-- checkpoint keeps the last hash); the rest derive from it.
-- Unique strings (ids) are stored uncompressed: compressing them (DICT_FSST) cost a
-- replay about 0.7 s of CPU at 1M events, for about 25 MB of file.
CREATE TABLE events (
    seq BIGINT NOT NULL,
    id VARCHAR NOT NULL USING COMPRESSION uncompressed,
    type VARCHAR NOT NULL,
    occurred VARCHAR,
    lo DATE,
    hi DATE,
    recorded TIMESTAMP NOT NULL,
    source VARCHAR,
    data JSON NOT NULL,
    retracted_at TIMESTAMP
);
-- Every membership and leadership edge, typed from its event once (edges.sql), with
-- the event's visibility columns: the stints as known now or at any known_at are
-- windows over these rows, and a catch-up finds a pair's events through them.  A
-- retraction updates retracted_at here as in `events`.
CREATE TABLE edges (
    track VARCHAR,
    person VARCHAR,
    org VARCHAR,
    title VARCHAR,
    edge VARCHAR,
    lo DATE,
    hi DATE,
    seq BIGINT,
    id VARCHAR USING COMPRESSION uncompressed,
    occurred VARCHAR,
    role VARCHAR,
    tenure VARCHAR,
    source VARCHAR,
    recorded TIMESTAMP,
    retracted_at TIMESTAMP
);
-- Leadership stints as known now (tl_stints, track 'leader'); a replay writes them
-- ordered by org, so the zone maps let a question on one org skip most row groups.
-- Member stints live in `members` (members.sql); the `stints` view shows both.
CREATE TABLE leader_stints (
    track VARCHAR,
    person VARCHAR,
    org VARCHAR,
    title VARCHAR,
    stint_no HUGEINT,
    joined VARCHAR,
    "left" VARCHAR,
    s_lo DATE,
    s_hi DATE,
    e_lo DATE,
    e_hi DATE,
    join_id VARCHAR USING COMPRESSION uncompressed,
    leave_id VARCHAR USING COMPRESSION uncompressed,
    role VARCHAR,
    tenure VARCHAR
);
CREATE TABLE _checkpoint (
    schema_version INTEGER NOT NULL,
    log_size BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash VARCHAR NOT NULL
);
