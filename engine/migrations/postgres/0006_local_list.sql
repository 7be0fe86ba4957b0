-- The local authorization list each station holds, as the central system last sent it.
CREATE TABLE local_auth_list (
    station_id     TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    id_tag         TEXT NOT NULL,
    status         TEXT NOT NULL,
    expiry_date    TIMESTAMPTZ,
    parent_id_tag  TEXT,
    PRIMARY KEY (station_id, id_tag)
);
