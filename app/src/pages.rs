//! One module per route.

pub mod id_tags;
pub mod not_found;
pub mod overview;
pub mod stations;
pub mod transactions;
