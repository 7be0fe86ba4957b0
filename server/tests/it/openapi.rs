//! The API description (`GET /api/openapi.json`) against the real server: every method the
//! router answers at a described path is described and no other, requests built from the
//! document's own examples are answered as it says, with bodies that match its schemas, and
//! every OCPP command has its operation with the official schemas of both versions.

use crate::helpers::{HttpResponse, TestApp, http_with};
use crate::simulated::{config, eventually};
use engine::model::RegistrationPolicy;
use serde_json::{Map, Value, json};
use simulator::charger::{Charger, Stats};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let answer = app.get("/api/openapi.json").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    answer.json()
}

/// The status of a request, read from its status line only (the event stream never ends).
async fn status_of(app: &TestApp, method: &str, path: &str, content_type: &str) -> u16 {
    let addr = app.server.addr().to_string();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let request = format!(
        "{} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{}Content-Type: {content_type}\r\n\
         Content-Length: 0\r\n\r\n",
        method.to_ascii_uppercase(),
        app.auth_header()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !head.ends_with(b"\r\n") && head.len() < 200 {
            if stream.read(&mut byte).await.expect("read") == 0 {
                break;
            }
            head.push(byte[0]);
        }
    })
    .await;
    assert!(read.is_ok(), "{method} {path}: no status line within 10 s");
    String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no status line in {head:?}"))
}

/// The path with each `{parameter}` replaced by its example in the document.
fn filled(template: &str, operation: &Value) -> String {
    let mut path = template.to_owned();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().expect("a parameter's name");
        let value = match &parameter["example"] {
            Value::String(s) => s.clone(),
            Value::Null => panic!("{template}: {name} has no example"),
            other => other.to_string(),
        };
        path = path.replace(&format!("{{{name}}}"), &value);
    }
    assert!(
        !path.contains('{'),
        "{template}: a path parameter is not described"
    );
    path
}

/// The path with each `{parameter}` replaced by `value`.
fn anything_at(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                value
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_the_router_answers_is_described_and_no_other() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut probed = 0;
    for (template, item) in paths {
        for method in METHODS {
            let operation = &item[method];
            // An id no station, user or token has: nothing described here is changed.
            let path = anything_at(template, "999999");
            let content_type = operation["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().next().cloned())
                .unwrap_or_else(|| "application/json".to_owned());
            let status = status_of(&app, method, &path, &content_type).await;
            probed += 1;
            if operation.is_null() {
                assert_eq!(
                    status, 405,
                    "{method} {template} is answered ({status}) but not described"
                );
                continue;
            }
            let described = operation["responses"]
                .as_object()
                .expect("responses")
                .contains_key(&status.to_string());
            assert!(
                described,
                "{method} {path}: answered {status}, which {template} does not describe"
            );
        }
    }
    assert!(probed >= 5 * 60, "only {probed} requests probed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_of_both_versions_has_its_operation_and_schemas() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (version, actions) in [
        ("16", protocol::v16::call::CENTRAL_ACTIONS),
        ("201", protocol::v201::CENTRAL_ACTIONS),
    ] {
        for action in actions {
            let path = format!("/api/stations/{{id}}/commands/{action}");
            let operation = &doc["paths"][&path]["post"];
            assert_eq!(operation["tags"], json!(["Commands"]), "{path}");
            for (part, at) in [
                ("request", "/requestBody/content/application~1json/schema"),
                (
                    "response",
                    "/responses/200/content/application~1json/schema",
                ),
            ] {
                let schema = operation.pointer(at).unwrap_or(&Value::Null);
                let name = format!("#/components/schemas/Ocpp{version}.{action}.{part}");
                let refs: Vec<&Value> = match schema.get("oneOf") {
                    Some(Value::Array(list)) => list.iter().map(|s| &s["$ref"]).collect(),
                    _ => vec![&schema["$ref"]],
                };
                assert!(refs.contains(&&json!(name)), "{path}: {part} {schema}");
            }
        }
    }
    // Every reference points at a component that exists.
    let mut references = Vec::new();
    collect_refs(&doc, &mut references);
    assert!(references.len() > 500, "{} references", references.len());
    for reference in references {
        let target = reference.strip_prefix('#').expect("a local reference");
        let found = doc.pointer(target).is_some();
        assert!(found, "{reference} points at nothing");
    }
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => into.push(target.clone()),
                    (_, inner) => collect_refs(inner, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, into)),
        _ => {}
    }
}

/// The schema a `$ref` names (or the schema itself).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(target) => doc
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{target} points at nothing")),
        None => schema,
    }
}

/// What `value` breaks of `schema` (the JSON Schema keywords the document uses): types,
/// required and described properties (a property the schema does not describe is a fault:
/// the document must say everything the server answers), enumerations, items, `oneOf`, `allOf`.
fn faults(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(Value::Array(parts)) = schema.get("oneOf").or(schema.get("anyOf")) {
        let fits = parts.iter().any(|part| {
            let mut inner = Vec::new();
            faults(doc, part, value, at, &mut inner);
            inner.is_empty()
        });
        if !fits {
            out.push(format!("{at}: {value} fits none of {parts:?}"));
        }
        return;
    }
    let mut described: Vec<&String> = Vec::new();
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            let part = resolve(doc, part);
            let mut open = part.clone();
            if let Some(object) = open.as_object_mut() {
                object.insert("additionalProperties".into(), json!(true));
            }
            faults(doc, &open, value, at, out);
            described.extend(
                part["properties"]
                    .as_object()
                    .into_iter()
                    .flat_map(Map::keys),
            );
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            out.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Value::Array(items) = value
        && let Some(item_schema) = schema.get("items")
    {
        for (i, item) in items.iter().enumerate() {
            faults(doc, item_schema, item, &format!("{at}[{i}]"), out);
        }
    }
    if let Value::Object(fields) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = required.as_str()
                && !fields.contains_key(name)
            {
                out.push(format!("{at}: {name} is required"));
            }
        }
        let properties = schema["properties"].as_object();
        described.extend(properties.into_iter().flat_map(Map::keys));
        let open = schema
            .get("additionalProperties")
            .is_some_and(|a| a != false)
            || (properties.is_none() && described.is_empty());
        for (name, field) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => {
                    faults(doc, field_schema, field, &format!("{at}.{name}"), out)
                }
                None if open || described.contains(&name) => {}
                None => out.push(format!("{at}: {name} is not described")),
            }
        }
    }
}

/// An example of `schema` built from the document: its example, its first allowed value, or
/// (for an object) its required properties.
fn example(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(Value::Array(examples)) = schema.get("examples")
        && let Some(first) = examples.first()
    {
        return first.clone();
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        return allowed[0].clone();
    }
    if let Some(Value::Array(parts)) = schema.get("oneOf") {
        return example(doc, &parts[0]);
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    match kind {
        "string" if schema["format"] == "date-time" => json!("2027-01-01T00:00:00Z"),
        "string" => json!("example"),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(json!(1)),
        "boolean" => json!(true),
        "array" => json!([example(doc, &schema["items"])]),
        "null" => Value::Null,
        _ => {
            let mut object = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().expect("a property name");
                object.insert(name.to_owned(), example(doc, &schema["properties"][name]));
            }
            Value::Object(object)
        }
    }
}

/// The request `operation` describes, built from its examples: path and query parameters, and
/// the body from its schema.
async fn request_from(app: &TestApp, doc: &Value, method: &str, template: &str) -> HttpResponse {
    let operation = &doc["paths"][template][method];
    let mut path = filled(template, operation);
    let query: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && !p["example"].is_null())
        .map(|p| {
            let value = match &p["example"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                p["name"].as_str().unwrap_or_default(),
                value.replace(',', "%2C")
            )
        })
        .collect();
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let body = operation
        .pointer("/requestBody/content/application~1json/schema")
        .map(|schema| example(doc, schema).to_string());
    http_with(
        &app.server.addr().to_string(),
        &app.auth_header(),
        &method.to_ascii_uppercase(),
        &path,
        body.as_deref(),
    )
    .await
}

/// Checks an answer against what the document says of it: a described status, and a body
/// that fits the status' schema.
fn conforms(doc: &Value, method: &str, template: &str, answer: &HttpResponse) {
    let described = &doc["paths"][template][method]["responses"][answer.status.to_string()];
    assert!(
        !described.is_null(),
        "{method} {template}: answered {} ({}), which is not described",
        answer.status,
        answer.body
    );
    if let Some(schema) = described.pointer("/content/application~1json/schema") {
        let mut out = Vec::new();
        faults(doc, schema, &answer.json(), "$", &mut out);
        assert!(out.is_empty(), "{method} {template}: {out:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_built_from_the_documents_examples_are_answered_as_it_describes() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let doc = document(&app).await;
    // The example station (CP-001), added from the document's own example of the body.
    let added = request_from(&app, &doc, "post", "/api/stations").await;
    assert_eq!(added.status, 201, "{}", added.body);
    conforms(&doc, "post", "/api/stations", &added);
    assert_eq!(added.json()["id"], "CP-001");
    // The check sees what the document does not say: a field it does not describe, a value
    // of another type.
    let schema = &doc["paths"]["/api/stations"]["post"]["responses"]["201"]["content"]["application/json"]
        ["schema"];
    for (field, value) in [("undescribed", json!(1)), ("connected", json!("yes"))] {
        let mut drifted = added.json();
        drifted[field] = value;
        let mut out = Vec::new();
        faults(&doc, schema, &drifted, "$", &mut out);
        assert_eq!(out.len(), 1, "{field}: {out:?}");
    }
    // It connects, speaking 1.6, and charges a while.
    let charger = Charger::spawn(config(&app, "CP-001"), Arc::new(Stats::default()));
    let engine = app.server.engine().clone();
    let id = protocol::StationId::parse("CP-001").expect("id");
    eventually("the station reports its connectors", async || {
        let connectors = engine.connectors(&id).await.ok()?;
        (connectors.len() == 3).then_some(())
    })
    .await;

    // A command built from the official schema's example (the required fields, each
    // enumeration's first value): Reset {"type": "Hard"}, answered with a documented response.
    let reset = request_from(&app, &doc, "post", "/api/stations/{id}/commands/Reset").await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    conforms(&doc, "post", "/api/stations/{id}/commands/Reset", &reset);
    let id_tag = request_from(&app, &doc, "put", "/api/id-tags/{idTag}").await;
    assert_eq!(id_tag.status, 200, "{}", id_tag.body);
    conforms(&doc, "put", "/api/id-tags/{idTag}", &id_tag);
    let token = request_from(&app, &doc, "post", "/api/tokens").await;
    assert_eq!(token.status, 201, "{}", token.body);
    conforms(&doc, "post", "/api/tokens", &token);

    // Every described JSON read, built from the examples: a described status, and a body
    // that fits its schema, property by property.
    let mut read = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let operation = &item["get"];
        let json_answer = operation
            .pointer("/responses/200/content/application~1json")
            .is_some();
        if operation.is_null() || !json_answer || template.ends_with("openapi.json") {
            continue;
        }
        let answer = request_from(&app, &doc, "get", template).await;
        conforms(&doc, "get", template, &answer);
        read += usize::from(answer.status == 200);
    }
    assert!(read >= 20, "only {read} reads answered 200");
    charger.stop().await;
}
