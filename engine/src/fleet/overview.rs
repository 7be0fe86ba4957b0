//! The fleet at a glance: counters, what it draws now, its power over the last hours (a
//! sample a minute, kept in `fleet_power`), energy and sessions per day, the connectors
//! faulted now and the stations offline longest. A few indexed queries, whatever the fleet's
//! history: no meter reading is read.

use super::FleetCounters;
use super::meter::FRESH;
use crate::{Engine, EngineError};
use serde::Serialize;
use time::{Duration, OffsetDateTime, Time};

/// How far back the power chart goes.
pub const POWER_HISTORY: Duration = Duration::hours(6);
/// Days of the energy and sessions charts (today included).
pub const DAYS: usize = 30;
/// How many faulted connectors and offline stations the overview lists.
pub const LISTED: u32 = 10;
/// How often the fleet's power is written down.
pub const SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What the overview shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetOverview {
    pub counters: FleetCounters,
    /// Power drawn now, in W, and by how many connectors.
    pub power_w: f64,
    pub charging_connectors: u64,
    /// Energy delivered today (UTC): sessions that ended today, and what the running ones
    /// delivered so far, in Wh (today's [`DayTotal`]).
    pub energy_today_wh: f64,
    /// The fleet's power over [`POWER_HISTORY`], a point a minute, the last one now.
    pub power: Vec<PowerPoint>,
    /// The last [`DAYS`] days (UTC), oldest first.
    pub days: Vec<DayTotal>,
    /// Connectors faulted now, the latest first.
    pub faults: Vec<Fault>,
    /// The stations offline longest (never-seen ones left out), the longest first.
    pub offline: Vec<Offline>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PowerPoint {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub watts: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayTotal {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Energy of the sessions that ended that day, in Wh; today's also counts what the running
    /// ones delivered so far.
    pub energy_wh: i64,
    /// Sessions that started that day.
    pub sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub station_id: String,
    pub connector_id: u32,
    pub error_code: String,
    pub info: Option<String>,
    pub vendor_error_code: Option<String>,
    /// When Centrale heard the status.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Offline {
    pub station_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

impl Engine {
    /// The overview as of `now`.
    pub async fn fleet_overview(&self, now: OffsetDateTime) -> Result<FleetOverview, EngineError> {
        let store = &self.inner.store;
        let draw = self.inner.meter.draw(now);
        let midnight = now.replace_time(Time::MIDNIGHT);
        let bounds: Vec<OffsetDateTime> = (0..=DAYS)
            .map(|n| midnight - Duration::days((DAYS - 1) as i64) + Duration::days(n as i64))
            .collect();
        let totals = store.daily_totals(&bounds).await?;
        let mut days: Vec<DayTotal> = bounds
            .iter()
            .zip(totals)
            .map(|(start, (energy_wh, sessions))| DayTotal {
                day: start.date().to_string(),
                energy_wh,
                sessions,
            })
            .collect();
        // Today's bar includes what the running transactions delivered so far, as the figure does.
        if let Some(today) = days.last_mut() {
            today.energy_wh += draw.running_wh.round() as i64;
        }
        let energy_today_wh = days.last().map_or(0, |d| d.energy_wh) as f64;
        let mut power: Vec<PowerPoint> = store
            .fleet_power_since(now - POWER_HISTORY)
            .await?
            .into_iter()
            .map(|(at, watts)| PowerPoint {
                at,
                watts: watts as f64,
            })
            .collect();
        power.push(PowerPoint {
            at: now,
            watts: draw.watts,
        });
        Ok(FleetOverview {
            counters: store.fleet_counters().await?,
            power_w: draw.watts,
            charging_connectors: draw.connectors,
            energy_today_wh,
            power,
            days,
            faults: store.current_faults(LISTED).await?,
            offline: store.longest_offline(LISTED).await?,
        })
    }

    /// Writes down what the fleet draws at `now`: a point of the power chart.
    pub async fn record_fleet_power(&self, now: OffsetDateTime) -> Result<(), EngineError> {
        let draw = self.inner.meter.draw(now);
        self.inner
            .store
            .add_fleet_power(now, draw.watts.round() as i64, draw.connectors)
            .await
    }

    /// Writes the fleet's power down every [`SAMPLE_EVERY`] until shutdown; not in the first
    /// [`FRESH`] after it started: until every charging station has reported once, the
    /// meter says less than the fleet draws (the chart shows a gap, not a false dip).
    pub(crate) fn start_power_samples(
        &self,
        shutdown: tokio_util::sync::CancellationToken,
        tasks: &tokio_util::task::TaskTracker,
    ) {
        let engine = self.clone();
        let started = OffsetDateTime::now_utc();
        tasks.spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = every.tick() => {}
                }
                let now = OffsetDateTime::now_utc();
                if now - started < FRESH {
                    continue;
                }
                if let Err(e) = engine.record_fleet_power(now).await {
                    tracing::warn!(error = %e, "could not record the fleet's power");
                }
            }
        });
    }
}
