-- A station asked to move to a higher security profile (1.6 ChangeConfiguration of
-- SecurityProfile, 2.0.1 SetNetworkProfile and NetworkConfigurationPriority) and that accepted:
-- the profile it will come back with. Its first connection at that profile makes it the
-- station's profile, so it cannot come back below it.
ALTER TABLE stations ADD COLUMN pending_security_profile BIGINT;

-- The security profile of each network connection profile a 2.0.1 station accepted, by slot.
CREATE TABLE station_network_profiles (
    station_id        TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    slot              BIGINT NOT NULL,
    security_profile  BIGINT NOT NULL,
    PRIMARY KEY (station_id, slot)
);
