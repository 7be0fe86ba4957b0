//! Lenient decoding: what real stations get wrong, tolerated and named.
//!
//! Strict decoding is the default. A station set to lenient mode has its payloads decoded
//! again after each fault of a known kind is repaired: an unknown property is dropped, a
//! date-time without an offset is read as UTC, an integral decimal (`1.0`) is read as an
//! integer. Each repair is a [`Deviation`], so an operator sees what a charger does wrong
//! instead of it just failing. Any other fault is refused as in strict mode.

use crate::call::{PayloadError, decode};
use crate::types::DateTime;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// The kinds of deviation lenient mode tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviationKind {
    /// A property the schema does not have: dropped.
    UnknownProperty,
    /// A date-time without an offset: read as UTC.
    TimestampWithoutOffset,
    /// A decimal with no fraction where an integer belongs: read as the integer.
    DecimalForInteger,
}

impl DeviationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviationKind::UnknownProperty => "UnknownProperty",
            DeviationKind::TimestampWithoutOffset => "TimestampWithoutOffset",
            DeviationKind::DecimalForInteger => "DecimalForInteger",
        }
    }
}

/// One tolerated fault: its kind and where (`idToken.extra`, `meterValue[0].timestamp`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Deviation {
    pub kind: DeviationKind,
    pub field: String,
}

/// At most this many repairs per payload: a payload that needs more is refused.
const MAX_REPAIRS: usize = 32;

/// Decodes the payload of `R`, repairing the faults lenient mode tolerates. Answers the value
/// and what was repaired; a fault of another kind is the strict decoder's error.
pub fn decode_lenient<R: DeserializeOwned>(
    action: &str,
    payload: &str,
) -> Result<(R, Vec<Deviation>), PayloadError> {
    let strict = || decode::<R>(action, payload).map(|r| (r, Vec::new()));
    let Ok(mut value) = serde_json::from_str::<Value>(payload) else {
        return strict();
    };
    let mut deviations = Vec::new();
    for _ in 0..MAX_REPAIRS {
        let error = match serde_path_to_error::deserialize::<_, R>(&value) {
            Ok(decoded) => return Ok((decoded, deviations)),
            Err(error) => error,
        };
        let message = error.inner().to_string();
        let path = error.path().clone();
        match repair(&mut value, &path, &message) {
            Some(kind) => deviations.push(Deviation {
                kind,
                field: path.to_string(),
            }),
            None => break,
        }
    }
    strict()
}

/// Repairs the fault `message` reports at `path`, if lenient mode tolerates it.
fn repair(value: &mut Value, path: &Path, message: &str) -> Option<DeviationKind> {
    let segments: Vec<&Segment> = path.iter().collect();
    let (last, parents) = segments.split_last()?;
    let mut parent = value;
    for segment in parents {
        parent = step(parent, segment)?;
    }
    if message.starts_with("unknown field") {
        let Segment::Map { key } = last else {
            return None;
        };
        parent.as_object_mut()?.remove(key)?;
        return Some(DeviationKind::UnknownProperty);
    }
    let at = step(parent, last)?;
    if message.starts_with("invalid type: floating point") {
        let n = at.as_f64()?;
        if n.fract() != 0.0 || n.abs() > 2f64.powi(53) {
            return None;
        }
        *at = Value::from(n as i64);
        return Some(DeviationKind::DecimalForInteger);
    }
    if message.contains("date-time with offset") {
        let text = at.as_str()?;
        let utc = format!("{text}Z");
        DateTime::parse(&utc).ok()?;
        *at = Value::String(utc);
        return Some(DeviationKind::TimestampWithoutOffset);
    }
    None
}

fn step<'v>(value: &'v mut Value, segment: &Segment) -> Option<&'v mut Value> {
    match segment {
        Segment::Map { key } => value.get_mut(key.as_str()),
        Segment::Seq { index } => value.get_mut(*index),
        Segment::Enum { .. } | Segment::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::v201::StationRequest;

    #[test]
    fn each_known_deviation_is_repaired_and_named() {
        let payload = r#"{"timestamp":"2026-12-01T10:00:00","connectorStatus":"Available",
            "evseId":1.0,"connectorId":1,"vendorExtra":{"a":1}}"#;
        let (request, deviations) =
            StationRequest::decode_lenient("StatusNotification", payload).unwrap();
        assert_eq!(request.action(), "StatusNotification");
        let mut kinds: Vec<(&str, DeviationKind)> = deviations
            .iter()
            .map(|d| (d.field.as_str(), d.kind))
            .collect();
        kinds.sort_by_key(|(field, _)| *field);
        assert_eq!(
            kinds,
            [
                ("evseId", DeviationKind::DecimalForInteger),
                ("timestamp", DeviationKind::TimestampWithoutOffset),
                ("vendorExtra", DeviationKind::UnknownProperty),
            ]
        );
        let strict = StationRequest::decode("StatusNotification", payload).unwrap_err();
        assert_eq!(strict.code, ErrorCode::PropertyConstraintViolation);
    }

    #[test]
    fn nested_and_in_arrays() {
        let payload = r#"{"evseId":1,"meterValue":[{"timestamp":"2026-12-01T10:00:00Z",
            "sampledValue":[{"value":5,"oops":true}]}]}"#;
        let (_, deviations) = StationRequest::decode_lenient("MeterValues", payload).unwrap();
        assert_eq!(deviations[0].field, "meterValue[0].sampledValue[0].oops");
    }

    #[test]
    fn other_faults_are_refused_as_in_strict_mode() {
        for payload in [
            r#"{"timestamp":"2026-12-01T10:00:00Z","connectorStatus":"Bogus","evseId":1,"connectorId":1}"#,
            r#"{"timestamp":"2026-12-01T10:00:00Z","connectorStatus":"Available","evseId":1.5,"connectorId":1}"#,
            r#"{"timestamp":"yesterday","connectorStatus":"Available","evseId":1,"connectorId":1}"#,
            r#"not json"#,
        ] {
            let lenient =
                StationRequest::decode_lenient("StatusNotification", payload).unwrap_err();
            let strict = StationRequest::decode("StatusNotification", payload).unwrap_err();
            assert_eq!(lenient, strict, "{payload}");
        }
    }
}
