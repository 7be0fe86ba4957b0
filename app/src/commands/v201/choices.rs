//! The inputs and value lists the 2.0.1 forms share.

use crate::commands::Input;

pub(super) const EVSE: Input = Input::Connector { zero: false };
pub(super) const EVSE_OR_STATION: Input = Input::Connector { zero: true };
pub(super) const ID: Input = Input::Int { min: 0 };
pub(super) const COUNT: Input = Input::Int { min: 0 };
pub(super) const URL: Input = Input::Text { max: 512 };
pub(super) const NAME: Input = Input::Text { max: 50 };
pub(super) const TOKEN_TYPES: &[&str] = &[
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
];
pub(super) const PURPOSES: &[&str] = &[
    "ChargingStationExternalConstraints",
    "ChargingStationMaxProfile",
    "TxDefaultProfile",
    "TxProfile",
];
pub(super) const RATE_UNITS: &[&str] = &["A", "W"];
pub(super) const ATTRIBUTES: &[&str] = &["Actual", "Target", "MinSet", "MaxSet"];
pub(super) const CERTIFICATE_TYPES: &[&str] = &[
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
];
pub(super) const HASHES: &[&str] = &["SHA256", "SHA384", "SHA512"];
pub(super) const MONITORS: &[&str] = &[
    "UpperThreshold",
    "LowerThreshold",
    "Delta",
    "Periodic",
    "PeriodicClockAligned",
];
pub(super) const FORMATS: &[&str] = &["ASCII", "HTML", "URI", "UTF8"];
pub(super) const PRIORITIES: &[&str] = &["AlwaysFront", "InFront", "NormalCycle"];
