//! Every payload parser of both OCPP versions, both directions, requests and responses: on any
//! payload text they never panic, and a payload they accept survives its own JSON unchanged.
//!
//! The first byte picks the version and the parser, the second the action; the rest is the
//! payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::call::PayloadError;
use protocol::{v16, v201};

fn round_trip<T>(decode: impl Fn(&str) -> Result<T, PayloadError>, json: impl Fn(&T) -> serde_json::Value, payload: &str) {
    let Ok(value) = decode(payload) else {
        return;
    };
    let text = json(&value).to_string();
    let again = decode(&text).unwrap_or_else(|e| panic!("its own JSON {text} is refused: {e}"));
    assert_eq!(json(&again), json(&value), "from {payload:?}");
}

/// The four parsers of one version, on the action `n` picks.
macro_rules! parsers {
    ($v:ident, $kind:expr, $n:expr, $payload:expr) => {{
        let station = $v::call::STATION_ACTIONS[$n % $v::call::STATION_ACTIONS.len()];
        let central = $v::call::CENTRAL_ACTIONS[$n % $v::call::CENTRAL_ACTIONS.len()];
        match $kind {
            0 => round_trip(|p| $v::StationRequest::decode(station, p), $v::StationRequest::to_json, $payload),
            1 => round_trip(|p| $v::StationResponse::decode(station, p), $v::StationResponse::to_json, $payload),
            2 => round_trip(|p| $v::CentralRequest::decode(central, p), $v::CentralRequest::to_json, $payload),
            _ => round_trip(|p| $v::CentralResponse::decode(central, p), $v::CentralResponse::to_json, $payload),
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let [pick, n, rest @ ..] = data else {
        return;
    };
    let Ok(payload) = std::str::from_utf8(rest) else {
        return;
    };
    let (kind, n) = (pick % 4, usize::from(*n));
    if pick & 4 == 0 {
        parsers!(v16, kind, n, payload);
    } else {
        parsers!(v201, kind, n, payload);
    }
});
