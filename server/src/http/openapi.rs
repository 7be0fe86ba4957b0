//! The API's description, OpenAPI 3.1 at `GET /api/openapi.json`.
//!
//! Made from the code, never written beside it: each route is registered through
//! [`stations`] and [`web`] with its handler's `#[utoipa::path]` attribute (method, path, parameters, answers),
//! the bodies are described by the types the handlers read and answer with (`ToSchema`), and
//! every OCPP command a central system sends gets its own operation under
//! `/api/stations/{id}/commands/{Action}`, with the official JSON schemas of its request and
//! response (`protocol::v16::COMMAND_SCHEMAS`, `protocol::v201::COMMAND_SCHEMAS`). A route can only
//! be added to the router through an `OpenApiRouter` (clippy's `disallowed-methods` refuses
//! `OpenApiRouter::route`), so a route without a description does not build; the tests check
//! that every method the router answers at a path is described, and no other.

use super::auth::{CSRF_HEADER, SESSION_COOKIE};
use super::{
    ApiError, AppState, admin, api, auth, device, events, fleet, health, messages, metrics, ocpp,
    transactions, webhooks,
};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The error every route answers with: `{"error": "..."}`. When a station refused a command,
/// also its CALLERROR's code and description.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What is wrong, for a person: names the field or parameter at fault.
    pub error: String,
    /// The CALLERROR code the station answered a command with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The station's description of its CALLERROR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Centrale",
        description = "The REST API of Centrale, an OCPP 1.6J and 2.0.1 central system. \
            JSON in camelCase; every error is `{\"error\": \"...\"}` naming what is wrong, and a \
            refused request changes nothing. Scripts authenticate with an API token made by an \
            admin (`Authorization: Bearer <token>`, scoped by role: viewer reads, operator also \
            sends commands and changes stations and id tags, admin also manages users, tokens, webhooks \
            and stations' security). The dashboard's session cookie works too; a change made \
            with it carries the session's CSRF token in `X-CSRF-Token`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "Stations", description = "Stations, their connectors, registration and what they report"),
        (name = "Commands", description = "OCPP calls sent to a station: the body is the call's payload, the answer the station's"),
        (name = "Fleet", description = "The whole fleet: counters and the overview"),
        (name = "Transactions", description = "Charging sessions with their meter values"),
        (name = "Authorization", description = "Id tags, reservations and charging profiles"),
        (name = "Messages", description = "The message log: every OCPP frame in and out"),
        (name = "Events", description = "The live event stream"),
        (name = "Security", description = "Stations' security profiles and security events"),
        (name = "Operators", description = "Users, API tokens and the audit log (admins)"),
        (name = "Webhooks", description = "Endpoints that get events as signed HTTP POSTs (admins). \
            Each event is written to an outbox in the database transaction of the change it \
            reports, then POSTed as JSON (`WebhookBody`) with `Content-Type: application/json`, \
            `Centrale-Event-Id`, `Centrale-Event-Type` and `Centrale-Signature: t=<unix seconds>,v1=<hex>`, \
            where `<hex>` is the HMAC-SHA256, keyed with the endpoint's secret, of `<unix seconds>.<body>`. \
            A receiver recomputes it over the raw body, compares in constant time and refuses an old \
            `t`. Any 2xx answer within 10 s delivers; anything else is retried after 1 s, 2 s, 4 s, \
            … (at most an hour apart) for 48 hours, then given up (replayable). At least once, in \
            order per station and endpoint: drop a repeat by its `id`."),
        (name = "Service", description = "Health, metrics, sign-in, this description, the stations' WebSocket"),
    ),
    components(schemas(ErrorBody, engine::webhooks::WebhookBody))
)]
struct ApiDoc;

/// The two ways to authenticate.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (Admin page, `POST /api/tokens` or `centrale token add`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                &format!(
                    "The dashboard's session (`POST /login`); changes also need `{CSRF_HEADER}`."
                ),
            ))),
        );
    }
}

/// The stations' WebSocket routes, described.
pub fn stations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ocpp::station_socket))
        .routes(routes!(ocpp::central_socket))
}

/// The service routes and the REST API under `/api`, described. An unknown `/api` path is a
/// JSON 404.
pub fn web() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(events::stream))
        .routes(routes!(fleet::stations, api::add_station))
        .routes(routes!(fleet::counters))
        .routes(routes!(fleet::overview))
        .routes(routes!(fleet::nodes))
        .routes(routes!(
            api::station,
            api::change_station,
            api::delete_station
        ))
        .routes(routes!(fleet::history))
        .routes(routes!(api::command))
        .routes(routes!(api::configuration))
        .routes(routes!(api::local_list))
        .routes(routes!(device::variables))
        .routes(routes!(device::alerts))
        .routes(routes!(device::evses))
        .routes(routes!(device::deviations))
        .routes(routes!(api::put_station_security))
        .routes(routes!(api::security_events))
        .routes(routes!(auth::me))
        .routes(routes!(admin::users, admin::add_user))
        .routes(routes!(admin::change_user, admin::delete_user))
        .routes(routes!(admin::tokens, admin::add_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::audit_log))
        .routes(routes!(webhooks::webhooks, webhooks::add_webhook))
        .routes(routes!(webhooks::change_webhook, webhooks::delete_webhook))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::replay))
        .routes(routes!(transactions::transactions))
        .routes(routes!(transactions::transactions_csv))
        .routes(routes!(transactions::transaction))
        .routes(routes!(transactions::meter_values_csv))
        .routes(routes!(messages::messages))
        .routes(routes!(api::reservations))
        .routes(routes!(api::charging_profiles))
        .routes(routes!(api::id_tags))
        .routes(routes!(api::put_id_tag, api::delete_id_tag))
        .fallback(|| async { ApiError::NotFound("no such API endpoint".to_owned()) });
    OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(auth::login_page, auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(api::connections))
        .routes(routes!(metrics::metrics))
        .nest("/api", api)
}

/// The description as served (JSON): what [`stations`] and [`web`] describe, each command's
/// operation added, and what every authenticated route may answer (401, 403, 503). Made once
/// per process.
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let described = OpenApiRouter::with_openapi(ApiDoc::openapi())
            .merge(stations())
            .merge(web())
            .into_openapi();
        let mut document = serde_json::to_value(described).unwrap_or_else(|e| {
            // The description is made of the types above; failing to serialise it is a bug.
            tracing::error!(error = %e, "the API description cannot be serialised");
            json!({})
        });
        add_commands(&mut document);
        add_common_answers(&mut document);
        document.to_string()
    })
}

/// The description of this API (OpenAPI 3.1, JSON).
#[utoipa::path(get, path = "/openapi.json", tag = "Service",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object)))]
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// A component name for an OCPP version's schema.
fn component(version: &str, name: &str) -> String {
    format!("Ocpp{version}.{name}")
}

/// The official schema `schema` (draft-07) as an OpenAPI 3.1 component: its `definitions` moved
/// to the components as `Ocpp{version}.{Name}` and the references pointed at them.
fn adopt(version: &str, mut schema: Value, components: &mut Map<String, Value>) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("$id");
        if let Some(Value::Object(definitions)) = object.remove("definitions") {
            for (name, mut definition) in definitions {
                retarget(version, &mut definition);
                // The same definition is repeated in each message that uses it; one copy.
                components
                    .entry(component(version, &name))
                    .or_insert(definition);
            }
        }
    }
    retarget(version, &mut schema);
    schema
}

/// Points `#/definitions/X` references at the components.
fn retarget(version: &str, value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/definitions/") {
                            *target = format!("#/components/schemas/{}", component(version, name));
                        }
                    }
                    (_, inner) => retarget(version, inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| retarget(version, item)),
        _ => {}
    }
}

/// The actions a central system sends in one OCPP version, with their schemas.
struct Commands {
    version: &'static str,
    /// The subprotocol's words for the version, as the description says it.
    spelled: &'static str,
    schemas: Map<String, Value>,
}

impl Commands {
    fn of(version: &'static str, spelled: &'static str, text: &str) -> Commands {
        let schemas = match serde_json::from_str(text) {
            Ok(Value::Object(schemas)) => schemas,
            _ => Map::new(),
        };
        Commands {
            version,
            spelled,
            schemas,
        }
    }
}

/// One operation per OCPP command: `POST /api/stations/{id}/commands/{Action}` with the request
/// the station's version takes and the response it answers (one of two when both versions
/// have the action).
fn add_commands(document: &mut Value) {
    let versions = [
        Commands::of("16", "OCPP 1.6", protocol::v16::COMMAND_SCHEMAS),
        Commands::of("201", "OCPP 2.0.1", protocol::v201::COMMAND_SCHEMAS),
    ];
    let mut components = Map::new();
    let mut actions: Vec<&String> = versions.iter().flat_map(|v| v.schemas.keys()).collect();
    actions.sort();
    actions.dedup();
    let generic = document
        .pointer("/paths/~1api~1stations~1{id}~1commands~1{action}/post")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut paths = Map::new();
    for action in actions {
        let mut requests = Vec::new();
        let mut responses = Vec::new();
        let mut spoken = Vec::new();
        for version in &versions {
            let Some(both) = version.schemas.get(action.as_str()) else {
                continue;
            };
            for (part, list) in [("request", &mut requests), ("response", &mut responses)] {
                let name = component(version.version, &format!("{action}.{part}"));
                let schema = adopt(version.version, both[part].clone(), &mut components);
                components.insert(name.clone(), schema);
                list.push(json!({ "$ref": format!("#/components/schemas/{name}") }));
            }
            spoken.push(version.spelled);
        }
        let one_of = |mut list: Vec<Value>| {
            if list.len() == 1 {
                list.remove(0)
            } else {
                json!({ "oneOf": list })
            }
        };
        let mut operation = generic.clone();
        let Some(fields) = operation.as_object_mut() else {
            continue;
        };
        fields.insert("operationId".into(), json!(format!("command{action}")));
        fields.insert("summary".into(), json!(format!("Send {action}")));
        fields.insert(
            "description".into(),
            json!(format!(
                "Sends {action} ({}) to the station and answers with its response. The payload \
                 is checked against the station's version before anything is sent.",
                spoken.join(" and ")
            )),
        );
        if let Some(Value::Array(parameters)) = fields.get_mut("parameters") {
            parameters.retain(|p| p["name"] != "action");
        }
        fields.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "description": format!("The {action} request's payload"),
                "content": { "application/json": { "schema": one_of(requests) } },
            }),
        );
        if let Some(ok) = fields.get_mut("responses").and_then(|r| r.get_mut("200")) {
            *ok = json!({
                "description": format!("The station's {action} response"),
                "content": { "application/json": { "schema": one_of(responses) } },
            });
        }
        paths.insert(
            format!("/api/stations/{{id}}/commands/{action}"),
            json!({ "post": operation }),
        );
    }
    if let Some(Value::Object(all)) = document.pointer_mut("/paths") {
        all.extend(paths);
    }
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        schemas.extend(components);
    }
}

/// What routes may answer besides their own: 401 without credentials and 403 when the role does
/// not allow it (every route behind the guard), 503 when the database cannot be reached (every
/// REST route).
fn add_common_answers(document: &mut Value) {
    let error = json!({ "$ref": "#/components/schemas/ErrorBody" });
    let answers = [
        ("401", "No credentials, or wrong ones"),
        ("403", "The role does not allow this"),
        (
            "503",
            "Centrale cannot answer now (its database is unreachable); retry",
        ),
    ];
    let Some(Value::Object(paths)) = document.pointer_mut("/paths") else {
        return;
    };
    for (path, operation) in paths.iter_mut().flat_map(|(path, item)| {
        item.as_object_mut()
            .into_iter()
            .flat_map(|item| item.values_mut())
            .map(move |operation| (path.as_str(), operation))
    }) {
        let public = operation
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
        let Some(Value::Object(responses)) = operation.get_mut("responses") else {
            continue;
        };
        for (status, description) in answers {
            let applies = match status {
                "503" => path.starts_with("/api/"),
                _ => !public,
            };
            if !applies {
                continue;
            }
            responses.entry(status).or_insert_with(|| {
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": error.clone() } },
                })
            });
        }
    }
}
