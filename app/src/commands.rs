//! The operations a central system can send, as forms: which inputs each one has, and how the
//! values typed into them become the request's JSON.
//!
//! The request is then checked with the `protocol` crate's decoder, the same one the server
//! uses, so the form says what is wrong (with the field's path) before anything is sent.

mod build;
mod v201;

pub use build::{Values, build};
pub use v201::COMMANDS_V201;

use protocol::OcppVersion;

/// What kind of input a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A connector of the station; `zero` allows 0, the whole station.
    Connector { zero: bool },
    /// A whole number, at least `min`.
    Int { min: i64 },
    /// A decimal number.
    Decimal,
    /// One line of text, at most `max` characters.
    Text { max: usize },
    /// Several lines of text (certificates, signatures, data).
    LongText,
    /// An id tag; the tags of the store are offered.
    IdTag,
    /// A date and time, UTC.
    DateTime,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// A comma-separated list of words (configuration keys).
    Words,
    /// Tags of the store, as a local authorization list.
    Tags,
    /// Schedule periods: `start:limit` pairs (seconds from the start: A or W), comma-separated.
    Periods,
    /// One of the station's active transactions.
    Transaction,
    /// One of the station's active transactions, by the station's own id (2.0.1).
    StationTransaction,
    /// Tags of the store, as a 2.0.1 local authorization list (idToken objects).
    Tokens,
    /// A comma-separated list of whole numbers.
    Ints,
    /// Any JSON value (a DataTransfer's data); text that is not JSON is sent as a string.
    Json,
    /// Yes or no.
    Bool,
}

/// One input of a command's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Where the value goes in the request: a field name, or a dotted path into nested objects.
    pub path: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

/// An operation the central system sends, as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub action: &'static str,
    /// What it asks the station to do.
    pub summary: &'static str,
    pub fields: &'static [Field],
    /// From the security extension (OCPP 1.6 security whitepaper).
    pub security: bool,
    /// The OCPP version it belongs to.
    pub version: OcppVersion,
}

const fn req(path: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        path,
        label,
        input,
        required: true,
    }
}

const fn opt(path: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        path,
        label,
        input,
        required: false,
    }
}

const fn core(action: &'static str, summary: &'static str, fields: &'static [Field]) -> Command {
    Command {
        action,
        summary,
        fields,
        security: false,
        version: OcppVersion::V16,
    }
}

const fn secure(action: &'static str, summary: &'static str, fields: &'static [Field]) -> Command {
    Command {
        action,
        summary,
        fields,
        security: true,
        version: OcppVersion::V16,
    }
}

const CONNECTOR: Input = Input::Connector { zero: false };
const CONNECTOR_OR_STATION: Input = Input::Connector { zero: true };
const ID: Input = Input::Int { min: 0 };
const COUNT: Input = Input::Int { min: 0 };
const URL: Input = Input::Text { max: 512 };
const PURPOSES: &[&str] = &["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"];
const RATE_UNITS: &[&str] = &["A", "W"];
const CERTIFICATE_USES: &[&str] = &[
    "CentralSystemRootCertificate",
    "ManufacturerRootCertificate",
];

/// Every operation of OCPP 1.6 a central system sends, then those of the security extension.
pub const COMMANDS: &[Command] = &[
    core(
        "RemoteStartTransaction",
        "Start charging for an id tag",
        &[
            req("idTag", "Id tag", Input::IdTag),
            opt("connectorId", "Connector", CONNECTOR),
        ],
    ),
    core(
        "RemoteStopTransaction",
        "Stop a transaction",
        &[req("transactionId", "Transaction", Input::Transaction)],
    ),
    core(
        "Reset",
        "Reboot the station",
        &[req("type", "Type", Input::Choice(&["Soft", "Hard"]))],
    ),
    core(
        "UnlockConnector",
        "Release the cable of a connector",
        &[req("connectorId", "Connector", CONNECTOR)],
    ),
    core(
        "ChangeAvailability",
        "Make a connector (or the station) operative or inoperative",
        &[
            req("connectorId", "Connector", CONNECTOR_OR_STATION),
            req(
                "type",
                "Availability",
                Input::Choice(&["Operative", "Inoperative"]),
            ),
        ],
    ),
    core(
        "TriggerMessage",
        "Ask the station to send a message now",
        &[
            req(
                "requestedMessage",
                "Message",
                Input::Choice(&[
                    "BootNotification",
                    "DiagnosticsStatusNotification",
                    "FirmwareStatusNotification",
                    "Heartbeat",
                    "MeterValues",
                    "StatusNotification",
                ]),
            ),
            opt("connectorId", "Connector", CONNECTOR),
        ],
    ),
    core(
        "GetConfiguration",
        "Read configuration keys (all if none given)",
        &[opt("key", "Keys", Input::Words)],
    ),
    core(
        "ChangeConfiguration",
        "Set a configuration key",
        &[
            req("key", "Key", Input::Text { max: 50 }),
            req("value", "Value", Input::Text { max: 500 }),
        ],
    ),
    core(
        "ReserveNow",
        "Reserve a connector for an id tag",
        &[
            req("connectorId", "Connector", CONNECTOR_OR_STATION),
            req("idTag", "Id tag", Input::IdTag),
            req("expiryDate", "Expires (UTC)", Input::DateTime),
            req("reservationId", "Reservation id", ID),
            opt("parentIdTag", "Parent id tag", Input::IdTag),
        ],
    ),
    core(
        "CancelReservation",
        "Cancel a reservation",
        &[req("reservationId", "Reservation id", ID)],
    ),
    core("ClearCache", "Clear the authorization cache", &[]),
    core("GetLocalListVersion", "Read the local list version", &[]),
    core(
        "SendLocalList",
        "Send id tags of the store as the local authorization list",
        &[
            req("listVersion", "List version", Input::Int { min: 1 }),
            req(
                "updateType",
                "Update",
                Input::Choice(&["Full", "Differential"]),
            ),
            opt("localAuthorizationList", "Id tags", Input::Tags),
        ],
    ),
    core(
        "SetChargingProfile",
        "Install a charging profile",
        &[
            req("connectorId", "Connector", CONNECTOR_OR_STATION),
            req("csChargingProfiles.chargingProfileId", "Profile id", ID),
            req("csChargingProfiles.stackLevel", "Stack level", COUNT),
            req(
                "csChargingProfiles.chargingProfilePurpose",
                "Purpose",
                Input::Choice(PURPOSES),
            ),
            req(
                "csChargingProfiles.chargingProfileKind",
                "Kind",
                Input::Choice(&["Absolute", "Recurring", "Relative"]),
            ),
            opt(
                "csChargingProfiles.recurrencyKind",
                "Recurrency",
                Input::Choice(&["Daily", "Weekly"]),
            ),
            opt(
                "csChargingProfiles.transactionId",
                "Transaction",
                Input::Transaction,
            ),
            req(
                "csChargingProfiles.chargingSchedule.chargingRateUnit",
                "Unit",
                Input::Choice(RATE_UNITS),
            ),
            req(
                "csChargingProfiles.chargingSchedule.chargingSchedulePeriod",
                "Periods (start s:limit, …)",
                Input::Periods,
            ),
            opt(
                "csChargingProfiles.chargingSchedule.duration",
                "Duration (s)",
                COUNT,
            ),
            opt(
                "csChargingProfiles.chargingSchedule.startSchedule",
                "Schedule start (UTC)",
                Input::DateTime,
            ),
            opt(
                "csChargingProfiles.chargingSchedule.minChargingRate",
                "Minimum rate",
                Input::Decimal,
            ),
            opt(
                "csChargingProfiles.validFrom",
                "Valid from (UTC)",
                Input::DateTime,
            ),
            opt(
                "csChargingProfiles.validTo",
                "Valid to (UTC)",
                Input::DateTime,
            ),
        ],
    ),
    core(
        "ClearChargingProfile",
        "Remove charging profiles (all that match)",
        &[
            opt("id", "Profile id", ID),
            opt("connectorId", "Connector", CONNECTOR_OR_STATION),
            opt("chargingProfilePurpose", "Purpose", Input::Choice(PURPOSES)),
            opt("stackLevel", "Stack level", COUNT),
        ],
    ),
    core(
        "GetCompositeSchedule",
        "Read the schedule a connector will follow",
        &[
            req("connectorId", "Connector", CONNECTOR_OR_STATION),
            req("duration", "Duration (s)", COUNT),
            opt("chargingRateUnit", "Unit", Input::Choice(RATE_UNITS)),
        ],
    ),
    core(
        "GetDiagnostics",
        "Upload diagnostics to a location",
        &[
            req("location", "Upload to (URL)", URL),
            opt("startTime", "From (UTC)", Input::DateTime),
            opt("stopTime", "Until (UTC)", Input::DateTime),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    core(
        "UpdateFirmware",
        "Download and install firmware",
        &[
            req("location", "Firmware (URL)", URL),
            req("retrieveDate", "Retrieve at (UTC)", Input::DateTime),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    core(
        "DataTransfer",
        "Send vendor-specific data",
        &[
            req("vendorId", "Vendor id", Input::Text { max: 255 }),
            opt("messageId", "Message id", Input::Text { max: 50 }),
            opt("data", "Data", Input::LongText),
        ],
    ),
    secure(
        "ExtendedTriggerMessage",
        "Ask the station to send a message now (security extension)",
        &[
            req(
                "requestedMessage",
                "Message",
                Input::Choice(&[
                    "BootNotification",
                    "LogStatusNotification",
                    "FirmwareStatusNotification",
                    "Heartbeat",
                    "MeterValues",
                    "SignChargePointCertificate",
                    "StatusNotification",
                ]),
            ),
            opt("connectorId", "Connector", CONNECTOR),
        ],
    ),
    secure(
        "GetLog",
        "Upload a diagnostics or security log",
        &[
            req(
                "logType",
                "Log",
                Input::Choice(&["DiagnosticsLog", "SecurityLog"]),
            ),
            req("requestId", "Request id", ID),
            req("log.remoteLocation", "Upload to (URL)", URL),
            opt("log.oldestTimestamp", "From (UTC)", Input::DateTime),
            opt("log.latestTimestamp", "Until (UTC)", Input::DateTime),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    secure(
        "SignedUpdateFirmware",
        "Download and install signed firmware",
        &[
            req("requestId", "Request id", ID),
            req("firmware.location", "Firmware (URL)", URL),
            req(
                "firmware.retrieveDateTime",
                "Retrieve at (UTC)",
                Input::DateTime,
            ),
            opt(
                "firmware.installDateTime",
                "Install at (UTC)",
                Input::DateTime,
            ),
            req(
                "firmware.signingCertificate",
                "Signing certificate (PEM)",
                Input::LongText,
            ),
            req("firmware.signature", "Signature (base64)", Input::LongText),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    secure(
        "InstallCertificate",
        "Install a root certificate",
        &[
            req("certificateType", "Use", Input::Choice(CERTIFICATE_USES)),
            req("certificate", "Certificate (PEM)", Input::LongText),
        ],
    ),
    secure(
        "GetInstalledCertificateIds",
        "List installed root certificates",
        &[req(
            "certificateType",
            "Use",
            Input::Choice(CERTIFICATE_USES),
        )],
    ),
    secure(
        "DeleteCertificate",
        "Delete an installed certificate",
        &[
            req(
                "certificateHashData.hashAlgorithm",
                "Hash algorithm",
                Input::Choice(&["SHA256", "SHA384", "SHA512"]),
            ),
            req(
                "certificateHashData.issuerNameHash",
                "Issuer name hash",
                Input::Text { max: 128 },
            ),
            req(
                "certificateHashData.issuerKeyHash",
                "Issuer key hash",
                Input::Text { max: 128 },
            ),
            req(
                "certificateHashData.serialNumber",
                "Serial number",
                Input::Text { max: 40 },
            ),
        ],
    ),
    secure(
        "CertificateSigned",
        "Send the signed station certificate",
        &[req(
            "certificateChain",
            "Certificate chain (PEM)",
            Input::LongText,
        )],
    ),
];

/// The command of this action.
pub fn command(version: OcppVersion, action: &str) -> Option<&'static Command> {
    commands_of(version).iter().find(|c| c.action == action)
}

/// The operations of a version.
pub fn commands_of(version: OcppVersion) -> &'static [Command] {
    match version {
        OcppVersion::V16 => COMMANDS,
        OcppVersion::V201 => COMMANDS_V201,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::IdTagRow;
    use serde_json::Value;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_central_system_action_has_one_form() {
        let actions: Vec<_> = COMMANDS.iter().map(|c| c.action).collect();
        let mut expected: Vec<_> = protocol::v16::call::CENTRAL_ACTIONS.to_vec();
        let mut sorted = actions.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(COMMANDS.iter().filter(|c| !c.security).count(), 19);
    }

    #[test]
    fn builds_nested_requests_that_the_protocol_accepts() {
        let profile = command(OcppVersion::V16, "SetChargingProfile").unwrap();
        let built = build(
            profile,
            &values(&[
                ("connectorId", "1"),
                ("csChargingProfiles.chargingProfileId", "7"),
                ("csChargingProfiles.stackLevel", "0"),
                (
                    "csChargingProfiles.chargingProfilePurpose",
                    "TxDefaultProfile",
                ),
                ("csChargingProfiles.chargingProfileKind", "Absolute"),
                ("csChargingProfiles.chargingSchedule.chargingRateUnit", "A"),
                (
                    "csChargingProfiles.chargingSchedule.chargingSchedulePeriod",
                    "0:16, 3600:32.5",
                ),
                (
                    "csChargingProfiles.chargingSchedule.startSchedule",
                    "2026-11-24T10:00",
                ),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            json(&built),
            json(
                r#"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"stackLevel":0,
                "chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",
                "chargingSchedule":{"chargingRateUnit":"A","startSchedule":"2026-11-24T10:00:00Z",
                "chargingSchedulePeriod":[{"startPeriod":0,"limit":16.0},{"startPeriod":3600,"limit":32.5}]}}}"#
            )
        );
    }

    #[test]
    fn a_local_list_comes_from_the_store() {
        let tags = [IdTagRow {
            id_tag: "TAG1".into(),
            status: "Blocked".into(),
            expiry_date: Some("2027-01-01T00:00:00Z".into()),
            parent_id_tag: None,
            in_transaction: false,
        }];
        let list = command(OcppVersion::V16, "SendLocalList").unwrap();
        let built = build(
            list,
            &values(&[
                ("listVersion", "3"),
                ("updateType", "Full"),
                ("localAuthorizationList", "TAG1"),
            ]),
            &tags,
        )
        .unwrap();
        assert_eq!(
            json(&built)["localAuthorizationList"],
            json(
                r#"[{"idTag":"TAG1","idTagInfo":{"status":"Blocked","expiryDate":"2027-01-01T00:00:00Z"}}]"#
            )
        );
        let unknown = build(
            list,
            &values(&[
                ("listVersion", "3"),
                ("updateType", "Full"),
                ("localAuthorizationList", "NOPE"),
            ]),
            &tags,
        );
        assert_eq!(unknown, Err("There is no id tag NOPE in the store.".into()));
    }

    #[test]
    fn says_what_is_wrong_before_sending() {
        let start = command(OcppVersion::V16, "RemoteStartTransaction").unwrap();
        assert_eq!(
            build(start, &values(&[]), &[]),
            Err("Id tag is required.".into())
        );
        assert_eq!(
            build(start, &values(&[("idTag", "T"), ("connectorId", "0")]), &[]),
            Err("Connector must be at least 1.".into())
        );
        let too_long = build(start, &values(&[("idTag", "ABCDEFGHIJKLMNOPQRSTU")]), &[]);
        let message = too_long.unwrap_err();
        assert!(message.contains("idTag"), "{message}");
        let reserve = command(OcppVersion::V16, "ReserveNow").unwrap();
        let bad_date = build(
            reserve,
            &values(&[
                ("connectorId", "1"),
                ("idTag", "T"),
                ("expiryDate", "tomorrow"),
                ("reservationId", "1"),
            ]),
            &[],
        );
        assert!(
            bad_date
                .unwrap_err()
                .starts_with("Expires (UTC) must be a date")
        );
        assert_eq!(
            build(
                command(OcppVersion::V16, "Reset").unwrap(),
                &values(&[("type", "Warm")]),
                &[]
            ),
            Err("Type must be one of Soft, Hard.".into())
        );
    }

    #[test]
    fn optional_fields_left_empty_are_omitted() {
        let built = build(
            command(OcppVersion::V16, "GetConfiguration").unwrap(),
            &values(&[("key", "  ")]),
            &[],
        )
        .unwrap();
        assert_eq!(built, "{}");
        let keys = build(
            command(OcppVersion::V16, "GetConfiguration").unwrap(),
            &values(&[("key", "HeartbeatInterval, MeterValueSampleInterval")]),
            &[],
        )
        .unwrap();
        assert_eq!(
            json(&keys),
            json(r#"{"key":["HeartbeatInterval","MeterValueSampleInterval"]}"#)
        );
    }
}
