//! OCPP 1.6 (JSON), with the security extension of the 1.6 security whitepaper.
//!
//! - [`messages`]: one module per action, its request and response (generated from the official
//!   JSON schemas by `protocol/codegen/ocpp16.py`).
//! - [`types`]: the enumerations and composite types messages share (generated as well).
//! - [`call`]: the action tables: [`call::StationRequest`] (what a station may send),
//!   [`call::CentralRequest`] and [`call::CentralResponse`] (what a central system sends and
//!   gets back), each decoded from an action name and a raw payload into a typed value, or into
//!   the [`call::PayloadError`] that says which CALLERROR to answer.

pub mod call;
pub mod messages;
pub mod types;

mod actions;

/// The official JSON schemas (draft-07, as published) of every call a central system sends and
/// its response: `{"Action": {"request": {..}, "response": {..}}}`. The API description embeds
/// them; the generated types above are checked against the same schemas.
pub const COMMAND_SCHEMAS: &str = include_str!("commands.schema.json");

pub use call::{
    CentralRequest, CentralResponse, PayloadError, Request, StationRequest, StationResponse,
};
