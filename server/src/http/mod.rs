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
mod transactions;

pub use error::ApiError;

use axum::Router;
use axum::routing::{delete, get, post, put};
use engine::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
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

/// The whole HTTP surface: stations, API, dashboard and its static files.
pub fn router(engine: Engine, leptos: LeptosOptions, max_message: usize) -> Router {
    let state = AppState {
        engine: engine.clone(),
        leptos,
        max_message,
    };
    let routes = route_list();
    let context_engine = engine.clone();

    // Stations' WebSocket routes stay outside compression and request tracing: they are
    // long-lived and traced per message by their session.
    let stations = Router::new()
        .route("/ocpp/{station_id}", get(ocpp::station_socket))
        .route("/central/{station_id}", get(ocpp::station_socket));

    let api = Router::new()
        .route("/events", get(events::stream))
        .route("/stations", get(fleet::stations).post(api::add_station))
        .route("/fleet", get(fleet::counters))
        .route("/fleet/overview", get(fleet::overview))
        .route(
            "/stations/{id}",
            get(api::station)
                .patch(api::change_station)
                .delete(api::delete_station),
        )
        .route("/stations/{id}/history", get(fleet::history))
        .route("/stations/{id}/commands/{action}", post(api::command))
        .route("/stations/{id}/configuration", get(api::configuration))
        .route("/stations/{id}/local-list", get(api::local_list))
        .route("/stations/{id}/variables", get(device::variables))
        .route("/stations/{id}/alerts", get(device::alerts))
        .route("/stations/{id}/evses", get(device::evses))
        .route("/stations/{id}/deviations", get(device::deviations))
        .route("/stations/{id}/security", put(api::put_station_security))
        .route("/security-events", get(api::security_events))
        .route("/me", get(auth::me))
        .route("/users", get(admin::users).post(admin::add_user))
        .route(
            "/users/{username}",
            axum::routing::patch(admin::change_user).delete(admin::delete_user),
        )
        .route("/tokens", get(admin::tokens).post(admin::add_token))
        .route("/tokens/{id}", delete(admin::revoke_token))
        .route("/audit-log", get(admin::audit_log))
        .route("/transactions", get(transactions::transactions))
        .route("/transactions.csv", get(transactions::transactions_csv))
        .route("/transactions/{id}", get(transactions::transaction))
        .route(
            "/transactions/{id}/meter-values.csv",
            get(transactions::meter_values_csv),
        )
        .route("/messages", get(messages::messages))
        .route("/reservations", get(api::reservations))
        .route("/charging-profiles", get(api::charging_profiles))
        .route("/id-tags", get(api::id_tags))
        .route(
            "/id-tags/{id_tag}",
            put(api::put_id_tag).delete(api::delete_id_tag),
        )
        .fallback(|| async { ApiError::NotFound("no such API endpoint".to_owned()) });

    let web = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/connect", get(api::connections))
        .route("/metrics", get(metrics::metrics))
        .nest("/api", api)
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_engine.clone()),
            {
                let options = state.leptos.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http());

    stations.merge(web).with_state(state)
}
