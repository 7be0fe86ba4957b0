//! Every OCPP 1.6 and 2.0.1 message type against the official JSON schemas (from npm `ocpp-rpc`,
//! installed in `end2end/node_modules` by `make test`).
//!
//! From each schema this test builds, on its own (independently of the code generators):
//! - the largest valid instance (every property, strings at their maximum length, integers at
//!   their bounds) and the smallest (required properties only): each must decode into its type
//!   and encode back to exactly the same JSON;
//! - one broken instance per constraint, at every depth: a required property removed, a value of
//!   the wrong JSON type, a string one character too long, an integer out of its range, too many
//!   items, a value outside its enumeration, a malformed date-time, an unknown property: each
//!   must be refused with the error code that names that fault.

use protocol::ErrorCode;
use protocol::call::PayloadError;
use protocol::{v16, v201};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// One OCPP version's schemas and decoders.
struct Version {
    name: &'static str,
    file: &'static str,
    station_actions: &'static [&'static str],
    central_actions: &'static [&'static str],
    /// Decodes a payload as (station side?, request?) and encodes it back.
    decode: fn(
        action: &str,
        from_station: bool,
        request: bool,
        text: &str,
    ) -> Result<Value, PayloadError>,
}

const V16: Version = Version {
    name: "1.6",
    file: "ocpp1_6.json",
    station_actions: v16::call::STATION_ACTIONS,
    central_actions: v16::call::CENTRAL_ACTIONS,
    decode: |action, from_station, request, text| {
        Ok(match (from_station, request) {
            (true, true) => v16::StationRequest::decode(action, text)?.to_json(),
            (true, false) => v16::StationResponse::decode(action, text)?.to_json(),
            (false, true) => v16::CentralRequest::decode(action, text)?.to_json(),
            (false, false) => v16::CentralResponse::decode(action, text)?.to_json(),
        })
    },
};

const V201: Version = Version {
    name: "2.0.1",
    file: "ocpp2_0_1.json",
    station_actions: v201::STATION_ACTIONS,
    central_actions: v201::CENTRAL_ACTIONS,
    decode: |action, from_station, request, text| {
        Ok(match (from_station, request) {
            (true, true) => v201::StationRequest::decode(action, text)?.to_json(),
            (true, false) => v201::StationResponse::decode(action, text)?.to_json(),
            (false, true) => v201::CentralRequest::decode(action, text)?.to_json(),
            (false, false) => v201::CentralResponse::decode(action, text)?.to_json(),
        })
    },
};

fn schemas(version: &Version) -> Vec<Value> {
    let path = std::env::var_os("CENTRALE_OCPP_SCHEMAS")
        .map_or_else(
            || {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../end2end/node_modules/ocpp-rpc/lib/schemas")
            },
            PathBuf::from,
        )
        .join(version.file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the official OCPP {} schemas are not at {} ({e}): run `make test`, or `npm ci` in end2end/",
            version.name,
            path.display()
        )
    });
    serde_json::from_str(&text).expect("schema file is JSON")
}

/// Decodes `payload` as the message `id` ("Action.req" / "Action.conf") and encodes it back.
/// DataTransfer goes both ways: it is checked as both sides' message.
fn round_trip(version: &Version, id: &str, payload: &Value) -> Result<Vec<Value>, PayloadError> {
    let (action, kind) = id.rsplit_once('.').expect("schema ids are Action.kind");
    let text = payload.to_string();
    let mut encoded = Vec::new();
    for (side, actions) in [
        (true, version.station_actions),
        (false, version.central_actions),
    ] {
        if actions.contains(&action) {
            encoded.push((version.decode)(action, side, kind == "req", &text)?);
        }
    }
    assert!(!encoded.is_empty(), "{action} is in no direction's table");
    Ok(encoded)
}

fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &root["definitions"][name]
        }
        None => schema,
    }
}

/// A valid instance: every property (`full`) or only the required ones.
fn instance(schema: &Value, root: &Value, full: bool) -> Value {
    let schema = resolve(schema, root);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[if full { values.len() - 1 } else { 0 }].clone();
    }
    match schema["type"].as_str() {
        Some("string") if schema["format"] == "date-time" => json!("2026-11-24T10:00:00.123Z"),
        Some("string") => {
            let len = schema["maxLength"].as_u64().map_or(12, |m| m as usize);
            json!("é".repeat(len))
        }
        Some("integer") => match (schema["minimum"].as_f64(), schema["maximum"].as_f64()) {
            (_, Some(max)) if full => json!(max as i64),
            (Some(min), _) => json!(min as i64),
            _ => json!(42),
        },
        Some("number") => json!(12.5),
        Some("boolean") => json!(true),
        Some("array") => json!([instance(&schema["items"], root, full)]),
        // DataTransfer's data in 2.0.1: any JSON.
        None if schema.get("properties").is_none() => json!({"any": ["json", 1]}),
        Some("object") => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (name, sub) in props {
                    if full || required.contains(&name.as_str()) {
                        object.insert(name.clone(), instance(sub, root, full));
                    }
                }
            }
            Value::Object(object)
        }
        other => panic!("unexpected schema type {other:?}: {schema}"),
    }
}

/// A broken copy of a valid instance and the code it must get.
struct Broken {
    what: String,
    payload: Value,
    code: ErrorCode,
}

/// Every single-fault variant of `valid` (an instance of `schema`), at every depth.
fn broken(schema: &Value, root: &Value, valid: &Value) -> Vec<Broken> {
    let mut out = Vec::new();
    walk(schema, root, valid, &mut Vec::new(), &mut out, valid);
    out
}

fn set_at(doc: &Value, path: &[PathStep], value: Option<Value>) -> Value {
    let mut doc = doc.clone();
    let mut at = &mut doc;
    for step in &path[..path.len() - 1] {
        at = match step {
            PathStep::Key(k) => &mut at[k.as_str()],
            PathStep::Index(i) => &mut at[*i],
        };
    }
    match (path.last().unwrap(), value) {
        (PathStep::Key(k), Some(v)) => {
            at[k.as_str()] = v;
        }
        (PathStep::Key(k), None) => {
            at.as_object_mut().unwrap().remove(k);
        }
        (PathStep::Index(i), Some(v)) => at[*i] = v,
        (PathStep::Index(_), None) => unreachable!("array items are not removed"),
    }
    doc
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn walk(
    schema: &Value,
    root: &Value,
    here: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<Broken>,
    doc: &Value,
) {
    use ErrorCode::*;
    let schema = resolve(schema, root);
    let name = format!("{path:?}");
    let mut push = |what: &str, replacement: Option<Value>, code| {
        if !path.is_empty() {
            out.push(Broken {
                what: format!("{what} at {name}"),
                payload: set_at(doc, path, replacement),
                code,
            });
        }
    };
    if schema.get("enum").is_some() {
        push(
            "value outside the enumeration",
            Some(json!("NotAValue")),
            PropertyConstraintViolation,
        );
        push(
            "number for an enumeration",
            Some(json!(7)),
            TypeConstraintViolation,
        );
        return;
    }
    match schema["type"].as_str() {
        Some("string") => {
            push(
                "number for a string",
                Some(json!(7)),
                TypeConstraintViolation,
            );
            if schema["format"] == "date-time" {
                push(
                    "malformed date-time",
                    Some(json!("24/11/2026")),
                    PropertyConstraintViolation,
                );
            } else if let Some(max) = schema["maxLength"].as_u64() {
                let long = "x".repeat(max as usize + 1);
                push(
                    "string too long",
                    Some(json!(long)),
                    PropertyConstraintViolation,
                );
            }
        }
        Some("integer") => {
            push(
                "string for an integer",
                Some(json!("42")),
                TypeConstraintViolation,
            );
            push(
                "decimal for an integer",
                Some(json!(4.5)),
                TypeConstraintViolation,
            );
            if let Some(min) = schema["minimum"].as_f64() {
                let low = json!(min as i64 - 1);
                push(
                    "integer below its minimum",
                    Some(low),
                    PropertyConstraintViolation,
                );
            }
            if let Some(max) = schema["maximum"].as_f64() {
                let high = json!(max as i64 + 1);
                push(
                    "integer above its maximum",
                    Some(high),
                    PropertyConstraintViolation,
                );
            }
        }
        Some("number") => push(
            "string for a number",
            Some(json!("1")),
            TypeConstraintViolation,
        ),
        Some("boolean") => push(
            "string for a boolean",
            Some(json!("yes")),
            TypeConstraintViolation,
        ),
        Some("array") => {
            push(
                "object for an array",
                Some(json!({})),
                TypeConstraintViolation,
            );
            if let (Some(max), Some(item)) = (
                schema["maxItems"].as_u64(),
                here.as_array().and_then(|a| a.first()),
            ) {
                let many = json!(vec![item.clone(); max as usize + 1]);
                push("too many items", Some(many), OccurrenceConstraintViolation);
            }
            if let Some(item) = here.as_array().and_then(|a| a.first()) {
                path.push(PathStep::Index(0));
                walk(&schema["items"], root, item, path, out, doc);
                path.pop();
            }
        }
        Some("object") => {
            push(
                "string for an object",
                Some(json!("x")),
                TypeConstraintViolation,
            );
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if schema["additionalProperties"] == json!(false) {
                let mut with_extra = here.clone();
                with_extra["unexpectedField"] = json!(1);
                out.push(Broken {
                    what: format!("unknown property at {name}"),
                    payload: if path.is_empty() {
                        with_extra
                    } else {
                        set_at(doc, path, Some(with_extra))
                    },
                    code: FormationViolation,
                });
            }
            for (key, value) in here.as_object().unwrap() {
                path.push(PathStep::Key(key.clone()));
                if required.contains(&key.as_str()) {
                    out.push(Broken {
                        what: format!("required property missing at {path:?}"),
                        payload: set_at(doc, path, None),
                        code: OccurrenceConstraintViolation,
                    });
                }
                walk(&schema["properties"][key], root, value, path, out, doc);
                path.pop();
            }
        }
        // Any JSON (2.0.1 DataTransfer's data): nothing to break.
        None if schema.get("properties").is_none() => {}
        other => panic!("unexpected schema type {other:?}"),
    }
}

fn check_every_message(version: &Version, actions: usize) {
    let schemas = schemas(version);
    assert_eq!(
        schemas.len(),
        2 * actions,
        "each action a request and a response"
    );
    let mut checked = 0;
    for schema in &schemas {
        let id = schema["$id"].as_str().unwrap().trim_start_matches("urn:");
        for full in [true, false] {
            let valid = instance(schema, schema, full);
            let encoded = round_trip(version, id, &valid)
                .unwrap_or_else(|e| panic!("{id}: valid instance refused: {e}\n{valid}"));
            for back in encoded {
                assert_eq!(back, valid, "{id}: does not encode back to the same JSON");
            }
            checked += 1;
        }
        let valid = instance(schema, schema, true);
        for case in broken(schema, schema, &valid) {
            match round_trip(version, id, &case.payload) {
                Ok(_) => panic!("{id}: accepted {}: {}", case.what, case.payload),
                Err(e) => assert_eq!(
                    e.code, case.code,
                    "{id}: {} got {:?} ({})",
                    case.what, e.code, e.reason
                ),
            }
            checked += 1;
        }
    }
    // Printed so that a run shows how much was covered.
    println!(
        "{checked} instances checked against the OCPP {} schemas",
        version.name
    );
}

fn check_directions(version: &Version, from_station: usize, from_central: usize) {
    let schemas = schemas(version);
    let ids: Vec<&str> = schemas.iter().map(|s| s["$id"].as_str().unwrap()).collect();
    for action in version
        .station_actions
        .iter()
        .chain(version.central_actions)
    {
        for kind in ["req", "conf"] {
            let id = format!("urn:{action}.{kind}");
            assert!(ids.contains(&id.as_str()), "{id}");
        }
    }
    assert_eq!(version.station_actions.len(), from_station);
    assert_eq!(version.central_actions.len(), from_central);
}

#[test]
fn every_v16_message_matches_its_official_schema() {
    check_every_message(&V16, 39);
}

#[test]
fn every_v16_action_has_both_schemas_and_a_direction() {
    check_directions(&V16, 14, 26);
}

#[test]
fn every_v201_message_matches_its_official_schema() {
    check_every_message(&V201, 64);
}

#[test]
fn every_v201_action_has_both_schemas_and_a_direction() {
    check_directions(&V201, 25, 40);
}
