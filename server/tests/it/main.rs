//! Integration tests of the `centrale` server: a real server on port 0, a real SQLite file,
//! real WebSocket stations (the simulator library) and raw HTTP.

mod api;
mod api_commands;
mod api_commands_v201;
mod calls;
mod cluster;
mod fleet;
mod helpers;
mod http;
mod lenient;
mod lifecycle;
mod messages;
mod metrics;
mod ocpp16;
mod ocpp201;
mod openapi;
mod operators;
mod security;
mod security_upgrade;
mod simulated;
mod simulated_v201;
pub(crate) mod soak;
mod stations;
mod storage;
mod tls_suites;
mod webhooks;
