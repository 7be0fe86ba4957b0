-- How each station must prove who it is (OCPP security profiles 1-3), and its Basic auth
-- password, hashed (argon2, PHC string). 0: unsecured.
ALTER TABLE stations ADD COLUMN security_profile BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stations ADD COLUMN password_hash TEXT;

-- Security events are reported by stations, or recorded by the central system itself
-- (refused credentials, a connection below the station's profile).
ALTER TABLE security_events ADD COLUMN source TEXT NOT NULL DEFAULT 'station';
CREATE INDEX security_events_station ON security_events (station_id, id);
