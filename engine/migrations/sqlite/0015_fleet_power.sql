-- What the fleet drew (whole watts), once a minute: the overview's power chart reads hours of it without
-- touching a meter reading. Pruned with the meter values.
CREATE TABLE fleet_power (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    watts       INTEGER NOT NULL,
    -- Connectors whose power went into it.
    connectors  INTEGER NOT NULL
);
CREATE INDEX fleet_power_at ON fleet_power (at);

-- Energy and sessions per day are counted over a range of stop (and start) times.
CREATE INDEX transactions_stopped ON transactions (stopped_at);
CREATE INDEX transactions_started ON transactions (started_at);
