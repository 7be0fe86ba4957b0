//! Transactions as the dashboard and the API read them: one, the newest of a station, a
//! transaction's meter values and its curve, where a running one stands.

use crate::model::{ACTIVE_POWER, ENERGY_REGISTER, StoredSample, Transaction, scaled};
use crate::{Engine, EngineError};
use protocol::StationId;

impl Engine {
    /// One transaction.
    pub async fn transaction(&self, id: i64) -> Result<Option<Transaction>, EngineError> {
        self.inner.store.transaction(id).await
    }

    /// The newest `limit` transactions, optionally of one station and only active or finished
    /// ones (filters and pages: [`Engine::transaction_page`]).
    pub async fn transactions(
        &self,
        station: Option<&StationId>,
        active: Option<bool>,
        limit: u32,
    ) -> Result<Vec<Transaction>, EngineError> {
        let query = crate::listing::TransactionQuery {
            station: station.cloned(),
            active,
            ..Default::default()
        };
        self.inner.store.transactions(&query, limit).await
    }

    /// The meter values of a transaction.
    pub async fn transaction_samples(&self, id: i64) -> Result<Vec<StoredSample>, EngineError> {
        self.inner.store.transaction_samples(id).await
    }

    /// A transaction's energy (Wh since its start) and power (W) over time, one point per
    /// timestamp that has either, from the station-level readings (phases are left out).
    pub async fn transaction_series(
        &self,
        transaction: &Transaction,
    ) -> Result<Vec<crate::model::SeriesPoint>, EngineError> {
        let samples = self.inner.store.transaction_samples(transaction.id).await?;
        let mut points: Vec<crate::model::SeriesPoint> = Vec::new();
        for s in samples.iter().filter(|s| s.phase.is_none()) {
            let Some(value) = scaled(&s.value, s.unit.as_deref()) else {
                continue;
            };
            let (energy_wh, power_w) = match s.measurand.as_str() {
                ENERGY_REGISTER => (Some(value - transaction.meter_start as f64), None),
                ACTIVE_POWER => (None, Some(value)),
                _ => continue,
            };
            // Samples come in time order: readings taken together share one point.
            if points.last().map(|p| p.at) != Some(s.timestamp) {
                points.push(crate::model::SeriesPoint {
                    at: s.timestamp,
                    energy_wh: None,
                    power_w: None,
                });
            }
            if let Some(point) = points.last_mut() {
                point.energy_wh = energy_wh.or(point.energy_wh);
                point.power_w = power_w.or(point.power_w);
            }
        }
        Ok(points)
    }

    /// Where an active transaction is: Wh delivered so far and the latest power in W, from
    /// its latest readings (either may be unknown).
    pub async fn progress(
        &self,
        transaction: &Transaction,
    ) -> Result<(Option<f64>, Option<f64>), EngineError> {
        let readings = self.inner.store.latest_readings(transaction.id).await?;
        let latest = |measurand: &str| {
            readings
                .iter()
                .filter(|(m, _, _)| m == measurand)
                .find_map(|(_, value, unit)| scaled(value, unit.as_deref()))
        };
        Ok((
            latest(ENERGY_REGISTER).map(|wh| wh - transaction.meter_start as f64),
            latest(ACTIVE_POWER),
        ))
    }

    /// How many StopTransactions for unknown transactions a station sent.
    pub async fn unmatched_stops(&self, station: &StationId) -> Result<u64, EngineError> {
        self.inner.store.unmatched_stops(station).await
    }
}
