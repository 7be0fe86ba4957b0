//! A charger's connectors and charging sessions, in the words of the version it speaks: 1.6's
//! StartTransaction / MeterValues / StopTransaction, or 2.0.1's TransactionEvent Started /
//! Updated / Ended with the station's own transaction id and a sequence number.

use super::{Charger, Link, now};
use crate::SimError;
use protocol::OcppVersion;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::Notify;

/// A running transaction, as the station refers to it.
enum Tx {
    /// 1.6: the central system's id.
    V16(i64),
    /// 2.0.1: the station's own id and the next event's sequence number.
    V201 { id: String, seq: i64 },
}

/// A 1.6 connector status as 2.0.1 says it (2.0.1 has no Preparing, Charging, ...: the
/// connector is Occupied and the transaction says how it charges).
fn connector_status_v201(status: &str) -> &str {
    match status {
        "Available" | "Reserved" | "Unavailable" | "Faulted" => status,
        _ => "Occupied",
    }
}

/// A 1.6 stop reason as 2.0.1 says it.
fn stopped_reason_v201(reason: &str) -> &str {
    match reason {
        "HardReset" | "SoftReset" => "ImmediateReset",
        "Local" | "Remote" | "EVDisconnected" | "DeAuthorized" | "PowerLoss" | "Reboot" => reason,
        _ => "Other",
    }
}

/// What triggers a 2.0.1 Ended event for a stop reason.
fn stop_trigger_v201(reason: &str) -> &'static str {
    match reason {
        "Remote" => "RemoteStop",
        "EVDisconnected" => "EVCommunicationLost",
        "DeAuthorized" => "Deauthorized",
        "HardReset" | "SoftReset" => "ResetCommand",
        _ => "StopAuthorized",
    }
}

impl Charger {
    /// The BootNotification this station sends.
    pub(super) fn boot_payload(&self) -> Value {
        match self.config.ocpp {
            OcppVersion::V16 => {
                json!({"chargePointVendor": "Centrale", "chargePointModel": "centrale-sim"})
            }
            OcppVersion::V201 => json!({
                "reason": self.lock().boot_reason,
                "chargingStation": {"vendorName": "Centrale", "model": "centrale-sim",
                    "serialNumber": self.config.id.chars().take(25).collect::<String>(),
                    "firmwareVersion": env!("CARGO_PKG_VERSION")}
            }),
        }
    }

    pub(super) async fn send_status(&self, link: &Link, n: u32) -> Result<(), SimError> {
        let status = {
            let state = self.lock();
            state
                .connectors
                .get(n as usize)
                .map(|c| c.state.status.clone())
        };
        let Some(status) = status else { return Ok(()) };
        let payload = match self.config.ocpp {
            OcppVersion::V16 => {
                json!({"connectorId": n, "errorCode": "NoError", "status": status, "timestamp": now()})
            }
            // 2.0.1 reports connectors of EVSEs; the station as a whole has no status. Each
            // simulated EVSE has one connector.
            OcppVersion::V201 if n == 0 => return Ok(()),
            OcppVersion::V201 => json!({"timestamp": now(), "evseId": n, "connectorId": 1,
                "connectorStatus": connector_status_v201(&status)}),
        };
        link.call("StatusNotification", payload).await.map(|_| ())
    }

    pub(super) async fn set_status(
        &self,
        link: &Link,
        n: u32,
        status: &str,
    ) -> Result<(), SimError> {
        if let Some(c) = self.lock().connectors.get_mut(n as usize) {
            c.state.status = status.to_owned();
        }
        self.send_status(link, n).await
    }

    /// Whether the central system lets `id_tag` charge.
    async fn authorized(&self, link: &Link, id_tag: &str) -> Result<bool, SimError> {
        Ok(match self.config.ocpp {
            OcppVersion::V16 => {
                let auth = link.call("Authorize", json!({"idTag": id_tag})).await?;
                auth["idTagInfo"]["status"] == "Accepted"
            }
            OcppVersion::V201 => {
                let token = json!({"idToken": id_tag, "type": "ISO14443"});
                let auth = link.call("Authorize", json!({"idToken": token})).await?;
                auth["idTokenInfo"]["status"] == "Accepted"
            }
        })
    }

    /// Starts the transaction; answers it and whether the central system accepted the tag.
    async fn start_transaction(
        &self,
        link: &Link,
        n: u32,
        id_tag: &str,
        remote_start_id: Option<i64>,
    ) -> Result<(Tx, bool), SimError> {
        let (meter_start, reservation) = {
            let mut state = self.lock();
            let c = &mut state.connectors[n as usize].state;
            (c.meter_wh.round() as i64, c.reservation_id.take())
        };
        match self.config.ocpp {
            OcppVersion::V16 => {
                let mut start = json!({"connectorId": n, "idTag": id_tag, "meterStart": meter_start, "timestamp": now()});
                if let Some(r) = reservation {
                    start["reservationId"] = json!(r);
                }
                let started = link.call("StartTransaction", start).await?;
                let Some(id) = started["transactionId"].as_i64() else {
                    return Err(SimError::BadFrame(started.to_string()));
                };
                self.lock().connectors[n as usize].state.transaction_id = Some(id);
                Ok((Tx::V16(id), started["idTagInfo"]["status"] == "Accepted"))
            }
            OcppVersion::V201 => {
                let id = {
                    let mut state = self.lock();
                    state.transactions += 1;
                    let id = format!("{}-{n}-{}", self.config.id, state.transactions);
                    // 36 characters at most: the end of a long one is the unique part.
                    let id: String = id
                        .chars()
                        .rev()
                        .take(36)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    state.connectors[n as usize].state.station_transaction_id = Some(id.clone());
                    id
                };
                let mut info = json!({"transactionId": id, "chargingState": "EVConnected"});
                if let Some(remote) = remote_start_id {
                    info["remoteStartId"] = json!(remote);
                }
                let mut event = json!({"eventType": "Started", "timestamp": now(), "seqNo": 0,
                    "triggerReason": if remote_start_id.is_some() { "RemoteStart" } else { "Authorized" },
                    "transactionInfo": info, "evse": {"id": n, "connectorId": 1},
                    "idToken": {"idToken": id_tag, "type": "ISO14443"},
                    "meterValue": [self.meter_value_v201(meter_start as f64, None, "Transaction.Begin")]});
                if let Some(r) = reservation {
                    event["reservationId"] = json!(r);
                }
                let answer = link.call("TransactionEvent", event).await?;
                let accepted = answer["idTokenInfo"]["status"] == "Accepted";
                Ok((Tx::V201 { id, seq: 1 }, accepted))
            }
        }
    }

    fn meter_value_v201(&self, wh: f64, power_w: Option<f64>, context: &str) -> Value {
        let mut sampled = vec![
            json!({"value": wh.round(), "measurand": "Energy.Active.Import.Register",
            "context": context, "unitOfMeasure": {"unit": "Wh"}}),
        ];
        if let Some(w) = power_w {
            sampled.push(
                json!({"value": w.round(), "measurand": "Power.Active.Import",
                "context": context, "unitOfMeasure": {"unit": "W"}}),
            );
        }
        json!({"timestamp": now(), "sampledValue": sampled})
    }

    /// Sends a periodic meter reading of the running transaction.
    async fn send_meter(&self, link: &Link, n: u32, tx: &mut Tx, wh: f64) -> Result<(), SimError> {
        let power = self.config.power_w;
        match tx {
            Tx::V16(id) => {
                link.call("MeterValues", json!({"connectorId": n, "transactionId": *id,
                    "meterValue": [{"timestamp": now(), "sampledValue": [
                        {"value": format!("{wh:.0}"), "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"},
                        {"value": format!("{power:.0}"), "measurand": "Power.Active.Import", "unit": "W", "context": "Sample.Periodic"}]}]}))
                    .await?;
            }
            Tx::V201 { id, seq } => {
                let event = json!({"eventType": "Updated", "timestamp": now(), "seqNo": *seq,
                    "triggerReason": "MeterValuePeriodic",
                    "transactionInfo": {"transactionId": id, "chargingState": "Charging"},
                    "meterValue": [self.meter_value_v201(wh, Some(power), "Sample.Periodic")]});
                *seq += 1;
                link.call("TransactionEvent", event).await?;
            }
        }
        Ok(())
    }

    /// Ends the running transaction.
    async fn stop_transaction(
        &self,
        link: &Link,
        tx: Tx,
        id_tag: &str,
        wh: f64,
        reason: &str,
    ) -> Result<(), SimError> {
        match tx {
            Tx::V16(id) => {
                link.call(
                    "StopTransaction",
                    json!({"transactionId": id, "idTag": id_tag,
                    "meterStop": wh.round() as i64, "timestamp": now(), "reason": reason}),
                )
                .await?;
            }
            Tx::V201 { id, seq } => {
                let event = json!({"eventType": "Ended", "timestamp": now(), "seqNo": seq,
                    "triggerReason": stop_trigger_v201(reason),
                    "transactionInfo": {"transactionId": id, "chargingState": "Idle",
                        "stoppedReason": stopped_reason_v201(reason)},
                    "meterValue": [self.meter_value_v201(wh, None, "Transaction.End")]});
                link.call("TransactionEvent", event).await?;
            }
        }
        Ok(())
    }

    /// One charging session on connector `n`, until stopped by `stop` or the link.
    async fn session(
        self: Arc<Self>,
        link: Arc<Link>,
        n: u32,
        id_tag: String,
        remote_start_id: Option<i64>,
        stop: Arc<Notify>,
    ) -> Result<(), SimError> {
        self.set_status(&link, n, "Preparing").await?;
        if !self.authorized(&link, &id_tag).await? {
            self.end_session(n);
            return self.set_status(&link, n, "Available").await;
        }
        let (mut tx, accepted) = self
            .start_transaction(&link, n, &id_tag, remote_start_id)
            .await?;
        self.stats.sessions.fetch_add(1, Ordering::Relaxed);
        let reason = if !accepted {
            "DeAuthorized"
        } else {
            self.set_status(&link, n, "Charging").await?;
            let mut tick = tokio::time::interval(self.config.meter_interval);
            tick.tick().await;
            loop {
                tokio::select! {
                    () = stop.notified() => break self.lock().connectors[n as usize].stop_reason,
                    _ = tick.tick() => {
                        let wh = {
                            let mut state = self.lock();
                            let c = &mut state.connectors[n as usize].state;
                            c.meter_wh += self.config.power_w * self.config.meter_interval.as_secs_f64() / 3600.0;
                            c.meter_wh
                        };
                        self.send_meter(&link, n, &mut tx, wh).await?;
                    }
                }
            }
        };
        let wh = self.lock().connectors[n as usize].state.meter_wh;
        self.stop_transaction(&link, tx, &id_tag, wh, reason)
            .await?;
        self.end_session(n);
        self.set_status(&link, n, "Finishing").await?;
        self.set_status(&link, n, "Available").await
    }

    fn end_session(&self, n: u32) {
        let mut state = self.lock();
        let c = &mut state.connectors[n as usize];
        c.state.transaction_id = None;
        c.state.station_transaction_id = None;
        c.stop = None;
    }

    /// Starts a session in the background if connector `n` is free. `remote_start_id` is the
    /// RequestStartTransaction's (2.0.1), reported back in the transaction.
    pub(super) fn start_session(
        self: &Arc<Self>,
        link: &Arc<Link>,
        n: u32,
        id_tag: String,
        remote_start_id: Option<i64>,
    ) -> bool {
        let stop = Arc::new(Notify::new());
        {
            let mut state = self.lock();
            let Some(c) = state.connectors.get_mut(n as usize) else {
                return false;
            };
            let free =
                c.stop.is_none() && matches!(c.state.status.as_str(), "Available" | "Reserved");
            if n == 0 || !free {
                return false;
            }
            c.stop = Some(Arc::clone(&stop));
        }
        let (charger, link) = (Arc::clone(self), Arc::clone(link));
        tokio::spawn(async move {
            if let Err(e) = charger
                .session(link, n, id_tag, remote_start_id, stop)
                .await
            {
                tracing::debug!(error = %e, "session ended by the link");
            }
        });
        true
    }
}
