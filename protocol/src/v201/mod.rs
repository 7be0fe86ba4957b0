//! OCPP 2.0.1 (JSON).
//!
//! - [`messages`]: one module per action, its request and response (generated from the official
//!   JSON schemas by `protocol/codegen/ocpp201.py`).
//! - [`types`]: the enumerations and composite types messages share (generated as well).
//! - [`call`]: the action tables: [`StationRequest`] (what a station may send),
//!   [`CentralRequest`] and [`CentralResponse`] (what a CSMS sends and gets back), each decoded
//!   from an action name and a raw payload into a typed value, or into the
//!   [`PayloadError`](crate::call::PayloadError) that says which CALLERROR to answer.

pub mod call;
pub mod messages;
pub mod types;

mod actions;

pub use call::{
    CENTRAL_ACTIONS, CentralRequest, CentralResponse, STATION_ACTIONS, StationRequest,
    StationResponse,
};
