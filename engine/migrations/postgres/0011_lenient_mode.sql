-- Lenient mode: a station's known deviations from the specification are tolerated (strict is
-- the default), and each one is counted, so an operator sees what a charger does wrong.
ALTER TABLE stations ADD COLUMN lenient BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE station_deviations (
    station_id  TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    field       TEXT NOT NULL,
    count       BIGINT NOT NULL,
    last_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (station_id, action, kind, field)
);
