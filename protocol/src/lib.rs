//! OCPP for Centrale: message framing, error codes and (as they land) the typed messages of each
//! OCPP version.
//!
//! This crate is pure: no I/O, no async runtime, and it builds for `wasm32` so the dashboard can
//! reuse its enums. Everything that arrives from a station passes through here first, and a value
//! that breaks the specification is turned into the error code the specification asks for.
//!
//! Layout:
//! - [`frame`]: OCPP-J frames (CALL, CALLRESULT, CALLERROR), decoded in two steps: the frame
//!   with its payload kept as raw JSON, then the payload for its action.
//! - [`error`]: RPC error codes, spelled as each OCPP version spells them.
//! - [`version`]: the OCPP versions and their WebSocket subprotocol names.
//! - [`ids`]: validated identifiers (station identity, message id).
//! - [`types`]: primitives every version shares: [`types::CiString`], [`types::DateTime`].
//! - [`call`]: decoding a payload by action, each fault mapped to its CALLERROR code; the
//!   action tables of each version are made by its [`call::actions!`] call.
//! - [`lenient`]: the known deviations of real stations, tolerated and named in lenient mode.
//! - [`v16`]: OCPP 1.6J: every message of both directions, typed, and the action tables.
//! - [`v201`]: OCPP 2.0.1, the same way.

pub mod call;
pub mod error;
pub mod frame;
pub mod ids;
pub mod lenient;
pub mod types;
pub mod v16;
pub mod v201;
pub mod version;

pub use error::ErrorCode;
pub use frame::{Frame, FrameError};
pub use ids::{MessageId, StationId};
pub use version::OcppVersion;
