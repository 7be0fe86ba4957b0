-- Meter values are kept as one row per reading (what a connector sampled at one time), its
-- sampled values packed as a JSON array in the order sent: a MeterValue of ten values costs one
-- row and its index entries, not ten. `sample_count` says how many values a row holds.
CREATE TABLE meter_readings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id      TEXT NOT NULL,
    connector_id    INTEGER NOT NULL,
    transaction_id  INTEGER,
    sampled_at      TEXT NOT NULL,
    sample_count    INTEGER NOT NULL,
    samples         TEXT NOT NULL
);

-- The values kept so far, packed the same way (null members left out), in arrival order.
INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, sample_count,
                            samples)
SELECT station_id, connector_id, transaction_id, sampled_at, count(*),
       json_group_array(json(json_patch('{}', json_object(
           'value', value, 'measurand', measurand, 'unit', unit, 'phase', phase,
           'context', context, 'location', location, 'format', format))) ORDER BY id)
FROM meter_values
GROUP BY station_id, connector_id, transaction_id, sampled_at
ORDER BY min(id);

DROP TABLE meter_values;

CREATE INDEX meter_readings_transaction ON meter_readings (transaction_id, sampled_at);
CREATE INDEX meter_readings_station ON meter_readings (station_id, connector_id, sampled_at);
