#!/usr/bin/env python3
"""Generates protocol/src/v201/{messages,types.rs,actions.rs} from the official OCPP 2.0.1 JSON
schemas.

    python3 protocol/codegen/ocpp201.py end2end/node_modules/ocpp-rpc/lib/schemas/ocpp2_0_1.json

The schemas come from the npm package ocpp-rpc (installed by `make test` in end2end/); they are
the OCA's schemas of OCPP 2.0.1 FINAL, gathered in one file. Output is committed; run `cargo fmt`
after. protocol/tests/it/schemas201.rs checks every generated type against the same schemas,
independently of this script.

In 2.0.1 every object and enumeration is a named definition, so types are named after the
specification (`IdTokenType` -> `IdToken`,
`IdTokenEnumType` -> `IdTokenEnum`, `EVSEType` -> `Evse`). `CustomDataType`, the one open
object, keeps the properties it does not name.
"""
import json
import sys
from pathlib import Path

from rust import field_name, render_enum, render_struct, snake, uses_of, write_command_schemas

OUT = Path(__file__).resolve().parent.parent / "src" / "v201"

# Direction of each action (OCPP 2.0.1 part 2, "Messages").
FROM_STATION = {
    "Authorize": "Sent by the Charging Station to have an idToken authorized.",
    "BootNotification": "Sent by the Charging Station after start-up, with why it booted and what it is.",
    "ClearedChargingLimit": "Sent by the Charging Station when an external charging limit was cleared.",
    "DataTransfer": "Vendor-specific data exchange, in either direction.",
    "FirmwareStatusNotification": "Sent by the Charging Station about the progress of a firmware update.",
    "Get15118EVCertificate": "Sent by the Charging Station to get or update an ISO 15118 contract certificate for the EV.",
    "GetCertificateStatus": "Sent by the Charging Station to have the OCSP status of a certificate checked.",
    "Heartbeat": "Sent by the Charging Station to show it is alive; the answer carries the current time.",
    "LogStatusNotification": "Sent by the Charging Station about the progress of a log upload.",
    "MeterValues": "Sent by the Charging Station with sampled meter values of an EVSE, outside a transaction.",
    "NotifyChargingLimit": "Sent by the Charging Station when an external system set a charging limit.",
    "NotifyCustomerInformation": "Sent by the Charging Station with (a part of) the customer information asked for.",
    "NotifyDisplayMessages": "Sent by the Charging Station with (a part of) the display messages asked for.",
    "NotifyEVChargingNeeds": "Sent by the Charging Station with the charging needs an ISO 15118 EV announced.",
    "NotifyEVChargingSchedule": "Sent by the Charging Station with the charging schedule an ISO 15118 EV chose.",
    "NotifyEvent": "Sent by the Charging Station when a monitored variable changed or a monitor triggered.",
    "NotifyMonitoringReport": "Sent by the Charging Station with (a part of) the monitoring report asked for.",
    "NotifyReport": "Sent by the Charging Station with (a part of) the device model report asked for.",
    "PublishFirmwareStatusNotification": "Sent by a Local Controller about the progress of publishing firmware.",
    "ReportChargingProfiles": "Sent by the Charging Station with (a part of) the charging profiles asked for.",
    "ReservationStatusUpdate": "Sent by the Charging Station when a reservation expired or was removed.",
    "SecurityEventNotification": "Sent by the Charging Station to report a security event.",
    "SignCertificate": "Sent by the Charging Station with a CSR for its certificate to be signed.",
    "StatusNotification": "Sent by the Charging Station when a connector's status changes.",
    "TransactionEvent": "Sent by the Charging Station when a transaction starts, changes or ends.",
}
FROM_CENTRAL = {
    "CancelReservation": "Sent by the CSMS to cancel a reservation.",
    "CertificateSigned": "Sent by the CSMS to deliver a signed certificate after a SignCertificate request.",
    "ChangeAvailability": "Sent by the CSMS to change the availability of the Charging Station, an EVSE or a connector.",
    "ClearCache": "Sent by the CSMS to clear the Charging Station's authorization cache.",
    "ClearChargingProfile": "Sent by the CSMS to clear charging profiles matching the given criteria.",
    "ClearDisplayMessage": "Sent by the CSMS to remove a display message.",
    "ClearVariableMonitoring": "Sent by the CSMS to remove variable monitors.",
    "CostUpdated": "Sent by the CSMS with the running cost of a transaction.",
    "CustomerInformation": "Sent by the CSMS to get or clear the information a Charging Station keeps about a customer.",
    "DataTransfer": "Vendor-specific data exchange, in either direction.",
    "DeleteCertificate": "Sent by the CSMS to delete an installed certificate.",
    "GetBaseReport": "Sent by the CSMS to get one of the predefined device model reports.",
    "GetChargingProfiles": "Sent by the CSMS to get the charging profiles matching the given criteria.",
    "GetCompositeSchedule": "Sent by the CSMS to get the schedule that results from all charging profiles of an EVSE.",
    "GetDisplayMessages": "Sent by the CSMS to get the display messages matching the given criteria.",
    "GetInstalledCertificateIds": "Sent by the CSMS to list the installed certificates of some types.",
    "GetLocalListVersion": "Sent by the CSMS to read the version of the local authorization list.",
    "GetLog": "Sent by the CSMS to make the Charging Station upload a diagnostics or security log.",
    "GetMonitoringReport": "Sent by the CSMS to get the variable monitors matching the given criteria.",
    "GetReport": "Sent by the CSMS to get the device model variables matching the given criteria.",
    "GetTransactionStatus": "Sent by the CSMS to learn whether a transaction is ongoing and messages of it are queued.",
    "GetVariables": "Sent by the CSMS to read variables of the device model.",
    "InstallCertificate": "Sent by the CSMS to install a root certificate.",
    "PublishFirmware": "Sent by the CSMS to make a Local Controller publish firmware to its Charging Stations.",
    "RequestStartTransaction": "Sent by the CSMS to start a transaction remotely.",
    "RequestStopTransaction": "Sent by the CSMS to stop a transaction remotely.",
    "ReserveNow": "Sent by the CSMS to reserve an EVSE (or any) for an idToken.",
    "Reset": "Sent by the CSMS to make the Charging Station (or an EVSE) reset.",
    "SendLocalList": "Sent by the CSMS to send (part of) the local authorization list.",
    "SetChargingProfile": "Sent by the CSMS to set a charging profile.",
    "SetDisplayMessage": "Sent by the CSMS to have a message displayed.",
    "SetMonitoringBase": "Sent by the CSMS to activate a predefined set of monitors.",
    "SetMonitoringLevel": "Sent by the CSMS to set the severity up to which monitors report events.",
    "SetNetworkProfile": "Sent by the CSMS to set a network connection profile in a configuration slot.",
    "SetVariableMonitoring": "Sent by the CSMS to set variable monitors.",
    "SetVariables": "Sent by the CSMS to write variables of the device model.",
    "TriggerMessage": "Sent by the CSMS to make the Charging Station send a message now.",
    "UnlockConnector": "Sent by the CSMS to unlock a connector.",
    "UnpublishFirmware": "Sent by the CSMS to make a Local Controller stop publishing firmware.",
    "UpdateFirmware": "Sent by the CSMS to make the Charging Station download and install firmware.",
}
DOCS = {**FROM_CENTRAL, **FROM_STATION}

enums = {}    # name -> (values, doc)
structs = {}  # name -> (normalized schema, fields, strict, doc)


def type_name(definition):
    # As the specification's Java names: IdTokenEnumType -> IdTokenEnum, IdTokenType -> IdToken.
    name = definition.removesuffix("Type")
    # An all-capitals name reads as an acronym: EVSE -> Evse, APN -> Apn.
    if name.isupper():
        name = name[:1] + name[1:].lower()
    return name




def without_docs(schema):
    if isinstance(schema, dict):
        return {k: without_docs(v) for k, v in schema.items() if k not in ("description", "javaType", "default", "comment")}
    if isinstance(schema, list):
        return [without_docs(v) for v in schema]
    return schema


def register(definition, root):
    target = root["definitions"][definition]
    name = type_name(definition)
    doc = f"{name} of OCPP 2.0.1 ({definition})."
    if "enum" in target:
        values = tuple(target["enum"])
        if name in enums and enums[name][0] != values:
            sys.exit(f"enum {name} defined twice with different values")
        enums[name] = (values, doc)
        return name
    normalized = json.dumps(without_docs(target), sort_keys=True)
    if name in structs:
        if structs[name][0] != normalized:
            sys.exit(f"struct {name} defined twice with different schemas")
        return name
    structs[name] = (normalized, None, None, doc)
    structs[name] = (normalized, fields_of(target, root), target.get("additionalProperties") is False, doc)
    return name


def rust_type(schema, root, where):
    if "$ref" in schema:
        return register(schema["$ref"].split("/")[-1], root)
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
        return "Vec<" + rust_type(schema["items"], root, where) + ">"
    if kind is None and set(schema) <= {"description"}:
        return "serde_json::Value"  # DataTransfer's data: any JSON
    sys.exit(f"unsupported schema at {where}: {schema}")


def fields_of(schema, root):
    required = set(schema.get("required", []))
    out = []
    for prop, sub in schema.get("properties", {}).items():
        out.append({
            "json": prop,
            "rust": field_name(prop),
            "type": rust_type(sub, root, prop),
            "required": prop in required,
            "min_items": sub.get("minItems"),
            "max_items": sub.get("maxItems"),
            "minimum": sub.get("minimum"),
            "maximum": sub.get("maximum"),
        })
    return out


CUSTOM_DATA = '''/// CustomData of OCPP 2.0.1 (CustomDataType): a vendor's extension of any object. The one open
/// object of the schemas: properties other than `vendorId` are kept as they came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomData {
    pub vendor_id: CiString<255>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}'''

HEADER = (
    "// Generated by protocol/codegen/ocpp201.py from the OCPP 2.0.1 JSON schemas (npm ocpp-rpc 2.2.1).\n"
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
            fields = fields_of(schema, schema)
            all_fields += fields
            doc = (f"{action}Request: {DOCS[action]}" if kind == "req"
                   else f"{action}Response: the answer to [`{action}Request`].")
            parts.append(render_struct(action + suffix, fields, schema.get("additionalProperties") is False, doc))
        prims, types = uses_of(all_fields)
        head = [HEADER, f"//! {action}: {DOCS[action]}", ""]
        if prims:
            head.append("use crate::types::{" + ", ".join(prims) + "};")
        if types:
            head.append("use crate::v201::types::{" + ", ".join(types) + "};")
        head.append("use serde::{Deserialize, Serialize};")
        (messages_dir / f"{snake(action)}.rs").write_text("\n".join(head) + "\n\n" + "\n\n".join(parts) + "\n")

    mod = [HEADER, "//! One module per OCPP 2.0.1 action: its request and its response.", ""]
    mod += [f"mod {snake(a)};" for a in actions]
    mod.append("")
    mod += [f"pub use {snake(a)}::{{{a}Request, {a}Response}};" for a in actions]
    (messages_dir / "mod.rs").write_text("\n".join(mod) + "\n")

    types = [HEADER, "//! The enumerations and composite types OCPP 2.0.1 messages share.", "",
             "use crate::types::{CiString, DateTime, Decimal};",
             "use serde::{Deserialize, Serialize};", ""]
    for name in sorted(enums):
        values, doc = enums[name]
        types.append(render_enum(name, values, "2.0.1", doc))
        types.append("")
    for name in sorted(structs):
        if name == "CustomData":
            types.append(CUSTOM_DATA)
        else:
            _, fields, strict, doc = structs[name]
            types.append(render_struct(name, fields, strict, doc))
        types.append("")
    (OUT / "types.rs").write_text("\n".join(types))

    act = [HEADER, "//! Every OCPP 2.0.1 action with its request and response types, by direction.", "",
           "use super::messages::*;", "", "crate::call::actions! {", "    all: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in actions]
    act += ["    ],", "    from_station: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in sorted(FROM_STATION)]
    act += ["    ],", "    from_central: ["]
    act += [f"        ({a}, {a}Request, {a}Response)," for a in sorted(FROM_CENTRAL)]
    act += ["    ],", "}"]
    (OUT / "actions.rs").write_text("\n".join(act) + "\n")
    write_command_schemas(OUT / "commands.schema.json", schemas, FROM_CENTRAL)


if __name__ == "__main__":
    main()
