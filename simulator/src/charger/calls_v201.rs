//! What a 2.0.1 charger answers the CSMS's calls with, and what it then does; its device model.

use super::calls::Reply;
use super::{Charger, ChargerConfig, Link, now};
use crate::SimError;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Where a variable lives: component, its EVSE (0: none), variable.
type VarKey = (String, u32, String);

/// One variable of the device model.
#[derive(Debug, Clone)]
struct Var {
    value: String,
    mutability: &'static str,
    data_type: &'static str,
}

/// The charger's device model: the variables a real station reports, readable and (where
/// writable) writable through Get/SetVariables.
#[derive(Debug)]
pub(super) struct DeviceModel(BTreeMap<VarKey, Var>);

impl DeviceModel {
    pub(super) fn new(config: &ChargerConfig) -> DeviceModel {
        let mut vars = BTreeMap::new();
        let mut put =
            |component: &str, evse: u32, variable: &str, value: String, mutability, data_type| {
                vars.insert(
                    (component.to_owned(), evse, variable.to_owned()),
                    Var {
                        value,
                        mutability,
                        data_type,
                    },
                );
            };
        put(
            "OCPPCommCtrlr",
            0,
            "HeartbeatInterval",
            "300".into(),
            "ReadWrite",
            "integer",
        );
        put(
            "OCPPCommCtrlr",
            0,
            "NetworkConfigurationPriority",
            "0".into(),
            "ReadWrite",
            "SequenceList",
        );
        put(
            "SampledDataCtrlr",
            0,
            "TxUpdatedInterval",
            config.meter_interval.as_secs().to_string(),
            "ReadWrite",
            "integer",
        );
        put(
            "SampledDataCtrlr",
            0,
            "TxUpdatedMeasurands",
            "Energy.Active.Import.Register,Power.Active.Import".into(),
            "ReadWrite",
            "MemberList",
        );
        put(
            "AuthCtrlr",
            0,
            "AuthorizeRemoteStart",
            "true".into(),
            "ReadWrite",
            "boolean",
        );
        put(
            "SecurityCtrlr",
            0,
            "SecurityProfile",
            "1".into(),
            "ReadOnly",
            "integer",
        );
        put(
            "SecurityCtrlr",
            0,
            "BasicAuthPassword",
            String::new(),
            "WriteOnly",
            "string",
        );
        put(
            "ChargingStation",
            0,
            "Model",
            "centrale-sim".into(),
            "ReadOnly",
            "string",
        );
        put(
            "ChargingStation",
            0,
            "VendorName",
            "Centrale".into(),
            "ReadOnly",
            "string",
        );
        for evse in 1..=config.connectors {
            put(
                "EVSE",
                evse,
                "AvailabilityState",
                "Available".into(),
                "ReadOnly",
                "OptionList",
            );
            put(
                "EVSE",
                evse,
                "Power",
                format!("{:.0}", config.power_w),
                "ReadOnly",
                "decimal",
            );
        }
        DeviceModel(vars)
    }

    /// The NotifyReport reportData of every variable.
    fn report(&self) -> Vec<Value> {
        self.0
            .iter()
            .map(|((component, evse, variable), var)| {
                let mut attribute = json!({"type": "Actual", "mutability": var.mutability,
                    "persistent": true, "constant": var.mutability == "ReadOnly"});
                if var.mutability != "WriteOnly" {
                    attribute["value"] = json!(var.value);
                }
                json!({"component": component_json(component, *evse),
                    "variable": {"name": variable}, "variableAttribute": [attribute],
                    "variableCharacteristics": {"dataType": var.data_type, "supportsMonitoring": false}})
            })
            .collect()
    }
}

fn component_json(name: &str, evse: u32) -> Value {
    if evse == 0 {
        json!({"name": name})
    } else {
        json!({"name": name, "evse": {"id": evse}})
    }
}

fn key_of(entry: &Value) -> VarKey {
    (
        entry["component"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        entry["component"]["evse"]["id"].as_u64().unwrap_or(0) as u32,
        entry["variable"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// How many variables one NotifyReport carries: a full report comes in several parts.
const REPORT_PART: usize = 4;

impl Charger {
    /// Answers one CSMS call, starting what it asks for.
    pub(super) fn on_call_v201(self: Arc<Self>, link: &Arc<Link>, action: &str, p: Value) -> Reply {
        let status = |s: &str| Reply::Ok(json!({"status": s}));
        let later = |charger: &Arc<Charger>, link: &Arc<Link>, what: Later| {
            let (charger, link) = (Arc::clone(charger), Arc::clone(link));
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Err(e) = charger.later(&link, what).await {
                    tracing::debug!(error = %e, "a follow-up message failed");
                }
            });
        };
        match action {
            "RequestStartTransaction" => {
                let tag = p["idToken"]["idToken"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let remote = p["remoteStartId"].as_i64();
                let candidates: Vec<u32> = match p["evseId"].as_u64() {
                    Some(e) => vec![e as u32],
                    None => (1..=self.config.connectors).collect(),
                };
                let started = candidates
                    .into_iter()
                    .any(|n| self.start_session(link, n, tag.clone(), remote));
                status(if started { "Accepted" } else { "Rejected" })
            }
            "RequestStopTransaction" => {
                let wanted = p["transactionId"].as_str();
                let mut state = self.lock();
                let found = state.connectors.iter_mut().find(|c| {
                    c.state.station_transaction_id.is_some()
                        && c.state.station_transaction_id.as_deref() == wanted
                });
                status(if found.is_some_and(|c| c.request_stop("Remote")) {
                    "Accepted"
                } else {
                    "Rejected"
                })
            }
            "GetTransactionStatus" => {
                let wanted = p["transactionId"].as_str();
                let ongoing = self.lock().connectors.iter().any(|c| {
                    c.state.station_transaction_id.is_some()
                        && (wanted.is_none() || c.state.station_transaction_id.as_deref() == wanted)
                });
                let mut answer = json!({"messagesInQueue": false});
                if wanted.is_some() {
                    answer["ongoingIndicator"] = json!(ongoing);
                }
                Reply::Ok(answer)
            }
            "Reset" => {
                for c in &mut self.lock().connectors {
                    c.request_stop("HardReset");
                }
                self.lock().boot_reason = "RemoteReset";
                let charger = Arc::clone(&self);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    charger.reboot.notify_waiters();
                });
                status("Accepted")
            }
            "ChangeAvailability" => {
                let to = if p["operationalStatus"] == "Inoperative" {
                    "Unavailable"
                } else {
                    "Available"
                };
                let evse = p["evse"]["id"].as_u64().map(|e| e as usize);
                let mut state = self.lock();
                let targets: Vec<usize> = match evse {
                    Some(e) if e > 0 => vec![e],
                    _ => (1..state.connectors.len()).collect(),
                };
                let mut scheduled = false;
                for t in targets {
                    let Some(c) = state.connectors.get_mut(t) else {
                        return status("Rejected");
                    };
                    if c.stop.is_some() {
                        scheduled = true;
                    } else {
                        c.state.status = to.to_owned();
                    }
                }
                drop(state);
                later(&self, link, Later::Statuses);
                status(if scheduled { "Scheduled" } else { "Accepted" })
            }
            "UnlockConnector" => status("Unlocked"),
            "TriggerMessage" => {
                let what = p["requestedMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let supported = [
                    "BootNotification",
                    "Heartbeat",
                    "StatusNotification",
                    "MeterValues",
                    "TransactionEvent",
                    "FirmwareStatusNotification",
                    "LogStatusNotification",
                ];
                if !supported.contains(&what.as_str()) {
                    return status("NotImplemented");
                }
                later(
                    &self,
                    link,
                    Later::Trigger(what, p["evse"]["id"].as_u64().map(|e| e as u32)),
                );
                status("Accepted")
            }
            "GetVariables" => {
                let state = self.lock();
                let results: Vec<Value> = p["getVariableData"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|entry| {
                        let mut result =
                            json!({"component": entry["component"], "variable": entry["variable"]});
                        match state.variables.0.get(&key_of(entry)) {
                            None => result["attributeStatus"] = json!("UnknownVariable"),
                            Some(var) if var.mutability == "WriteOnly" => {
                                result["attributeStatus"] = json!("Rejected")
                            }
                            Some(var) => {
                                result["attributeStatus"] = json!("Accepted");
                                result["attributeValue"] = json!(var.value);
                            }
                        }
                        result
                    })
                    .collect();
                Reply::Ok(json!({"getVariableResult": results}))
            }
            "SetVariables" => {
                let mut state = self.lock();
                let mut results = Vec::new();
                for entry in p["setVariableData"].as_array().into_iter().flatten() {
                    let key = key_of(entry);
                    let value = entry["attributeValue"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let outcome = match state.variables.0.get_mut(&key) {
                        None => "UnknownVariable",
                        Some(var) if var.mutability == "ReadOnly" => "Rejected",
                        Some(var) => {
                            var.value = value.clone();
                            "Accepted"
                        }
                    };
                    if outcome == "Accepted" {
                        match (key.0.as_str(), key.2.as_str()) {
                            ("SecurityCtrlr", "BasicAuthPassword") => state.password = Some(value),
                            ("OCPPCommCtrlr", "HeartbeatInterval") => {
                                if let Ok(secs) = value.parse::<u64>() {
                                    state.heartbeat = Duration::from_secs(secs.max(1));
                                }
                            }
                            _ => {}
                        }
                    }
                    results.push(
                        json!({"attributeStatus": outcome, "component": entry["component"],
                        "variable": entry["variable"]}),
                    );
                }
                Reply::Ok(json!({"setVariableResult": results}))
            }
            "GetBaseReport" | "GetReport" => {
                let request_id = p["requestId"].as_i64().unwrap_or(0);
                later(&self, link, Later::Report(request_id));
                status("Accepted")
            }
            "SetNetworkProfile" => status("Accepted"),
            "SetVariableMonitoring" => {
                let results: Vec<Value> = p["setMonitoringData"].as_array().into_iter().flatten().map(|m| {
                    json!({"id": 1, "status": "Accepted", "type": m["type"], "severity": m["severity"],
                        "component": m["component"], "variable": m["variable"]})
                }).collect();
                Reply::Ok(json!({"setMonitoringResult": results}))
            }
            "SetMonitoringBase" | "SetMonitoringLevel" => status("Accepted"),
            "ClearVariableMonitoring" => {
                let results: Vec<Value> = p["id"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|id| json!({"id": id, "status": "NotFound"}))
                    .collect();
                Reply::Ok(json!({"clearMonitoringResult": results}))
            }
            "GetMonitoringReport" => status("EmptyResultSet"),
            "SendLocalList" => {
                self.lock().local_list_version = p["versionNumber"].as_i64().unwrap_or(0) as i32;
                status("Accepted")
            }
            "GetLocalListVersion" => {
                Reply::Ok(json!({"versionNumber": self.lock().local_list_version}))
            }
            "ClearCache" => status("Accepted"),
            "ReserveNow" => {
                let n = p["evseId"].as_u64().unwrap_or(1) as usize;
                let mut state = self.lock();
                match state.connectors.get_mut(n) {
                    Some(c) if n > 0 && c.state.status == "Available" => {
                        c.state.status = "Reserved".to_owned();
                        c.state.reservation_id = p["id"].as_i64();
                        drop(state);
                        later(&self, link, Later::Statuses);
                        status("Accepted")
                    }
                    Some(_) => status("Occupied"),
                    None => status("Rejected"),
                }
            }
            "CancelReservation" => {
                let wanted = p["reservationId"].as_i64();
                let mut state = self.lock();
                let found = state
                    .connectors
                    .iter_mut()
                    .find(|c| c.state.reservation_id.is_some() && c.state.reservation_id == wanted);
                match found {
                    Some(c) => {
                        c.state.reservation_id = None;
                        c.state.status = "Available".to_owned();
                        drop(state);
                        later(&self, link, Later::Statuses);
                        status("Accepted")
                    }
                    None => status("Rejected"),
                }
            }
            "SetChargingProfile" | "ClearChargingProfile" => status("Accepted"),
            "GetChargingProfiles" => status("NoProfiles"),
            "GetCompositeSchedule" => status("Rejected"),
            "UpdateFirmware" => {
                later(
                    &self,
                    link,
                    Later::Firmware(p["requestId"].as_i64().unwrap_or(0)),
                );
                status("Accepted")
            }
            "PublishFirmware" => status("Accepted"),
            "UnpublishFirmware" => status("NoFirmware"),
            "GetLog" => {
                later(
                    &self,
                    link,
                    Later::Log(p["requestId"].as_i64().unwrap_or(0)),
                );
                Reply::Ok(
                    json!({"status": "Accepted", "filename": format!("{}.log", self.config.id)}),
                )
            }
            "CustomerInformation" => {
                if p["report"] == true {
                    later(
                        &self,
                        link,
                        Later::Customer(p["requestId"].as_i64().unwrap_or(0)),
                    );
                }
                status("Accepted")
            }
            "SetDisplayMessage" => status("Accepted"),
            "GetDisplayMessages" => status("Unknown"),
            "ClearDisplayMessage" => status("Unknown"),
            "CertificateSigned" | "InstallCertificate" => status("Accepted"),
            "DeleteCertificate" | "GetInstalledCertificateIds" => status("NotFound"),
            "CostUpdated" => Reply::Ok(json!({})),
            "DataTransfer" => status("UnknownVendorId"),
            _ => Reply::Error(
                "NotImplemented",
                format!("{action} is not implemented by this station"),
            ),
        }
    }

    /// What a 2.0.1 station sends after answering a call.
    async fn later(&self, link: &Link, what: Later) -> Result<(), SimError> {
        match what {
            Later::Statuses => {
                for n in 1..=self.config.connectors {
                    self.send_status(link, n).await?;
                }
            }
            Later::Report(request_id) => {
                let report = self.lock().variables.report();
                let parts: Vec<&[Value]> = report.chunks(REPORT_PART).collect();
                for (seq, part) in parts.iter().enumerate() {
                    link.call(
                        "NotifyReport",
                        json!({"requestId": request_id, "generatedAt": now(),
                        "seqNo": seq, "tbc": seq + 1 < parts.len(), "reportData": part}),
                    )
                    .await?;
                }
            }
            Later::Firmware(request_id) => {
                for step in ["Downloading", "Downloaded", "Installing", "Installed"] {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    link.call(
                        "FirmwareStatusNotification",
                        json!({"status": step, "requestId": request_id}),
                    )
                    .await?;
                }
            }
            Later::Log(request_id) => {
                for step in ["Uploading", "Uploaded"] {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    link.call(
                        "LogStatusNotification",
                        json!({"status": step, "requestId": request_id}),
                    )
                    .await?;
                }
            }
            Later::Customer(request_id) => {
                link.call(
                    "NotifyCustomerInformation",
                    json!({"data": "no customer data is kept",
                    "seqNo": 0, "generatedAt": now(), "requestId": request_id}),
                )
                .await?;
            }
            Later::Trigger(what, evse) => self.triggered_v201(link, &what, evse).await?,
        }
        Ok(())
    }

    /// Sends what a TriggerMessage asked for.
    async fn triggered_v201(
        &self,
        link: &Link,
        what: &str,
        evse: Option<u32>,
    ) -> Result<(), SimError> {
        match what {
            "BootNotification" => {
                self.lock().boot_reason = "Triggered";
                let answer = link.call("BootNotification", self.boot_payload()).await?;
                if let Some(interval) = answer["interval"].as_u64()
                    && answer["status"] == "Accepted"
                {
                    self.lock().heartbeat = Duration::from_secs(interval.max(1));
                    self.boot_accepted.notify_one();
                }
            }
            "Heartbeat" => {
                link.call("Heartbeat", json!({})).await?;
            }
            "StatusNotification" => match evse {
                Some(n) => self.send_status(link, n).await?,
                None => {
                    for n in 1..=self.config.connectors {
                        self.send_status(link, n).await?;
                    }
                }
            },
            "MeterValues" => {
                let n = evse.unwrap_or(1);
                let wh = self
                    .lock()
                    .connectors
                    .get(n as usize)
                    .map_or(0.0, |c| c.state.meter_wh);
                link.call(
                    "MeterValues",
                    json!({"evseId": n, "meterValue": [{"timestamp": now(),
                    "sampledValue": [{"value": wh.round(), "context": "Trigger"}]}]}),
                )
                .await?;
            }
            "FirmwareStatusNotification" => {
                link.call(what, json!({"status": "Idle"})).await?;
            }
            "LogStatusNotification" => {
                link.call(what, json!({"status": "Idle"})).await?;
            }
            // TransactionEvent: the running sessions report at their next meter reading.
            _ => {}
        }
        Ok(())
    }
}

/// A message a 2.0.1 station sends after answering a call.
enum Later {
    Statuses,
    Report(i64),
    Firmware(i64),
    Log(i64),
    Customer(i64),
    Trigger(String, Option<u32>),
}
