-- Webhooks: endpoints an admin registered, and the outbox of what is to be delivered to them.
--
-- The secret signs each delivery (HMAC-SHA256), so it is kept as given: the one secret Centrale
-- stores readable. `kinds` lists the event kinds an endpoint wants as ",kind,kind," ("*": all).
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

-- One row per event and endpoint, written in the same database transaction as the change the
-- event reports (so nothing acknowledged goes unreported); its id is the event id the receiver
-- gets. Delivered in id order per endpoint and station: a row waits while an older one of the
-- same endpoint and station is undelivered. `next_attempt_at` is shown; the queue's decides.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    station_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    -- The event as JSON (the live feed's form).
    data             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    delivered_at     TEXT,
    -- Given up after retrying for the endpoint's whole retry period; replayable.
    failed_at        TEXT,
    last_status      INTEGER,
    last_error       TEXT
);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (webhook_id, station_id, id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (webhook_id, id);
-- The deliveries given up, counted on the Admin page.
CREATE INDEX webhook_deliveries_given_up ON webhook_deliveries (webhook_id)
    WHERE failed_at IS NOT NULL;

-- One queue per endpoint and station: how many of its deliveries wait, and when the oldest is
-- due. Written with the deliveries (in the same transactions), so the sender finds what is due
-- by this small table's index, however long a backlog a dead receiver left.
CREATE TABLE webhook_queues (
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    station_id       TEXT NOT NULL,
    waiting          INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    PRIMARY KEY (webhook_id, station_id)
);
CREATE INDEX webhook_queues_due ON webhook_queues (next_attempt_at) WHERE waiting > 0;
