//! The routes of the one port Centrale listens on.

mod admin;
mod api;
pub mod auth;
mod device;
mod error;
mod events;
mod fleet;
mod health;
mod messages;
pub mod metrics;
mod ocpp;
pub mod openapi;
mod transactions;
mod webhooks;

pub use error::ApiError;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::Response;
use engine::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub leptos: LeptosOptions,
    /// The largest message a station may send (`--max-message-size`).
    pub max_message: usize,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos.clone()
    }
}

/// The dashboard's routes, generated once per process.
///
/// Generating them runs the app with resource loading suspended through a process-wide flag
/// (leptos_server 0.8, leptos issue #4773): a page rendering in another thread meanwhile would
/// wait forever for its data. The list is the same for every server, so it is made once, before
/// any server built here serves a page.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The dashboard's static files (from the binary when `embedded`, else from the site root),
/// and the dashboard's 404 page for any other path.
fn static_files(
    embedded: bool,
) -> impl Fn(Uri, State<AppState>, Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Clone
{
    let from_disk = leptos_axum::file_and_error_handler::<AppState, _>(app::shell);
    move |uri: Uri, state: State<AppState>, request: Request| {
        if embedded && let Some(file) = crate::site::response(&uri, request.headers()) {
            return Box::pin(std::future::ready(file));
        }
        from_disk(uri, state, request)
    }
}

/// The whole HTTP surface: stations, API, dashboard and its static files (`embedded`: the
/// files compiled into the binary are served).
pub fn router(engine: Engine, leptos: LeptosOptions, max_message: usize, embedded: bool) -> Router {
    let state = AppState {
        engine: engine.clone(),
        leptos,
        max_message,
    };
    let routes = route_list();
    let context_engine = engine.clone();

    // Stations' WebSocket routes stay outside compression and request tracing: they are
    // long-lived and traced per message by their session.
    let (stations, _) = openapi::stations().split_for_parts();
    let (described, _) = openapi::web().split_for_parts();
    let web = described
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_engine.clone());
                provide_context(app::api::ApiDescription(openapi::document()));
            },
            {
                let options = state.leptos.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(static_files(embedded))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http());

    stations.merge(web).with_state(state)
}
