-- Lenient mode: a station's known deviations from the specification are tolerated (strict is
-- the default), and each one is counted, so an operator sees what a charger does wrong.
ALTER TABLE stations ADD COLUMN lenient INTEGER NOT NULL DEFAULT 0;

CREATE TABLE station_deviations (
    station_id  TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    field       TEXT NOT NULL,
    count       INTEGER NOT NULL,
    last_at     TEXT NOT NULL,
    PRIMARY KEY (station_id, action, kind, field)
);
