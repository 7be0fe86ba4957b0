//! Every OCPP 1.6 payload parser, both directions, requests and responses: on any payload
//! text they never panic, and a payload they accept survives its own JSON unchanged.
//!
//! The first byte picks the parser and the action; the rest is the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::v16::call::{CENTRAL_ACTIONS, STATION_ACTIONS};
use protocol::v16::{CentralRequest, CentralResponse, StationRequest, StationResponse};

fn round_trip<T>(decode: impl Fn(&str) -> Result<T, protocol::v16::PayloadError>, json: impl Fn(&T) -> serde_json::Value, payload: &str) {
    let Ok(value) = decode(payload) else {
        return;
    };
    let text = json(&value).to_string();
    let again = decode(&text).unwrap_or_else(|e| panic!("its own JSON {text} is refused: {e}"));
    assert_eq!(json(&again), json(&value), "from {payload:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(payload) = std::str::from_utf8(rest) else {
        return;
    };
    let pick = usize::from(pick);
    match pick % 4 {
        0 => {
            let action = STATION_ACTIONS[pick / 4 % STATION_ACTIONS.len()];
            round_trip(|p| StationRequest::decode(action, p), StationRequest::to_json, payload);
        }
        1 => {
            let action = STATION_ACTIONS[pick / 4 % STATION_ACTIONS.len()];
            round_trip(|p| CentralResponse::decode(action, p), CentralResponse::to_json, payload);
        }
        2 => {
            let action = CENTRAL_ACTIONS[pick / 4 % CENTRAL_ACTIONS.len()];
            round_trip(|p| CentralRequest::decode(action, p), CentralRequest::to_json, payload);
        }
        _ => {
            let action = CENTRAL_ACTIONS[pick / 4 % CENTRAL_ACTIONS.len()];
            round_trip(|p| StationResponse::decode(action, p), StationResponse::to_json, payload);
        }
    }
});
