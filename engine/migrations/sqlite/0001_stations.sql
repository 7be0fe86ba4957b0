-- Stations Centrale has seen or an operator has registered.
-- Timestamps are UTC; SQLite keeps them as RFC 3339 text, PostgreSQL will use TIMESTAMPTZ.
CREATE TABLE stations (
    id            TEXT PRIMARY KEY NOT NULL,
    protocol      TEXT,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT
);
