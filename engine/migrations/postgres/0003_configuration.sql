-- What stations answered to the central system's calls.

-- The station's configuration as GetConfiguration returned it, updated by accepted
-- ChangeConfiguration calls.
CREATE TABLE station_configuration (
    station_id  TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT,
    readonly    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (station_id, key)
);

ALTER TABLE stations ADD COLUMN local_list_version BIGINT;
