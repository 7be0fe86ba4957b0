-- The state of a central system: registration and identity of stations, connectors,
-- id tags, transactions and their meter values, and what stations report.

ALTER TABLE stations ADD COLUMN registration TEXT NOT NULL DEFAULT 'Pending';
ALTER TABLE stations ADD COLUMN vendor TEXT;
ALTER TABLE stations ADD COLUMN model TEXT;
ALTER TABLE stations ADD COLUMN serial_number TEXT;
ALTER TABLE stations ADD COLUMN charge_box_serial_number TEXT;
ALTER TABLE stations ADD COLUMN firmware_version TEXT;
ALTER TABLE stations ADD COLUMN iccid TEXT;
ALTER TABLE stations ADD COLUMN imsi TEXT;
ALTER TABLE stations ADD COLUMN meter_type TEXT;
ALTER TABLE stations ADD COLUMN meter_serial_number TEXT;
ALTER TABLE stations ADD COLUMN booted_at TEXT;
ALTER TABLE stations ADD COLUMN firmware_status TEXT;
ALTER TABLE stations ADD COLUMN firmware_status_at TEXT;
ALTER TABLE stations ADD COLUMN diagnostics_status TEXT;
ALTER TABLE stations ADD COLUMN diagnostics_status_at TEXT;
ALTER TABLE stations ADD COLUMN log_status TEXT;
ALTER TABLE stations ADD COLUMN log_status_at TEXT;

-- Connector 0 is the station as a whole.
CREATE TABLE connectors (
    station_id         TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    connector_id       INTEGER NOT NULL,
    status             TEXT NOT NULL,
    error_code         TEXT NOT NULL,
    info               TEXT,
    vendor_id          TEXT,
    vendor_error_code  TEXT,
    status_at          TEXT,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (station_id, connector_id)
);

CREATE TABLE id_tags (
    id_tag         TEXT PRIMARY KEY NOT NULL,
    status         TEXT NOT NULL,
    expiry_date    TEXT,
    parent_id_tag  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id      TEXT NOT NULL,
    connector_id    INTEGER NOT NULL,
    id_tag          TEXT NOT NULL,
    start_status    TEXT NOT NULL,
    meter_start     INTEGER NOT NULL,
    started_at      TEXT NOT NULL,
    reservation_id  INTEGER,
    meter_stop      INTEGER,
    stopped_at      TEXT,
    stop_reason     TEXT,
    stop_id_tag     TEXT,
    stop_received   INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    -- A retransmitted StartTransaction is the same transaction.
    UNIQUE (station_id, connector_id, id_tag, meter_start, started_at)
);
CREATE INDEX transactions_active ON transactions (station_id, stopped_at);
CREATE INDEX transactions_id_tag ON transactions (id_tag, stopped_at);

-- StopTransactions for a transaction the central system never saw: kept, never refused.
CREATE TABLE unmatched_stops (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id      TEXT NOT NULL,
    transaction_id  INTEGER NOT NULL,
    id_tag          TEXT,
    meter_stop      INTEGER NOT NULL,
    stopped_at      TEXT NOT NULL,
    stop_reason     TEXT,
    received_at     TEXT NOT NULL
);

CREATE TABLE meter_values (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id      TEXT NOT NULL,
    connector_id    INTEGER NOT NULL,
    transaction_id  INTEGER,
    sampled_at      TEXT NOT NULL,
    value           TEXT NOT NULL,
    measurand       TEXT NOT NULL,
    unit            TEXT,
    phase           TEXT,
    context         TEXT,
    location        TEXT,
    format          TEXT
);
CREATE INDEX meter_values_transaction ON meter_values (transaction_id, sampled_at);
CREATE INDEX meter_values_station ON meter_values (station_id, connector_id, sampled_at);

CREATE TABLE security_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id   TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    tech_info    TEXT,
    occurred_at  TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
