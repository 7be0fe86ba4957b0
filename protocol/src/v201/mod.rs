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

/// The official JSON schemas (draft-07, as published) of every call a central system sends and
/// its response: `{"Action": {"request": {..}, "response": {..}}}`. The API description embeds
/// them; the generated types above are checked against the same schemas.
pub const COMMAND_SCHEMAS: &str = include_str!("commands.schema.json");

pub use call::{
    CENTRAL_ACTIONS, CentralRequest, CentralResponse, STATION_ACTIONS, StationRequest,
    StationResponse,
};
