//! What the fleet draws now, followed from the events every meter value of a running
//! transaction already raises (`TransactionUpdated`, both OCPP versions): the latest power of
//! each charging connector, and the energy its transaction delivered so far.
//!
//! A station that reports only its energy register (many 1.6 ones) still counts: its power is
//! the energy between its last two readings over the time between them. A connector that has
//! said nothing for [`FRESH`] no longer counts (its station went quiet or offline).

use crate::event::Event;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use time::{Duration, OffsetDateTime};

/// How long a connector's last reading counts for.
pub const FRESH: Duration = Duration::minutes(5);

/// The mean power (W) between two readings of an energy register, (when, Wh) each: the Wh
/// over the hours between them; none when they are not in order or the register went back.
pub fn power_between(earlier: (OffsetDateTime, f64), later: (OffsetDateTime, f64)) -> Option<f64> {
    let hours = (later.0 - earlier.0).as_seconds_f64() / 3600.0;
    (hours > 0.0 && later.1 >= earlier.1).then(|| (later.1 - earlier.1) / hours)
}

/// What the fleet draws at a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Draw {
    /// Power, in W.
    pub watts: f64,
    /// Connectors whose power is in it.
    pub connectors: u64,
    /// Energy the running transactions delivered so far, in Wh.
    pub running_wh: f64,
}

/// The latest of one connector's running transaction.
#[derive(Debug, Clone, Copy)]
struct Latest {
    transaction_id: i64,
    /// When Centrale heard it.
    heard: OffsetDateTime,
    power_w: Option<f64>,
    /// Wh since the transaction started, and when the station sampled it.
    energy: Option<(OffsetDateTime, f64)>,
}

/// The fleet's meter: one entry per connector with a running transaction that reported.
#[derive(Debug, Default)]
pub struct FleetMeter {
    connectors: Mutex<HashMap<(String, u32), Latest>>,
}

impl FleetMeter {
    /// Takes in what an event says about a running transaction, heard at `now()` (other
    /// events change nothing and cost a match).
    pub fn observe(&self, event: &Event, now: impl FnOnce() -> OffsetDateTime) {
        match event {
            Event::TransactionUpdated {
                station_id,
                connector_id,
                transaction_id,
                energy_wh,
                power_w,
                at,
            } => {
                let mut connectors = self.lock();
                let key = (station_id.clone(), *connector_id);
                let previous = connectors
                    .get(&key)
                    .filter(|p| p.transaction_id == *transaction_id)
                    .copied();
                let energy = energy_wh
                    .map(|wh| (*at, wh))
                    .or(previous.and_then(|p| p.energy));
                let power_w = power_w.or_else(|| power_between(previous?.energy?, energy?));
                connectors.insert(
                    key,
                    Latest {
                        transaction_id: *transaction_id,
                        heard: now(),
                        power_w,
                        energy,
                    },
                );
            }
            Event::TransactionStopped {
                station_id,
                connector_id,
                ..
            } => {
                self.lock().remove(&(station_id.clone(), *connector_id));
            }
            _ => {}
        }
    }

    /// What the fleet draws at `now`: the connectors heard from within [`FRESH`].
    pub fn draw(&self, now: OffsetDateTime) -> Draw {
        let mut connectors = self.lock();
        connectors.retain(|_, latest| now - latest.heard <= FRESH);
        connectors
            .values()
            .fold(Draw::default(), |mut draw, latest| {
                if let Some(watts) = latest.power_w {
                    draw.watts += watts;
                    draw.connectors += 1;
                }
                draw.running_wh += latest.energy.map_or(0.0, |(_, wh)| wh);
                draw
            })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(String, u32), Latest>> {
        // Plain data, each change one statement: a panic elsewhere leaves it usable.
        self.connectors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updated(station: &str, tx: i64, at: i64, energy: Option<f64>, power: Option<f64>) -> Event {
        Event::TransactionUpdated {
            station_id: station.into(),
            connector_id: 1,
            transaction_id: tx,
            energy_wh: energy,
            power_w: power,
            at: OffsetDateTime::UNIX_EPOCH + Duration::seconds(at),
        }
    }

    #[test]
    fn power_is_summed_over_charging_connectors_and_stale_ones_drop_out() {
        let meter = FleetMeter::default();
        let t0 = OffsetDateTime::now_utc();
        meter.observe(&updated("A", 1, 0, Some(500.0), Some(7_000.0)), || t0);
        meter.observe(&updated("B", 2, 0, Some(1_500.0), Some(11_000.0)), || t0);
        let draw = meter.draw(t0);
        assert_eq!(
            (draw.watts, draw.connectors, draw.running_wh),
            (18_000.0, 2, 2_000.0)
        );

        // B is heard again later; A is not, and drops out once stale.
        let later = t0 + FRESH + Duration::seconds(1);
        meter.observe(&updated("B", 2, 60, Some(1_700.0), Some(11_000.0)), || {
            later
        });
        assert_eq!(meter.draw(later).watts, 11_000.0);
    }

    #[test]
    fn power_is_derived_from_the_energy_register_when_not_reported() {
        let meter = FleetMeter::default();
        let now = OffsetDateTime::now_utc();
        meter.observe(&updated("A", 1, 0, Some(1_000.0), None), || now);
        assert_eq!(meter.draw(now).connectors, 0, "one reading says no power");
        // 183.33 Wh in 60 s: 11 kW.
        meter.observe(&updated("A", 1, 60, Some(1_183.333_333), None), || now);
        let draw = meter.draw(now);
        assert!((draw.watts - 11_000.0).abs() < 0.1, "{draw:?}");
        // A new transaction on the connector starts over.
        meter.observe(&updated("A", 9, 120, Some(0.0), None), || now);
        assert_eq!(meter.draw(now).connectors, 0);
    }

    #[test]
    fn a_stopped_transaction_no_longer_draws() {
        let meter = FleetMeter::default();
        let now = OffsetDateTime::now_utc();
        meter.observe(&updated("A", 1, 0, Some(10.0), Some(7_000.0)), || now);
        meter.observe(
            &Event::TransactionStopped {
                station_id: "A".into(),
                connector_id: 1,
                transaction_id: 1,
                meter_stop: 10,
                energy_wh: Some(10),
                reason: None,
                at: now,
            },
            || now,
        );
        assert_eq!(meter.draw(now), Draw::default());
    }
}
