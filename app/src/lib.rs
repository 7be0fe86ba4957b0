//! Centrale's dashboard: a Leptos app rendered on the server and hydrated in the browser.
//!
//! Layout:
//! - [`App`] and [`shell`]: the document and the router.
//! - `pages/`: one module per route.
//! - `components/`: small reusable views.
//! - [`api`]: the server functions, each a few lines calling the engine.
//! - [`dto`]: the types the browser sees (server function results, live events).
//! - [`live`]: the one event stream (`/api/events`) every page follows.
//!
//! With the `ssr` feature the server functions run against the `engine` (taken from the Leptos
//! context, never a global); with `hydrate` the same components hydrate in the browser.

// Leptos view types nest deeply; the station page needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod chart;
pub mod commands;
pub mod components;
pub mod dto;
pub mod live;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The `output_name` of the build: `/pkg/centrale.js`, `/pkg/centrale_bg.wasm`,
/// `/pkg/centrale.css`.
pub const OUTPUT_NAME: &str = "centrale";

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <meta name="csrf-token" content=csrf_token() />
                <script inner_html=CSRF_FETCH></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Makes every state-changing request the page sends (server functions included) repeat the
/// session's CSRF token, which the server requires with the session cookie.
const CSRF_FETCH: &str = r#"(() => {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  if (!token) return;
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    init = init || {};
    const method = (init.method || (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (!["GET", "HEAD", "OPTIONS"].includes(method)) {
      const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
      headers.set("X-CSRF-Token", token);
      init.headers = headers;
    }
    return fetch.call(this, input, init);
  };
})();"#;

/// The signed-in session's CSRF token (rendered on the server; empty for API tokens).
fn csrf_token() -> String {
    #[cfg(feature = "ssr")]
    {
        use engine::operators::{Principal, Via};
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>().cloned())
            .and_then(|who| match who.via {
                Via::Session { csrf_token } => Some(csrf_token),
                Via::Token { .. } => None,
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The dashboard: navigation, live-stream status and the routed page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let live = live::provide_live_events();
    let user = components::provide_user();

    // Effects run only in the browser, after hydration: the marker tells tests (and people
    // reading the DOM) that the page is interactive.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="centrale" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title text="Centrale" />
        <Router>
            <div class="layout" data-hydrated=move || hydrated.get().then_some("true")>
                <header class="topbar">
                    <A href="/" attr:class="brand">
                        "Centrale"
                    </A>
                    <nav>
                        <A href="/">"Overview"</A>
                        <A href="/stations">"Stations"</A>
                        <A href="/transactions">"Transactions"</A>
                        <A href="/reservations">"Reservations"</A>
                        <A href="/charging-profiles">"Profiles"</A>
                        <A href="/id-tags">"Id tags"</A>
                        <A href="/messages">"Messages"</A>
                        <A href="/api-reference">"API"</A>
                        <Transition fallback=|| ()>
                            {move || {
                                user.get()
                                    .filter(|u| u.is_admin())
                                    .map(|_| view! { <A href="/admin">"Admin"</A> })
                            }}
                        </Transition>
                    </nav>
                    <components::LinkBadge state=live.state />
                    <Transition fallback=|| ()>
                        {move || user.get().map(|u| view! { <components::UserMenu user=u /> })}
                    </Transition>
                </header>
                <main>
                    <Routes fallback=pages::not_found::NotFound>
                        <Route path=path!("") view=pages::overview::OverviewPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/transactions")
                            view=pages::transactions::TransactionsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/id-tags")
                            view=pages::id_tags::IdTagsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/stations")
                            view=pages::stations::StationsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/stations/:id")
                            view=pages::station::StationPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/stations/:id/history")
                            view=pages::station_history::StationHistoryPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/transactions/:id")
                            view=pages::transaction::TransactionPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/reservations")
                            view=pages::reservations::ReservationsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/charging-profiles")
                            view=pages::charging_profiles::ChargingProfilesPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/messages")
                            view=pages::messages::MessagesPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/admin") view=pages::admin::AdminPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/api-reference")
                            view=pages::api_reference::ApiReferencePage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// What components may ask of the HTTP response while rendering on the server. In the browser
/// these do nothing.
mod server_hooks {
    /// Sets the status of the server-rendered response to 404.
    pub fn respond_not_found() {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
}
