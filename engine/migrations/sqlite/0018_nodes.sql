-- Several Centrale nodes on one PostgreSQL: which nodes are alive, and which holds each station.
--
-- A node writes its row when it starts and its `last_seen_at` every second; it deletes the row
-- when it stops. A row not written for a few seconds is a dead node's: the first node to see
-- it deletes it and, in the same transaction, marks that node's stations offline (their
-- connections ended when it was last seen). `incarnation` tells a restarted node (same name)
-- from the one it replaces. SQLite serves one node: it has the table and never writes it.
CREATE TABLE nodes (
    name          TEXT PRIMARY KEY,
    incarnation   TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);

-- The node whose connection (online_session) holds the station; NULL while it is offline.
ALTER TABLE stations ADD COLUMN online_node TEXT;
CREATE INDEX stations_online_node ON stations (online_node) WHERE online_node IS NOT NULL;

-- What nodes tell each other travels by NOTIFY; a message too long for a notification (8000
-- bytes) is kept here and its id notified. Pruned after a minute.
CREATE TABLE node_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Stations a server of an older version left online: held by a node nobody knows, so the next
-- node to start marks them offline.
UPDATE stations SET online_node = '(before nodes)' WHERE online_session IS NOT NULL;
