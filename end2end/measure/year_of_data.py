#!/usr/bin/env python3
"""Fills a Centrale SQLite database with a year of a fleet's history, to measure the overview.

    year_of_data.py DB [STATIONS=1000] [SESSIONS_PER_STATION_PER_DAY=4]

DB must exist with Centrale's schema (start `centrale --database sqlite://DB` once). Adds
STATIONS stations (a few faulted, some offline since days), a year of finished transactions
(start and stop times, meter start and stop, as Centrale keeps them) and the fleet's power a
minute for a year. Meter values are left out (the overview never reads them) except for the
first station, whose history page is measured: a reading a minute (energy register and power)
through each of its sessions, its status changes (four a session) and a connection a day.
Seeded: the same arguments, the same data.
"""

import datetime as dt
import random
import sqlite3
import sys

UTC = dt.timezone.utc


def stamp(t):
    """As sqlx writes an OffsetDateTime into SQLite (RFC 3339, UTC)."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    path = sys.argv[1]
    stations = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    per_day = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    rng = random.Random(1)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    year_ago = now - dt.timedelta(days=365)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    ids = [f"Y-{n:05}" for n in range(1, stations + 1)]
    db.executemany(
        "INSERT INTO stations (id, protocol, created_at, last_seen_at, registration, vendor, model) "
        "VALUES (?, 'ocpp1.6', ?, ?, 'Accepted', 'Acme', 'Wallbox')",
        [(i, stamp(year_ago), stamp(now - dt.timedelta(minutes=rng.randrange(1, 20_000)))) for i in ids],
    )
    db.executemany(
        "INSERT INTO connectors (station_id, connector_id, status, error_code, status_at, updated_at) "
        "VALUES (?, 1, ?, ?, ?, ?)",
        [
            (i, "Faulted", "GroundFailure", stamp(now), stamp(now - dt.timedelta(minutes=n)))
            if n % 97 == 0
            else (i, "Available", "NoError", stamp(now), stamp(now))
            for n, i in enumerate(ids)
        ],
    )
    history = History(ids[0])
    rows = []
    for n, station in enumerate(ids):
        meter = 0
        for day in range(365):
            midnight = (year_ago + dt.timedelta(days=day)).replace(hour=0, minute=0, second=0)
            for _ in range(per_day):
                start = midnight + dt.timedelta(seconds=rng.randrange(0, 86_400 - 7_200))
                minutes = rng.randrange(20, 120)
                stop = start + dt.timedelta(minutes=minutes)
                energy = minutes * 11_000 // 60
                rows.append((station, 1, f"TAG-{n}", "Accepted", meter, stamp(start),
                             meter + energy, stamp(stop), "EVDisconnected", stamp(start)))
                if n == 0:
                    history.add(start, stop, meter)
                meter += energy
        if len(rows) > 100_000:
            insert_transactions(db, rows)
            rows = []
    insert_transactions(db, rows)
    minute = year_ago.replace(second=0)
    power = []
    while minute < now:
        power.append((stamp(minute), rng.randrange(0, 4_000_000), rng.randrange(0, 400)))
        minute += dt.timedelta(minutes=1)
    db.executemany("INSERT INTO fleet_power (at, watts, connectors) VALUES (?, ?, ?)", power)
    history.write(db, year_ago, now)
    db.commit()
    count = db.execute("SELECT COUNT(*) FROM transactions").fetchone()[0]
    print(f"{stations} stations, {count} transactions, {len(power)} power samples over a year")


class History:
    """One station's own history: readings through its sessions, status changes, connections."""

    def __init__(self, station):
        self.station = station
        self.readings = []
        self.changes = []

    def add(self, start, stop, meter):
        at = start
        while at < stop:
            wh = meter + (at - start).total_seconds() * 11_000 / 3600
            samples = (f'[{{"value":"{wh:.0f}","measurand":"Energy.Active.Import.Register","unit":"Wh"}},'
                       '{"value":"11000","measurand":"Power.Active.Import","unit":"W"}]')
            self.readings.append((self.station, 1, stamp(at), 2, samples))
            at += dt.timedelta(minutes=1)
        for status, t in [("Preparing", start), ("Charging", start), ("Finishing", stop), ("Available", stop)]:
            self.changes.append((self.station, 1, status, "NoError", stamp(t), stamp(t)))

    def write(self, db, year_ago, now):
        db.executemany(
            "INSERT INTO meter_readings (station_id, connector_id, sampled_at, sample_count, samples) "
            "VALUES (?, ?, ?, ?, ?)", self.readings)
        db.executemany(
            "INSERT INTO status_changes (station_id, connector_id, status, error_code, status_at, at) "
            "VALUES (?, ?, ?, ?, ?, ?)", self.changes)
        # Online all day but a few minutes after midnight, every day.
        days = [(self.station, stamp(year_ago + dt.timedelta(days=d, minutes=5)),
                 stamp(year_ago + dt.timedelta(days=d + 1))) for d in range((now - year_ago).days)]
        db.executemany(
            "INSERT INTO station_connections (station_id, connected_at, disconnected_at) VALUES (?, ?, ?)",
            days)
        print(f"{self.station}: {len(self.readings)} readings, {len(self.changes)} status changes, "
              f"{len(days)} connections")


def insert_transactions(db, rows):
    db.executemany(
        "INSERT INTO transactions (station_id, connector_id, id_tag, start_status, meter_start, "
        "started_at, meter_stop, stopped_at, stop_reason, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


if __name__ == "__main__":
    main()
