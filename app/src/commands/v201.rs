//! Every OCPP 2.0.1 operation a CSMS sends, as a form. Nested types get one input per field
//! (`idToken.idToken`, `idToken.type`); `[]` in a path is an array of one object
//! (`chargingProfile.chargingSchedule[].chargingRateUnit`).

use super::{Command, Field, Input, opt, req};
use protocol::OcppVersion;

const fn op(action: &'static str, summary: &'static str, fields: &'static [Field]) -> Command {
    Command {
        action,
        summary,
        fields,
        security: false,
        version: OcppVersion::V201,
    }
}

mod choices;
use choices::*;

/// Every operation of OCPP 2.0.1 a CSMS sends.
pub const COMMANDS_V201: &[Command] = &[
    op(
        "RequestStartTransaction",
        "Start charging for an idToken",
        &[
            req("idToken.idToken", "Id token", Input::IdTag),
            req("idToken.type", "Token type", Input::Choice(TOKEN_TYPES)),
            req("remoteStartId", "Remote start id", ID),
            opt("evseId", "EVSE", EVSE),
            opt("groupIdToken.idToken", "Group id token", Input::IdTag),
            opt(
                "groupIdToken.type",
                "Group token type",
                Input::Choice(TOKEN_TYPES),
            ),
        ],
    ),
    op(
        "RequestStopTransaction",
        "Stop a transaction",
        &[req(
            "transactionId",
            "Transaction",
            Input::StationTransaction,
        )],
    ),
    op(
        "GetTransactionStatus",
        "Ask whether a transaction is ongoing and messages of it are queued",
        &[opt(
            "transactionId",
            "Transaction",
            Input::StationTransaction,
        )],
    ),
    op(
        "Reset",
        "Reboot the station (or an EVSE)",
        &[
            req("type", "When", Input::Choice(&["Immediate", "OnIdle"])),
            opt("evseId", "EVSE", EVSE),
        ],
    ),
    op(
        "ChangeAvailability",
        "Make the station, an EVSE or a connector operative or inoperative",
        &[
            req(
                "operationalStatus",
                "Status",
                Input::Choice(&["Operative", "Inoperative"]),
            ),
            opt("evse.id", "EVSE", EVSE),
            opt("evse.connectorId", "Connector", Input::Int { min: 1 }),
        ],
    ),
    op(
        "UnlockConnector",
        "Release the cable of a connector",
        &[
            req("evseId", "EVSE", EVSE),
            req("connectorId", "Connector", Input::Int { min: 1 }),
        ],
    ),
    op(
        "TriggerMessage",
        "Ask the station to send a message now",
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
                    "SignChargingStationCertificate",
                    "SignV2GCertificate",
                    "StatusNotification",
                    "TransactionEvent",
                    "SignCombinedCertificate",
                    "PublishFirmwareStatusNotification",
                ]),
            ),
            opt("evse.id", "EVSE", EVSE),
        ],
    ),
    op(
        "GetVariables",
        "Read a variable of the device model",
        &[
            req("getVariableData[].component.name", "Component", NAME),
            opt(
                "getVariableData[].component.instance",
                "Component instance",
                NAME,
            ),
            opt(
                "getVariableData[].component.evse.id",
                "Component EVSE",
                EVSE,
            ),
            req("getVariableData[].variable.name", "Variable", NAME),
            opt(
                "getVariableData[].variable.instance",
                "Variable instance",
                NAME,
            ),
            opt(
                "getVariableData[].attributeType",
                "Attribute",
                Input::Choice(ATTRIBUTES),
            ),
        ],
    ),
    op(
        "SetVariables",
        "Write a variable of the device model",
        &[
            req("setVariableData[].component.name", "Component", NAME),
            opt(
                "setVariableData[].component.instance",
                "Component instance",
                NAME,
            ),
            opt(
                "setVariableData[].component.evse.id",
                "Component EVSE",
                EVSE,
            ),
            req("setVariableData[].variable.name", "Variable", NAME),
            opt(
                "setVariableData[].variable.instance",
                "Variable instance",
                NAME,
            ),
            req(
                "setVariableData[].attributeValue",
                "Value",
                Input::Text { max: 1000 },
            ),
            opt(
                "setVariableData[].attributeType",
                "Attribute",
                Input::Choice(ATTRIBUTES),
            ),
        ],
    ),
    op(
        "GetBaseReport",
        "Ask for a predefined report of the device model (sent as NotifyReport)",
        &[
            req("requestId", "Request id", ID),
            req(
                "reportBase",
                "Report",
                Input::Choice(&[
                    "ConfigurationInventory",
                    "FullInventory",
                    "SummaryInventory",
                ]),
            ),
        ],
    ),
    op(
        "GetReport",
        "Ask for the variables matching criteria (sent as NotifyReport)",
        &[
            req("requestId", "Request id", ID),
            opt(
                "componentCriteria",
                "Criteria (Active, Available, Enabled, Problem)",
                Input::Words,
            ),
            opt("componentVariable[].component.name", "Component", NAME),
            opt("componentVariable[].variable.name", "Variable", NAME),
        ],
    ),
    op(
        "SetNetworkProfile",
        "Store a network connection profile in a slot",
        &[
            req("configurationSlot", "Slot", Input::Int { min: 1 }),
            req(
                "connectionData.ocppVersion",
                "OCPP version",
                Input::Choice(&["OCPP20", "OCPP201", "OCPP16", "OCPP12", "OCPP15"]),
            ),
            req(
                "connectionData.ocppTransport",
                "Transport",
                Input::Choice(&["JSON", "SOAP"]),
            ),
            req("connectionData.ocppCsmsUrl", "CSMS URL", URL),
            req(
                "connectionData.messageTimeout",
                "Message timeout (s)",
                COUNT,
            ),
            req(
                "connectionData.securityProfile",
                "Security profile",
                Input::Int { min: 0 },
            ),
            req(
                "connectionData.ocppInterface",
                "Interface",
                Input::Choice(&[
                    "Wired0",
                    "Wired1",
                    "Wired2",
                    "Wired3",
                    "Wireless0",
                    "Wireless1",
                    "Wireless2",
                    "Wireless3",
                ]),
            ),
        ],
    ),
    op(
        "SetVariableMonitoring",
        "Set a monitor on a variable",
        &[
            req("setMonitoringData[].component.name", "Component", NAME),
            req("setMonitoringData[].variable.name", "Variable", NAME),
            req(
                "setMonitoringData[].type",
                "Monitor",
                Input::Choice(MONITORS),
            ),
            req("setMonitoringData[].value", "Value", Input::Decimal),
            req("setMonitoringData[].severity", "Severity (0-9)", COUNT),
            opt("setMonitoringData[].id", "Monitor id (to replace)", ID),
            opt(
                "setMonitoringData[].transaction",
                "During transactions only",
                Input::Bool,
            ),
        ],
    ),
    op(
        "SetMonitoringBase",
        "Activate a predefined set of monitors",
        &[req(
            "monitoringBase",
            "Base",
            Input::Choice(&["All", "FactoryDefault", "HardWiredOnly"]),
        )],
    ),
    op(
        "SetMonitoringLevel",
        "Report events up to this severity (0: danger … 9: debug)",
        &[req("severity", "Severity", COUNT)],
    ),
    op(
        "ClearVariableMonitoring",
        "Remove monitors",
        &[req("id", "Monitor ids (comma-separated)", Input::Ints)],
    ),
    op(
        "GetMonitoringReport",
        "Ask for the monitors (sent as NotifyMonitoringReport)",
        &[
            req("requestId", "Request id", ID),
            opt(
                "monitoringCriteria",
                "Criteria (ThresholdMonitoring, DeltaMonitoring, PeriodicMonitoring)",
                Input::Words,
            ),
        ],
    ),
    op(
        "SendLocalList",
        "Send id tags of the store as the local authorization list",
        &[
            req("versionNumber", "List version", Input::Int { min: 1 }),
            req(
                "updateType",
                "Update",
                Input::Choice(&["Full", "Differential"]),
            ),
            opt("localAuthorizationList", "Id tags", Input::Tokens),
        ],
    ),
    op("GetLocalListVersion", "Read the local list version", &[]),
    op("ClearCache", "Clear the authorization cache", &[]),
    op(
        "ReserveNow",
        "Reserve an EVSE (or any) for an idToken",
        &[
            req("id", "Reservation id", ID),
            req("expiryDateTime", "Expires (UTC)", Input::DateTime),
            req("idToken.idToken", "Id token", Input::IdTag),
            req("idToken.type", "Token type", Input::Choice(TOKEN_TYPES)),
            opt("evseId", "EVSE", EVSE),
            opt("connectorType", "Connector type", Input::Text { max: 20 }),
            opt("groupIdToken.idToken", "Group id token", Input::IdTag),
            opt(
                "groupIdToken.type",
                "Group token type",
                Input::Choice(TOKEN_TYPES),
            ),
        ],
    ),
    op(
        "CancelReservation",
        "Cancel a reservation",
        &[req("reservationId", "Reservation id", ID)],
    ),
    op(
        "SetChargingProfile",
        "Install a charging profile",
        &[
            req("evseId", "EVSE (0: the station)", EVSE_OR_STATION),
            req("chargingProfile.id", "Profile id", ID),
            req("chargingProfile.stackLevel", "Stack level", COUNT),
            req(
                "chargingProfile.chargingProfilePurpose",
                "Purpose",
                Input::Choice(PURPOSES),
            ),
            req(
                "chargingProfile.chargingProfileKind",
                "Kind",
                Input::Choice(&["Absolute", "Recurring", "Relative"]),
            ),
            opt(
                "chargingProfile.recurrencyKind",
                "Recurrency",
                Input::Choice(&["Daily", "Weekly"]),
            ),
            opt(
                "chargingProfile.transactionId",
                "Transaction",
                Input::StationTransaction,
            ),
            req("chargingProfile.chargingSchedule[].id", "Schedule id", ID),
            req(
                "chargingProfile.chargingSchedule[].chargingRateUnit",
                "Unit",
                Input::Choice(RATE_UNITS),
            ),
            req(
                "chargingProfile.chargingSchedule[].chargingSchedulePeriod",
                "Periods (start s:limit, …)",
                Input::Periods,
            ),
            opt(
                "chargingProfile.chargingSchedule[].duration",
                "Duration (s)",
                COUNT,
            ),
            opt(
                "chargingProfile.chargingSchedule[].startSchedule",
                "Schedule start (UTC)",
                Input::DateTime,
            ),
            opt(
                "chargingProfile.chargingSchedule[].minChargingRate",
                "Minimum rate",
                Input::Decimal,
            ),
            opt(
                "chargingProfile.validFrom",
                "Valid from (UTC)",
                Input::DateTime,
            ),
            opt("chargingProfile.validTo", "Valid to (UTC)", Input::DateTime),
        ],
    ),
    op(
        "GetChargingProfiles",
        "Ask for the charging profiles (sent as ReportChargingProfiles)",
        &[
            req("requestId", "Request id", ID),
            opt("evseId", "EVSE (0: the station)", EVSE_OR_STATION),
            opt(
                "chargingProfile.chargingProfilePurpose",
                "Purpose",
                Input::Choice(PURPOSES),
            ),
            opt("chargingProfile.stackLevel", "Stack level", COUNT),
            opt(
                "chargingProfile.chargingProfileId",
                "Profile ids",
                Input::Ints,
            ),
        ],
    ),
    op(
        "ClearChargingProfile",
        "Remove charging profiles",
        &[
            opt("chargingProfileId", "Profile id", ID),
            opt(
                "chargingProfileCriteria.evseId",
                "EVSE (0: the station)",
                EVSE_OR_STATION,
            ),
            opt(
                "chargingProfileCriteria.chargingProfilePurpose",
                "Purpose",
                Input::Choice(PURPOSES),
            ),
            opt("chargingProfileCriteria.stackLevel", "Stack level", COUNT),
        ],
    ),
    op(
        "GetCompositeSchedule",
        "Ask for the schedule all profiles of an EVSE make",
        &[
            req("duration", "Duration (s)", COUNT),
            req("evseId", "EVSE (0: the station)", EVSE_OR_STATION),
            opt("chargingRateUnit", "Unit", Input::Choice(RATE_UNITS)),
        ],
    ),
    op(
        "UpdateFirmware",
        "Download and install firmware",
        &[
            req("requestId", "Request id", ID),
            req("firmware.location", "Location (URL)", URL),
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
            opt(
                "firmware.signingCertificate",
                "Signing certificate (PEM)",
                Input::LongText,
            ),
            opt("firmware.signature", "Signature (base64)", Input::LongText),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    op(
        "PublishFirmware",
        "Make a local controller publish firmware to its stations",
        &[
            req("location", "Location (URL)", URL),
            req("checksum", "MD5 checksum", Input::Text { max: 32 }),
            req("requestId", "Request id", ID),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    op(
        "UnpublishFirmware",
        "Make a local controller stop publishing firmware",
        &[req("checksum", "MD5 checksum", Input::Text { max: 32 })],
    ),
    op(
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
            opt("log.latestTimestamp", "To (UTC)", Input::DateTime),
            opt("retries", "Retries", COUNT),
            opt("retryInterval", "Retry interval (s)", COUNT),
        ],
    ),
    op(
        "CustomerInformation",
        "Report or clear what the station keeps about a customer",
        &[
            req("requestId", "Request id", ID),
            req("report", "Report it", Input::Bool),
            req("clear", "Clear it", Input::Bool),
            opt(
                "customerIdentifier",
                "Customer identifier",
                Input::Text { max: 64 },
            ),
            opt("idToken.idToken", "Id token", Input::IdTag),
            opt("idToken.type", "Token type", Input::Choice(TOKEN_TYPES)),
        ],
    ),
    op(
        "SetDisplayMessage",
        "Show a message on the station's display",
        &[
            req("message.id", "Message id", ID),
            req("message.priority", "Priority", Input::Choice(PRIORITIES)),
            req("message.message.format", "Format", Input::Choice(FORMATS)),
            req("message.message.content", "Text", Input::Text { max: 512 }),
            opt(
                "message.message.language",
                "Language",
                Input::Text { max: 8 },
            ),
            opt(
                "message.state",
                "Shown when",
                Input::Choice(&["Charging", "Faulted", "Idle", "Unavailable"]),
            ),
            opt("message.startDateTime", "From (UTC)", Input::DateTime),
            opt("message.endDateTime", "Until (UTC)", Input::DateTime),
            opt(
                "message.transactionId",
                "Transaction",
                Input::StationTransaction,
            ),
        ],
    ),
    op(
        "GetDisplayMessages",
        "Ask for the display messages (sent as NotifyDisplayMessages)",
        &[
            req("requestId", "Request id", ID),
            opt("id", "Message ids", Input::Ints),
            opt("priority", "Priority", Input::Choice(PRIORITIES)),
            opt(
                "state",
                "Shown when",
                Input::Choice(&["Charging", "Faulted", "Idle", "Unavailable"]),
            ),
        ],
    ),
    op(
        "ClearDisplayMessage",
        "Remove a display message",
        &[req("id", "Message id", ID)],
    ),
    op(
        "CertificateSigned",
        "Deliver a signed certificate chain",
        &[
            req(
                "certificateChain",
                "Certificate chain (PEM)",
                Input::LongText,
            ),
            opt(
                "certificateType",
                "For",
                Input::Choice(&["ChargingStationCertificate", "V2GCertificate"]),
            ),
        ],
    ),
    op(
        "InstallCertificate",
        "Install a root certificate",
        &[
            req("certificateType", "Type", Input::Choice(CERTIFICATE_TYPES)),
            req("certificate", "Certificate (PEM)", Input::LongText),
        ],
    ),
    op(
        "DeleteCertificate",
        "Delete an installed certificate",
        &[
            req(
                "certificateHashData.hashAlgorithm",
                "Hash",
                Input::Choice(HASHES),
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
    op(
        "GetInstalledCertificateIds",
        "List the installed certificates",
        &[opt(
            "certificateType",
            "Types (V2GRootCertificate, MORootCertificate, CSMSRootCertificate, V2GCertificateChain, ManufacturerRootCertificate)",
            Input::Words,
        )],
    ),
    op(
        "CostUpdated",
        "Tell the station a transaction's running cost",
        &[
            req("totalCost", "Total cost", Input::Decimal),
            req("transactionId", "Transaction", Input::StationTransaction),
        ],
    ),
    op(
        "DataTransfer",
        "Send vendor-specific data",
        &[
            req("vendorId", "Vendor id", Input::Text { max: 255 }),
            opt("messageId", "Message id", NAME),
            opt("data", "Data (JSON, or text)", Input::Json),
        ],
    ),
];

#[cfg(test)]
mod tests;
