//! How the values typed into a command's form become its request's JSON, checked with the
//! `protocol` crate's decoder before anything is sent.

use super::{Command, Field, Input};
use crate::dto::IdTagRow;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the form holds: each field's text by path.
pub type Values = BTreeMap<String, String>;

/// Builds the request of `command` from the form's values, then checks it as the server will.
/// `tags` are the store's id tags (for a local list). The error says what to fix.
pub fn build(command: &Command, values: &Values, tags: &[IdTagRow]) -> Result<String, String> {
    let mut request = Map::new();
    for field in command.fields {
        let text = values.get(field.path).map_or("", |v| v.trim());
        if text.is_empty() {
            if field.required {
                return Err(format!("{} is required.", field.label));
            }
            continue;
        }
        let value = convert(field, text, tags)?;
        insert(&mut request, field.path, value);
    }
    let payload = Value::Object(request).to_string();
    let checked = match command.version {
        protocol::OcppVersion::V16 => {
            protocol::v16::CentralRequest::decode(command.action, &payload).map(|_| ())
        }
        protocol::OcppVersion::V201 => {
            protocol::v201::CentralRequest::decode(command.action, &payload).map(|_| ())
        }
    };
    checked.map(|()| payload).map_err(|e| e.to_string())
}

/// The JSON value of one field's text.
fn convert(field: &Field, text: &str, tags: &[IdTagRow]) -> Result<Value, String> {
    let label = field.label;
    let integer = |min: i64| -> Result<Value, String> {
        match text.parse::<i64>() {
            Ok(n) if n >= min => Ok(Value::from(n)),
            Ok(_) => Err(format!("{label} must be at least {min}.")),
            Err(_) => Err(format!("{label} must be a whole number.")),
        }
    };
    match field.input {
        Input::Connector { zero } => integer(if zero { 0 } else { 1 }),
        Input::Int { min } => integer(min),
        Input::Transaction => integer(0),
        Input::StationTransaction => Ok(Value::from(text)),
        Input::Ints => text
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| format!("{label} must be whole numbers, comma-separated."))
            })
            .collect::<Result<Vec<_>, String>>()
            .map(Value::from),
        Input::Json => Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::from(text))),
        Input::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{label} must be true or false.")),
        },
        Input::Tokens => tokens(text, tags),
        Input::Decimal => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from)
            .ok_or_else(|| format!("{label} must be a number.")),
        Input::Text { max } => {
            if text.chars().count() > max {
                Err(format!("{label} is longer than {max} characters."))
            } else {
                Ok(Value::from(text))
            }
        }
        Input::LongText | Input::IdTag => Ok(Value::from(text)),
        Input::Choice(choices) => {
            if choices.contains(&text) {
                Ok(Value::from(text))
            } else {
                Err(format!("{label} must be one of {}.", choices.join(", ")))
            }
        }
        Input::DateTime => utc(text).ok_or_else(|| {
            format!("{label} must be a date and time (YYYY-MM-DDTHH:MM), not {text:?}.")
        }),
        Input::Words => Ok(Value::from(
            text.split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(Value::from)
                .collect::<Vec<_>>(),
        )),
        Input::Tags => local_list(text, tags),
        Input::Periods => periods(text),
    }
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds optional) as RFC 3339 UTC.
fn utc(text: &str) -> Option<Value> {
    let (date, time) = text.split_once('T')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut d = date.split('-');
    let date_ok = matches!((d.next(), d.next(), d.next(), d.next()),
        (Some(y), Some(m), Some(day), None) if digits(y, 4) && digits(m, 2) && digits(day, 2));
    let parts: Vec<&str> = time.split(':').collect();
    let time_ok = matches!(parts.len(), 2 | 3) && parts.iter().all(|p| digits(p, 2));
    if !(date_ok && time_ok) {
        return None;
    }
    let seconds = if parts.len() == 2 { ":00" } else { "" };
    Some(Value::from(format!("{date}T{time}{seconds}Z")))
}

/// Tags of the store (comma-separated ids) as `localAuthorizationList` entries.
fn local_list(text: &str, tags: &[IdTagRow]) -> Result<Value, String> {
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            let tag = tags
                .iter()
                .find(|t| t.id_tag == id)
                .ok_or_else(|| format!("There is no id tag {id} in the store."))?;
            let mut info = Map::new();
            info.insert("status".into(), Value::from(tag.status.clone()));
            if let Some(expiry) = &tag.expiry_date {
                info.insert("expiryDate".into(), Value::from(expiry.clone()));
            }
            if let Some(parent) = &tag.parent_id_tag {
                info.insert("parentIdTag".into(), Value::from(parent.clone()));
            }
            let mut entry = Map::new();
            entry.insert("idTag".into(), Value::from(id));
            entry.insert("idTagInfo".into(), Value::Object(info));
            Ok(Value::Object(entry))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::from)
}

/// Tags of the store (comma-separated ids) as a 2.0.1 `localAuthorizationList`.
fn tokens(text: &str, tags: &[IdTagRow]) -> Result<Value, String> {
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            let tag = tags
                .iter()
                .find(|t| t.id_tag == id)
                .ok_or_else(|| format!("There is no id tag {id} in the store."))?;
            let mut info = Map::new();
            info.insert("status".into(), Value::from(tag.status.clone()));
            if let Some(expiry) = &tag.expiry_date {
                info.insert("cacheExpiryDateTime".into(), Value::from(expiry.clone()));
            }
            if let Some(parent) = &tag.parent_id_tag {
                let group = serde_json::json!({"idToken": parent, "type": "Central"});
                info.insert("groupIdToken".into(), group);
            }
            let token = serde_json::json!({"idToken": id, "type": "Central"});
            let mut entry = Map::new();
            entry.insert("idToken".into(), token);
            entry.insert("idTokenInfo".into(), Value::Object(info));
            Ok(Value::Object(entry))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::from)
}

/// `0:16, 1800:32` as `chargingSchedulePeriod` entries.
fn periods(text: &str) -> Result<Value, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|period| {
            let bad =
                || format!("{period:?} is not a period: write start seconds:limit, e.g. 0:16.");
            let (start, limit) = period.split_once(':').ok_or_else(bad)?;
            let start: i64 = start.trim().parse().map_err(|_| bad())?;
            let limit: f64 = limit.trim().parse().map_err(|_| bad())?;
            let mut entry = Map::new();
            entry.insert("startPeriod".into(), Value::from(start));
            entry.insert("limit".into(), Value::from(limit));
            Ok(Value::Object(entry))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::from)
}

/// Sets `value` at a dotted `path`, creating the objects on the way. A segment ending in `[]`
/// is an array of one object (2.0.1's `chargingSchedule[]`, `setVariableData[]`).
fn insert(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = match head.strip_suffix("[]") {
                Some(name) => {
                    let array = object
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Array(vec![Value::Object(Map::new())]));
                    array.get_mut(0)
                }
                None => Some(
                    object
                        .entry(head.to_owned())
                        .or_insert_with(|| Value::Object(Map::new())),
                ),
            };
            if let Some(Value::Object(inner)) = inner {
                insert(inner, rest, value);
            }
        }
    }
}
