//! One module per route.

pub mod admin;
pub mod api_reference;
pub mod charging_profiles;
pub mod id_tags;
pub mod messages;
pub mod not_found;
pub mod overview;
pub mod reservations;
pub mod station;
pub mod station_history;
pub mod stations;
pub mod transaction;
pub mod transactions;
pub mod webhooks;
