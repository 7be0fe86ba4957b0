-- OCPP 2.0.1 beside 1.6: why a station booted, the connectors of each EVSE, transactions
-- reported as events, the device model, the events stations notify, and what else they report.

ALTER TABLE stations ADD COLUMN boot_reason TEXT;

-- A 2.0.1 EVSE's connectors. In the version-neutral `connectors` table an EVSE is one row
-- (connector_id = the EVSE id: the unit that has a status and runs one transaction, as a 1.6
-- connector does); its physical connectors and their own statuses are here.
CREATE TABLE evse_connectors (
    station_id    TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id       INTEGER NOT NULL,
    connector_id  INTEGER NOT NULL,
    status        TEXT NOT NULL,
    status_at     TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (station_id, evse_id, connector_id)
);

-- A 2.0.1 transaction is the station's: its own id (a string), the connector in the EVSE, the
-- charging state its events report, the remoteStartId that asked for it. Its meter start is
-- the first energy register value seen; until one is, meter_start is 0 and pending.
ALTER TABLE transactions ADD COLUMN station_transaction_id TEXT;
ALTER TABLE transactions ADD COLUMN evse_connector_id INTEGER;
ALTER TABLE transactions ADD COLUMN charging_state TEXT;
ALTER TABLE transactions ADD COLUMN remote_start_id INTEGER;
ALTER TABLE transactions ADD COLUMN meter_start_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transactions ADD COLUMN last_seq_no INTEGER;
CREATE UNIQUE INDEX transactions_station_transaction
    ON transactions (station_id, station_transaction_id);

-- RequestStartTransaction names a remoteStartId; the transaction reports it back.
ALTER TABLE remote_starts ADD COLUMN remote_start_id INTEGER;

-- Every TransactionEvent of a transaction, once: a retransmission (same seqNo) is not applied
-- twice. Offline events arrive late and out of order; seq_no orders them.
CREATE TABLE transaction_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id  INTEGER NOT NULL,
    seq_no          INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    trigger_reason  TEXT NOT NULL,
    charging_state  TEXT,
    stopped_reason  TEXT,
    id_token        TEXT,
    offline         INTEGER NOT NULL DEFAULT 0,
    occurred_at     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    UNIQUE (transaction_id, seq_no)
);

-- The device model of each 2.0.1 station, from NotifyReport and Get/SetVariables: one row per
-- component, variable and attribute type. Absent EVSE and connector ids are 0 (real ones are
-- > 0), absent instances ''.
CREATE TABLE device_variables (
    station_id           TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    component            TEXT NOT NULL,
    component_instance   TEXT NOT NULL DEFAULT '',
    evse_id              INTEGER NOT NULL DEFAULT 0,
    connector_id         INTEGER NOT NULL DEFAULT 0,
    variable             TEXT NOT NULL,
    variable_instance    TEXT NOT NULL DEFAULT '',
    attribute_type       TEXT NOT NULL DEFAULT 'Actual',
    value                TEXT,
    mutability           TEXT,
    persistent           INTEGER,
    constant             INTEGER,
    data_type            TEXT,
    unit                 TEXT,
    min_limit            TEXT,
    max_limit            TEXT,
    values_list          TEXT,
    supports_monitoring  INTEGER,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (station_id, component, component_instance, evse_id, connector_id, variable,
                 variable_instance, attribute_type)
);

-- NotifyEvent: what a 2.0.1 station's monitors saw.
CREATE TABLE station_events (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id              TEXT NOT NULL,
    event_id                INTEGER NOT NULL,
    event_trigger           TEXT NOT NULL,
    cause                   INTEGER,
    actual_value            TEXT NOT NULL,
    tech_code               TEXT,
    tech_info               TEXT,
    cleared                 INTEGER,
    transaction_id          TEXT,
    variable_monitoring_id  INTEGER,
    notification_type       TEXT NOT NULL,
    component               TEXT NOT NULL,
    evse_id                 INTEGER,
    variable                TEXT NOT NULL,
    occurred_at             TEXT NOT NULL,
    received_at             TEXT NOT NULL
);
CREATE INDEX station_events_station ON station_events (station_id, id);

-- What else a 2.0.1 station reports (monitoring reports, charging limits and profiles, EV
-- charging needs and schedules, display messages, customer information, firmware publishing),
-- kept as it was sent.
CREATE TABLE station_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id   TEXT NOT NULL,
    action       TEXT NOT NULL,
    request_id   INTEGER,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX station_reports_station ON station_reports (station_id, action, id);
