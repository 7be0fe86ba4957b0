//! What the charger answers the central system's calls with, and what it then does.

use super::{Charger, Link, now};
use crate::SimError;
use protocol::{Frame, MessageId};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

impl Charger {
    /// Answers one central-system call, starting what it asks for.
    pub(super) fn on_call(self: Arc<Self>, link: &Arc<Link>, action: &str, p: Value) -> Reply {
        let accepted = Reply::Ok(json!({"status": "Accepted"}));
        let rejected = Reply::Ok(json!({"status": "Rejected"}));
        match action {
            "RemoteStartTransaction" => {
                let id_tag = p["idTag"].as_str().unwrap_or_default().to_owned();
                let wanted = p["connectorId"].as_u64().map(|c| c as u32);
                let candidates: Vec<u32> = match wanted {
                    Some(c) => vec![c],
                    None => (1..=self.config.connectors).collect(),
                };
                if candidates
                    .into_iter()
                    .any(|n| self.start_session(link, n, id_tag.clone(), None))
                {
                    accepted
                } else {
                    rejected
                }
            }
            "RemoteStopTransaction" => {
                let wanted = p["transactionId"].as_i64();
                let mut state = self.lock();
                let found = state
                    .connectors
                    .iter_mut()
                    .find(|c| c.state.transaction_id.is_some() && c.state.transaction_id == wanted);
                if found.is_some_and(|c| c.request_stop("Remote")) {
                    accepted
                } else {
                    rejected
                }
            }
            "Reset" => {
                let reason = if p["type"] == "Hard" {
                    "HardReset"
                } else {
                    "SoftReset"
                };
                for c in &mut self.lock().connectors {
                    c.request_stop(reason);
                }
                let charger = Arc::clone(&self);
                // Answer first, then reboot.
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    charger.reboot.notify_waiters();
                });
                accepted
            }
            "ChangeAvailability" => {
                let n = p["connectorId"].as_u64().unwrap_or(0) as usize;
                let status = if p["type"] == "Inoperative" {
                    "Unavailable"
                } else {
                    "Available"
                };
                let mut state = self.lock();
                let targets: Vec<usize> = if n == 0 {
                    (1..state.connectors.len()).collect()
                } else {
                    vec![n]
                };
                let mut scheduled = false;
                for t in targets {
                    let Some(c) = state.connectors.get_mut(t) else {
                        return rejected;
                    };
                    if c.stop.is_some() {
                        scheduled = true;
                    } else {
                        c.state.status = status.to_owned();
                    }
                }
                drop(state);
                let (charger, link) = (Arc::clone(&self), Arc::clone(link));
                tokio::spawn(async move {
                    for n in 0..=charger.config.connectors {
                        let _ = charger.send_status(&link, n).await;
                    }
                });
                if scheduled {
                    Reply::Ok(json!({"status": "Scheduled"}))
                } else {
                    accepted
                }
            }
            "GetConfiguration" => {
                let state = self.lock();
                let asked: Option<Vec<String>> = p["key"].as_array().map(|k| {
                    k.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                });
                let mut keys = Vec::new();
                let mut unknown = Vec::new();
                match asked {
                    Some(asked) if !asked.is_empty() => {
                        for k in asked {
                            match state.configuration.get(&k) {
                                Some((v, ro)) => {
                                    keys.push(json!({"key": k, "value": v, "readonly": ro}))
                                }
                                None => unknown.push(json!(k)),
                            }
                        }
                    }
                    _ => {
                        for (k, (v, ro)) in &state.configuration {
                            keys.push(json!({"key": k, "value": v, "readonly": ro}));
                        }
                    }
                }
                let mut answer = json!({"configurationKey": keys});
                if !unknown.is_empty() {
                    answer["unknownKey"] = json!(unknown);
                }
                Reply::Ok(answer)
            }
            "ChangeConfiguration" => {
                let key = p["key"].as_str().unwrap_or_default().to_owned();
                let value = p["value"].as_str().unwrap_or_default().to_owned();
                let mut state = self.lock();
                match state.configuration.get_mut(&key) {
                    None => Reply::Ok(json!({"status": "NotSupported"})),
                    Some((_, true)) => rejected,
                    Some((v, false)) => {
                        *v = value.clone();
                        if key == "HeartbeatInterval"
                            && let Ok(secs) = value.parse::<u64>()
                        {
                            state.heartbeat = Duration::from_secs(secs.max(1));
                        }
                        accepted
                    }
                }
            }
            "TriggerMessage" | "ExtendedTriggerMessage" => {
                let what = p["requestedMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let connector = p["connectorId"].as_u64().map(|c| c as u32);
                let supported = [
                    "BootNotification",
                    "Heartbeat",
                    "StatusNotification",
                    "MeterValues",
                    "DiagnosticsStatusNotification",
                    "FirmwareStatusNotification",
                ];
                if !supported.contains(&what.as_str()) {
                    return Reply::Ok(json!({"status": "NotImplemented"}));
                }
                let (charger, link) = (Arc::clone(&self), Arc::clone(link));
                tokio::spawn(async move {
                    let _ = charger.triggered(&link, &what, connector).await;
                });
                accepted
            }
            "ReserveNow" => {
                let n = p["connectorId"].as_u64().unwrap_or(0) as usize;
                let mut state = self.lock();
                match state.connectors.get_mut(n) {
                    Some(c) if n > 0 && c.state.status == "Available" => {
                        c.state.status = "Reserved".to_owned();
                        c.state.reservation_id = p["reservationId"].as_i64();
                        drop(state);
                        let (charger, link) = (Arc::clone(&self), Arc::clone(link));
                        tokio::spawn(async move {
                            let _ = charger.send_status(&link, n as u32).await;
                        });
                        accepted
                    }
                    Some(_) => Reply::Ok(json!({"status": "Occupied"})),
                    None => rejected,
                }
            }
            "CancelReservation" => {
                let wanted = p["reservationId"].as_i64();
                let mut state = self.lock();
                let found = state.connectors.iter_mut().position(|c| {
                    c.state.reservation_id.is_some() && c.state.reservation_id == wanted
                });
                match found {
                    Some(n) => {
                        let c = &mut state.connectors[n];
                        c.state.reservation_id = None;
                        c.state.status = "Available".to_owned();
                        drop(state);
                        let (charger, link) = (Arc::clone(&self), Arc::clone(link));
                        tokio::spawn(async move {
                            let _ = charger.send_status(&link, n as u32).await;
                        });
                        accepted
                    }
                    None => rejected,
                }
            }
            "UnlockConnector" => Reply::Ok(json!({"status": "Unlocked"})),
            "ClearCache" => accepted,
            "GetLocalListVersion" => {
                Reply::Ok(json!({"listVersion": self.lock().local_list_version}))
            }
            "SendLocalList" => {
                self.lock().local_list_version = p["listVersion"].as_i64().unwrap_or(0) as i32;
                accepted
            }
            "SetChargingProfile" => accepted,
            "ClearChargingProfile" => accepted,
            "GetCompositeSchedule" => rejected,
            "DataTransfer" => Reply::Ok(json!({"status": "UnknownVendorId"})),
            "UpdateFirmware" | "SignedUpdateFirmware" => {
                let signed = action == "SignedUpdateFirmware";
                let (charger, link) = (Arc::clone(&self), Arc::clone(link));
                tokio::spawn(async move {
                    let (call, steps): (&str, &[&str]) = if signed {
                        (
                            "SignedFirmwareStatusNotification",
                            &[
                                "Downloading",
                                "Downloaded",
                                "SignatureVerified",
                                "Installing",
                                "Installed",
                            ],
                        )
                    } else {
                        (
                            "FirmwareStatusNotification",
                            &["Downloading", "Downloaded", "Installing", "Installed"],
                        )
                    };
                    for step in steps {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let mut payload = json!({"status": step});
                        if signed {
                            payload["requestId"] = json!(0);
                        }
                        if link.call(call, payload).await.is_err() {
                            return;
                        }
                    }
                    let _ = charger;
                });
                if signed {
                    accepted
                } else {
                    Reply::Ok(json!({}))
                }
            }
            "GetDiagnostics" => {
                let link = Arc::clone(link);
                tokio::spawn(async move {
                    for step in ["Uploading", "Uploaded"] {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        if link
                            .call("DiagnosticsStatusNotification", json!({"status": step}))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                });
                Reply::Ok(json!({"fileName": format!("{}-diagnostics.log", self.config.id)}))
            }
            "GetLog" => Reply::Ok(json!({"status": "Rejected"})),
            "GetInstalledCertificateIds" => Reply::Ok(json!({"status": "NotFound"})),
            "CertificateSigned" | "InstallCertificate" => rejected,
            "DeleteCertificate" => Reply::Ok(json!({"status": "NotFound"})),
            _ => Reply::Error(
                "NotImplemented",
                format!("{action} is not implemented by this station"),
            ),
        }
    }

    /// Sends what a TriggerMessage asked for.
    async fn triggered(
        &self,
        link: &Link,
        what: &str,
        connector: Option<u32>,
    ) -> Result<(), SimError> {
        match what {
            "BootNotification" => {
                let answer = link
                    .call("BootNotification", json!({"chargePointVendor": "Centrale", "chargePointModel": "centrale-sim"}))
                    .await?;
                if let Some(interval) = answer["interval"].as_u64()
                    && answer["status"] == "Accepted"
                {
                    self.lock().heartbeat = Duration::from_secs(interval.max(1));
                    self.boot_accepted.notify_one();
                }
                Ok(())
            }
            "Heartbeat" => link.call("Heartbeat", json!({})).await.map(|_| ()),
            "StatusNotification" => match connector {
                Some(n) => self.send_status(link, n).await,
                None => {
                    for n in 0..=self.config.connectors {
                        self.send_status(link, n).await?;
                    }
                    Ok(())
                }
            },
            "MeterValues" => {
                let n = connector.unwrap_or(1);
                let wh = self
                    .lock()
                    .connectors
                    .get(n as usize)
                    .map_or(0.0, |c| c.state.meter_wh);
                link.call(
                    "MeterValues",
                    json!({"connectorId": n, "meterValue": [{"timestamp": now(),
                    "sampledValue": [{"value": format!("{wh:.0}"), "context": "Trigger"}]}]}),
                )
                .await
                .map(|_| ())
            }
            "DiagnosticsStatusNotification" => {
                link.call(what, json!({"status": "Idle"})).await.map(|_| ())
            }
            "FirmwareStatusNotification" => {
                link.call(what, json!({"status": "Idle"})).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }
}

/// What the station answers a call with.
pub(super) enum Reply {
    Ok(Value),
    Error(&'static str, String),
}

impl Reply {
    pub(super) fn frame(self, id: MessageId) -> String {
        match self {
            Reply::Ok(payload) => Frame::call_result(id.clone(), &payload)
                .map(|f| f.to_text())
                .unwrap_or_else(|_| json!([4, id.as_str(), "InternalError", "", {}]).to_string()),
            Reply::Error(code, description) => {
                json!([4, id.as_str(), code, description, {}]).to_string()
            }
        }
    }
}
