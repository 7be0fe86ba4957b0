-- A station's history: when it was online, and how its connectors' statuses changed.
--
-- Since when the connection that holds the station (online_session) has held it; a newer
-- connection that replaces an older one keeps the time, so uptime has no hole at a takeover.
ALTER TABLE stations ADD COLUMN online_since TEXT;

-- Each time a station was online, written when the connection ends (from online_since). A
-- server that stopped without saying (killed) leaves its stations online; the next start
-- closes those at the last moment it knows the server was alive, marked estimated.
CREATE TABLE station_connections (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id       TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    connected_at     TEXT NOT NULL,
    disconnected_at  TEXT NOT NULL,
    estimated        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX station_connections_station ON station_connections (station_id, disconnected_at);

-- A connector's status each time it changed (status or error code), not each notification:
-- a station repeating itself writes nothing here.
CREATE TABLE status_changes (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id         TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    connector_id       INTEGER NOT NULL,
    status             TEXT NOT NULL,
    error_code         TEXT NOT NULL,
    info               TEXT,
    vendor_error_code  TEXT,
    -- The station's own time, when it gave one.
    status_at          TEXT,
    -- When Centrale heard it.
    at                 TEXT NOT NULL
);
CREATE INDEX status_changes_station ON status_changes (station_id, id);
