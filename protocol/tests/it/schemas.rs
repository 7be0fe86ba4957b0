//! Every OCPP 1.6 message type against the official JSON schemas (from npm `ocpp-rpc`, installed
//! in `end2end/node_modules` by `make test`).
//!
//! From each schema this test builds, on its own (independently of the code generator):
//! - the largest valid instance (every property, strings at their maximum length) and the
//!   smallest (required properties only): each must decode into its type and encode back to
//!   exactly the same JSON;
//! - one broken instance per constraint, at every depth: a required property removed, a value of
//!   the wrong JSON type, a string one character too long, a value outside its enumeration, a
//!   malformed date-time, an unknown property: each must be refused with the error code that
//!   names that fault.

use protocol::ErrorCode;
use protocol::v16::call::{CENTRAL_ACTIONS, STATION_ACTIONS};
use protocol::v16::{
    CentralRequest, CentralResponse, PayloadError, StationRequest, StationResponse,
};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

fn schemas() -> Vec<Value> {
    let path = std::env::var_os("CENTRALE_OCPP16_SCHEMAS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../end2end/node_modules/ocpp-rpc/lib/schemas/ocpp1_6.json")
        },
        PathBuf::from,
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the official OCPP 1.6 schemas are not at {} ({e}): run `make test`, or `npm ci` in end2end/",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("schema file is JSON")
}

/// Decodes `payload` as the message `id` ("Action.req" / "Action.conf") and encodes it back.
/// DataTransfer goes both ways: it is checked as both sides' message.
fn round_trip(id: &str, payload: &Value) -> Result<Vec<Value>, PayloadError> {
    let (action, kind) = id.rsplit_once('.').expect("schema ids are Action.kind");
    let text = payload.to_string();
    let mut encoded = Vec::new();
    if STATION_ACTIONS.contains(&action) {
        encoded.push(match kind {
            "req" => StationRequest::decode(action, &text)?.to_json(),
            _ => StationResponse::decode(action, &text)?.to_json(),
        });
    }
    if CENTRAL_ACTIONS.contains(&action) {
        encoded.push(match kind {
            "req" => CentralRequest::decode(action, &text)?.to_json(),
            _ => CentralResponse::decode(action, &text)?.to_json(),
        });
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
        Some("integer") => json!(42),
        Some("number") => json!(12.5),
        Some("boolean") => json!(true),
        Some("array") => json!([instance(&schema["items"], root, full)]),
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
        other => panic!("unexpected schema type {other:?}"),
    }
}

#[test]
fn every_message_matches_its_official_schema() {
    let schemas = schemas();
    assert_eq!(
        schemas.len(),
        78,
        "39 actions, each a request and a response"
    );
    let mut checked = 0;
    for schema in &schemas {
        let id = schema["$id"].as_str().unwrap().trim_start_matches("urn:");
        for full in [true, false] {
            let valid = instance(schema, schema, full);
            let encoded = round_trip(id, &valid)
                .unwrap_or_else(|e| panic!("{id}: valid instance refused: {e}\n{valid}"));
            for back in encoded {
                assert_eq!(back, valid, "{id}: does not encode back to the same JSON");
            }
            checked += 1;
        }
        let valid = instance(schema, schema, true);
        for case in broken(schema, schema, &valid) {
            match round_trip(id, &case.payload) {
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
    println!("{checked} instances checked against the OCPP 1.6 schemas");
}

#[test]
fn every_action_has_both_schemas_and_a_direction() {
    let schemas = schemas();
    let ids: Vec<&str> = schemas.iter().map(|s| s["$id"].as_str().unwrap()).collect();
    for action in STATION_ACTIONS.iter().chain(CENTRAL_ACTIONS) {
        assert!(
            ids.contains(&format!("urn:{action}.req").as_str()),
            "{action}.req"
        );
        assert!(
            ids.contains(&format!("urn:{action}.conf").as_str()),
            "{action}.conf"
        );
    }
    assert_eq!(STATION_ACTIONS.len(), 14);
    assert_eq!(CENTRAL_ACTIONS.len(), 26);
}
