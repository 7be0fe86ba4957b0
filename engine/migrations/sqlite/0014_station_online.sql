-- Which connection holds a station now (the connection's uuid), NULL while it is offline: the
-- stations list filters, sorts and counts by it in SQL. Set when a station connects, cleared
-- when that same connection ends (a newer connection's is kept); cleared for every station when
-- a server starts, since no connection survives a restart.
ALTER TABLE stations ADD COLUMN online_session TEXT;
