-- Stations Centrale has seen or an operator has registered.
-- The same tables and columns as migrations/sqlite (checked by a test); timestamps are
-- TIMESTAMPTZ here, integers BIGINT, flags BOOLEAN.
CREATE TABLE stations (
    id            TEXT PRIMARY KEY NOT NULL,
    protocol      TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ
);
