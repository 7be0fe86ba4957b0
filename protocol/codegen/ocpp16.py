#!/usr/bin/env python3
"""Generates protocol/src/v16/{messages,types} from the official OCPP 1.6 JSON schemas.

    python3 protocol/codegen/ocpp16.py end2end/node_modules/ocpp-rpc/lib/schemas/ocpp1_6.json

The schemas come from the npm package ocpp-rpc (installed by `make test` in end2end/). Output is
committed; run `cargo fmt` after. protocol/tests/schemas.rs checks every generated type against
the same schemas, independently of this script.
"""
import json
import re
import sys
from pathlib import Path

from rust import field_name, render_enum, render_struct, snake, uses_of, write_command_schemas

OUT = Path(__file__).resolve().parent.parent / "src" / "v16"

# Direction of each action (OCPP 1.6 and its security whitepaper).
FROM_STATION = [
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "LogStatusNotification", "MeterValues",
    "SecurityEventNotification", "SignCertificate", "SignedFirmwareStatusNotification",
    "StartTransaction", "StatusNotification", "StopTransaction",
]
FROM_CENTRAL = [
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
    "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
    "ExtendedTriggerMessage", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
    "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "InstallCertificate",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList",
    "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage", "UnlockConnector",
    "UpdateFirmware",
]

# The specification's one-line description of each action.
DOCS = {
    "Authorize": "Sent by the Charge Point to request authorization of an identifier before starting or stopping charging.",
    "BootNotification": "Sent by the Charge Point after start-up, with its configuration (version, vendor, ...).",
    "CancelReservation": "Sent by the Central System to cancel a reservation.",
    "CertificateSigned": "Sent by the Central System to deliver a signed certificate after a SignCertificate request.",
    "ChangeAvailability": "Sent by the Central System to change the availability of a Charge Point or one of its connectors.",
    "ChangeConfiguration": "Sent by the Central System to change a configuration key of the Charge Point.",
    "ClearCache": "Sent by the Central System to clear the Charge Point's Authorization Cache.",
    "ClearChargingProfile": "Sent by the Central System to clear charging profiles matching the given criteria.",
    "DataTransfer": "Vendor-specific data exchange, in either direction.",
    "DeleteCertificate": "Sent by the Central System to delete an installed certificate.",
    "DiagnosticsStatusNotification": "Sent by the Charge Point about the status of a diagnostics upload.",
    "ExtendedTriggerMessage": "Sent by the Central System to make the Charge Point send a message, security messages included.",
    "FirmwareStatusNotification": "Sent by the Charge Point about the progress of a firmware update.",
    "GetCompositeSchedule": "Sent by the Central System to get the schedule that results from all charging profiles of a connector.",
    "GetConfiguration": "Sent by the Central System to read configuration keys of the Charge Point.",
    "GetDiagnostics": "Sent by the Central System to make the Charge Point upload a diagnostics file.",
    "GetInstalledCertificateIds": "Sent by the Central System to list the installed certificates of a type.",
    "GetLocalListVersion": "Sent by the Central System to read the version of the Local Authorization List.",
    "GetLog": "Sent by the Central System to make the Charge Point upload a diagnostics or security log.",
    "Heartbeat": "Sent by the Charge Point to show it is alive; the answer carries the current time.",
    "InstallCertificate": "Sent by the Central System to install a root certificate.",
    "LogStatusNotification": "Sent by the Charge Point about the status of a log upload.",
    "MeterValues": "Sent by the Charge Point with sampled meter values of a connector.",
    "RemoteStartTransaction": "Sent by the Central System to start a transaction remotely.",
    "RemoteStopTransaction": "Sent by the Central System to stop a transaction remotely.",
    "ReserveNow": "Sent by the Central System to reserve a connector for an identifier.",
    "Reset": "Sent by the Central System to make the Charge Point reset (soft or hard).",
    "SecurityEventNotification": "Sent by the Charge Point to report a security event.",
    "SendLocalList": "Sent by the Central System to send (part of) the Local Authorization List.",
    "SetChargingProfile": "Sent by the Central System to set a charging profile.",
    "SignCertificate": "Sent by the Charge Point with a CSR for its certificate to be signed.",
    "SignedFirmwareStatusNotification": "Sent by the Charge Point about the progress of a signed firmware update.",
    "SignedUpdateFirmware": "Sent by the Central System to make the Charge Point install signed firmware.",
    "StartTransaction": "Sent by the Charge Point when a transaction starts.",
    "StatusNotification": "Sent by the Charge Point when a connector's status or error changes.",
    "StopTransaction": "Sent by the Charge Point when a transaction stops.",
    "TriggerMessage": "Sent by the Central System to make the Charge Point send a message now.",
    "UnlockConnector": "Sent by the Central System to unlock a connector.",
    "UpdateFirmware": "Sent by the Central System to make the Charge Point download and install firmware.",
}

# Inline enums are named after the specification's type names, by their values where the values
# are unique to one type, else by message and field.
ENUM_BY_VALUES = {
    ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"): "AuthorizationStatus",
    ("Accepted", "Pending", "Rejected"): "RegistrationStatus",
    ("Inoperative", "Operative"): "AvailabilityType",
    ("Accepted", "Rejected", "Scheduled"): "AvailabilityStatus",
    ("Accepted", "Rejected", "RebootRequired", "NotSupported"): "ConfigurationStatus",
    ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"): "ChargingProfilePurposeType",
    ("Accepted", "Unknown"): "ClearChargingProfileStatus",
    ("Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"): "DataTransferStatus",
    ("Idle", "Uploaded", "UploadFailed", "Uploading"): "DiagnosticsStatus",
    ("Downloaded", "DownloadFailed", "Downloading", "Idle", "InstallationFailed", "Installing", "Installed"): "FirmwareStatus",
    ("A", "W"): "ChargingRateUnitType",
    ("Absolute", "Recurring", "Relative"): "ChargingProfileKindType",
    ("Daily", "Weekly"): "RecurrencyKindType",
    ("Accepted", "Faulted", "Occupied", "Rejected", "Unavailable"): "ReservationStatus",
    ("Hard", "Soft"): "ResetType",
    ("Differential", "Full"): "UpdateType",
    ("Accepted", "Failed", "NotSupported", "VersionMismatch"): "UpdateStatus",
    ("Accepted", "Rejected", "NotSupported"): "ChargingProfileStatus",
    ("Unlocked", "UnlockFailed", "NotSupported"): "UnlockStatus",
    ("Raw", "SignedData"): "ValueFormat",
    ("Cable", "EV", "Inlet", "Outlet", "Body"): "Location",
}
ENUM_BY_FIELD = {
    "SampledValue/context": "ReadingContext",
    "SampledValue/measurand": "Measurand",
    "SampledValue/phase": "Phase",
    "SampledValue/unit": "UnitOfMeasure",
    "StatusNotification.req/errorCode": "ChargePointErrorCode",
    "StatusNotification.req/status": "ChargePointStatus",
    "StopTransaction.req/reason": "Reason",
    "TriggerMessage.req/requestedMessage": "MessageTrigger",
    "TriggerMessage.conf/status": "TriggerMessageStatus",
    "CancelReservation.conf/status": "CancelReservationStatus",
    "ClearCache.conf/status": "ClearCacheStatus",
    "RemoteStartTransaction.conf/status": "RemoteStartStopStatus",
    "RemoteStopTransaction.conf/status": "RemoteStartStopStatus",
    "Reset.conf/status": "ResetStatus",
    "GetCompositeSchedule.conf/status": "GetCompositeScheduleStatus",
}
# Security-whitepaper definitions whose names clash with 1.6 core types of other values.
DEFINITION_RENAMES = {
    "FirmwareStatusEnumType": "SignedFirmwareStatus",
    "MessageTriggerEnumType": "ExtendedMessageTrigger",
    "TriggerMessageStatusEnumType": "ExtendedTriggerMessageStatus",
}
STRUCT_BY_FIELD = {
    "idTagInfo": "IdTagInfo",
    "meterValue": "MeterValue",
    "transactionData": "MeterValue",
    "sampledValue": "SampledValue",
    "chargingProfile": "ChargingProfile",
    "csChargingProfiles": "ChargingProfile",
    "chargingSchedule": "ChargingSchedule",
    "chargingSchedulePeriod": "ChargingSchedulePeriod",
    "configurationKey": "KeyValue",
    "localAuthorizationList": "AuthorizationData",
}

enums = {}    # name -> values
structs = {}  # name -> (normalized schema, fields)








def def_name(ref):
    name = ref.split("/")[-1]
    if name in DEFINITION_RENAMES:
        return DEFINITION_RENAMES[name]
    for suffix in ("EnumType", "Type"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name




def register_enum(name, values):
    if name in enums and enums[name] != values:
        sys.exit(f"enum {name} defined twice with different values: {enums[name]} / {values}")
    enums[name] = values
    return name


def enum_name(schema, owner, field):
    values = tuple(schema["enum"])
    for key in (f"{owner}/{field}", f"{owner.split('/')[-1]}/{field}"):
        if key in ENUM_BY_FIELD:
            return register_enum(ENUM_BY_FIELD[key], values)
    if values in ENUM_BY_VALUES:
        return register_enum(ENUM_BY_VALUES[values], values)
    sys.exit(f"no name for the enum of {owner}/{field}: {values}")


def rust_type(schema, root, owner, field):
    """The Rust type of a property schema, registering enums and structs on the way."""
    if "$ref" in schema:
        name = def_name(schema["$ref"])
        target = root["definitions"][schema["$ref"].split("/")[-1]]
        if "enum" in target:
            return register_enum(name, tuple(target["enum"]))
        return register_struct(name, target, root)
    if "enum" in schema:
        return enum_name(schema, owner, field)
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return "DateTime"
        if "maxLength" in schema:
            return f"CiString<{schema['maxLength']}>"
        return "String"
    if kind == "integer":
        return "i32"
    if kind == "number":
        return "Decimal"
    if kind == "boolean":
        return "bool"
    if kind == "array":
        return "Vec<" + rust_type(schema["items"], root, owner, field) + ">"
    if kind == "object":
        if field not in STRUCT_BY_FIELD:
            sys.exit(f"no name for the object {owner}/{field}")
        return register_struct(STRUCT_BY_FIELD[field], schema, root)
    sys.exit(f"unsupported schema at {owner}/{field}: {schema}")


def fields_of(schema, root, owner):
    required = set(schema.get("required", []))
    out = []
    for prop, sub in schema.get("properties", {}).items():
        ty = rust_type(sub, root, owner, prop)
        out.append({
            "json": prop,
            "rust": field_name(prop),
            "type": ty,
            "required": prop in required,
            "min_items": sub.get("minItems"),
        })
    return out


def register_struct(name, schema, root):
    normalized = json.dumps(schema, sort_keys=True)
    if name in structs:
        if structs[name][0] != normalized:
            sys.exit(f"struct {name} defined twice with different schemas")
        return name
    structs[name] = (normalized, None)
    structs[name] = (normalized, fields_of(schema, root, name), schema.get("additionalProperties") is False)
    return name






HEADER = (
    "// Generated by protocol/codegen/ocpp16.py from the OCPP 1.6 JSON schemas (npm ocpp-rpc 2.2.1).\n"
    "// Do not edit by hand: change the generator and run it again.\n"
)


def main():
    schemas = {s["$id"].removeprefix("urn:"): s for s in json.load(open(sys.argv[1]))}
    actions = sorted({k.rsplit(".", 1)[0] for k in schemas})
    missing = set(actions) ^ (set(FROM_STATION) | set(FROM_CENTRAL))
    if missing:
        sys.exit(f"actions without a direction, or directions without a schema: {missing}")

    messages_dir = OUT / "messages"
    messages_dir.mkdir(parents=True, exist_ok=True)
    for action in actions:
        parts = []
        all_fields = []
        for kind, suffix in (("req", "Request"), ("conf", "Response")):
            schema = schemas[f"{action}.{kind}"]
            fields = fields_of(schema, schema, f"{action}.{kind}")
            all_fields += fields
            who = "request" if kind == "req" else "response"
            doc = f"{action}.{kind}: the {who}. {DOCS[action]}" if kind == "req" else f"{action}.{kind}: the response to [`{action}Request`]."
            parts.append(render_struct(action + suffix, fields, schema.get("additionalProperties") is False, doc))
        prims, types = uses_of(all_fields)
        head = [HEADER, f"//! {action}: {DOCS[action]}", ""]
        if prims:
            head.append("use crate::types::{" + ", ".join(prims) + "};")
        if types:
            head.append("use crate::v16::types::{" + ", ".join(types) + "};")
        head.append("use serde::{Deserialize, Serialize};")
        (messages_dir / f"{snake(action)}.rs").write_text("\n".join(head) + "\n\n" + "\n\n".join(parts) + "\n")

    mod = [HEADER, "//! One module per OCPP 1.6 action: its request and its response.", ""]
    for action in actions:
        mod.append(f"mod {snake(action)};")
    mod.append("")
    for action in actions:
        mod.append(f"pub use {snake(action)}::{{{action}Request, {action}Response}};")
    (messages_dir / "mod.rs").write_text("\n".join(mod) + "\n")

    types = [HEADER, "//! The enumerations and composite types OCPP 1.6 messages share.", "",
             "use crate::types::{CiString, DateTime, Decimal};",
             "use serde::{Deserialize, Serialize};", ""]
    for name in sorted(enums):
        types.append(render_enum(name, enums[name], "1.6"))
        types.append("")
    for name in sorted(structs):
        _, fields, strict = structs[name]
        types.append(render_struct(name, fields, strict, f"{name} of OCPP 1.6."))
        types.append("")
    (OUT / "types.rs").write_text("\n".join(types))

    # The action tables: which request type goes with which action, in which direction.
    act = [HEADER, "//! Every OCPP 1.6 action with its request and response types, by direction.", "",
           "use super::messages::*;", "", "crate::call::actions! {", "    all: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in actions]
    act += ["    ],", "    from_station: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in FROM_STATION]
    act += ["    ],", "    from_central: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in FROM_CENTRAL]
    act += ["    ],", "}"]
    (OUT / "actions.rs").write_text("\n".join(act) + "\n")
    write_command_schemas(OUT / "commands.schema.json", schemas, FROM_CENTRAL)


if __name__ == "__main__":
    main()
