//! Prometheus metrics (`GET /metrics`): on the main port behind a session or an API token like
//! every route, and, with `--metrics-listen`, on an address of their own without credentials.

use super::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use engine::Engine;

/// The exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus metrics (text exposition format 0.0.4).
///
/// On the main port behind a session or an API token like every route; with
/// `--metrics-listen ADDR`, also on that address of their own without credentials.
#[utoipa::path(get, path = "/metrics", tag = "Service",
    responses((status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    exposition(&state.engine)
}

fn exposition(engine: &Engine) -> Response {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        engine.metrics_text(),
    )
        .into_response()
}

/// The metrics listener's routes: `/metrics` only (the main port's `GET /metrics`, described
/// there, without credentials).
#[allow(clippy::disallowed_methods)]
pub fn router(engine: Engine) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(engine): State<Engine>| async move { exposition(&engine) }),
        )
        .with_state(engine)
}
