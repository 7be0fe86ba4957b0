-- People who use the dashboard and the REST API, their sessions and API tokens, and what they
-- sent to stations. Secrets are stored hashed: passwords with argon2id, session and API tokens
-- (random, 192 bits) with BLAKE2b.
CREATE TABLE users (
    username       TEXT PRIMARY KEY NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE login_sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    username      TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at    TEXT NOT NULL
);

-- Every call sent to a station: who sent it, what, and how it ended (NULL while waiting, or if
-- the process stopped first).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    outcome     TEXT
);
