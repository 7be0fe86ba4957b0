//! The API's reference, rendered from the description the server serves at
//! `/api/openapi.json` (read through a server function, from the same document): operations by
//! tag with their parameters, bodies and answers, and the schemas they name. Nothing here knows
//! any route; an operation's details and a schema's properties are drawn when opened, so the
//! page stays light with the few hundred schemas of both OCPP versions.

use crate::api::load_api_description;
use crate::components::ErrorList;
use leptos::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// The methods an operation may have, in the order a path's operations are listed.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
/// Nested objects are drawn this deep inside a schema; deeper ones are named, not expanded.
const MAX_DEPTH: usize = 4;

/// The schemas opened in the Schemas section (a link to one opens it).
#[derive(Clone, Copy)]
struct OpenSchemas(RwSignal<HashSet<String>>);

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let document = Resource::new(|| (), |_| load_api_description());
    view! {
        <section class="page api-reference">
            <div class="page-head">
                <h1>"API"</h1>
                <a href="/api/openapi.json" download="centrale-openapi.json" data-testid="api-document">
                    "openapi.json (OpenAPI 3.1)"
                </a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the API description…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        document.await.map(|doc| view! { <Reference doc=Arc::new(doc) /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// An operation of the document: where it is in `paths`.
#[derive(Clone)]
struct Operation {
    method: &'static str,
    path: String,
    tag: String,
    summary: String,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |method| {
                let operation = item.get(*method)?;
                Some(Operation {
                    method,
                    path: path.clone(),
                    tag: operation["tags"][0].as_str().unwrap_or("Other").to_owned(),
                    summary: text(&operation["summary"]),
                })
            })
        })
        .collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A description as written in the document: `code` between backticks drawn as code.
fn prose(value: &Value) -> AnyView {
    value
        .as_str()
        .unwrap_or_default()
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                view! { <code>{part.to_owned()}</code> }.into_any()
            } else {
                part.to_owned().into_any()
            }
        })
        .collect::<Vec<_>>()
        .into_any()
}

#[component]
fn Reference(doc: Arc<Value>) -> impl IntoView {
    let open = OpenSchemas(RwSignal::new(HashSet::new()));
    provide_context(open);
    let filter = RwSignal::new(String::new());
    let all = operations(&doc);
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (text(&t["name"]), text(&t["description"])))
        .collect();
    let sections = tags
        .into_iter()
        .map(|(tag, description)| {
            let ops: Vec<Operation> = all.iter().filter(|o| o.tag == tag).cloned().collect();
            let count = ops.len();
            let doc = doc.clone();
            view! {
                <section class="api-tag" id=format!("tag-{tag}") data-testid=format!("api-tag-{tag}")>
                    <h2>{tag.clone()} <span class="muted">{format!(" · {count}")}</span></h2>
                    <p class="muted">{description}</p>
                    {ops
                        .into_iter()
                        .map(|op| view! { <OperationEntry doc=doc.clone() op filter /> })
                        .collect_view()}
                </section>
            }
        })
        .collect_view();
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, scheme)| {
            let how = match (text(&scheme["type"]).as_str(), text(&scheme["scheme"])) {
                ("http", scheme) => format!("HTTP {scheme}"),
                ("apiKey", _) => format!("{} {}", text(&scheme["in"]), text(&scheme["name"])),
                (other, _) => other.to_owned(),
            };
            view! {
                <li>
                    <strong>{name.clone()}</strong>
                    {format!(" ({how}): ")}
                    {prose(&scheme["description"])}
                </li>
            }
        })
        .collect_view();
    let schemas: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let schema_count = schemas.len();
    view! {
        <p class="api-intro">{prose(&doc["info"]["description"])}</p>
        <ul class="api-auth">{schemes}</ul>
        <label class="api-filter">
            "Filter "
            <input
                type="search"
                placeholder="path or summary, e.g. transactions"
                data-testid="api-filter"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
        </label>
        {sections}
        <section class="api-tag" id="schemas">
            <h2>"Schemas " <span class="muted">{format!(" · {schema_count}")}</span></h2>
            {schemas
                .into_iter()
                .map(|name| view! { <SchemaEntry doc=doc.clone() name /> })
                .collect_view()}
        </section>
    }
}

/// One operation: its method, path and summary; the rest when opened.
#[component]
fn OperationEntry(doc: Arc<Value>, op: Operation, filter: RwSignal<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let haystack = format!("{} {} {}", op.method, op.path, op.summary).to_lowercase();
    let hidden = move || {
        let wanted = filter.read().trim().to_lowercase();
        !wanted.is_empty() && !haystack.contains(&wanted)
    };
    let Operation {
        method,
        path,
        summary,
        ..
    } = op;
    let testid = format!("op-{method}-{path}");
    let body = {
        let path = path.clone();
        move || {
            open.get()
                .then(|| operation_body(&doc, &doc["paths"][&path][method]))
        }
    };
    view! {
        <details class="api-op" prop:open=move || open.get() hidden=hidden data-testid=testid>
            <summary on:click=move |ev| {
                ev.prevent_default();
                open.update(|o| *o = !*o);
            }>
                <span class=format!("api-method api-{method}")>{method.to_uppercase()}</span>
                <code>{path}</code>
                <span class="muted">{summary}</span>
            </summary>
            <div class="api-op-body">{body}</div>
        </details>
    }
}

/// An operation's description, parameters, body and answers.
fn operation_body(doc: &Value, op: &Value) -> AnyView {
    let public = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
    });
    let parameters: Vec<AnyView> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let example = match &p["example"] {
                Value::Null => None,
                Value::String(s) => Some(format!(" e.g. {s}")),
                other => Some(format!(" e.g. {other}")),
            };
            let example = example.map(|e| view! { <span class="muted">{e}</span> });
            view! {
                <tr>
                    <td><code>{text(&p["name"])}</code></td>
                    <td>{text(&p["in"])}</td>
                    <td>{type_view(&p["schema"])}</td>
                    <td>{if p["required"] == true { "yes" } else { "" }}</td>
                    <td>{prose(&p["description"])}{example}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    let request = op["requestBody"]["content"]
        .as_object()
        .and_then(|content| {
            let (kind, media) = content.iter().next()?;
            Some(view! {
                <h4>"Request body " <span class="muted">{kind.clone()}</span></h4>
                <p>{text(&op["requestBody"]["description"])}</p>
                {schema_view(doc, &media["schema"], 0)}
            })
        });
    let responses: Vec<AnyView> = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, answer)| {
            let media = answer["content"].as_object().and_then(|c| c.iter().next());
            let body = media.map(|(kind, media)| {
                view! { <span class="muted">{format!(" {kind} ")}</span> {type_view(&media["schema"])} }
            });
            view! {
                <li data-testid=format!("status-{status}")>
                    <strong>{status.clone()}</strong>
                    {format!(" {}", text(&answer["description"]))}
                    {body}
                </li>
            }
            .into_any()
        })
        .collect();
    let success = op["responses"].as_object().and_then(|r| {
        r.iter().find_map(|(status, answer)| {
            let schema = answer.pointer("/content/application~1json/schema")?;
            status.starts_with('2').then(|| {
                view! {
                    <h4>{format!("{status} answer")}</h4>
                    {schema_view(doc, schema, 0)}
                }
            })
        })
    });
    view! {
        <p class="api-description">{prose(&op["description"])}</p>
        {public.then(|| view! { <p class="muted">"Open to anyone: no credentials needed."</p> })}
        {(!parameters.is_empty())
            .then(|| {
                view! {
                    <h4>"Parameters"</h4>
                    <table class="api-table">
                        <thead>
                            <tr>
                                <th>"Name"</th>
                                <th>"In"</th>
                                <th>"Type"</th>
                                <th>"Required"</th>
                                <th>"What"</th>
                            </tr>
                        </thead>
                        <tbody>{parameters}</tbody>
                    </table>
                }
            })}
        {request}
        <h4>"Answers"</h4>
        <ul class="api-responses">{responses}</ul>
        {success}
    }
    .into_any()
}

/// A schema of the Schemas section, drawn when opened (or when a link names it).
#[component]
fn SchemaEntry(doc: Arc<Value>, name: String) -> impl IntoView {
    let OpenSchemas(opened) = expect_context::<OpenSchemas>();
    let is_open = {
        let name = name.clone();
        Memo::new(move |_| opened.read().contains(&name))
    };
    let toggle = {
        let name = name.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            opened.update(|set| {
                if !set.remove(&name) {
                    set.insert(name.clone());
                }
            });
        }
    };
    let body = {
        let name = name.clone();
        move || {
            is_open
                .get()
                .then(|| schema_view(&doc, &doc["components"]["schemas"][&name], 1))
        }
    };
    view! {
        <details
            class="api-schema"
            id=format!("schema-{name}")
            prop:open=move || is_open.get()
            data-testid=format!("schema-{name}")
        >
            <summary on:click=toggle>
                <code>{name.clone()}</code>
            </summary>
            <div class="api-op-body">{body}</div>
        </details>
    }
}

/// The component a `$ref` names.
fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// A schema's type in a few words: a link for a named schema, `array of …`, `string or null`.
fn type_view(schema: &Value) -> AnyView {
    if let Some(name) = ref_name(schema) {
        return schema_link(name.to_owned());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(parts) = schema[key].as_array() {
            let views: Vec<AnyView> = parts
                .iter()
                .enumerate()
                .map(|(i, part)| {
                    let or = if i == 0 { "" } else { " or " };
                    view! { {or} {type_view(part)} }.into_any()
                })
                .collect();
            return views.into_any();
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.contains(&"array") {
        let or_null = if types.contains(&"null") {
            " or null"
        } else {
            ""
        };
        return view! { "array of " {type_view(&schema["items"])} {or_null} }.into_any();
    }
    let mut words = if types.is_empty() {
        if schema.get("allOf").is_some() || schema.get("properties").is_some() {
            "object".to_owned()
        } else {
            "any".to_owned()
        }
    } else {
        types.join(" or ")
    };
    if let Some(format) = schema["format"].as_str() {
        words = format!("{words} ({format})");
    }
    words.into_any()
}

fn schema_link(name: String) -> AnyView {
    let OpenSchemas(opened) = expect_context::<OpenSchemas>();
    let target = name.clone();
    let href = format!("#schema-{name}");
    view! {
        <a
            href=href
            class="mono"
            on:click=move |_| {
                opened.update(|set| {
                    set.insert(target.clone());
                });
            }
        >
            {name}
        </a>
    }
    .into_any()
}

/// What a value must be besides its type: allowed values, lengths, bounds.
fn constraints(schema: &Value) -> String {
    let mut out = Vec::new();
    if let Some(allowed) = schema["enum"].as_array() {
        let values: Vec<String> = allowed
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        out.push(format!("one of {}", values.join(", ")));
    }
    for (key, words) in [
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minimum", "at least {}"),
        ("maximum", "at most {}"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("default", "default {}"),
        ("example", "e.g. {}"),
    ] {
        if let Some(value) = schema.get(key) {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            out.push(words.replace("{}", &value));
        }
    }
    out.join("; ")
}

/// A schema drawn: a named one expanded (at the top), an object's properties as a table with
/// nested objects inside their row, each alternative of a `oneOf`, the parts of an `allOf`.
fn schema_view(doc: &Value, schema: &Value, depth: usize) -> AnyView {
    if let Some(name) = ref_name(schema) {
        if depth > 0 {
            return type_view(schema);
        }
        let target = &doc["components"]["schemas"][name];
        return view! {
            <p>{schema_link(name.to_owned())} " " <span class="muted">{text(&target["description"])}</span></p>
            {schema_view(doc, target, 1)}
        }
        .into_any();
    }
    if let Some(parts) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let items: Vec<AnyView> = parts
            .iter()
            .map(|part| view! { <li>{schema_view(doc, part, depth)}</li> }.into_any())
            .collect();
        return view! { <p>"One of:"</p> <ul class="api-alternatives">{items}</ul> }.into_any();
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let parts: Vec<AnyView> = parts
            .iter()
            .map(|part| match ref_name(part) {
                Some(name) => {
                    let target = &doc["components"]["schemas"][name];
                    view! {
                        <p>"All of " {schema_link(name.to_owned())} ":"</p>
                        {schema_view(doc, target, depth + 1)}
                    }
                    .into_any()
                }
                None => schema_view(doc, part, depth + 1),
            })
            .collect();
        return parts.into_any();
    }
    if let Some(items) = schema.get("items")
        && (items.get("properties").is_some() || ref_name(items).is_some())
    {
        // A named item is expanded at the top, as the schema itself would be.
        let depth = if depth == 0 { 0 } else { depth + 1 };
        return view! { <p>"An array of:"</p> {schema_view(doc, items, depth)} }.into_any();
    }
    let Some(properties) = schema["properties"].as_object() else {
        let limits = constraints(schema);
        return view! {
            <p>
                {type_view(schema)}
                {(!limits.is_empty()).then(|| format!(": {limits}"))}
            </p>
        }
        .into_any();
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let rows: Vec<AnyView> = properties
        .iter()
        .map(|(name, property)| {
            let nested = property.get("properties").is_some()
                || property["items"].get("properties").is_some();
            let inner = (nested && depth < MAX_DEPTH).then(|| schema_view(doc, property, depth + 1));
            let limits = constraints(property);
            view! {
                <tr>
                    <td>
                        <code>{name.clone()}</code>
                        {required.contains(&name.as_str()).then(|| view! { <span class="api-required">" required"</span> })}
                    </td>
                    <td>{type_view(property)}</td>
                    <td>
                        {prose(&property["description"])}
                        {(!limits.is_empty()).then(|| view! { <div class="muted">{limits}</div> })}
                        {inner}
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect();
    view! {
        <table class="api-table">
            <thead>
                <tr>
                    <th>"Field"</th>
                    <th>"Type"</th>
                    <th>"What"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
