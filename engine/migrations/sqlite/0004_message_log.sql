-- Every OCPP frame in and out, for the trace viewer. Bounded: the oldest rows are pruned.
CREATE TABLE message_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id    TEXT NOT NULL,
    direction     TEXT NOT NULL,
    message_type  INTEGER,
    message_id    TEXT,
    action        TEXT,
    frame         TEXT NOT NULL,
    logged_at     TEXT NOT NULL
);
CREATE INDEX message_log_station ON message_log (station_id, id);
