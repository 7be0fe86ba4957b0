//! Integration tests of the `centrale` server: a real server on port 0, a real SQLite file,
//! real WebSocket stations (the simulator library) and raw HTTP.

mod api;
mod api_commands;
mod calls;
mod helpers;
mod http;
mod lifecycle;
mod messages;
mod ocpp16;
mod operators;
mod security;
mod simulated;
mod stations;
mod storage;
