-- Reservations, charging profiles and remote starts, as stations accepted them.

CREATE TABLE reservations (
    station_id      TEXT NOT NULL,
    reservation_id  INTEGER NOT NULL,
    connector_id    INTEGER NOT NULL,
    id_tag          TEXT NOT NULL,
    parent_id_tag   TEXT,
    expires_at      TEXT NOT NULL,
    -- Active, Cancelled or Used; Expired is Active past expires_at.
    status          TEXT NOT NULL,
    transaction_id  INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (station_id, reservation_id)
);

CREATE TABLE charging_profiles (
    station_id      TEXT NOT NULL,
    profile_id      INTEGER NOT NULL,
    connector_id    INTEGER NOT NULL,
    stack_level     INTEGER NOT NULL,
    purpose         TEXT NOT NULL,
    transaction_id  INTEGER,
    -- The csChargingProfiles object as sent.
    profile         TEXT NOT NULL,
    set_at          TEXT NOT NULL,
    PRIMARY KEY (station_id, profile_id)
);

-- RemoteStartTransaction requests a station accepted, until a transaction answers them.
CREATE TABLE remote_starts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id      TEXT NOT NULL,
    connector_id    INTEGER,
    id_tag          TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    transaction_id  INTEGER
);

ALTER TABLE transactions ADD COLUMN remote_start_requested_at TEXT;
ALTER TABLE transactions ADD COLUMN remote_stop_requested_at TEXT;
