//! What a 2.0.1 station not yet accepted may send because the CSMS asked for it.
//!
//! While a station is Pending (or Rejected), the CSMS answers anything but BootNotification with
//! SecurityError (B02.FR.09, B03.FR.07), except the messages it triggered itself: the message a
//! TriggerMessage asks for, the NotifyReport parts of its GetBaseReport, and so on (B02.FR.01
//! lets the CSMS configure a Pending station).

/// The actions a station has been asked to send in this session.
#[derive(Debug, Default)]
pub(super) struct Invited(Vec<&'static str>);

impl Invited {
    /// Notes what a call about to be sent invites the station to send.
    pub(super) fn note(&mut self, action: &str, payload: &serde_json::Value) {
        let invited: &[&'static str] = match action {
            "TriggerMessage" => match payload["requestedMessage"].as_str() {
                Some("BootNotification") => &["BootNotification"],
                Some("LogStatusNotification") => &["LogStatusNotification"],
                Some("FirmwareStatusNotification") => &["FirmwareStatusNotification"],
                Some("Heartbeat") => &["Heartbeat"],
                Some("MeterValues") => &["MeterValues"],
                Some("StatusNotification") => &["StatusNotification"],
                Some("TransactionEvent") => &["TransactionEvent"],
                Some("PublishFirmwareStatusNotification") => &["PublishFirmwareStatusNotification"],
                Some(
                    "SignChargingStationCertificate"
                    | "SignV2GCertificate"
                    | "SignCombinedCertificate",
                ) => &["SignCertificate"],
                _ => &[],
            },
            "GetBaseReport" | "GetReport" => &["NotifyReport"],
            "GetMonitoringReport" => &["NotifyMonitoringReport"],
            "GetDisplayMessages" => &["NotifyDisplayMessages"],
            "CustomerInformation" => &["NotifyCustomerInformation"],
            "GetChargingProfiles" => &["ReportChargingProfiles"],
            "GetLog" => &["LogStatusNotification"],
            "UpdateFirmware" => &["FirmwareStatusNotification"],
            _ => &[],
        };
        for action in invited {
            if !self.0.contains(action) {
                self.0.push(action);
            }
        }
    }

    /// Whether the station was asked to send `action`.
    pub(super) fn allows(&self, action: &str) -> bool {
        self.0.contains(&action)
    }
}

#[cfg(test)]
mod tests {
    use super::Invited;
    use serde_json::json;

    #[test]
    fn a_trigger_or_a_report_request_invites_its_messages() {
        let mut invited = Invited::default();
        assert!(!invited.allows("NotifyReport"));
        invited.note(
            "GetBaseReport",
            &json!({"requestId": 1, "reportBase": "FullInventory"}),
        );
        invited.note(
            "TriggerMessage",
            &json!({"requestedMessage": "SignV2GCertificate"}),
        );
        assert!(invited.allows("NotifyReport"));
        assert!(invited.allows("SignCertificate"));
        assert!(!invited.allows("TransactionEvent"));
    }
}
